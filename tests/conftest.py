"""Fixtures shared by the template's tests."""

import os
import shutil
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.helpers import ROOT


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config of our own: no replay files or clones in the user's home."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'templates'}\nreplay_dir: {home / 'replay'}\n")
    return config


@pytest.fixture
def render(tmp_path: Path, cookiecutter_config: Path):
    """Render the template with some answers (defaults for the rest); return the project folder."""

    def _render(output_dir: Path | None = None, **answers: object) -> Path:
        project = cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(output_dir or tmp_path),
            extra_context=answers,
            config_file=str(cookiecutter_config),
        )
        return Path(project)

    return _render


@pytest.fixture(scope="session")
def uv() -> str:
    # `uv run` tells its children where it is; otherwise look on PATH.
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv is needed to build fresh virtual environments"
    return found
