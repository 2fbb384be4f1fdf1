"""What the model does, for Prometheus: answers per genre and model version, and each model call."""

from collections import Counter as Tally

from prometheus_client import Counter, Histogram

from {{ cookiecutter.package_name }}.predictions.schemas import Prediction

PREDICTIONS = Counter(
    "predictions", "Tracks classified, by genre and model version.", ["genre", "model_version"]
)
INFERENCE_DURATION = Histogram(
    "prediction_inference_duration_seconds",
    "Time of one model call, whatever its rows.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
BATCH_ROWS = Histogram(
    "prediction_batch_rows",
    "Rows per model call: a micro-batch of single requests, or a batch request.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)


def record(predictions: list[Prediction], seconds: float) -> None:
    INFERENCE_DURATION.observe(seconds)
    BATCH_ROWS.observe(len(predictions))
    # One update per genre and version, not per row: a batch holds hundreds of rows.
    tally = Tally((prediction.genre, prediction.model_version) for prediction in predictions)
    for (genre, model_version), count in tally.items():
        PREDICTIONS.labels(genre, model_version).inc(count)
