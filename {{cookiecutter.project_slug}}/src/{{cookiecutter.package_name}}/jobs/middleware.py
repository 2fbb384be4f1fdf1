"""What every job gets: a log line and metrics per run, and retries with backoff."""

import asyncio
import logging
import time
from typing import Any

from prometheus_client import Counter, Histogram
from taskiq import SmartRetryMiddleware, TaskiqMessage, TaskiqMiddleware, TaskiqResult
from taskiq.kicker import AsyncKicker

logger = logging.getLogger(__name__)

JOBS = Counter("jobs", "Job runs, by outcome.", ["job", "outcome"])
JOB_DURATION = Histogram(
    "job_duration_seconds",
    "Time a job run took.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0),
)


class JobObserver(TaskiqMiddleware):
    def __init__(self) -> None:
        super().__init__()
        self._started: dict[str, float] = {}

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        self._started[message.task_id] = time.perf_counter()
        attempt = int(message.labels.get("_retries", 0)) + 1
        logger.info("Job %s started (attempt %d)", message.task_name, attempt)
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        seconds = time.perf_counter() - self._started.pop(message.task_id, time.perf_counter())
        outcome = "failed" if result.is_err else "succeeded"
        JOBS.labels(message.task_name, outcome).inc()
        JOB_DURATION.labels(message.task_name).observe(seconds)
        log = logger.warning if result.is_err else logger.info
        log("Job %s %s in %.3f s", message.task_name, outcome, seconds)


class BackoffRetryMiddleware(SmartRetryMiddleware):
    """Retries a failed job after a growing delay.

    SmartRetryMiddleware only waits when given a schedule source; without one it re-enqueues at
    once. Waiting here, before the failed delivery is acknowledged, keeps the job safe: a worker
    that dies while it waits leaves the delivery to be redelivered.
    """

    async def on_send(
        self, kicker: AsyncKicker[Any, Any], message: TaskiqMessage, delay: float
    ) -> None:
        await asyncio.sleep(delay)
        await super().on_send(kicker, message, delay)
