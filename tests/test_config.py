"""Configuration: production refuses to start without its secrets, SQLite runs with the
settings the app relies on, proxies are trusted only when configured, and the `make run`
path (`flask seed-demo`) can be repeated without duplicates."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import config
from config import ProductionConfig, TestingConfig, config_from_env, database_url
from tests.conftest import IsolatedClient
from tests.support import audit_rows, new_browser, production_app, sign_in_form
from tracker import create_app
from tracker.demo import DEMO_PASSWORD, PEOPLE
from tracker.extensions import db

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_secrets(app, monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "production-test-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@db.invalid/tracker")
    monkeypatch.setenv(missing, "")
    with pytest.raises(RuntimeError, match=missing):
        create_app(ProductionConfig)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        create_app(ProductionConfig)


def test_production_uses_the_secrets_it_was_started_with(app, monkeypatch):
    production = production_app(app, monkeypatch, SECRET_KEY="the-real-production-secret")
    assert production.config["SECRET_KEY"] == "the-real-production-secret"
    assert production.config["SQLALCHEMY_DATABASE_URI"] == str(app.config["SQLALCHEMY_DATABASE_URI"])
    assert not production.config.get("FAST_PASSWORD_HASHING")
    assert not production.config["TESTING"] and not production.config["DEBUG"]
    assert production.config["RATELIMIT_ENABLED"]


def test_the_config_is_chosen_by_name(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "Production")
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("FLASK_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="FLASK_CONFIG"):
        config_from_env()


def test_database_urls_from_hosts_use_psycopg_3():
    assert database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert database_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url(None, "sqlite://") == "sqlite://"


def test_session_limits_and_lockout_defaults():
    assert config.Config.IDLE_TIMEOUT.total_seconds() == 15 * 60
    assert config.Config.ABSOLUTE_SESSION_LIFETIME.total_seconds() == 12 * 3600
    assert (config.Config.LOCKOUT_THRESHOLD, config.Config.LOCKOUT_MINUTES) == (10, 15)
    assert config.Config.SESSION_COOKIE_HTTPONLY and config.Config.SESSION_COOKIE_SAMESITE == "Lax"


# --- SQLite --------------------------------------------------------------------------------

def test_sqlite_runs_with_foreign_keys_wal_and_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings (this run uses " + db.engine.dialect.name + ")")
        with db.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("foreign_keys") == 1
            assert pragma("journal_mode") == "wal"
            assert pragma("busy_timeout") == app.config["SQLITE_BUSY_TIMEOUT_MS"] == 5000


def test_the_database_enforces_foreign_keys(database):
    from sqlalchemy.exc import IntegrityError

    from tracker.models import CaseloadAssignment

    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(CaseloadAssignment(nurse_id=2**31 - 1, patient_id=2**31 - 1))
        db.session.flush()


# --- Proxies -------------------------------------------------------------------------------

def test_trust_proxy_hops_is_read_from_the_environment():
    env = {**os.environ, "TRUST_PROXY_HOPS": "2"}
    result = subprocess.run([sys.executable, "-c", "import config; print(config.Config.TRUST_PROXY_HOPS)"],
                            cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "2"


def test_a_forwarded_address_is_ignored_unless_a_proxy_is_trusted(app, make):
    user = make.nurse()
    browser = new_browser(app)
    browser.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    sign_in_form(browser, user.email, "wrong password")
    [event] = audit_rows("sign_in_failed", user_id=user.id)
    assert event.ip_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_client_address_is_recorded(app, make):
    class BehindProxy(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        TRUST_PROXY_HOPS = 1

    proxied = create_app(BehindProxy)
    proxied.test_client_class = IsolatedClient
    user = make.nurse()
    browser = new_browser(proxied)
    browser.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    sign_in_form(browser, user.email, "wrong password")
    [event] = audit_rows("sign_in_failed", user_id=user.id)
    assert event.ip_address == "203.0.113.9"


# --- `make run`: demo data -----------------------------------------------------------------

def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name != "audit_events"}


def test_seed_demo_twice_adds_no_duplicates(app, database):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = _row_counts()
    assert after_first["users"] >= len(PEOPLE) and after_first["patients"] >= 3
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _row_counts() == after_first
    for email, *_ in PEOPLE:
        assert email in second.output
    assert sign_in_form(new_browser(app), "admin@demo.example", DEMO_PASSWORD).status_code == 302
