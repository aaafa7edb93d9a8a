"""The visit's life over the API: check-in and check-out (EVV), steps, safety checks,
signature and addenda, with the refusals a nurse meets at the bedside."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from tests.api.conftest import assert_error
from tests.api.write_helpers import (
    PASSWORD,
    PLACE,
    VITALS,
    audit_count,
    body,
    check_in,
    complete_for_signature,
    confirm_safety,
    count,
    iso,
    minute,
    ok,
    ready_visit,
    schedule,
)
from tracker.clinical.billing import billing_lines
from tracker.extensions import db
from tracker.models import Alert, AuditEvent, SafetyCheck, VisitStep, VitalSigns
from tracker.timeutil import utcnow


def url(visit, action: str) -> str:
    return f"/api/v1/visits/{visit.id}/{action}"


def utc(moment) -> str:
    return moment.isoformat()


# --- Check-in and check-out ------------------------------------------------------------------

def test_check_in_records_the_time_and_place_the_tablet_sent(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    at = minute(utcnow()) - timedelta(minutes=4)
    data = ok(nurse_api.post(url(visit, "check-in"), json=body(at=iso(at), **PLACE)), 200, "Visit")
    assert data["state"] == "in_progress"
    assert data["evv"]["check_in"] == {"at": utc(at), "latitude": 40.7128, "longitude": -74.006,
                                       "accuracy_m": 12.0, "method": "gps", "note": ""}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit_checked_in"))
    assert event.record_id == str(visit.id) and event.detail["location_method"] == "gps"


def test_a_check_in_sent_hours_later_keeps_the_time_it_was_made(make, nurse, nurse_api):
    """An offline tablet sends its queue when it is back online: the capture time counts."""
    visit = schedule(make, nurse, minutes_ago=10)
    captured = minute(utcnow()) - timedelta(minutes=5)
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        data = ok(nurse_api.post(url(visit, "check-in"), json=body(at=iso(captured), **PLACE)),
                  200, "Visit")
    assert data["evv"]["check_in"]["at"] == utc(captured)
    db.session.refresh(visit)
    assert visit.checked_in_at == captured


def test_without_a_location_the_nurse_confirms_the_address_and_says_why(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    at = iso(utcnow() - timedelta(minutes=2))
    assert_error(nurse_api.post(url(visit, "check-in"), json=body(at=at)), 422,
                 fields=("address_confirmed",))
    assert_error(nurse_api.post(url(visit, "check-in"), json=body(at=at, address_confirmed=True)),
                 422, fields=("location_note",))
    data = ok(nurse_api.post(url(visit, "check-in"), json=body(
        at=at, latitude=None, longitude=None, address_confirmed=True,
        location_note="Location turned off on the tablet")), 200, "Visit")
    assert data["evv"]["check_in"]["method"] == "address"
    assert data["evv"]["check_in"]["note"] == "Location turned off on the tablet"


def test_check_in_refuses_times_the_visit_cannot_have(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    future = iso(utcnow() + timedelta(minutes=30))
    error = assert_error(nurse_api.post(url(visit, "check-in"), json=body(at=future, **PLACE)),
                         422, fields=("at",))
    assert error["fields"]["at"] == "The check-in time cannot be in the future."
    far = schedule(make, nurse, minutes_ago=-24 * 60)  # planned for tomorrow
    error = assert_error(nurse_api.post(url(far, "check-in"), json=body(
        at=iso(utcnow()), **PLACE)), 422, fields=("at",))
    assert "Ask the coordinator to reschedule it" in error["detail"]
    assert_error(nurse_api.post(url(visit, "check-in"), json=body(**PLACE)), 422, fields=("at",))
    assert_error(nurse_api.post(url(visit, "check-in"), json=body(
        at="2026-03-02T10:00:00", **PLACE)), 422, fields=("at",))  # no offset
    db.session.refresh(visit)
    assert visit.state == "scheduled"


def test_a_second_check_in_is_409_with_the_time_of_the_first(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    check_in(nurse, visit, minutes_ago=5)
    error = assert_error(nurse_api.post(url(visit, "check-in"), json=body(
        at=iso(utcnow()), **PLACE)), 409)
    assert error["detail"].startswith("This visit is already checked in (at ")


def test_checking_in_while_still_checked_in_elsewhere_is_409(make, nurse, nurse_api):
    check_in(nurse, schedule(make, nurse, minutes_ago=90), minutes_ago=80)
    visit = schedule(make, nurse, minutes_ago=5)
    error = assert_error(nurse_api.post(url(visit, "check-in"), json=body(
        at=iso(utcnow()), **PLACE)), 409)
    assert "still checked in at another visit" in error["detail"]


def test_check_out_stores_the_billing_lines_for_the_visits_length(make, nurse, nurse_api, app):
    visit = schedule(make, nurse, minutes_ago=180)
    checked_in = check_in(nurse, visit, minutes_ago=175)
    at = checked_in + timedelta(minutes=170)
    data = ok(nurse_api.post(url(visit, "check-out"), json=body(at=iso(at), **PLACE)), 200,
              "Visit")
    assert data["state"] == "completed"
    assert data["evv"]["check_out"]["at"] == utc(at) and data["evv"]["duration_minutes"] == 170
    expected = billing_lines(timedelta(minutes=170),
                             app.config["ADDITIONAL_HOUR_THRESHOLD_MINUTES"])
    assert [(b["code"], b["units"]) for b in data["billing_lines"]] == \
        sorted((line.code, line.units) for line in expected)
    assert [b["code"] for b in data["billing_lines"]] == ["99601", "99602"]


def test_check_out_refusals(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    error = assert_error(nurse_api.post(url(visit, "check-out"), json=body(
        at=iso(utcnow()), **PLACE)), 409)
    assert error["detail"] == "You cannot check out before checking in."
    checked_in = check_in(nurse, visit, minutes_ago=5)
    error = assert_error(nurse_api.post(url(visit, "check-out"), json=body(
        at=iso(checked_in - timedelta(minutes=10)), **PLACE)), 422, fields=("at",))
    assert "cannot be before the check-in time" in error["fields"]["at"]


# --- Steps and safety checks -----------------------------------------------------------------

def test_steps_done_and_not_done(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    done_at = ready.checked_in_at + timedelta(minutes=3)
    step = ok(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=1, status="done", performed_at=iso(done_at))), 201, "VisitStep")
    assert step == {**step, "step_number": 1, "step_key": "arrive_equipped", "status": "done",
                    "performed_at": utc(done_at), "reason": ""}
    error = assert_error(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=2, status="not_done", performed_at=iso(done_at))), 422, fields=("reason",))
    assert error["fields"]["reason"] == "Say why this step was not done."
    marked_at = ready.checked_in_at + timedelta(minutes=7)
    skipped = ok(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=2, status="not_done", performed_at=iso(marked_at),
        reason="Patient declined")), 201, "VisitStep")
    assert skipped["performed_at"] == utc(marked_at)  # when it was marked, not when it arrived
    assert skipped["reason"] == "Patient declined"
    assert_error(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=99, status="done", performed_at=iso(done_at))), 422, fields=("step_number",))
    assert_error(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=3, status="done", performed_at=iso(ready.checked_in_at - timedelta(hours=1)))),
        422, fields=("performed_at",))
    assert count(VisitStep) == 2


def test_recording_a_step_again_replaces_it(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    first = ready.checked_in_at + timedelta(minutes=3)
    ok(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=1, status="done", performed_at=iso(first))), 201, "VisitStep")
    again = ok(nurse_api.post(url(ready.visit, "steps"), json=body(
        step_number=1, status="not_done", performed_at=iso(first), reason="Ran out of gloves")),
        201, "VisitStep")
    assert again["status"] == "not_done" and count(VisitStep) == 1


def test_a_step_on_a_visit_not_checked_in_is_409(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    error = assert_error(nurse_api.post(url(visit, "steps"), json=body(
        step_number=1, status="done", performed_at=iso(utcnow()))), 409)
    assert error["detail"] == "You cannot record a procedure step: the visit is scheduled."


def test_safety_checks_confirmed_or_with_a_problem(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    check_in(nurse, visit, minutes_ago=5)
    identity = ok(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="identity", identifiers=["name", "mrn"], confirmed=True)), 201, "SafetyCheck")
    assert identity["confirmed"] is True and identity["detail"] == {"identifiers": ["name", "mrn"]}
    assert_error(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="identity", identifiers=["name"], confirmed=True)), 422, fields=("identifiers",))
    assert_error(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="identity", identifiers=["name", "name"], confirmed=True)), 422,
        fields=("identifiers",))
    assert_error(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="allergies", result="conflict")), 422, fields=("note",))
    kit = ok(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="anaphylaxis_kit", present="no")), 201, "SafetyCheck")
    assert kit["confirmed"] is False and kit["detail"]["problem"] == "anaphylaxis kit missing"
    alert = db.session.scalar(select(Alert).where(Alert.visit_id == visit.id))
    assert alert.kind == "anaphylaxis_kit" and alert.severity == "urgent"
    db.session.refresh(visit)
    assert visit.infusion_blocked_reason == "Infusion stopped: anaphylaxis kit missing."
    expired = ok(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="medication", drug=True, dose=True, route=True, rate=True,
        expiry_date="2020-01-31")), 201, "SafetyCheck")
    assert expired["confirmed"] is False and "expired on 31 Jan 2020" in expired["detail"]["problem"]
    assert count(SafetyCheck) == 3


def test_a_blocked_infusion_cannot_start_over_the_api_either(make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    checked_in = check_in(nurse, visit, minutes_ago=5)
    confirm_safety(nurse, visit)
    ok(nurse_api.post(url(visit, "safety-checks"), json=body(
        check="pump", result="problem", note="Display dead")), 201, "SafetyCheck")
    error = assert_error(nurse_api.post(url(visit, "administrations"), json=body(
        lot_number="L1", dose=2, dose_unit="g", started_at=iso(checked_in))), 422,
        fields=("_form",))
    assert error["detail"].startswith("The infusion cannot start yet: Infusion stopped: "
                                      "pump problem (Display dead).")


# --- Signature and addenda -------------------------------------------------------------------

def test_signing_an_incomplete_record_is_409_listing_what_is_left(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    error = assert_error(nurse_api.post(url(ready.visit, "sign"), json=body(password=PASSWORD)),
                         409)
    assert error["detail"].startswith("You cannot sign yet. Still to do: Check out.")
    assert "Record at least one set of vital signs." in error["detail"]


def test_a_wrong_password_is_422_and_audited(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    complete_for_signature(nurse, ready.visit, ready.checked_in_at)
    error = assert_error(nurse_api.post(url(ready.visit, "sign"), json=body(password="guess")),
                         422, fields=("password",))
    assert "password is not right" in error["fields"]["password"]
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit_sign_refused"))
    assert refused.detail["reason"] == "password" and refused.detail["api_token_id"]
    db.session.refresh(ready.visit)
    assert ready.visit.state == "completed"


def test_signing_makes_the_record_read_only(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    complete_for_signature(nurse, ready.visit, ready.checked_in_at)
    signed = ok(nurse_api.post(url(ready.visit, "sign"), json=body(password=PASSWORD)), 200,
                "Visit")
    assert signed["state"] == "signed" and signed["signed_by"] == {"id": nurse.id,
                                                                    "name": nurse.name}
    error = assert_error(nurse_api.post(url(ready.visit, "sign"), json=body(password=PASSWORD)),
                         409)
    assert error["detail"] == "This visit is already signed. Add an addendum to correct it."
    error = assert_error(nurse_api.post(url(ready.visit, "vitals"), json=body(
        **VITALS, taken_at=iso(ready.checked_in_at + timedelta(minutes=20)))), 409)
    assert error["detail"] == "You cannot record vital signs: the visit is signed. Add an addendum instead."
    assert count(VitalSigns) == 1


def test_signing_is_limited_to_ten_tries_a_minute(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    complete_for_signature(nurse, ready.visit, ready.checked_in_at)
    answers = [nurse_api.post(url(ready.visit, "sign"), json=body(password="guess")).status_code
               for _ in range(11)]
    assert answers == [422] * 10 + [429]
    assert_error(nurse_api.post(url(ready.visit, "sign"), json=body(password=PASSWORD)), 429)


def test_addenda_after_signing_only(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    error = assert_error(nurse_api.post(url(ready.visit, "addenda"), json=body(text="Late note")),
                         409)
    assert error["detail"].startswith("Addenda are added after signing.")
    complete_for_signature(nurse, ready.visit, ready.checked_in_at)
    ok(nurse_api.post(url(ready.visit, "sign"), json=body(password=PASSWORD)), 200, "Visit")
    assert_error(nurse_api.post(url(ready.visit, "addenda"), json=body(text="   ")), 422,
                 fields=("text",))
    note = ok(nurse_api.post(url(ready.visit, "addenda"), json=body(
        text="  Pump serial was P-18.  ")), 201, "Addendum")
    assert note["text"] == "Pump serial was P-18." and note["author"]["id"] == nurse.id


# --- client_id ---------------------------------------------------------------------------------

def test_a_client_id_is_for_one_write_only(make, nurse, nurse_api):
    ready = ready_visit(make, nurse)
    payload = body(step_number=1, status="done",
                   performed_at=iso(ready.checked_in_at + timedelta(minutes=2)))
    ok(nurse_api.post(url(ready.visit, "steps"), json=payload), 201, "VisitStep")
    audited = audit_count()
    other_step = {**payload, "step_number": 2}
    assert_error(nurse_api.post(url(ready.visit, "steps"), json=other_step), 422,
                 fields=("client_id",))
    vitals = {"client_id": payload["client_id"], **VITALS,
              "taken_at": iso(ready.checked_in_at + timedelta(minutes=3))}
    assert_error(nurse_api.post(url(ready.visit, "vitals"), json=vitals), 422,
                 fields=("client_id",))
    assert audit_count() == audited and count(VisitStep) == 1 and count(VitalSigns) == 0
