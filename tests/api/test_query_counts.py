"""The API's reads send the same few SQL statements whether the nurse has a handful of visits
or a thousand, and a whole visit costs the same however much was documented on it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests import bulk
from tests.api.test_api_whole_visit import GIVEN, GPS, SAFETY, VITALS_AFTER, VITALS_BEFORE, OverTheApi
from tests.api.write_helpers import PASSWORD
from tests.history import builders
from tests.sqlcount import as_served, statements
from tracker.api import serializers
from tracker.extensions import db
from tracker.models import ApiToken, Visit
from tracker.visits import services

NOW = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
BUDGET = 10  # statements per request, whatever the data (counted as a server sends them)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def count(api, url: str) -> int:
    with statements() as sent:
        response = api.get(url)
        response.get_data()
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return len(as_served(sent))


def document_everything(api, visit, start: datetime) -> None:
    """A visit with at least one row in every part of the record."""
    over = OverTheApi(api, visit)
    t = lambda minutes: over.when(start + timedelta(minutes=minutes))  # noqa: E731
    over.post("/check-in", (200, "Visit"), at=t(0), **GPS)
    for check, values in SAFETY:
        over.post("/safety-checks", (201, "SafetyCheck"), check=check, **values)
    over.post("/vitals", (201, "VitalSigns"), **VITALS_BEFORE, taken_at=t(5))
    for number in [s["number"] for s in services.pinned_steps(visit)]:
        over.post("/steps", (201, "VisitStep"), step_number=number, status="done",
                  performed_at=t(5 + number))
    over.post("/vascular-accesses", (201, "VascularAccess"), device_type="peripheral_iv",
              gauge="22 G", site="Left forearm", side="left", is_new=True, insertion_attempts=1)
    over.post("/site-assessments", (201, "SiteAssessment"), timing="before", assessed_at=t(6),
              phlebitis_score=0, vip_score=0)
    over.post("/line-care", (201, "LineCare"), kind="flush", performed_at=t(8),
              solution="Normal saline 0.9%", volume_ml=10)
    over.post("/teaching", (201, "Teaching"), topic="Signs of infection", learner="patient",
              result="understood")
    given = over.post("/administrations", (201, "Administration"), **GIVEN, started_at=t(15))
    base = f"/administrations/{given['id']}"
    over.post(f"{base}/pauses", (201, "Administration"), paused_at=t(30), reason="Occlusion alarm")
    over.post(f"{base}/resume", (200, "Administration"), resumed_at=t(35))
    complication = over.post("/complications", (201, "Complication"), kind="phlebitis",
                             severity="mild", onset_at=t(40), description="Red streak")
    over.post(f"/complications/{complication['id']}/actions", (201, "Complication"),
              action="physician_notified", taken_at=t(45), note="Dr on call")
    over.post(f"{base}/stop", (200, "Administration"), stopped_at=t(75))
    over.post("/vitals", (201, "VitalSigns"), **VITALS_AFTER, taken_at=t(100))
    over.post("/check-out", (200, "Visit"), at=t(170), **GPS)
    over.post("/sign", (200, "Visit"), password=PASSWORD)
    over.post("/addenda", (201, "Addendum"), text="Pump serial corrected to P-18.")


def test_api_reads_do_not_grow_with_the_data(clock, make, nurse, nurse_api):
    patient = make.patient()
    make.assign(nurse, patient)
    order = make.order(patient)
    people = {"nurse": nurse, "patient": patient, "order": order}
    empty = make.visit(nurse, patient, NOW + timedelta(hours=2), order=order)
    full = make.visit(nurse, patient, NOW - timedelta(hours=4), order=order)
    document_everything(nurse_api, full, NOW - timedelta(hours=4))
    pages = ["/api/v1/visits", f"/api/v1/visits/{empty.id}", f"/api/v1/visits/{full.id}"]
    small = {url: count(nurse_api, url) for url in pages}

    # A thousand more visits of the same nurse and patient, with vitals, billing,
    # complications and checklists; the list's page is full now.
    ids = bulk.visits(1000, first=NOW - timedelta(days=500), step=timedelta(hours=12),
                      state="signed", **people)
    builders.bulk_details(ids, nurse.id)
    bulk.checklists(ids, ticked_by_id=None, at=NOW)
    db.session.expire_all()
    large = {url: count(nurse_api, url) for url in pages}

    assert large == small
    assert max(small.values()) <= BUDGET, small
    # A whole visit costs what an empty one does: its parts come in a fixed set of statements.
    assert small[f"/api/v1/visits/{full.id}"] == small[f"/api/v1/visits/{empty.id}"]


def test_the_whole_visit_loaded_at_once_reads_as_loaded_part_by_part(clock, make, nurse, nurse_api):
    patient = make.patient()
    make.assign(nurse, patient)
    visit = make.visit(nurse, patient, NOW - timedelta(hours=4), order=make.order(patient))
    document_everything(nurse_api, visit, NOW - timedelta(hours=4))
    answered = nurse_api.get(f"/api/v1/visits/{visit.id}").get_json()
    db.session.expire_all()
    part_by_part = serializers.visit(db.session.get(Visit, visit.id))  # lazy loads, one by one
    assert answered == part_by_part
    assert all(answered[part] for part in (
        "steps", "safety_checks", "vital_signs", "vascular_accesses", "site_assessments",
        "line_care", "teaching", "administrations", "complications", "billing_lines", "addenda"))
    assert answered["administrations"][0]["interruptions"]
    assert answered["complications"][0]["actions"]


def test_the_minutely_last_used_write_stays_within_the_budget(clock, make, nurse, nurse_api):
    patient = make.patient()
    make.assign(nurse, patient)
    visit = make.visit(nurse, patient, NOW - timedelta(hours=4), order=make.order(patient))
    document_everything(nurse_api, visit, NOW - timedelta(hours=4))
    clock.shift(timedelta(minutes=2))  # the token's last use is now old enough to be written
    for url in ("/api/v1/visits", f"/api/v1/visits/{visit.id}"):
        assert count(nurse_api, url) <= BUDGET, url
        clock.shift(timedelta(minutes=2))
    db.session.expire_all()
    token = db.session.query(ApiToken).filter_by(user_id=nurse.id).one()
    assert token.last_used_at == NOW + timedelta(minutes=4)
