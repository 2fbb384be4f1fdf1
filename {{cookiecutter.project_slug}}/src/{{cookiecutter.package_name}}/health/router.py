from fastapi import APIRouter, {% if cookiecutter.ml_serving %}Depends, {% endif %}status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from {{ cookiecutter.package_name }}.core.errors import ServiceUnavailableError
from {{ cookiecutter.package_name }}.db.session import SessionDep
{%- if cookiecutter.ml_serving %}
from {{ cookiecutter.package_name }}.predictions.dependencies import get_model
{%- endif %}

router = APIRouter(prefix="/health", tags=["health"])


class HealthStatus(BaseModel):
    status: str = "ok"


@router.get("")
async def liveness() -> HealthStatus:
    """The process is up. Touches no database, so a database outage does not restart it."""
    return HealthStatus()


@router.get(
    "/ready",
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "The database does not answer"}
    },
{%- if cookiecutter.ml_serving %}
    dependencies=[Depends(get_model)],  # and a model is loaded (503 otherwise)
{%- endif %}
)
async def readiness(session: SessionDep) -> HealthStatus:
    """The service can do its work: the database answers."""
    try:
        await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        raise ServiceUnavailableError("Database unavailable") from exc
    return HealthStatus()
