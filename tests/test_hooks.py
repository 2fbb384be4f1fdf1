"""Bad answers, through the real command line: a non-zero exit, the field and its rule, nothing on disk."""

from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cookiecutter_cli

BAD_ANSWERS = [
    ({"project_name": ""}, "project_name", "must not be empty"),
    ({"project_name": "   "}, "project_name", "must not be empty"),
    ({"project_slug": "My Service!"}, "project_slug", "lower-case letter"),
    ({"project_slug": "my service"}, "project_slug", "lower-case letter"),
    ({"project_slug": "MyService"}, "project_slug", "lower-case letter"),
    ({"project_slug": "1abc"}, "project_slug", "lower-case letter"),
    ({"project_slug": "-x"}, "project_slug", "lower-case letter"),
    ({"project_slug": "x-"}, "project_slug", "single dashes"),
    ({"project_slug": "a--b"}, "project_slug", "single dashes"),
    ({"package_name": "class"}, "package_name", "keyword"),
    ({"package_name": "my-pkg"}, "package_name", "identifier"),
    ({"package_name": "1pkg"}, "package_name", "identifier"),
    ({"author_email": "nobody"}, "author_email", "email address"),
    ({"author_email": "a@b"}, "author_email", "email address"),
    ({"version": "one"}, "version", "PEP 440"),
    ({"version": "1.0-beta"}, "version", "PEP 440"),
    ({"description": 'says "hi"'}, "description", "quote"),
    ({"database": "mysql"}, "database", "sqlite"),
    ({"broker": "kafka"}, "broker", "redis"),
    ({"python_version": "2.7"}, "python_version", "3.12"),
    ({"open_source_license": "GPL"}, "open_source_license", "MIT"),
]


@pytest.mark.parametrize(
    ("answers", "field", "rule"), BAD_ANSWERS, ids=[f"{f}={a[f]!r}" for a, f, _ in BAD_ANSWERS]
)
def test_bad_answer_is_refused(
    tmp_path: Path, cookiecutter_config: Path, answers: dict[str, str], field: str, rule: str
) -> None:
    output = tmp_path / "out"
    output.mkdir()
    result = run_cookiecutter_cli(
        "--output-dir",
        str(output),
        str(ROOT),
        *(f"{k}={v}" for k, v in answers.items()),
        config=cookiecutter_config,
        cwd=tmp_path,
    )
    message = result.stdout + result.stderr
    assert result.returncode != 0, message
    assert field in message
    assert rule in message
    assert list(output.iterdir()) == [], "a rejected answer must leave nothing behind"


def test_good_answers_through_the_command_line(tmp_path: Path, cookiecutter_config: Path) -> None:
    result = run_cookiecutter_cli(
        "--output-dir",
        str(tmp_path),
        str(ROOT),
        "project_name=Billing",
        "use_docker=no",
        "database=postgresql",
        config=cookiecutter_config,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / "billing"
    assert (project / "src/billing/main.py").is_file()
    assert not (project / "Dockerfile").exists()
    assert "make install" in result.stdout
