"""`python -m {{ cookiecutter.package_name }}.predictions.train`: train the music-genre classifier and save it.

The seeds' example: a decision tree telling rock from hip-hop by a track's audio features. The
tracks are synthetic, drawn from distributions shaped like Spotify's figures for the two genres
(hip-hop: more speech, more danceable, slower; rock: more energy, faster, almost no speech), and
overlapping, so the tree has something to learn. A fixed seed makes every run draw the same tracks
and grow the same tree, so the metrics printed are the same every time.
"""

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.tree import DecisionTreeClassifier

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.predictions import model
from {{ cookiecutter.package_name }}.predictions.schemas import FEATURES

NAME = "genre-classifier"
SEED = 42
# Per genre and feature: the Beta distribution's (a, b) for the 0-1 scores, (mean, sd) for tempo.
PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "hip-hop": {
        "acousticness": (1.5, 6.0),
        "danceability": (8.0, 3.0),
        "energy": (6.0, 4.0),
        "instrumentalness": (0.3, 8.0),
        "liveness": (2.0, 9.0),
        "speechiness": (3.0, 9.0),
        "tempo": (98.0, 20.0),
        "valence": (5.0, 5.0),
    },
    "rock": {
        "acousticness": (1.2, 5.0),
        "danceability": (5.0, 5.0),
        "energy": (7.0, 3.0),
        "instrumentalness": (0.6, 5.0),
        "liveness": (2.0, 8.0),
        "speechiness": (1.5, 22.0),
        "tempo": (124.0, 26.0),
        "valence": (4.5, 5.0),
    },
}
ROCK_SHARE = 0.6  # more rock than hip-hop, as in the seeds' data set


def make_tracks(count: int, seed: int = SEED) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """`count` synthetic tracks: their features (in FEATURES order) and their genres."""
    rng = np.random.default_rng(seed)
    genres = np.where(rng.random(count) < ROCK_SHARE, "rock", "hip-hop")
    columns = []
    for name in FEATURES:
        column = np.empty(count)
        for genre, profile in PROFILES.items():
            mask = genres == genre
            a, b = profile[name]
            drawn = rng.normal(a, b, mask.sum()) if name == "tempo" else rng.beta(a, b, mask.sum())
            column[mask] = drawn
        columns.append(column)
    features = np.column_stack(columns)
    features[:, FEATURES.index("tempo")] = features[:, FEATURES.index("tempo")].clip(30, 250)
    return features.round(4), genres


def train(rows: int = 4000, seed: int = SEED) -> tuple[DecisionTreeClassifier, dict[str, Any]]:
    """Fit the tree on 80% of the tracks; measure it on the other 20%."""
    features, genres = make_tracks(rows, seed)
    cut = int(rows * 0.8)
    tree = DecisionTreeClassifier(max_depth=5, min_samples_leaf=10, random_state=seed)
    tree.fit(features[:cut], genres[:cut])
    predicted = tree.predict(features[cut:])
    labels = [str(label) for label in tree.classes_]
    precision, recall, f1, support = precision_recall_fscore_support(
        genres[cut:], predicted, labels=labels, zero_division=0
    )
    metrics = {
        "accuracy": round(float(accuracy_score(genres[cut:], predicted)), 4),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "train_rows": cut,
        "test_rows": rows - cut,
        "seed": seed,
    }
    return tree, metrics


def build(
    path: Path, *, rows: int = 4000, seed: int = SEED, version: str = "1.0.0"
) -> dict[str, Any]:
    """Train the classifier and write its artifact and metadata to `path`; return the metadata."""
    tree, metrics = train(rows, seed)
    return model.save(tree, path, name=NAME, model_version=version, metrics=metrics)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, help="where to write the artifact (default: MODEL_PATH)"
    )
    parser.add_argument("--rows", type=int, default=4000, help="synthetic tracks to draw")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--model-version", default="1.0.0")
    args = parser.parse_args(argv)
    output = args.output or Path(Settings().model_path)
    metadata = build(output, rows=args.rows, seed=args.seed, version=args.model_version)
    print(f"Wrote {output} and {model.metadata_path(output)}")
    print(json.dumps(metadata["metrics"], indent=2))


if __name__ == "__main__":
    main()
