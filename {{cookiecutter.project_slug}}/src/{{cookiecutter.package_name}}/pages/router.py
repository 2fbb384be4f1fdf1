"""The HTML landing page."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME, SettingsDep

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def landing_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "name": PROJECT_NAME,
            "version": __version__,
            "environment": settings.environment,
            "docs_enabled": settings.docs_enabled,
        },
    )
