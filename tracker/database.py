"""Engine settings per database."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine_events(engine: Engine) -> None:
    """On SQLite: enforce foreign keys, WAL journal, a busy timeout, and real transactions."""
    if engine.dialect.name != "sqlite":
        return
    from flask import current_app

    busy_ms = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling would silently skip SAVEPOINTs and
        # BEGIN; let SQLAlchemy emit BEGIN itself (see SQLAlchemy's pysqlite notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")
