"""Keyset pages: empty, exactly one page, the last page, ties, and stability under inserts."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests.history import builders
from tests.sqlcount import statements
from tracker.extensions import db
from tracker.history import search
from tracker.history.filters import VisitFilter
from tracker.history.pagination import Cursor, page_query
from tracker.models import Visit

TZ = "America/New_York"
T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


@pytest.fixture
def people(make):
    patient = make.patient()
    return {"nurse": make.nurse(), "patient": patient, "order": make.order(patient)}


def visits(people, count: int, step=timedelta(hours=6)):
    builders.bulk_visits(count, first=T0, step=step, **people)


def page(cursor=None, size=5, **flt):
    return search.search(VisitFilter(**flt), TZ, cursor or Cursor(), size=size)


def walk_forward(size, **flt):
    """Follow 'next' links from the first page; every id seen, page by page."""
    seen, result = [], page(size=size, **flt)
    while True:
        seen.append([r.id for r in result.page.rows])
        nxt = result.page.next_cursor()
        if nxt is None:
            return seen
        result = page(nxt, size=size, **flt)


def walk_backward(size, **flt):
    seen, result = [], page(Cursor(last=True), size=size, **flt)
    while True:
        seen.append([r.id for r in result.page.rows])
        prev = result.page.prev_cursor()
        if prev is None:
            return list(reversed(seen))
        result = page(prev, size=size, **flt)


def test_empty_history(people, office):
    result = page()
    assert (result.total, result.page.rows) == (0, [])
    assert not result.page.has_prev and not result.page.has_next
    html = office.get("/history/visits").get_data(as_text=True)
    assert "<strong>0</strong> visits match" in html
    assert "Next page" not in html and "Last page" not in html


def test_exactly_one_page_has_no_neighbours(people):
    visits(people, 5)
    result = page(size=5)
    assert len(result.page.rows) == 5 and result.total == 5
    assert not result.page.has_prev and not result.page.has_next
    last = page(Cursor(last=True), size=5)
    assert [r.id for r in last.page.rows] == [r.id for r in result.page.rows]
    assert not last.page.has_prev and not last.page.has_next


def test_one_more_than_a_page(people):
    visits(people, 6)
    first = page(size=5)
    assert first.page.has_next and not first.page.has_prev
    second = page(first.page.next_cursor(), size=5)
    assert len(second.page.rows) == 1 and second.page.has_prev and not second.page.has_next
    back = page(second.page.prev_cursor(), size=5)
    assert [r.id for r in back.page.rows] == [r.id for r in first.page.rows]


@pytest.mark.parametrize("sort", ["desc", "asc"])
def test_forward_and_backward_walks_cover_every_visit_once(people, sort):
    visits(people, 23)
    forward = walk_forward(5, sort=sort)
    assert [len(p) for p in forward] == [5, 5, 5, 5, 3]
    flat = [i for p in forward for i in p]
    assert len(set(flat)) == 23
    backward = walk_backward(5, sort=sort)
    # Read backwards from the end, the last page is full and the first one is short.
    assert [len(p) for p in backward] == [3, 5, 5, 5, 5]
    assert [i for p in backward for i in p] == flat


def test_last_page_holds_the_oldest_visits_in_order(people):
    visits(people, 12)
    last = page(Cursor(last=True), size=5)
    starts = [r.visit.planned_start for r in last.page.rows]
    assert starts == sorted(starts, reverse=True)
    assert starts[-1] == T0  # the oldest visit closes the newest-first list
    assert last.page.has_prev and not last.page.has_next


def test_visits_at_the_same_minute_are_neither_skipped_nor_repeated(people):
    visits(people, 11, step=timedelta(0))  # all planned at the same time: the id breaks ties
    flat = [i for p in walk_forward(4) for i in p]
    assert len(flat) == len(set(flat)) == 11
    assert [i for p in walk_backward(4) for i in p] == flat


def test_a_new_visit_does_not_shift_the_next_page(people, make):
    visits(people, 10)
    first = page(size=5)
    expected_second = [r.id for r in page(first.page.next_cursor(), size=5).page.rows]
    # A visit scheduled newer than all others would push every offset page by one row.
    make.visit(people["nurse"], people["patient"], planned_start=T0 + timedelta(days=30))
    assert [r.id for r in page(first.page.next_cursor(), size=5).page.rows] == expected_second


def test_a_page_loads_one_page_of_rows_without_offset(people):
    visits(people, 40)
    with statements() as sent:
        page(Cursor(last=True), size=5)
    visit_query = next(s for s in sent if "FROM visits" in s and "JOIN patients" in s)
    assert "LIMIT" in visit_query.upper()
    params = list(visit_query.parameters.values() if isinstance(visit_query.parameters, dict)
                  else visit_query.parameters)
    # SQLite always writes "LIMIT ? OFFSET ?": the offset must then be 0.
    if "OFFSET" in visit_query.upper():
        assert params[-1] == 0 and params[-2] == 6
    else:
        assert params[-1] == 6


def test_the_last_page_reads_the_index_backwards_without_sorting(people):
    """What keeps the last of 100,000 visits as fast as the first: no sort, an index walk."""
    visits(people, 50)
    query, _ = page_query(select(Visit.id), Cursor(last=True), True, 50)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_visits_planned_start_id" in plan
        assert "TEMP B-TREE" not in plan
    else:
        # On 50 rows PostgreSQL would rather scan the table; forbid that to see the index path.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
        assert "Index" in plan and "ix_visits_planned_start_id" in plan
        assert "Sort" not in plan


def test_pager_links_carry_a_visit_id_only(people, office):
    visits(people, 60)
    html = office.get("/history/visits?sort=asc").get_data(as_text=True)
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert re.fullmatch(r"/history/visits\?sort=asc&after=\d+", next_link)
    assert "Last page" in html and "Previous page" not in html
    html = office.get(next_link).get_data(as_text=True)
    assert "Previous page" in html and "First page" in html
    html = office.get("/history/visits?sort=asc&last=1").get_data(as_text=True)
    assert "Next page" not in html and "Previous page" in html


def test_an_unknown_cursor_gives_an_empty_page_with_a_way_back(people, office):
    visits(people, 3)
    response = office.get("/history/visits?after=99999999")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No visits on this page." in html and "First page" in html
    assert office.get("/history/visits?after=abc").status_code == 200
