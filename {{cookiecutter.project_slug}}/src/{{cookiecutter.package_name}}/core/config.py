"""Settings, read once from the environment and a `.env` file."""

import json
from email.utils import formataddr
from typing import Annotated, Literal, Self

from fastapi import Depends
from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from starlette.requests import HTTPConnection

PROJECT_NAME = "{{ cookiecutter.project_name }}"
# Refused in production (see Settings._check_production).
DEFAULT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32
{%- if cookiecutter.database == "postgresql" %}
DATABASE_NAME = "{{ cookiecutter.package_name }}"
{%- endif %}


class Settings(BaseSettings):
    """Every setting of the service; each maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
{%- if cookiecutter.database == "postgresql" %}
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE_NAME}"
{%- else %}
    database_url: str = "sqlite+aiosqlite:///./{{ cookiecutter.package_name }}.db"
{%- endif %}
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    access_token_expire_minutes: int = Field(default=30, gt=0)
    # A session (its refresh tokens) ends after this long without a refresh, and this long after
    # its login whatever the refreshes.
    session_idle_timeout_minutes: int = Field(default=7 * 24 * 60, gt=0)
    session_lifetime_minutes: int = Field(default=30 * 24 * 60, gt=0)
    # Refuse new passwords that are among the 30,000 most used (OWASP ASVS 6.2.4); on by default
    # in production, off elsewhere so that sample passwords work in development and tests.
    reject_common_passwords: bool = False
    # An open WebSocket re-checks its session this often, and is closed once the session ended.
    websocket_session_check_seconds: float = Field(default=30, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = []
    cors_allow_credentials: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Defaults to text, and to json in production (see _default_log_format).
    log_format: Literal["json", "text"] = "text"
{%- if cookiecutter.use_admin %}
    admin_enabled: bool = True  # serves /admin, for active superusers
{%- endif %}
    # Defaults to on, except in production (see _check_production).
    docs_enabled: bool = True
    # Per client address and per account (or token): logins, refreshes, password resets.
    login_rate_limit: str = "10/minute"
{%- if cookiecutter.broker == "redis" %}
    # Redis carries item events across processes, shared login limits and the job queue.
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "{{ cookiecutter.project_slug }}"  # several services can share one Redis
    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=5)
    # A job its worker has not acknowledged for this long goes to another worker.
    job_redelivery_seconds: float = Field(default=300, gt=0)
{%- else %}
    # Worker processes, as uvicorn and gunicorn read it: above 1 is refused (see main.create_app).
    web_concurrency: int = Field(default=1, ge=1)
{%- endif %}
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    # Email (emails/): through SMTP_HOST; without it, printed to the console, which production
    # refuses (see _check_production) unless EMAIL_ENABLED is false.
    email_enabled: bool = True
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    email_from: str = formataddr((PROJECT_NAME, "noreply@localhost"))
    # The page of your frontend that takes a reset token (as `?token=`) and a new password, and
    # posts them to /api/v1/auth/password-reset/confirm. Links never use the request's Host.
    password_reset_url: str = "http://127.0.0.1:8000/reset-password"  # noqa: S105 (a URL)
    password_reset_expire_minutes: int = Field(default=30, gt=0)
    # HTTP Basic credentials for /metrics; without them it is open, except in production.
    metrics_username: str | None = None
    metrics_password: SecretStr | None = None
    # Traces go to this OTLP/HTTP collector when set (see core.tracing).
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "{{ cookiecutter.project_slug }}"
{%- if cookiecutter.ml_serving %}
    # The music-genre classifier (predictions/): its skops artifact and how it is served.
    model_path: str = "models/genre-classifier.skops"
    prediction_batch_max: int = Field(default=256, gt=0)
    prediction_threads: int = Field(default=1, gt=0)
    prediction_microbatch_max: int = Field(default=64, gt=0)  # 1: every row is a model call
    prediction_microbatch_wait_ms: float = Field(default=0, ge=0, le=1000)
    prediction_timeout_seconds: float = Field(default=10, gt=0)
{%- endif %}

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        """Accept a JSON list or a comma-separated string."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    @field_validator("smtp_host", "smtp_username", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`SMTP_HOST=` in a .env file means no SMTP server, not one named ''."""
        return None if value == "" else value

    @field_validator("login_rate_limit")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        parse(value)  # raises ValueError naming the bad value
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_metrics_credentials(self) -> Self:
        if (self.metrics_username is None) != (self.metrics_password is None):
            raise ValueError("METRICS_USERNAME and METRICS_PASSWORD must be set together")
        return self

    @model_validator(mode="after")
    def _default_log_format(self) -> Self:
        if "log_format" not in self.model_fields_set and self.environment == "production":
            self.log_format = "json"
        return self

    @model_validator(mode="after")
    def _check_production(self) -> Self:
        """Refuse settings that are only safe on a developer's machine."""
        if self.environment != "production":
            return self
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
                "(not the development default) when ENVIRONMENT=production; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError(
                "CORS_ORIGINS must list the allowed origins, not '*', when CORS_ALLOW_CREDENTIALS "
                "is true in production: any site could make credentialed requests"
            )
        unset = {"smtp_host", "email_from", "password_reset_url"} - self.model_fields_set
        if self.email_enabled and unset:
            names = ", ".join(sorted(name.upper() for name in unset))
            raise ValueError(
                f"{names} must be set when ENVIRONMENT=production, so that emails (password "
                "resets among them) reach users rather than the console; or set "
                "EMAIL_ENABLED=false to send none"
            )
        if "docs_enabled" not in self.model_fields_set:
            self.docs_enabled = False
        if "reject_common_passwords" not in self.model_fields_set:
            self.reject_common_passwords = True
        return self


async def get_settings(connection: HTTPConnection) -> Settings:
    """Return the settings the running app was built with."""
    settings: Settings = connection.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
