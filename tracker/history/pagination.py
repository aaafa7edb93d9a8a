"""Keyset pages over visits ordered by (planned_start, id).

A page never loads more than its own rows (plus one to know whether more follow), and the
last page is read backwards from the end, so it is as fast as the first one. The cursor in
the URL is a visit id only; its sort key is looked up inside the same query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select, tuple_

from tracker.extensions import db
from tracker.models import Visit


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: the first page, after or before a visit id, or the last page."""

    after: int | None = None
    before: int | None = None
    last: bool = False

    def query_args(self) -> dict[str, str]:
        if self.after:
            return {"after": str(self.after)}
        if self.before:
            return {"before": str(self.before)}
        return {"last": "1"} if self.last else {}


@dataclass
class Page:
    rows: list
    has_prev: bool
    has_next: bool

    def prev_cursor(self, key=lambda row: row.id) -> Cursor | None:
        return Cursor(before=key(self.rows[0])) if self.has_prev and self.rows else None

    def next_cursor(self, key=lambda row: row.id) -> Cursor | None:
        return Cursor(after=key(self.rows[-1])) if self.has_next and self.rows else None


def _sort_key():
    return tuple_(Visit.planned_start, Visit.id)


def _key_of(visit_id: int):
    start = select(Visit.planned_start).where(Visit.id == visit_id).scalar_subquery()
    return tuple_(start, visit_id)


def ordered(query: Select, ascending: bool) -> Select:
    """Ordered by (planned_start, id), oldest first when ascending."""
    if ascending:
        return query.order_by(Visit.planned_start.asc(), Visit.id.asc())
    return query.order_by(Visit.planned_start.desc(), Visit.id.desc())


def page_query(query: Select, cursor: Cursor, descending: bool, size: int) -> tuple[Select, bool]:
    """The query for one page (size + 1 rows) and whether it reads backwards."""
    forward_ascending = not descending
    if cursor.after:
        key = _sort_key() > _key_of(cursor.after) if forward_ascending else \
            _sort_key() < _key_of(cursor.after)
        return ordered(query.where(key), forward_ascending).limit(size + 1), False
    if cursor.before:
        key = _sort_key() < _key_of(cursor.before) if forward_ascending else \
            _sort_key() > _key_of(cursor.before)
        return ordered(query.where(key), not forward_ascending).limit(size + 1), True
    if cursor.last:
        return ordered(query, not forward_ascending).limit(size + 1), True
    return ordered(query, forward_ascending).limit(size + 1), False


def make_page(rows: list, cursor: Cursor, backwards: bool, size: int) -> Page:
    """Trim the extra row and work out which neighbours exist."""
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return Page(rows, has_prev=more, has_next=not cursor.last)
    return Page(rows, has_prev=bool(cursor.after), has_next=more)


def first_rows_and_total(query: Select) -> tuple[list, int]:
    """The entities of a query with a LIMIT, and how many rows it matches without the limit,
    in one statement (a window count is taken before the LIMIT applies)."""
    rows = db.session.execute(query.add_columns(func.count().over().label("total"))).all()
    return [row[0] for row in rows], rows[0].total if rows else 0
