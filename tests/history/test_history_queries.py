"""Each history page sends the same number of SQL statements with 10 visits or 1,000."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.history import builders
from tests.sqlcount import statements
from tracker.extensions import db
from tracker.models import Visit

NOW = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)  # 18:00 in New York
DAY_START = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # midnight in New York


def grow(make, people, count: int):
    """Add `count` visits today (a mix of states) with vitals, billing, complications, alerts."""
    before = db.session.scalar(select(func.max(Visit.id))) or 0
    step = timedelta(seconds=50)  # 1,000 visits still fit in one day
    offset = timedelta(seconds=(before % 997) * 7)  # new rows between the old ones
    quarter = count // 4
    for i, (state, minutes) in enumerate((("signed", 90), ("completed", 150),
                                          ("in_progress", None), ("scheduled", None))):
        builders.bulk_visits(quarter, first=DAY_START + offset + step * i, step=step * 4,
                             minutes=minutes, state=state, **people)
    new_ids = list(db.session.scalars(select(Visit.id).where(Visit.id > before)))
    builders.bulk_details(new_ids, people["nurse"].id)


def pages(first_visit_id: int, patient_id: int) -> list[str]:
    return ["/history/", "/history/visits", "/history/visits?last=1",
            f"/history/visits?patient_id={patient_id}&complication=phlebitis&news2_band=medium&over_2h=1",
            f"/history/visits/{first_visit_id}", f"/history/visits/{first_visit_id}/print",
            f"/history/patients/{patient_id}",
            "/history/reports?date_from=2026-03-01&date_to=2026-03-31",
            "/history/visits.csv", f"/history/patients/{patient_id}/fhir.json",
            f"/admin/audit?patient_id={patient_id}"]


def count(browser, url: str) -> int:
    with statements() as sent:
        response = browser.get(url)
        response.get_data()
    assert response.status_code == 200, url
    return len(sent)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_statements_per_page_do_not_grow_with_the_data(clock, make, signed_in, coordinator):
    browser = signed_in(coordinator)
    patient = make.patient()
    people = {"nurse": make.nurse(), "patient": patient, "order": make.order(patient)}
    grow(make, people, 12)
    first = db.session.scalar(select(func.min(Visit.id)))
    small = {url: count(browser, url) for url in pages(first, patient.id)}
    grow(make, people, 1000)
    assert db.session.scalar(select(func.count(Visit.id))) == 1012
    large = {url: count(browser, url) for url in pages(first, patient.id)}
    assert large == small
