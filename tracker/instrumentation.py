"""Counting SQL statements per request (for the benchmark and the query-count tests).

Off unless SQL_QUERY_COUNT_HEADER is set: then each response carries X-Query-Count.
"""

from flask import Flask, g, has_request_context
from sqlalchemy import event

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def count_queries(app: Flask) -> None:
    with app.app_context():
        from tracker.extensions import db

        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        # Queries and writes only: SQLite's BEGIN IMMEDIATE goes through the cursor, while
        # PostgreSQL's driver sends BEGIN itself; counting neither keeps the figures comparable.
        if has_request_context() and not statement.startswith(TRANSACTION_CONTROL):
            g.sql_queries = g.get("sql_queries", 0) + 1

    @app.after_request
    def _header(response):
        response.headers["X-Query-Count"] = str(g.get("sql_queries", 0))
        return response
