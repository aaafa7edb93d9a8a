"""Counting the SQL statements a block of code sends (a before_cursor_execute listener)."""

from contextlib import contextmanager

from sqlalchemy import event

from tracker.extensions import db


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
