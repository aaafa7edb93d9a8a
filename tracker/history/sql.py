"""SQL expressions the history needs on SQLite and PostgreSQL alike."""

from sqlalchemy import Integer, case
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.clinical.news2 import BANDS


class elapsed_whole_seconds(FunctionElement):  # noqa: N801  (reads like a SQL function)
    """Whole seconds from `start` to `end`, floored like tracker.clinical.duration does.

    SQLite stores datetimes as text: julianday() gives days as a double, so the result is
    rounded to the millisecond before flooring (2:00:01 must not become 2:00:00.99999).
    """

    type = Integer()
    inherit_cache = True
    name = "elapsed_whole_seconds"


@compiles(elapsed_whole_seconds, "sqlite")
def _elapsed_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(round((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 86400.0, 3) AS INTEGER)")


@compiles(elapsed_whole_seconds, "postgresql")
def _elapsed_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(FLOOR(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)}))) AS INTEGER)")


def band_rank(column):
    """NEWS2 band as a number (low 0 ... high 3), so that max() picks the worst band."""
    return case({band: rank for rank, band in enumerate(BANDS)}, value=column, else_=None)


def band_for_rank(rank: int | None) -> str | None:
    return None if rank is None else BANDS[int(rank)]
