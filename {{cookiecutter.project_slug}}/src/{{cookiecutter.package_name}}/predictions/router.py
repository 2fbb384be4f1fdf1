from typing import Any

from fastapi import APIRouter, Depends, status

from {{ cookiecutter.package_name }}.auth.dependencies import get_token_claims
from {{ cookiecutter.package_name }}.predictions.dependencies import BatchRows, ModelDep, PredictorDep
from {{ cookiecutter.package_name }}.predictions.schemas import (
    ModelInfo,
    Music,
    Prediction,
    PredictionBatch,
)
from {{ cookiecutter.package_name }}.predictions.service import describe, lifespan

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "No model is loaded (`detail` says why)"}
}

# Every route needs a valid access token, as the rest of the API. The token's signature and expiry
# are checked, not the account: a prediction reads no data of the user's, and loading the user
# cost two thirds of the single-track throughput (a database round trip each). A deactivated
# account's token, or one of an ended session, therefore predicts until it expires
# (ACCESS_TOKEN_EXPIRE_MINUTES).
# The lifespan loads the model.
router = APIRouter(
    prefix="/predictions",
    tags=["predictions"],
    dependencies=[Depends(get_token_claims)],
    responses=UNAVAILABLE,
    lifespan=lifespan,
)


@router.post("")
async def predict(music: Music, predictor: PredictorDep) -> Prediction:
    """Classify one track as rock or hip-hop, with the probability of each genre."""
    return await predictor.predict(music)


@router.post("/batch")
async def predict_batch(rows: BatchRows, predictor: PredictorDep) -> PredictionBatch:
    """Classify up to PREDICTION_BATCH_MAX tracks in one call; the answers come in their order."""
    return PredictionBatch(predictions=await predictor.predict_many(rows))


@router.get("/model")
async def describe_model(model: ModelDep) -> ModelInfo:
    """What is being served: its version, artifact checksum, features, classes and metrics."""
    return describe(model)
