"""The genre classifier served for real: a model trained for the session, called as clients do."""

import asyncio
import hashlib
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pytest
import sklearn
from httpx2 import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.predictions import model, service, train
from {{ cookiecutter.package_name }}.predictions.model import ModelUnavailableError
from {{ cookiecutter.package_name }}.predictions.schemas import FEATURES, ROCK

from tests.helpers import free_port, process_env, serve, wait_until_serving

PREDICT = "/api/v1/predictions"
BATCH = "/api/v1/predictions/batch"
MODEL = "/api/v1/predictions/model"


def tracks(count: int, seed: int = 7) -> list[dict[str, float]]:
    """Plausible tracks of both genres, unseen by the model (another seed than its training)."""
    features, _ = train.make_tracks(count, seed)
    return [dict(zip(FEATURES, map(float, row), strict=True)) for row in features]


def expected(model_path: Path, rows: list[dict[str, float]]) -> list[dict[str, Any]]:
    """What the model itself answers for these rows, loaded from the same artifact."""
    loaded = model.load(model_path)
    matrix = np.array([[row[name] for name in FEATURES] for row in rows])
    answers = []
    for probabilities in loaded.estimator.predict_proba(matrix):
        answers.append(
            {
                "genre": str(loaded.estimator.classes_[np.argmax(probabilities)]),
                "probabilities": dict(zip(loaded.classes, probabilities.tolist(), strict=True)),
                "model_version": "test",
            }
        )
    return answers


def copy_model(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    shutil.copy(model.metadata_path(source), model.metadata_path(target))
    return target


async def test_single_predictions_agree_with_the_model(
    client: AsyncClient, auth_headers: dict[str, str], model_path: Path
) -> None:
    rows = tracks(60)
    # Concurrent requests share model calls (micro-batches): each must get its own row's answer.
    responses = await asyncio.gather(
        *(client.post(PREDICT, json=row, headers=auth_headers) for row in rows)
    )
    assert [response.status_code for response in responses] == [200] * len(rows)
    answers = [response.json() for response in responses]
    assert answers == expected(model_path, rows)
    assert {answer["genre"] for answer in answers} == {"rock", "hip-hop"}


async def test_predictions_without_micro_batches_agree_too(
    settings: Settings, auth_headers: dict[str, str], model_path: Path
) -> None:
    rows = tracks(10)
    async with serve(settings.model_copy(update={"prediction_microbatch_max": 1})) as client:
        responses = await asyncio.gather(
            *(client.post(PREDICT, json=row, headers=auth_headers) for row in rows)
        )
    assert [response.json() for response in responses] == expected(model_path, rows)


async def test_batch_answers_in_order(
    client: AsyncClient, auth_headers: dict[str, str], model_path: Path
) -> None:
    rows = tracks(256)
    response = await client.post(BATCH, json={"rows": rows}, headers=auth_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": expected(model_path, rows)}


async def prediction_samples(client: AsyncClient) -> dict[tuple[str, frozenset[Any]], float]:
    text = (await client.get("/metrics")).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("prediction")
    }


async def test_predictions_are_counted_by_genre_and_model_version(
    client: AsyncClient, auth_headers: dict[str, str], model_path: Path
) -> None:
    rows = tracks(40)
    before = await prediction_samples(client)
    assert (await client.post(PREDICT, json=rows[0], headers=auth_headers)).is_success
    assert (await client.post(BATCH, json={"rows": rows[1:]}, headers=auth_headers)).is_success
    after = await prediction_samples(client)

    def grown(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    genres = [answer["genre"] for answer in expected(model_path, rows)]
    for genre in ("rock", "hip-hop"):
        assert grown("predictions_total", genre=genre, model_version="test") == genres.count(genre)
    # Two model calls, of 1 and 39 rows: 40 rows in all, one of them in the "at most 1 row" bucket.
    assert grown("prediction_batch_rows_count") == 2
    assert grown("prediction_batch_rows_sum") == 40
    assert grown("prediction_batch_rows_bucket", le="1.0") == 1
    assert grown("prediction_inference_duration_seconds_count") == 2


async def test_batch_above_the_limit_is_refused(
    settings: Settings, auth_headers: dict[str, str]
) -> None:
    async with serve(settings.model_copy(update={"prediction_batch_max": 3})) as client:
        assert (await client.post(BATCH, json={"rows": tracks(3)}, headers=auth_headers)).is_success
        response = await client.post(BATCH, json={"rows": tracks(4)}, headers=auth_headers)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "rows"]
    assert "at most 3" in error["msg"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"danceability": 1.5}, "danceability"),
        ({"speechiness": -0.1}, "speechiness"),
        ({"tempo": 900}, "tempo"),
        ({"tempo": 5}, "tempo"),
        ({"energy": "loud"}, "energy"),
        ({"energy": None}, "energy"),
        ({"genre": "rock"}, "genre"),
    ],
    ids=["above-1", "below-0", "tempo-high", "tempo-low", "not-a-number", "null", "extra"],
)
async def test_bad_track_gets_422_naming_the_field(
    client: AsyncClient, auth_headers: dict[str, str], change: dict[str, object], field: str
) -> None:
    response = await client.post(PREDICT, json=ROCK | change, headers=auth_headers)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]


