"""Configuration classes, read from environment variables.

Pick one with FLASK_CONFIG=development|testing|production (default: development).
Every variable is listed in the README.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(value: str | None, default: str | None = None) -> str | None:
    """Accept plain postgres:// URLs (as hosts hand them out) and use the psycopg 3 driver."""
    value = value or default
    if value is None:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL"), f"sqlite:///{BASE_DIR / 'instance' / 'tracker.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    # Sessions: idle and absolute limits; no remember-me cookie is ever issued.
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 15))
    ABSOLUTE_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_MAX_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = ABSOLUTE_SESSION_LIFETIME
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_NAME = "tracker_session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Sign-in throttling (Flask-Limiter) and account lockout.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per minute")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per minute")
    LOCKOUT_THRESHOLD = _env_int("LOCKOUT_THRESHOLD", 10)
    LOCKOUT_MINUTES = _env_int("LOCKOUT_MINUTES", 15)
    # The JSON API, per device token: generous, so that a tablet syncing a day's work is never
    # held back, while a runaway client is.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")

    WTF_CSRF_TIME_LIMIT = None  # the session's own limits apply; a form left open must still submit
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "America/New_York")
    PROCEDURE_RECORD_FILE = BASE_DIR / "tracker" / "data" / "procedure_record.json"

    # Billing: an additional hour (99602) counts once more than this many minutes of it passed.
    ADDITIONAL_HOUR_THRESHOLD_MINUTES = _env_int("ADDITIONAL_HOUR_THRESHOLD_MINUTES", 30)

    # Reminders and their scheduler (see README: the scheduler is its own process).
    SCHEDULER_IN_PROCESS = _env_bool("SCHEDULER_IN_PROCESS", False)
    DISPATCH_INTERVAL_SECONDS = _env_int("DISPATCH_INTERVAL_SECONDS", 15)

    PREFERRED_URL_SCHEME = "http"
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = False  # `make run` serves without the debugger; set FLASK_DEBUG=1 to get it


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    FAST_PASSWORD_HASHING = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the settings that must never default."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("FLASK_CONFIG", "development").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"FLASK_CONFIG must be one of {', '.join(CONFIGS)}") from None
