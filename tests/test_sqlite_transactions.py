"""SQLite: a request's transaction takes the write lock when it begins, except a streamed
export's, which reads in a deferred transaction so that nobody's check-in waits for it."""

import sqlite3

import pytest
from sqlalchemy import text

from config import TestingConfig
from tracker import create_app
from tracker.database import reading
from tracker.extensions import db


@pytest.fixture
def sqlite_app(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/locks.sqlite3"

    app = create_app(Config)
    yield app, tmp_path / "locks.sqlite3"
    with app.app_context():
        db.engine.dispose()


def another_writer_gets_the_lock(path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


@pytest.mark.parametrize("streamed", [False, True])
def test_only_a_streamed_read_leaves_the_write_lock_free(sqlite_app, streamed):
    app, path = sqlite_app
    with app.test_request_context("/history/visits.csv"), app.app_context(), db.engine.connect() as conn:
        if streamed:
            with reading():
                conn.begin()
        else:
            conn.begin()
        conn.execute(text("SELECT 1")).scalar()
        assert another_writer_gets_the_lock(path) is streamed
