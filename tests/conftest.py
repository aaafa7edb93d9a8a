"""Shared fixtures: one schema per session (built by the migrations), a rollback per test.

TEST_DATABASE_URL picks the database (PostgreSQL in CI); without it, a SQLite file.
"""

import contextvars
import os
import re

import flask_migrate
import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text

from config import TestingConfig
from config import database_url as normalise_url
from tests.factories import Factory
from tracker import create_app
from tracker.extensions import db, limiter
from tracker.procedures import services as procedure_services


def database_url(tmp_path_factory, suffix: str = "") -> str:
    url = normalise_url(os.environ.get("TEST_DATABASE_URL"))
    if url:
        return url if not suffix else ensure_postgres_database(url, suffix)
    return f"sqlite:///{tmp_path_factory.mktemp('db' + suffix)}/test.sqlite3"


def ensure_postgres_database(url: str, suffix: str) -> str:
    """A sibling database (e.g. test_browser) for tests that need committed data."""
    base, name = url.rsplit("/", 1)
    name = name.split("?")[0] + suffix
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base}/{name}"


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and so its own db session and `g`), as in
    production, even though the test itself holds an app context for its factories."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def build_app(url: str, **settings):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    for name, value in settings.items():
        setattr(Config, name, value)

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        drop_everything()
        flask_migrate.upgrade()
        procedure_services.load_file(app.config["PROCEDURE_RECORD_FILE"])
    return app


def drop_everything() -> None:
    """Start from an empty database so that the migrations build the whole schema."""
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for (name,) in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%'").fetchall():
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    return build_app(database_url(tmp_path_factory))


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy picks an engine per model; a test session must use its connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@pytest.fixture
def database(app):
    """Every test runs in a transaction that is rolled back; services' commits are savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "class_": _ConnectionBoundSession,
             "join_transaction_mode": "create_savepoint"})
        try:
            yield db
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    if limiter.initialized:  # tests of pure functions run before any app exists
        limiter.reset()


@pytest.fixture
def client(app, database):
    return app.test_client()


@pytest.fixture
def make(database):
    """Factories for users, patients and the rest (see tests/factories.py)."""
    return Factory()


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class Browser:
    """A test client that signs in through the real form and posts with a CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf(self, page: str = "/home") -> str:
        html = self.client.get(page, follow_redirects=True).get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, "page has no CSRF token"
        return match.group(1)

    def sign_in(self, user, password: str = Factory.PASSWORD):
        token = self.csrf("/sign-in")
        response = self.client.post("/sign-in", data={
            "email": user.email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, page: str = "/home", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(page))
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> a Browser signed in as that user."""

    def sign_in(user):
        b = Browser(client)
        b.sign_in(user)
        return b

    return sign_in
