"""The baseline for the model: a bare FastAPI endpoint calling it directly, as the seeds do.

The seeds' `Music` model (types, no ranges), the model called on the event loop, no middleware,
no authentication, no thread pool, no micro-batches; the same artifact, loaded with skops.
"""

import os

import numpy as np
import skops.io
from fastapi import FastAPI
from pydantic import BaseModel


class Music(BaseModel):
    acousticness: float
    danceability: float
    energy: float
    instrumentalness: float
    liveness: float
    speechiness: float
    tempo: float
    valence: float


class Prediction(BaseModel):
    genre: str
    probabilities: dict[str, float]


model = skops.io.load(os.environ["MODEL_PATH"], trusted=["sklearn.tree._tree.Tree"])
classes = [str(label) for label in model.classes_]
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/health")
async def liveness() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/predict")
async def predict(music: Music) -> Prediction:
    probabilities = model.predict_proba([list(music.model_dump().values())])[0]
    return Prediction(
        genre=classes[int(np.argmax(probabilities))],
        probabilities=dict(zip(classes, probabilities.tolist(), strict=True)),
    )