async def test_missing_field_gets_422(client: AsyncClient, auth_headers: dict[str, str]) -> None:
    track = {name: value for name, value in ROCK.items() if name != "valence"}
    response = await client.post(PREDICT, json=track, headers=auth_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "valence"]
    assert response.json()["detail"][0]["type"] == "missing"


async def test_bad_rows_of_a_batch_are_named_by_index_and_field(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    rows: list[dict[str, object]] = [dict(row) for row in tracks(6)]
    rows[2]["tempo"] = 400
    del rows[4]["energy"]
    rows[5]["artist"] = "someone"
    response = await client.post(BATCH, json={"rows": rows}, headers=auth_headers)
    assert response.status_code == 422
    locations = sorted(tuple(error["loc"]) for error in response.json()["detail"])
    assert locations == [
        ("body", "rows", 2, "tempo"),
        ("body", "rows", 4, "energy"),
        ("body", "rows", 5, "artist"),
    ]
    empty = await client.post(BATCH, json={"rows": []}, headers=auth_headers)
    assert empty.status_code == 422


async def test_every_route_needs_a_token(client: AsyncClient) -> None:
    for method, path, body in (
        ("POST", PREDICT, ROCK),
        ("POST", BATCH, {"rows": [ROCK]}),
        ("GET", MODEL, None),
    ):
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_model_endpoint_describes_the_artifact(
    client: AsyncClient, auth_headers: dict[str, str], model_path: Path
) -> None:
    response = await client.get(MODEL, headers=auth_headers)
    assert response.status_code == 200
    info = response.json()
    assert info["sha256"] == hashlib.sha256(await anyio.Path(model_path).read_bytes()).hexdigest()
    assert info["name"] == "genre-classifier"
    assert info["version"] == "test"
    assert info["classes"] == ["hip-hop", "rock"]
    assert [feature["name"] for feature in info["features"]] == list(FEATURES)
    tempo = next(feature for feature in info["features"] if feature["name"] == "tempo")
    assert (tempo["minimum"], tempo["maximum"]) == (30, 250)
    assert info["libraries"]["scikit-learn"] == sklearn.__version__
    assert info["metrics"]["accuracy"] > 0.8
    assert set(info["metrics"]["per_class"]) == {"hip-hop", "rock"}


def test_training_is_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.skops", tmp_path / "b.skops"
    train.main(["--output", str(first)])
    printed = capsys.readouterr().out
    train.main(["--output", str(second)])
    metrics = json.loads(model.metadata_path(first).read_text())["metrics"]
    assert metrics == json.loads(model.metadata_path(second).read_text())["metrics"]
    assert f'"accuracy": {metrics["accuracy"]}' in printed
    rows = np.array([[row[name] for name in FEATURES] for row in tracks(500)])
    one, two = model.load(first).estimator, model.load(second).estimator
    assert (one.predict_proba(rows) == two.predict_proba(rows)).all()


async def test_missing_model_fails_readiness_and_predictions_until_one_appears(
    settings: Settings,
    auth_headers: dict[str, str],
    model_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "RETRY_SECONDS", 0.0)
    missing = tmp_path / "genre-classifier.skops"
    async with serve(settings.model_copy(update={"model_path": str(missing)})) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert "no model artifact at MODEL_PATH" in ready.json()["detail"]
        for method, path, body in (
            ("POST", PREDICT, ROCK),
            ("POST", BATCH, {"rows": [ROCK]}),
            ("GET", MODEL, None),
        ):
            response = await client.request(method, path, json=body, headers=auth_headers)
            assert response.status_code == 503, path
            assert response.json()["detail"].startswith("Model unavailable: no model artifact")
        # Once an artifact is there, the next check loads it: no restart needed.
        copy_model(model_path, missing)
        assert (await client.get("/health/ready")).status_code == 200
        assert (await client.post(PREDICT, json=ROCK, headers=auth_headers)).status_code == 200


class Shady(DecisionTreeClassifier):  # type: ignore[misc]  # scikit-learn has no types
    """A type no one listed as trusted: skops would have to import and build it."""


def test_untrusted_type_is_refused(tmp_path: Path) -> None:
    features, genres = train.make_tracks(200)
    path = tmp_path / "shady.skops"
    model.save(Shady().fit(features, genres), path, name="shady", model_version="1", metrics={})
    with pytest.raises(ModelUnavailableError, match=r"untrusted types: \['tests\..*Shady'\]"):
        model.load(path)


async def test_untrusted_model_is_not_served(
    settings: Settings, auth_headers: dict[str, str], tmp_path: Path
) -> None:
    features, genres = train.make_tracks(200)
    path = tmp_path / "shady.skops"
    model.save(Shady().fit(features, genres), path, name="shady", model_version="1", metrics={})
    async with serve(settings.model_copy(update={"model_path": str(path)})) as client:
        ready = await client.get("/health/ready")
        prediction = await client.post(PREDICT, json=ROCK, headers=auth_headers)
    assert ready.status_code == prediction.status_code == 503
    assert "untrusted types" in prediction.json()["detail"]


def test_scikit_learn_version_mismatch_is_refused(model_path: Path, tmp_path: Path) -> None:
    path = copy_model(model_path, tmp_path / "old.skops")
    metadata = json.loads(model.metadata_path(path).read_text())
    metadata["libraries"]["scikit-learn"] = "1.0.2"
    model.metadata_path(path).write_text(json.dumps(metadata))
    with pytest.raises(ModelUnavailableError) as refused:
        model.load(path)
    assert str(refused.value).startswith(
        f"the model was trained with scikit-learn 1.0.2 but this service runs {sklearn.__version__}"
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("artifact", "does not match its metadata's sha256"),
        ("metadata", "metadata (corrupt.json) is missing or invalid"),
        ("both", "not a readable skops file"),
        ("features", "the model reads the features"),
    ],
)
def test_damaged_artifact_is_refused(
    model_path: Path, tmp_path: Path, damage: str, message: str
) -> None:
    path = copy_model(model_path, tmp_path / "corrupt.skops")
    metadata = json.loads(model.metadata_path(path).read_text())
    if damage in {"artifact", "both"}:
        path.write_bytes(b"not a zip file")
    if damage == "both":
        metadata["sha256"] = hashlib.sha256(b"not a zip file").hexdigest()
    if damage == "features":
        metadata["features"] = list(reversed(FEATURES))
    model.metadata_path(path).write_text("{" if damage == "metadata" else json.dumps(metadata))
    with pytest.raises(ModelUnavailableError, match=re.escape(message)):
        model.load(path)


