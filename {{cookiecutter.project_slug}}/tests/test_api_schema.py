"""Property-based: every operation, fed generated input, answers as its OpenAPI schema says."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

OPERATIONS = [
    (path, method.upper())
    for path, methods in create_app(Settings(_env_file=None)).openapi()["paths"].items()
    for method in methods
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_operation_conforms_to_its_schema(
    settings: Settings, auth_headers: dict[str, str], path: str, method: str
) -> None:
    # Schemathesis runs the app's lifespan itself and calls it in-process.
    operation = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))[path][method]

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    def check(case: schemathesis.Case[Any]) -> None:
        # Not checked: that every schema-valid input is accepted. Some rules cannot be written in
        # the schema: an email on a reserved domain (.test) is well-formed but undeliverable, and
        # a cursor is opaque, valid only when the service issued it.
        case.call_and_validate(headers=auth_headers, excluded_checks=[positive_data_acceptance])

    check()
