"""Engine settings per database."""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)
_deferred: ContextVar[bool] = ContextVar("sqlite_begin_deferred", default=False)


@contextmanager
def writing():
    """Outside a web request, begin SQLite transactions IMMEDIATE for this block: code that
    reads then writes (a command, a test's factory) waits for the write lock instead of
    failing on a stale snapshot. No effect on PostgreSQL."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


@contextmanager
def reading():
    """Begin this block's SQLite transactions deferred, even in a web request: a long read
    (a streamed export) must not hold the write lock that every check-in and tick waits
    for. WAL lets it read while others write. Only for blocks that never write."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def streamed_read(chunks):
    """A response body read in its own deferred transaction (see reading())."""
    with reading():
        yield from chunks


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
        # In a web request: IMMEDIATE, the write lock taken when the transaction starts.
        # Reads of patient data are audited, so nearly every request writes; a deferred
        # transaction that reads and then writes fails at once with "database is locked"
        # (SQLITE_BUSY_SNAPSHOT in WAL mode) when another worker wrote meanwhile, whereas
        # BEGIN IMMEDIATE waits its turn under busy_timeout. Elsewhere transactions stay
        # deferred (the dispatcher's writes start with the write itself) unless a block
        # asks for IMMEDIATE with writing().
        immediate = (has_request_context() and not _deferred.get()) or _immediate.get()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session has loaded.

    For a read whose only write is its audit event (and the like): the rows were read in
    this transaction, so showing them after the commit shows what the reader saw. With the
    default expire_on_commit every object touched afterwards (the current user, the page's
    records and their relationships) would be read again, one SELECT each.
    """
    from tracker.extensions import db

    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
