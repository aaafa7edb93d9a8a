"""Clinical entries over the API: what is stored and answered, and the services' refusals
as 422 with the field at fault (or `_form` for the entry as a whole)."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.api.conftest import assert_error
from tests.api.write_helpers import (
    ADMINISTRATION,
    VITALS,
    body,
    count,
    iso,
    ok,
    ready_visit,
)
from tracker.clinical.news2 import EMERGENCY_RESPONSE, ROUTINE_RESPONSE, URGENT_RESPONSE
from tracker.clinical.site import INSERTION_ATTEMPT_LIMIT
from tracker.extensions import db
from tracker.models import (
    Alert,
    Complication,
    LineCareEntry,
    MedicationAdministration,
    TeachingEntry,
    VascularAccess,
    VitalSigns,
)
from tracker.timeutil import utcnow


@pytest.fixture
def ready(make, nurse):
    return ready_visit(make, nurse)


def url(ready, action: str) -> str:
    return f"/api/v1/visits/{ready.visit.id}/{action}"


def at(ready, minutes: int) -> str:
    return iso(ready.checked_in_at + timedelta(minutes=minutes))


def alerts(ready) -> list[Alert]:
    return db.session.scalars(select(Alert).where(Alert.visit_id == ready.visit.id)
                              .order_by(Alert.id)).all()


# --- Vital signs -------------------------------------------------------------------------------

def test_vitals_come_back_with_their_news2_score(ready, nurse_api):
    data = ok(nurse_api.post(url(ready, "vitals"), json=body(**VITALS, taken_at=at(ready, 15))),
              201, "VitalSigns")
    assert data["news2"] == {"total": 0, "band": "low", "response": ROUTINE_RESPONSE}
    assert data["taken_at"] == (ready.checked_in_at + timedelta(minutes=15)).isoformat()
    assert data["heart_rate"] == 72 and data["temperature_c"] == 36.9
    assert data["phase"] == "before" and data["consciousness"] == "A"


@pytest.mark.parametrize("values, band, response, severity", [
    ({"heart_rate": 112, "temperature": 38.4, "respiratory_rate": 22, "spo2": 95}, "medium",
     URGENT_RESPONSE, "urgent"),
    ({"heart_rate": 135, "systolic": 88, "diastolic": 50, "respiratory_rate": 26, "spo2": 90},
     "high", EMERGENCY_RESPONSE, "emergency"),
])
def test_an_urgent_score_says_what_to_do_and_alerts_the_office(ready, nurse_api, values, band,
                                                               response, severity):
    data = ok(nurse_api.post(url(ready, "vitals"), json=body(
        **{**VITALS, **values}, taken_at=at(ready, 15))), 201, "VitalSigns")
    assert data["news2"]["band"] == band and data["news2"]["response"] == response
    [alert] = [a for a in alerts(ready) if a.kind.startswith("news2")]
    assert alert.severity == severity and f"NEWS2 {data['news2']['total']}" in alert.message


def test_a_temperature_in_fahrenheit_is_stored_in_celsius(ready, nurse_api):
    data = ok(nurse_api.post(url(ready, "vitals"), json=body(
        **{**VITALS, "temperature": 98.6, "temperature_unit": "F"}, taken_at=at(ready, 15))),
        201, "VitalSigns")
    assert data["temperature_c"] == pytest.approx(37.0)


@pytest.mark.parametrize("values, fields", [
    ({"heart_rate": 720}, ("heart_rate",)),
    ({"diastolic": None}, ("diastolic",)),
    ({"systolic": 80, "diastolic": 120}, ("diastolic",)),
    ({"temperature": 99.1}, ("temperature",)),
    ({"phase": "later"}, ("phase",)),
    ({"heart_rate": "72"}, ("heart_rate",)),
    ({"pain": 11}, ("pain",)),
])
def test_impossible_vitals_are_422_with_the_field(ready, nurse_api, values, fields):
    error = assert_error(nurse_api.post(url(ready, "vitals"), json=body(
        **{**VITALS, **values}, taken_at=at(ready, 15))), 422, fields=fields)
    assert all(error["fields"].values())
    assert count(VitalSigns) == 0


def test_a_set_without_any_measurement_is_refused_as_a_whole(ready, nurse_api):
    error = assert_error(nurse_api.post(url(ready, "vitals"), json=body(
        phase="before", consciousness="A", taken_at=at(ready, 15))), 422, fields=("_form",))
    assert error["detail"] == "Enter at least one measurement."


def test_vitals_times_must_be_within_the_visit(ready, nurse_api):
    before = iso(ready.checked_in_at - timedelta(minutes=30))
    error = assert_error(nurse_api.post(url(ready, "vitals"), json=body(**VITALS, taken_at=before)),
                         422, fields=("taken_at",))
    assert error["fields"]["taken_at"].startswith("The time is before check-in")
    future = iso(utcnow() + timedelta(minutes=10))
    assert_error(nurse_api.post(url(ready, "vitals"), json=body(**VITALS, taken_at=future)), 422,
                 fields=("taken_at",))
    assert_error(nurse_api.post(url(ready, "vitals"), json=body(**VITALS)), 422,
                 fields=("taken_at",))


def test_vitals_sent_later_keep_the_time_they_were_taken(ready, nurse_api):
    taken = ready.checked_in_at + timedelta(minutes=15)
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        data = ok(nurse_api.post(url(ready, "vitals"), json=body(**VITALS, taken_at=iso(taken))),
                  201, "VitalSigns")
    assert data["taken_at"] == taken.isoformat()
    assert db.session.get(VitalSigns, data["id"]).taken_at == taken


# --- Access, site, line care, teaching -------------------------------------------------------

def test_vascular_access_and_too_many_attempts(ready, nurse_api):
    access = {"device_type": "peripheral_iv", "site": "Left forearm", "side": "left",
              "is_new": True}
    assert_error(nurse_api.post(url(ready, "vascular-accesses"), json=body(**access)), 422,
                 fields=("insertion_attempts",))
    assert_error(nurse_api.post(url(ready, "vascular-accesses"), json=body(
        **{**access, "device_type": "other"})), 422, fields=("device_other", "insertion_attempts"))
    data = ok(nurse_api.post(url(ready, "vascular-accesses"), json=body(
        **access, insertion_attempts=INSERTION_ATTEMPT_LIMIT + 1)), 201, "VascularAccess")
    assert data["insertion_attempts"] == INSERTION_ATTEMPT_LIMIT + 1 and data["is_new"] is True
    assert [a.kind for a in alerts(ready)][-1] == "insertion_attempts"
    existing = ok(nurse_api.post(url(ready, "vascular-accesses"), json=body(
        device_type="picc", site="Right upper arm", side="right", is_new=False)), 201,
        "VascularAccess")
    assert existing["insertion_attempts"] == 0
    assert count(VascularAccess) == 2


def test_site_checks_on_both_scales(ready, nurse_api):
    data = ok(nurse_api.post(url(ready, "site-assessments"), json=body(
        timing="after", assessed_at=at(ready, 45), phlebitis_score=2, vip_score=2,
        note="Redness along the vein")), 201, "SiteAssessment")
    assert (data["phlebitis_score"], data["vip_score"], data["timing"]) == (2, 2, "after")
    assert_error(nurse_api.post(url(ready, "site-assessments"), json=body(
        timing="after", assessed_at=at(ready, 45), phlebitis_score=5, vip_score=0)), 422,
        fields=("phlebitis_score",))


@pytest.mark.parametrize("values, fields", [
    ({"kind": "flush", "solution": "Saline"}, ("volume_ml",)),
    ({"kind": "flush", "volume_ml": 10}, ("solution",)),
    ({"kind": "flush", "solution": "Saline", "volume_ml": 0}, ("volume_ml",)),
    ({"kind": "lab_draw", "draw_site": "line"}, ("labs",)),
    ({"kind": "lab_draw", "labs": "CBC"}, ("draw_site",)),
])
def test_line_care_asks_for_what_each_kind_needs(ready, nurse_api, values, fields):
    assert_error(nurse_api.post(url(ready, "line-care"), json=body(
        **values, performed_at=at(ready, 30))), 422, fields=fields)
    assert count(LineCareEntry) == 0


def test_a_lab_draw(ready, nurse_api):
    data = ok(nurse_api.post(url(ready, "line-care"), json=body(
        kind="lab_draw", labs="CBC, BMP", draw_site="peripheral", performed_at=at(ready, 30))),
        201, "LineCare")
    assert (data["labs"], data["draw_site"], data["volume_ml"]) == ("CBC, BMP", "peripheral", None)


def test_teaching_not_given_needs_a_reason(ready, nurse_api):
    assert_error(nurse_api.post(url(ready, "teaching"), json=body(
        topic="Pump alarms", learner="caregiver", result="not_taught")), 422, fields=("reason",))
    data = ok(nurse_api.post(url(ready, "teaching"), json=body(
        topic="Pump alarms", learner="caregiver", result="not_taught",
        reason="Caregiver at work; next visit")), 201, "Teaching")
    assert data["learner"] == "caregiver" and count(TeachingEntry) == 1


# --- The infusion ------------------------------------------------------------------------------

def test_a_dose_other_than_the_order_must_be_confirmed(ready, nurse_api):
    nurse_api.post(f"{url(ready, 'administrations')}/{ready.administration_id}/stop",
                   json=body(stopped_at=at(ready, 20)))
    given = {**ADMINISTRATION, "dose": 1.5, "started_at": at(ready, 25)}
    error = assert_error(nurse_api.post(url(ready, "administrations"), json=body(**given)), 422,
                         fields=("confirm_dose",))
    assert "The order is 2 g; you entered 1.5 g." in error["fields"]["confirm_dose"]
    data = ok(nurse_api.post(url(ready, "administrations"), json=body(**given, confirm_dose=True)),
              201, "Administration")
    assert data["dose"] == 1.5 and data["stopped_at"] is None and data["drug"] == "Ceftriaxone"


def test_two_infusions_of_the_drug_never_overlap(ready, nurse_api):
    error = assert_error(nurse_api.post(url(ready, "administrations"), json=body(
        **ADMINISTRATION, started_at=at(ready, 25))), 422, fields=("_form",))
    assert error["detail"].startswith("An infusion is already running (started ")
    assert count(MedicationAdministration) == 1


def test_pause_resume_and_stop(ready, nurse_api):
    base = f"{url(ready, 'administrations')}/{ready.administration_id}"
    assert_error(nurse_api.post(f"{base}/resume", json=body(resumed_at=at(ready, 20))), 422,
                 fields=("resumed_at",))
    paused = ok(nurse_api.post(f"{base}/pauses", json=body(
        paused_at=at(ready, 20), reason="Occlusion alarm")), 201, "Administration")
    assert paused["interruptions"] == [{"paused_at": (ready.checked_in_at + timedelta(
        minutes=20)).isoformat(), "resumed_at": None, "reason": "Occlusion alarm"}]
    error = assert_error(nurse_api.post(f"{base}/pauses", json=body(
        paused_at=at(ready, 21), reason="Again")), 422, fields=("paused_at",))
    assert error["fields"]["paused_at"].startswith("The infusion is already paused")
    resumed = ok(nurse_api.post(f"{base}/resume", json=body(resumed_at=at(ready, 24))), 200,
                 "Administration")
    assert resumed["interruptions"][0]["resumed_at"] is not None
    error = assert_error(nurse_api.post(f"{base}/stop", json=body(stopped_at=at(ready, 19))), 422,
                         fields=("stopped_at",))
    assert error["fields"]["stopped_at"].startswith("The stop time cannot be before the last pause")
    stopped = ok(nurse_api.post(f"{base}/stop", json=body(stopped_at=at(ready, 40))), 200,
                 "Administration")
    assert stopped["stopped_at"] == (ready.checked_in_at + timedelta(minutes=40)).isoformat()
    error = assert_error(nurse_api.post(f"{base}/stop", json=body(stopped_at=at(ready, 41))), 422,
                         fields=("stopped_at",))
    assert error["fields"]["stopped_at"].startswith("This infusion was stopped at")


# --- Complications -----------------------------------------------------------------------------

def test_anaphylaxis_is_an_emergency_for_the_office(ready, nurse_api):
    data = ok(nurse_api.post(url(ready, "complications"), json=body(
        kind="anaphylaxis", severity="severe", onset_at=at(ready, 30),
        description="Wheeze and hives")), 201, "Complication")
    assert data["kind"] == "anaphylaxis" and data["actions"] == []
    assert alerts(ready)[-1].severity == "emergency"


def test_complication_refusals(ready, nurse_api):
    assert_error(nurse_api.post(url(ready, "complications"), json=body(
        kind="alien_abduction", severity="mild", onset_at=at(ready, 30))), 422, fields=("kind",))
    assert_error(nurse_api.post(url(ready, "complications"), json=body(
        kind="other", severity="mild", onset_at=at(ready, 30))), 422, fields=("kind_other",))
    assert count(Complication) == 1


def test_actions_and_the_outcome_of_a_complication(ready, nurse_api):
    base = f"{url(ready, 'complications')}/{ready.complication_id}"
    error = assert_error(nurse_api.post(f"{base}/actions", json=body(
        action="physician_notified", taken_at=at(ready, 5))), 422, fields=("taken_at",))
    assert error["fields"]["taken_at"].startswith("The action cannot be before the complication")
    assert_error(nurse_api.post(f"{base}/actions", json=body(action="other",
                                                             taken_at=at(ready, 25))),
                 422, fields=("note",))
    data = ok(nurse_api.post(f"{base}/actions", json=body(
        action="physician_notified", taken_at=at(ready, 25), note="Dr on call")), 201,
        "Complication")
    assert data["id"] == ready.complication_id
    assert data["actions"] == [{"action": "physician_notified", "taken_at": (
        ready.checked_in_at + timedelta(minutes=25)).isoformat(), "note": "Dr on call"}]
    assert_error(nurse_api.post(f"{base}/outcome", json=body(outcome="  ")), 422,
                 fields=("outcome",))
    outcome = ok(nurse_api.post(f"{base}/outcome", json=body(outcome="Settled with a warm pack")),
                 200, "Complication")
    assert outcome["outcome"] == "Settled with a warm pack"
