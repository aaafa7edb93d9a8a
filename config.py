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


def _env_int_list(name: str, default: list[int]) -> list[int]:
    """A comma-separated list of whole numbers, e.g. PREPARATION_REMINDER_HOURS=24,2."""
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [int(part) for part in value.split(",") if part.strip()]


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

    # History and reports: a check-in within this many minutes of the planned start (before
    # or after) is on time; a visit checked out this many hours ago and still unsigned is
    # flagged on the coordinator's dashboard.
    ON_TIME_WINDOW_MINUTES = _env_int("ON_TIME_WINDOW_MINUTES", 15)
    SIGNATURE_DUE_HOURS = _env_int("SIGNATURE_DUE_HOURS", 12)
    # FHIR exports: the agency's own identifier system for MRNs (an OID urn or a URL).
    FHIR_IDENTIFIER_SYSTEM = os.environ.get("FHIR_IDENTIFIER_SYSTEM", "urn:infusion-tracker")

    # Reminders and their scheduler (see README: the scheduler is its own process).
    SCHEDULER_IN_PROCESS = _env_bool("SCHEDULER_IN_PROCESS", False)
    DISPATCH_INTERVAL_SECONDS = _env_int("DISPATCH_INTERVAL_SECONDS", 15)
    DISPATCH_BATCH_SIZE = _env_int("DISPATCH_BATCH_SIZE", 250)
    # A dispatcher owns the reminders it claimed for this long; after it, another may take them.
    REMINDER_CLAIM_LEASE_SECONDS = _env_int("REMINDER_CLAIM_LEASE_SECONDS", 120)
    REMINDER_MAX_ATTEMPTS = _env_int("REMINDER_MAX_ATTEMPTS", 5)
    REMINDER_RETRY_BASE_SECONDS = _env_int("REMINDER_RETRY_BASE_SECONDS", 60)  # x4 per attempt
    PREPARATION_REMINDER_HOURS = _env_int_list("PREPARATION_REMINDER_HOURS", [24, 2])
    RECOVERY_REMINDER_HOURS = _env_int_list("RECOVERY_REMINDER_HOURS", [0, 24, 48])
    NURSE_VISIT_REMINDER_HOURS = _env_int("NURSE_VISIT_REMINDER_HOURS", 1)
    NURSE_UNSIGNED_REMINDER_HOURS = _env_int("NURSE_UNSIGNED_REMINDER_HOURS", 12)
    QUIET_HOURS_START = os.environ.get("QUIET_HOURS_START", "21:00")  # in the recipient's zone
    QUIET_HOURS_END = os.environ.get("QUIET_HOURS_END", "08:00")
    # Links in e-mails point here (the dispatcher runs outside any web request).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    ON_CALL_PHONE = os.environ.get("ON_CALL_PHONE", "")  # the agency's on-call nurse line

    # E-mail. Without SMTP_HOST, messages are written to OUTBOX_DIR as .eml files instead.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _env_int("SMTP_PORT", 587)
    SMTP_USE_TLS = _env_bool("SMTP_USE_TLS", True)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_TIMEOUT_SECONDS = _env_int("SMTP_TIMEOUT_SECONDS", 20)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Your care team <no-reply@localhost>")
    OUTBOX_DIR = os.environ.get("OUTBOX_DIR", "")  # default: instance/outbox

    # The benchmark reads X-Query-Count from every response when this is on.
    SQL_QUERY_COUNT_HEADER = _env_bool("SQL_QUERY_COUNT_HEADER", False)
    # Proxies in front of the app (X-Forwarded-For/-Proto): client addresses for audit and throttling.
    TRUST_PROXY_HOPS = _env_int("TRUST_PROXY_HOPS", 0)

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
    # Pages that load what they show up front (tracker.visits.loading) raise on any other
    # lazy load, so a template that starts touching a new relationship fails its tests.
    RAISE_ON_LAZY_LOAD = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def required_settings(cls) -> dict:
        """The settings that must never default, read when the app is created (not when this
        module was imported), so that the values checked are the values used."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        return {"SECRET_KEY": os.environ["SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": database_url(os.environ["DATABASE_URL"])}


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