async def test_health_answers_fast_while_a_large_batch_is_predicted(
    settings: Settings, auth_headers: dict[str, str], tmp_path: Path
) -> None:
    """In a real server: the model runs in a thread, so the event loop keeps answering."""
    # Nearest neighbours over 100,000 tracks: some 0.3 s per batch of 256, on purpose.
    features, genres = train.make_tracks(100_000)
    slow = tmp_path / "slow.skops"
    knn = KNeighborsClassifier(algorithm="brute").fit(features, genres)
    model.save(knn, slow, name="slow", model_version="1", metrics={})
    port = free_port()
    # One core for the model, as PREDICTION_THREADS=1 means.
    env = process_env(settings, MODEL_PATH=str(slow), OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "uvicorn", "{{ cookiecutter.package_name }}.main:app"]
    server = await asyncio.create_subprocess_exec(*command, "--port", str(port), env=env)
    try:
        async with AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            await wait_until_serving(client, server)
            assert (await client.get("/health/ready")).status_code == 200
            rows = {"rows": tracks(256)}
            # The first large call pays one-off costs inside the libraries; measure the next.
            assert (await client.post(BATCH, json=rows, headers=auth_headers)).is_success
            started = time.perf_counter()
            batch = asyncio.create_task(client.post(BATCH, json=rows, headers=auth_headers))
            latencies = []
            while not batch.done():
                before = time.perf_counter()
                assert (await client.get("/health")).status_code == 200
                latencies.append(time.perf_counter() - before)
                await asyncio.sleep(0.005)
            response = await batch
            batch_seconds = time.perf_counter() - started
    finally:
        server.terminate()
        await server.wait()
    assert response.status_code == 200
    assert len(response.json()["predictions"]) == 256
    # On the event loop, that batch would hold /health up for its whole duration: one or two
    # health checks would fit in it, each as slow as the batch.
    assert len(latencies) >= 5, (batch_seconds, latencies)
    # The median, not the maximum: on a loaded machine any request can lose the CPU for a while.
    assert statistics.median(latencies) < 0.05, latencies
