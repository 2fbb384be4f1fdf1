"""The classifier artifact: written and read with skops, its metadata in a JSON file beside it.

skops, not pickle or joblib: loading a pickle runs whatever code it names, so an artifact from
anywhere is a program. skops reads a plain description of the objects and builds only types it
trusts: scikit-learn's estimators, numpy arrays and builtins by default, plus TRUSTED_TYPES.
"""

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import skops.io

from {{ cookiecutter.package_name }}.predictions.schemas import (
    FEATURES,
    Prediction,
)

# Beyond skops' defaults: what a DecisionTreeClassifier holds. Swapping in another kind of model?
# List what `skops.io.get_untrusted_types(file=...)` reports for it, after reading that list.
TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]
LIBRARIES = ("scikit-learn", "numpy", "skops")


class ModelUnavailableError(Exception):
    """The artifact cannot be served; the message says why, for clients and logs alike."""


def metadata_path(artifact: Path) -> Path:
    return artifact.with_suffix(".json")


def library_versions() -> dict[str, str]:
    return {name: version(name) for name in LIBRARIES}


@dataclass(frozen=True)
class LoadedModel:
    """A classifier ready to serve, with what its metadata says about it."""

    estimator: Any  # a fitted scikit-learn classifier: predict_proba and classes_
    name: str
    version: str
    sha256: str
    classes: tuple[str, ...]
    libraries: dict[str, str]
    metrics: dict[str, Any]

    def predict(self, rows: list[list[float]]) -> list[Prediction]:
        """Classify rows of features (in FEATURES order); blocking, so run it in a thread."""
        probabilities: np.ndarray[Any, np.dtype[np.float64]] = self.estimator.predict_proba(
            np.asarray(rows, dtype=np.float64)
        )
        return [
            Prediction(
                genre=self.classes[int(np.argmax(row))],
                probabilities=dict(zip(self.classes, row.tolist(), strict=True)),
                model_version=self.version,
            )
            for row in probabilities
        ]


def save(
    estimator: Any, path: Path, *, name: str, model_version: str, metrics: dict[str, Any]
) -> dict[str, Any]:
    """Write the artifact and its metadata; return the metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = skops.io.dumps(estimator)
    path.write_bytes(data)
    metadata = {
        "name": name,
        "version": model_version,
        "sha256": hashlib.sha256(data).hexdigest(),
        "libraries": library_versions(),
        "features": list(FEATURES),
        "classes": [str(label) for label in estimator.classes_],
        "metrics": metrics,
    }
    metadata_path(path).write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


def load(path: Path) -> LoadedModel:
    """Read and check an artifact; raise ModelUnavailableError saying what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelUnavailableError(
            "no model artifact at MODEL_PATH; train one with `make train-model`"
        ) from None
    except OSError as exc:
        raise ModelUnavailableError(f"the model artifact cannot be read ({exc.strerror})") from exc
    try:
        metadata = json.loads(metadata_path(path).read_text())
        trained_with = metadata["libraries"]["scikit-learn"]
        features, classes = metadata["features"], tuple(metadata["classes"])
        name, model_version = str(metadata["name"]), str(metadata["version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(
            f"the model's metadata ({metadata_path(path).name}) is missing or invalid"
        ) from exc
    serving = version("scikit-learn")
    if trained_with != serving:
        raise ModelUnavailableError(
            f"the model was trained with scikit-learn {trained_with} but this service runs "
            f"{serving}; retrain it (`make train-model`) or install scikit-learn=={trained_with}"
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != metadata.get("sha256"):
        raise ModelUnavailableError("the model artifact does not match its metadata's sha256")
    if list(features) != list(FEATURES):
        raise ModelUnavailableError(
            f"the model reads the features {features}, the API sends {list(FEATURES)}"
        )
    try:
        untrusted = sorted(set(skops.io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
        if untrusted:
            raise ModelUnavailableError(f"the model artifact holds untrusted types: {untrusted}")
        estimator = skops.io.loads(data, trusted=TRUSTED_TYPES)
    except ModelUnavailableError:
        raise
    except Exception as exc:  # skops raises many kinds for a corrupt file
        raise ModelUnavailableError("the model artifact is not a readable skops file") from exc
    if not hasattr(estimator, "predict_proba") or tuple(map(str, estimator.classes_)) != classes:
        raise ModelUnavailableError("the model artifact is not the classifier its metadata names")
    return LoadedModel(
        estimator=estimator,
        name=name,
        version=model_version,
        sha256=sha256,
        classes=classes,
        libraries=dict(metadata["libraries"]),
        metrics=dict(metadata.get("metrics", {})),
    )
