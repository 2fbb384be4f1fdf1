"""The seeds' alternative for the model: Flask on gunicorn serving the same artifact, the plain way.

The JSON body read as it comes, no validation beyond what a missing key or a non-number breaks,
the model called in the request, no authentication. Loaded with skops like the generated service
(the plain way would be a pickle; the cost per request is the same).
"""

import os

import numpy as np
import skops.io
from flask import Flask, request

FEATURES = (
    "acousticness",
    "danceability",
    "energy",
    "instrumentalness",
    "liveness",
    "speechiness",
    "tempo",
    "valence",
)

model = skops.io.load(os.environ["MODEL_PATH"], trusted=["sklearn.tree._tree.Tree"])
classes = [str(label) for label in model.classes_]
app = Flask(__name__)


@app.get("/health")
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/predict")
def predict() -> dict[str, object]:
    data = request.get_json()
    probabilities = model.predict_proba([[float(data[name]) for name in FEATURES]])[0]
    return {
        "genre": classes[int(np.argmax(probabilities))],
        "probabilities": dict(zip(classes, probabilities.tolist(), strict=True)),
    }
