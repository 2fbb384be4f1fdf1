"""The bodies of the predictions API: a track's audio features in, a genre out."""

from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field

# Spotify's audio features: all but tempo are scores between 0 and 1.
Score = Annotated[float, Field(ge=0, le=1)]
ROCK: dict[str, float] = {
    "acousticness": 0.02,
    "danceability": 0.45,
    "energy": 0.88,
    "instrumentalness": 0.12,
    "liveness": 0.18,
    "speechiness": 0.04,
    "tempo": 132.0,
    "valence": 0.5,
}
HIP_HOP: dict[str, float] = {
    "acousticness": 0.12,
    "danceability": 0.82,
    "energy": 0.65,
    "instrumentalness": 0.0,
    "liveness": 0.12,
    "speechiness": 0.28,
    "tempo": 92.0,
    "valence": 0.55,
}


class Music(BaseModel):
    """One track's audio features, in the order the model reads them."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{**ROCK}, {**HIP_HOP}]}
    )

    acousticness: Score = Field(description="Confidence that the track is acoustic")
    danceability: Score = Field(description="How suitable the track is for dancing")
    energy: Score = Field(description="Perceived intensity and activity")
    instrumentalness: Score = Field(description="Confidence that the track has no vocals")
    liveness: Score = Field(description="Confidence that an audience is present")
    speechiness: Score = Field(description="Presence of spoken words")
    tempo: float = Field(ge=30, le=250, description="Beats per minute")
    valence: Score = Field(description="Musical positiveness")


FEATURES: tuple[str, ...] = tuple(Music.model_fields)


class PredictionBatchRequest(BaseModel):
    """Tracks to classify in one call; at most PREDICTION_BATCH_MAX of them."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rows": [{**ROCK}, {**HIP_HOP}]}]}
    )

    rows: list[Music] = Field(min_length=1)


class Prediction(BaseModel):
    genre: str = Field(examples=["rock"])
    probabilities: dict[str, float] = Field(examples=[{"hip-hop": 0.04, "rock": 0.96}])
    model_version: str = Field(examples=["1.0.0"])


class PredictionBatch(BaseModel):
    predictions: list[Prediction] = Field(description="One per row, in the rows' order")


class Feature(BaseModel):
    name: str
    minimum: float
    maximum: float


class ModelInfo(BaseModel):
    name: str
    version: str
    sha256: str = Field(description="Of the artifact file the service loaded")
    libraries: dict[str, str] = Field(description="Versions the model was trained with")
    features: list[Feature] = Field(description="In the order the model reads them")
    classes: list[str]
    metrics: dict[str, Any] = Field(description="Measured on held-out rows at training")


def feature_ranges() -> list[Feature]:
    """The features with the bounds Music validates them against."""
    features = []
    for name, field in Music.model_fields.items():
        low = next(rule.ge for rule in field.metadata if isinstance(rule, Ge))
        high = next(rule.le for rule in field.metadata if isinstance(rule, Le))
        features.append(Feature(name=name, minimum=float(low), maximum=float(high)))  # type: ignore[arg-type]
    return features
