"""The nurse's day sends the same few SQL statements with a handful of visits or a thousand."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests import bulk
from tests.sqlcount import as_served, statements
from tracker.extensions import db

NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 13:00 in New York
DAY_START = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # midnight in New York
BUDGET = 10  # statements per request, whatever the data (counted as a server sends them)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def count(browser, url: str) -> tuple[int, str]:
    with statements() as sent:
        response = browser.get(url)
        html = response.get_data(as_text=True)
    assert response.status_code == 200, url
    return len(as_served(sent)), html


def sections(html: str) -> tuple[str, str, str]:
    """(waiting for signature, today, next 7 days) parts of the page."""
    unsigned = html.split('id="unsigned-heading"')[1].split('id="today-heading"')[0]
    today = html.split('id="today-heading"')[1].split('id="upcoming-heading"')[0]
    return unsigned, today, html.split('id="upcoming-heading"')[1]


def test_the_nurses_day_does_not_grow_with_the_data(clock, make, nurse, patient, signed_in):
    order = make.order(patient)
    two_days_ago = NOW - timedelta(days=2)
    waiting = make.visit(nurse, patient, two_days_ago, order=order, state="completed",
                         checked_in_at=two_days_ago, checked_out_at=two_days_ago + timedelta(hours=2))
    today = make.visit(nurse, patient, DAY_START + timedelta(hours=15), order=order)
    coming = make.visit(nurse, patient, DAY_START + timedelta(days=3, hours=10), order=order)
    browser = signed_in(nurse)
    small, html = count(browser, "/visits/today")
    unsigned_part, today_part, upcoming_part = sections(html)
    assert f"/visits/{waiting.id}" in unsigned_part
    assert f"/visits/{today.id}" in today_part
    assert f"/visits/{coming.id}" in upcoming_part

    # A thousand more of her visits: today's, the coming week's, unsigned ones and long-signed
    # ones, some of other patients (each list names the patient and the order).
    others = [make.patient() for _ in range(3)]
    for other in others:
        make.assign(nurse, other)
    crowd = [{"nurse": nurse, "patient": p, "order": make.order(p)} for p in [patient, *others]]
    for who in crowd:
        bulk.visits(40, first=DAY_START + timedelta(minutes=5), step=timedelta(minutes=30),
                    state="scheduled", minutes=None, **who)
        bulk.visits(40, first=DAY_START + timedelta(days=1, hours=1), step=timedelta(hours=3),
                    state="scheduled", minutes=None, **who)
        bulk.visits(20, first=NOW - timedelta(days=30), step=timedelta(days=1), state="completed", **who)
        bulk.visits(150, first=NOW - timedelta(days=400), step=timedelta(days=2), state="signed", **who)
    db.session.expire_all()
    large, html = count(browser, "/visits/today")

    assert large == small
    assert small <= BUDGET
    assert html.count('href="/visits/') > 4 * 100
