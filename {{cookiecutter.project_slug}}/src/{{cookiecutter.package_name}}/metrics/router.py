"""`GET /metrics` for Prometheus, behind HTTP Basic credentials when they are configured."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from {{ cookiecutter.package_name }}.core import metrics
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.errors import AuthenticationError, NotFoundError

router = APIRouter(include_in_schema=False)

# auto_error=False: the same 401 for missing and wrong credentials, from one place.
basic = HTTPBasic(auto_error=False, realm="metrics")


async def check_scraper(
    settings: SettingsDep, credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]
) -> None:
    """Let Prometheus in: with credentials when they are set; without, except in production."""
    if settings.metrics_password is None:
        if settings.environment == "production":
            raise NotFoundError("Metrics are off: set METRICS_USERNAME and METRICS_PASSWORD")
        return
    given = credentials or HTTPBasicCredentials(username="", password="")
    # Both compared every time, in constant time: no early exit tells which part was wrong.
    username_ok = secrets.compare_digest(
        given.username.encode(), str(settings.metrics_username).encode()
    )
    password_ok = secrets.compare_digest(
        given.password.encode(), settings.metrics_password.get_secret_value().encode()
    )
    if not (username_ok and password_ok):
        raise AuthenticationError(
            "Metrics need valid credentials", headers={"WWW-Authenticate": 'Basic realm="metrics"'}
        )


@router.get("/metrics", dependencies=[Depends(check_scraper)])
async def scrape() -> Response:
    """Every metric of the service, in Prometheus' text format."""
    return Response(metrics.latest(), media_type=metrics.CONTENT_TYPE_LATEST)
