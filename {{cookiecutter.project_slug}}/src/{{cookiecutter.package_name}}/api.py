"""Every domain's router, under /api/v1. A new domain is one more include_router line."""

from fastapi import APIRouter

from {{ cookiecutter.package_name }}.auth.router import router as auth_router
from {{ cookiecutter.package_name }}.items.router import router as items_router
{%- if cookiecutter.ml_serving %}
from {{ cookiecutter.package_name }}.predictions.router import router as predictions_router
{%- endif %}
from {{ cookiecutter.package_name }}.users.router import router as users_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth_router)
api_router.include_router(users_router)
api_router.include_router(items_router)
{%- if cookiecutter.ml_serving %}
api_router.include_router(predictions_router)  # its lifespan loads the model
{%- endif %}
