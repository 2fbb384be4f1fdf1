"""Micro-batching: single rows that arrive together become one model call.

A scikit-learn call costs about the same for one row as for a hundred (its input checks dominate),
so under concurrent load answering each request with its own call wastes most of the CPU. Each
worker takes the first waiting row, optionally waits a short window for more, takes every row
waiting (up to a maximum), predicts them in one call and hands each caller its own answer. With
no concurrent requests a row is predicted at once, alone: nothing waits for a batch to fill.
"""

import asyncio
from collections.abc import Awaitable, Callable

from {{ cookiecutter.package_name }}.predictions.schemas import Prediction

Rows = list[list[float]]


class MicroBatcher:
    def __init__(
        self,
        predict: Callable[[Rows], Awaitable[list[Prediction]]],
        *,
        max_size: int,
        wait_s: float,
        workers: int,
    ) -> None:
        self._predict = predict
        self._max_size = max_size
        self._wait_s = wait_s
        self._workers = workers
        self._queue: asyncio.Queue[tuple[list[float], asyncio.Future[Prediction]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            future.cancel()

    async def predict(self, row: list[float]) -> Prediction:
        """The answer for one row; cancelling the wait (a deadline) leaves the batch unharmed."""
        future: asyncio.Future[Prediction] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((row, future))
        return await future

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self._wait_s:
                await asyncio.sleep(self._wait_s)
            while len(batch) < self._max_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            waiting = [(row, future) for row, future in batch if not future.done()]
            if not waiting:
                continue  # every caller gave up
            try:
                answers = await self._predict([row for row, _ in waiting])
            except Exception as exc:  # raised again in each caller's request
                for _, future in waiting:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(waiting, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
