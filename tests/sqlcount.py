"""Counting the SQL statements a block of code sends (a before_cursor_execute listener)."""

from contextlib import contextmanager

from sqlalchemy import event

from tracker.extensions import db
from tracker.instrumentation import TRANSACTION_CONTROL


class Statement(str):
    def __new__(cls, sql: str, parameters):
        text = super().__new__(cls, sql)
        text.parameters = parameters
        return text


@contextmanager
def statements():
    """Yields the list of SQL statements executed inside the block; each has .parameters."""
    sent: list[Statement] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        sent.append(Statement(statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", listener)


# The tests' rollback-per-test wrapper (tests/conftest.py `database`) turns each commit and
# rollback into one of these; a server sends no statement there (the DBAPI's commit() and
# rollback()). Its SAVEPOINT stands where a server on SQLite sends BEGIN, and stays counted.
_HARNESS = ("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def as_served(sent: list[Statement]) -> list[Statement]:
    """The statements a server would send for the same work: `sent` without the harness's
    stand-ins for commit and rollback."""
    return [s for s in sent if not s.lstrip().upper().startswith(_HARNESS)]


def queries_only(sent: list[Statement]) -> list[Statement]:
    """The queries and writes, as the server's X-Query-Count counts them (the benchmark's
    figure): no transaction control, whether a server sends it or the harness does."""
    return [s for s in sent if not s.lstrip().upper().startswith(TRANSACTION_CONTROL)]
