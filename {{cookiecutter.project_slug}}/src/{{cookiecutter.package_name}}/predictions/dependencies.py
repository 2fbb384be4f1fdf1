"""`PredictorDep` and `ModelDep`: the predictor the app's lifespan started, and its model."""

from typing import Annotated

from fastapi import Depends
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.predictions.model import LoadedModel
from {{ cookiecutter.package_name }}.predictions.schemas import Music, PredictionBatchRequest
from {{ cookiecutter.package_name }}.predictions.service import Predictor


async def get_predictor(connection: HTTPConnection) -> Predictor:
    predictor: Predictor = connection.app.state.predictor
    return predictor


PredictorDep = Annotated[Predictor, Depends(get_predictor)]


async def get_model(predictor: PredictorDep) -> LoadedModel:
    """The model being served; 503 while there is none (also used by /health/ready)."""
    return await predictor.model()


ModelDep = Annotated[LoadedModel, Depends(get_model)]


async def get_batch_rows(batch: PredictionBatchRequest, settings: SettingsDep) -> list[Music]:
    """The rows of a batch request, refused with 422 beyond PREDICTION_BATCH_MAX."""
    limit = settings.prediction_batch_max
    if len(batch.rows) > limit:
        raise RequestValidationError(
            [
                {
                    "type": "too_long",
                    "loc": ("body", "rows"),
                    "msg": f"List should have at most {limit} items, not {len(batch.rows)}",
                    "input": None,
                    "ctx": {"max_length": limit},
                }
            ]
        )
    return batch.rows


BatchRows = Annotated[list[Music], Depends(get_batch_rows)]
