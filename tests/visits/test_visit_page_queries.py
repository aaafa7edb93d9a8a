"""The visit page and the visit record send the same number of SQL statements for a visit
with one entry of each kind or with many, in an agency with few visits or many.

The page shows every kind of clinical entry, one query per kind (tracker.visits.loading);
a query per entry, or per visit of the agency, would show up here as a growing count.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.history import builders
from tests.sqlcount import queries_only, statements
from tracker.extensions import db
from tracker.models import (
    Addendum,
    AdministrationInterruption,
    ComplicationAction,
    MedicationAdministration,
)

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
# A visit not yet checked in needs no clinical query; this is the page nurses open most.
SCHEDULED_PAGE_LIMIT = 10
# A documented visit: one query for each of its 11 kinds of entry, plus the signed-in user,
# the visit with its people, the audit row, alerts, checklists and (on the office's record)
# the names of the people in the timeline and who read the record. Over issue 7's budget of 10
# and named in the benchmark report; what matters here is that it stays fixed.
DOCUMENTED_PAGE_LIMIT = 18


def count(browser, url: str) -> int:
    with statements() as sent:
        response = browser.get(url)
        response.get_data()
    assert response.status_code == 200, url
    return len(queries_only(sent))


def add_entries(visit, n: int) -> None:
    """n entries of each kind that nests other rows (actions, interruptions, addenda)."""
    start = visit.checked_in_at
    for i in range(n):
        builders.vitals(visit, minutes_in=5 + i, phase="during")
        complication = builders.complication(visit, minutes_in=30 + i, action="stopped_infusion")
        db.session.add(ComplicationAction(complication_id=complication.id, action="notified_prescriber",
                                          taken_at=start + timedelta(minutes=40 + i), note=""))
        administration = MedicationAdministration(
            visit_id=visit.id, order_id=visit.order_id, drug="Ceftriaxone", lot_number=f"L{i}",
            dose=2.0, dose_unit="g", volume_ml=100.0, rate_ml_per_hour=100.0,
            started_at=start + timedelta(minutes=20 + i), recorded_by_id=visit.nurse_id)
        db.session.add(administration)
        db.session.flush()
        db.session.add(AdministrationInterruption(
            administration_id=administration.id, paused_at=start + timedelta(minutes=25 + i),
            resumed_at=start + timedelta(minutes=26 + i), reason="Line kinked"))
        if visit.state == "signed":
            db.session.add(Addendum(visit_id=visit.id, author_id=visit.nurse_id,
                                    created_at=NOW - timedelta(minutes=50 - i), text=f"Note {i}"))
    db.session.commit()


@pytest.fixture
def agency(make):
    with time_machine.travel(NOW, tick=False):
        nurse, patient = make.nurse(), make.patient()
        order = make.order(patient)
        scheduled = make.visit(nurse, patient, planned_start=NOW + timedelta(hours=2), order=order)
        running = make.visit(nurse, patient, planned_start=NOW - timedelta(hours=1), order=order,
                             state="in_progress", checked_in_at=NOW - timedelta(hours=1))
        signed = builders.finish(make.visit(nurse, patient, planned_start=NOW - timedelta(hours=5),
                                            order=order), 100)
        yield {"nurse": nurse, "patient": patient, "order": order, "scheduled": scheduled,
               "running": running, "signed": signed}


def grow(agency, entries: int, other_visits: int) -> None:
    for visit in (agency["running"], agency["signed"]):
        add_entries(visit, entries)
    builders.bulk_visits(other_visits, nurse=agency["nurse"], patient=agency["patient"],
                         order=agency["order"], first=NOW - timedelta(days=300),
                         step=timedelta(hours=6))


def pages(agency) -> dict[str, tuple[str, str]]:
    return {"scheduled": ("nurse", f"/visits/{agency['scheduled'].id}"),
            "running": ("nurse", f"/visits/{agency['running'].id}"),
            "signed": ("nurse", f"/visits/{agency['signed'].id}"),
            "record": ("office", f"/history/visits/{agency['signed'].id}")}


@pytest.mark.parametrize("who", ["nurse", "office"])
def test_statements_per_visit_page_do_not_grow_with_entries_or_visits(who, agency, signed_in, make):
    browser = signed_in(agency["nurse"] if who == "nurse" else make.coordinator())
    mine = {name: url for name, (whose, url) in pages(agency).items() if whose == who}
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        grow(agency, entries=1, other_visits=2)
        small = {name: count(browser, url) for name, url in mine.items()}
        grow(agency, entries=12, other_visits=300)
        large = {name: count(browser, url) for name, url in mine.items()}
    assert large == small
    if "scheduled" in small:
        assert small.pop("scheduled") <= SCHEDULED_PAGE_LIMIT
    assert max(small.values()) <= DOCUMENTED_PAGE_LIMIT
