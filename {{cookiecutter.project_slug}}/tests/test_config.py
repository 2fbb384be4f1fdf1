import pytest
from pydantic import SecretStr, ValidationError

from {{ cookiecutter.package_name }}.core.config import DEFAULT_SECRET_KEY, Settings
from {{ cookiecutter.package_name }}.main import create_app

STRONG_KEY = "k" * 48


def production(**values: object) -> Settings:
    values = {"email_enabled": False} | values
    return Settings(_env_file=None, environment="production", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "too-short"])
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        production(secret_key=SecretStr(key))


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        create_app()


def test_production_turns_docs_off_unless_asked() -> None:
    assert production(secret_key=SecretStr(STRONG_KEY)).docs_enabled is False
    assert production(secret_key=SecretStr(STRONG_KEY), docs_enabled=True).docs_enabled is True


def test_production_refuses_the_most_used_passwords_unless_told_not_to() -> None:
    assert Settings(_env_file=None).reject_common_passwords is False
    assert production(secret_key=SecretStr(STRONG_KEY)).reject_common_passwords is True
    told = production(secret_key=SecretStr(STRONG_KEY), reject_common_passwords=False)
    assert told.reject_common_passwords is False


def test_local_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.docs_enabled is True
    assert settings.cors_origins == []
    assert settings.access_token_expire_minutes == 30


@pytest.mark.parametrize(
    "raw",
    ['["https://a.example", "https://b.example"]', "https://a.example, https://b.example"],
    ids=["json", "comma-separated"],
)
def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CORS_ORIGINS", raw)
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert Settings(_env_file=None).log_level == "DEBUG"


def test_production_refuses_to_print_emails() -> None:
    """Without an SMTP server emails would go to the console, reset links with them."""
    with pytest.raises(ValidationError, match="EMAIL_FROM, PASSWORD_RESET_URL, SMTP_HOST must"):
        production(secret_key=SecretStr(STRONG_KEY), email_enabled=True)
    mailing = production(
        secret_key=SecretStr(STRONG_KEY),
        email_enabled=True,
        smtp_host="smtp.example.com",
        email_from="service@example.com",
        password_reset_url="https://app.example.com/reset",
    )
    assert mailing.smtp_host == "smtp.example.com"
    assert production(secret_key=SecretStr(STRONG_KEY)).email_enabled is False


def test_an_empty_smtp_host_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_HOST", "")
    assert Settings(_env_file=None).smtp_host is None
