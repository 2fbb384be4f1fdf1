"""The model being served: loaded once at start, predicted with off the event loop."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import ServiceUnavailableError
from {{ cookiecutter.package_name }}.predictions import metrics, model
from {{ cookiecutter.package_name }}.predictions.batching import MicroBatcher, Rows
from {{ cookiecutter.package_name }}.predictions.model import LoadedModel, ModelUnavailableError
from {{ cookiecutter.package_name }}.predictions.schemas import (
    FEATURES,
    ROCK,
    ModelInfo,
    Music,
    Prediction,
    feature_ranges,
)

logger = logging.getLogger(__name__)

# While no model is loaded, a readiness check or prediction looks for one again, at most this often.
RETRY_SECONDS = 1.0


def features(row: Music) -> list[float]:
    return [getattr(row, name) for name in FEATURES]


class Predictor:
    """Serves the model at MODEL_PATH, or answers 503 saying why it cannot."""

    def __init__(self, settings: Settings) -> None:
        self._path = Path(settings.model_path)
        self._timeout_s = settings.prediction_timeout_seconds
        # The model runs in these threads only, so requests queue here, not in anyio's default pool.
        self._threads = anyio.CapacityLimiter(settings.prediction_threads)
        self._batcher: MicroBatcher | None = None
        if settings.prediction_microbatch_max > 1:
            self._batcher = MicroBatcher(
                self._run,
                max_size=settings.prediction_microbatch_max,
                wait_s=settings.prediction_microbatch_wait_ms / 1000,
                workers=settings.prediction_threads,
            )
        self._model: LoadedModel | None = None
        self._problem = "not loaded yet"
        self._tried_at = -RETRY_SECONDS
        self._loading = asyncio.Lock()

    async def start(self) -> None:
        if self._batcher:
            self._batcher.start()
        await self.load()

    async def stop(self) -> None:
        if self._batcher:
            await self._batcher.stop()

    async def load(self) -> None:
        """Load the artifact and run one prediction with it; on failure, keep serving 503s."""
        async with self._loading:
            self._tried_at = time.monotonic()
            try:
                loaded = await anyio.to_thread.run_sync(model.load, self._path)
                warm_up = [features(Music.model_validate(ROCK))]
                await anyio.to_thread.run_sync(loaded.predict, warm_up)
            except ModelUnavailableError as exc:
                if str(exc) != self._problem:
                    logger.error("Model unavailable: %s", exc)
                self._problem = str(exc)
                return
            self._model = loaded
            logger.info(
                "Model %s %s loaded (sha256 %s)", loaded.name, loaded.version, loaded.sha256
            )

    async def model(self) -> LoadedModel:
        """The loaded model, or ServiceUnavailableError (503) saying why there is none."""
        if self._model is None:
            if time.monotonic() - self._tried_at >= RETRY_SECONDS and not self._loading.locked():
                await self.load()
            if self._model is None:
                raise ServiceUnavailableError(f"Model unavailable: {self._problem}")
        return self._model

    async def predict(self, row: Music) -> Prediction:
        await self.model()
        try:
            async with asyncio.timeout(self._timeout_s):
                if self._batcher:
                    return await self._batcher.predict(features(row))
                return (await self._run([features(row)]))[0]
        except TimeoutError:
            raise ServiceUnavailableError("Prediction timed out; try again later") from None

    async def predict_many(self, rows: list[Music]) -> list[Prediction]:
        await self.model()
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._run([features(row) for row in rows])
        except TimeoutError:
            raise ServiceUnavailableError("Prediction timed out; try again later") from None

    async def _run(self, rows: Rows) -> list[Prediction]:
        loaded = await self.model()
        started = time.perf_counter()
        predictions = await anyio.to_thread.run_sync(loaded.predict, rows, limiter=self._threads)
        metrics.record(predictions, time.perf_counter() - started)
        return predictions


def describe(loaded: LoadedModel) -> ModelInfo:
    return ModelInfo(
        name=loaded.name,
        version=loaded.version,
        sha256=loaded.sha256,
        libraries=loaded.libraries,
        features=feature_ranges(),
        classes=list(loaded.classes),
        metrics=loaded.metrics,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model before the first request (a missing one is not fatal: see Predictor)."""
    predictor = Predictor(app.state.settings)
    app.state.predictor = predictor
    await predictor.start()
    try:
        yield
    finally:
        await predictor.stop()
