"""The visit pages as nurses and coordinators use them."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.visits.conftest import PLACE, add_vitals, complete_record, soon
from tracker.extensions import db
from tracker.models import Addendum, AuditEvent, SafetyCheck, TherapyOrder, Visit
from tracker.timeutil import local
from tracker.visits import services

PASSWORD = "correct horse battery"


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def visit(schedule):
    return schedule()


@pytest.fixture
def in_progress(visit, nurse):
    services.check_in(nurse, visit, PLACE)
    return visit


@pytest.fixture
def signed(in_progress, nurse):
    complete_record(in_progress, nurse)
    services.check_out(nurse, in_progress, PLACE)
    services.sign_visit(nurse, in_progress, {"password": PASSWORD})
    return in_progress


def test_nurse_lands_on_her_day(signed_in, nurse, schedule):
    # A fixed morning: an hour from now is tomorrow for her late in the evening.
    with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), tick=False):
        visit = schedule()
        page = signed_in(nurse).get("/home", follow_redirects=True)
    assert page.status_code == 200
    text = html(page)
    assert "Good to see you" in text and "Today" in text
    assert visit.patient.last_name in text and "Open and check in" in text


def test_coordinator_finds_the_visit_on_the_schedule(signed_in, office, visit):
    browser = signed_in(office)
    page = browser.get("/visits/schedule", follow_redirects=True)
    assert "Visit schedule" in html(page) and visit.patient.last_name in html(page)
    day = local(visit.planned_start, office.timezone).date()
    filtered = browser.get(f"/visits/schedule?day={day.isoformat()}&nurse={visit.nurse_id}")
    assert filtered.status_code == 200 and visit.patient.last_name in html(filtered)
    other_day = browser.get(f"/visits/schedule?day={(day + timedelta(days=3)).isoformat()}")
    assert visit.patient.last_name not in html(other_day)
    assert browser.get("/visits/schedule?day=not-a-date").status_code == 200


@pytest.mark.parametrize("state", ["scheduled", "in_progress", "completed", "signed", "cancelled"])
def test_the_visit_page_renders_in_every_state(signed_in, nurse, office, visit, state):
    if state != "scheduled" and state != "cancelled":
        services.check_in(nurse, visit, PLACE)
    if state in ("completed", "signed"):
        complete_record(visit, nurse)
        services.check_out(nurse, visit, PLACE)
    if state == "signed":
        services.sign_visit(nurse, visit, {"password": PASSWORD})
    if state == "cancelled":
        services.cancel_visit(office, visit, {"reason": "Patient travelling"})
    for user in (nurse, office):
        page = signed_in(user).get(f"/visits/{visit.id}")
        assert page.status_code == 200, html(page)[:500]
        text = html(page)
        assert "Penicillin (rash)" in text  # allergies in the header
        assert "Ceftriaxone 2 g IV" in text  # the order
        assert f"badge-{state}" in text


def test_other_pages_render(signed_in, office, nurse, visit, patient, order):
    browser = signed_in(office)
    for url in ("/visits/new", f"/visits/new/{patient.id}", f"/visits/{visit.id}/reschedule",
                f"/visits/{visit.id}/cancel", f"/visits/{visit.id}/missed",
                f"/visits/orders/new/{patient.id}", f"/visits/orders/{order.id}/edit",
                f"/patients/{patient.id}"):
        response = browser.get(url)
        assert response.status_code == 200, (url, html(response)[:300])
    patient_page = html(browser.get(f"/patients/{patient.id}"))
    assert "Therapy orders" in patient_page and "Ceftriaxone 2 g IV at 100 mL/h" in patient_page
    assert "Schedule a visit" in patient_page


def test_another_nurses_visit_is_not_found(signed_in, make, visit):
    stranger = signed_in(make.nurse())
    assert stranger.get(f"/visits/{visit.id}").status_code == 404
    assert stranger.post(f"/visits/{visit.id}/check-in",
                         {"checkin-latitude": "1", "checkin-longitude": "1"}).status_code == 404
    assert visit.state == "scheduled"


def test_patients_see_none_of_these_pages(signed_in, make, visit, patient):
    browser = signed_in(make.patient_user(patient))
    for url in (f"/visits/{visit.id}", "/visits/today", "/visits/schedule", f"/visits/new/{patient.id}"):
        assert browser.get(url).status_code == 403


def test_check_in_through_the_page_keeps_what_was_typed_when_refused(signed_in, nurse, visit):
    browser = signed_in(nurse)
    typed = local(visit.planned_start - timedelta(hours=1), nurse.timezone).strftime("%Y-%m-%dT%H:%M")
    response = browser.post(f"/visits/{visit.id}/check-in", {
        "checkin-at": typed, "checkin-at_shown": "2000-01-01T00:00",
        "checkin-address_confirmed": "y", "checkin-location_note": ""})
    assert response.status_code == 422
    text = html(response)
    assert "Say why the location is not available" in text
    assert f'value="{typed}"' in text
    assert 'data-failed-section="check-in"' in text
    assert visit.state == "scheduled"
    ok = browser.post(f"/visits/{visit.id}/check-in", {
        "checkin-at": typed, "checkin-at_shown": "2000-01-01T00:00",
        "checkin-address_confirmed": "y", "checkin-location_note": "No signal indoors"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/visits/{visit.id}#check-in")
    db.session.refresh(visit)
    assert visit.state == "in_progress"
    assert local(visit.checked_in_at, nurse.timezone).strftime("%Y-%m-%dT%H:%M") == typed
    assert visit.check_in_location_method == "address"


def test_an_untouched_time_field_means_now(signed_in, nurse, visit):
    shown = "2000-01-01T00:00"
    browser = signed_in(nurse)
    response = browser.post(f"/visits/{visit.id}/check-in", {
        "checkin-at": shown, "checkin-at_shown": shown, **{f"checkin-{k}": v for k, v in PLACE.items()}})
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.check_in_location_method == "gps" and visit.checked_in_at.year > 2000


def test_a_refused_step_keeps_its_typed_reason_and_says_why(signed_in, nurse, in_progress):
    response = signed_in(nurse).post(f"/visits/{in_progress.id}/steps/4", {
        "step4-status": "done", "step4-performed_at": "2000-01-01T09:00",
        "step4-performed_at_shown": "x", "step4-reason": "typed words"})
    assert response.status_code == 422
    text = html(response)
    assert "The time cannot be before the check-in time" in text
    assert 'value="typed words"' in text and 'value="2000-01-01T09:00"' in text


def test_a_refused_safety_check_keeps_its_typed_values(signed_in, nurse, in_progress):
    response = signed_in(nurse).post(f"/visits/{in_progress.id}/safety/medication", {
        "safety-medication-drug": "y", "safety-medication-dose": "y",
        "safety-medication-expiry_date": "2099-12-31", "safety-medication-note": ""})
    assert response.status_code == 422
    text = html(response)
    assert "Say what does not match the order." in text
    assert 'value="2099-12-31"' in text
    assert re.search(r'id="safety-medication-drug"[^>]*checked|checked[^>]*id="safety-medication-drug"', text)
    assert db.session.query(SafetyCheck).filter_by(visit_id=in_progress.id).count() == 0


def test_kit_check_through_the_page_shows_the_stop(signed_in, nurse, in_progress):
    browser = signed_in(nurse)
    response = browser.post(f"/visits/{in_progress.id}/safety/anaphylaxis_kit",
                            {"safety-anaphylaxis_kit-present": "no"})
    assert response.status_code == 302
    page = html(browser.get(f"/visits/{in_progress.id}"))
    assert "Infusion stopped: anaphylaxis kit missing." in page
    assert "Anaphylaxis kit missing at a home visit" in page  # the open alert


def test_sign_page_lists_what_is_missing_and_refuses(signed_in, nurse, in_progress):
    browser = signed_in(nurse)
    page = html(browser.get(f"/visits/{in_progress.id}"))
    assert "Before you can sign" in page and "Check out." in page
    response = browser.post(f"/visits/{in_progress.id}/sign", {"sign-password": PASSWORD})
    assert response.status_code == 422
    assert "You cannot sign yet" in html(response)
    assert "Record at least one set of vital signs." in html(response)
    assert in_progress.state == "in_progress"


def test_the_whole_visit_through_the_pages(signed_in, nurse, visit):
    browser = signed_in(nurse)
    place = {f"{{}}-{k}": v for k, v in PLACE.items()}

    def located(prefix):
        return {key.format(prefix): value for key, value in place.items()}

    assert browser.post(f"/visits/{visit.id}/check-in", located("checkin")).status_code == 302
    forms = {
        "identity": {"identifiers": ["name", "mrn"], "confirmed": "y"},
        "allergies": {"result": "no_conflict"},
        "medication": {"drug": "y", "dose": "y", "route": "y", "rate": "y", "expiry_date": "2099-01-01"},
        "anaphylaxis_kit": {"present": "yes", "expiry_date": "2099-01-01"},
        "pump": {"result": "ok", "pump_id": "P-3"},
    }
    for check, values in forms.items():
        response = browser.post(f"/visits/{visit.id}/safety/{check}",
                                {f"safety-{check}-{k}": v for k, v in values.items()})
        assert response.status_code == 302, html(response)[:2000]
    add_vitals(visit, nurse)
    for number in range(1, 7):
        response = browser.post(f"/visits/{visit.id}/steps/{number}", {f"step{number}-status": "done"})
        assert response.status_code == 302, html(response)[:2000]
    assert browser.post(f"/visits/{visit.id}/check-out", located("checkout")).status_code == 302
    wrong = browser.post(f"/visits/{visit.id}/sign", {"sign-password": "not it"})
    assert wrong.status_code == 422 and "That password is not right" in html(wrong)
    assert browser.post(f"/visits/{visit.id}/sign", {"sign-password": PASSWORD}).status_code == 302
    page = html(browser.get(f"/visits/{visit.id}"))
    assert "badge-signed" in page and "This record is read-only" in page
    assert "99601" in page
    assert f"/visits/{visit.id}/check-out" not in page and f"/visits/{visit.id}/steps/" not in page
    assert f"/visits/{visit.id}/addenda" in page  # the only form left


def test_same_client_id_twice_stores_one_addendum(signed_in, nurse, signed):
    browser = signed_in(nurse)
    client_id = str(uuid.uuid4())
    for _ in range(2):
        response = browser.post(f"/visits/{signed.id}/addenda", {
            "addendum-text": "Pump was P-71.", "addendum-client_id": client_id})
        assert response.status_code == 302
    assert db.session.query(Addendum).filter_by(visit_id=signed.id).count() == 1
    page = html(browser.get(f"/visits/{signed.id}"))
    assert "Pump was P-71." in page and nurse.name in page


def test_same_client_id_twice_checks_in_once(signed_in, nurse, visit):
    browser = signed_in(nurse)
    data = {"checkin-client_id": str(uuid.uuid4()), **{f"checkin-{k}": v for k, v in PLACE.items()}}
    assert browser.post(f"/visits/{visit.id}/check-in", data).status_code == 302
    assert browser.post(f"/visits/{visit.id}/check-in", data).status_code == 302  # not "already"
    assert db.session.query(AuditEvent).filter_by(action="visit_checked_in",
                                                  record_id=str(visit.id)).count() == 1


def test_coordinator_cannot_document_a_visit(signed_in, office, visit):
    response = signed_in(office).post(f"/visits/{visit.id}/check-in",
                                      {f"checkin-{k}": v for k, v in PLACE.items()})
    assert response.status_code == 403


def test_order_form_keeps_what_was_typed(signed_in, office, patient):
    browser = signed_in(office)
    response = browser.post(f"/visits/orders/new/{patient.id}", {
        "medication": "Vancomycin", "dose": "1.25", "dose_unit": "g", "route": "IV",
        "frequency": "Every 12 hours", "start_date": "2031-01-10", "end_date": "2031-01-01",
        "prescriber": "Dr Example", "indication": "Osteomyelitis", "rate_ml_per_hour": "125"})
    assert response.status_code == 422
    text = html(response)
    assert "The end date cannot be before the start date." in text
    assert 'value="Vancomycin"' in text and 'value="1.25"' in text
    response = browser.post(f"/visits/orders/new/{patient.id}", {
        "medication": "Vancomycin", "dose": "1.25", "dose_unit": "g", "route": "IV",
        "frequency": "Every 12 hours", "start_date": "2031-01-10", "end_date": "2031-02-01",
        "prescriber": "Dr Example", "indication": "Osteomyelitis", "infusion_minutes": "120"})
    assert response.status_code == 302
    order = db.session.query(TherapyOrder).filter_by(patient_id=patient.id, medication="Vancomycin").one()
    assert (order.dose, order.infusion_minutes, order.rate_ml_per_hour) == (1.25, 120, None)


def test_schedule_form_refuses_an_overlap_and_keeps_the_time(signed_in, office, visit, patient, order, nurse):
    typed = local(visit.planned_start + timedelta(minutes=30), office.timezone).strftime("%Y-%m-%dT%H:%M")
    response = signed_in(office).post(f"/visits/new/{patient.id}", {
        "order_id": order.id, "nurse_id": nurse.id, "planned_start": typed, "planned_minutes": "60"})
    assert response.status_code == 422
    assert "already has a visit" in html(response) and f'value="{typed}"' in html(response)
    assert db.session.query(Visit).filter_by(patient_id=patient.id).count() == 1


def test_scheduling_through_the_page(signed_in, office, patient, order, nurse):
    when = soon(30)
    typed = local(when, office.timezone).strftime("%Y-%m-%dT%H:%M")
    response = signed_in(office).post(f"/visits/new/{patient.id}", {
        "order_id": order.id, "nurse_id": nurse.id, "planned_start": typed, "planned_minutes": "90"})
    assert response.status_code == 302
    visit = db.session.query(Visit).filter_by(patient_id=patient.id).one()
    assert (visit.planned_start, visit.planned_minutes) == (when, 90)


def test_cancel_and_missed_pages(signed_in, office, schedule):
    browser = signed_in(office)
    visit = schedule()
    empty = browser.post(f"/visits/{visit.id}/cancel", {"reason": ""})
    assert empty.status_code == 422 and "Give the reason." in html(empty)
    assert browser.post(f"/visits/{visit.id}/cancel", {"reason": "Family asked"}).status_code == 302
    db.session.refresh(visit)
    assert (visit.state, visit.state_reason) == ("cancelled", "Family asked")
    future = schedule(start=soon(4))
    early = browser.post(f"/visits/{future.id}/missed", {"reason": "Not home"})
    assert early.status_code == 422 and "has not started yet" in html(early)


def test_stopping_an_order_cancels_its_visits(signed_in, office, visit, order):
    response = signed_in(office).post(f"/visits/orders/{order.id}/stop", {})
    assert response.status_code == 302
    db.session.refresh(visit)
    db.session.refresh(order)
    assert not order.active and visit.state == "cancelled"


def test_an_order_used_for_a_visit_keeps_its_medication(signed_in, office, in_progress, order):
    browser = signed_in(office)
    values = {"medication": "Ceftriaxone", "dose": "1", "dose_unit": "g", "route": "IV",
              "rate_ml_per_hour": "100", "infusion_minutes": "30", "frequency": "Once daily",
              "start_date": "2020-01-01", "prescriber": "Dr Test Prescriber",
              "indication": "Synthetic test indication"}
    refused = browser.post(f"/visits/orders/{order.id}/edit", values)
    assert refused.status_code == 422 and "stop this order and create a new one" in html(refused).lower()
    extended = browser.post(f"/visits/orders/{order.id}/edit", {**values, "dose": "2",
                                                                  "end_date": "2099-01-01"})
    assert extended.status_code == 302
    db.session.refresh(order)
    assert (order.dose, order.end_date) == (2.0, date(2099, 1, 1))


def test_safety_values_reach_the_service_as_typed(signed_in, nurse, in_progress):
    response = signed_in(nurse).post(f"/visits/{in_progress.id}/safety/identity", {
        "safety-identity-identifiers": ["photo", "date_of_birth"], "safety-identity-confirmed": "y"})
    assert response.status_code == 302
    check = db.session.query(SafetyCheck).filter_by(visit_id=in_progress.id, check="identity").one()
    assert check.confirmed and check.detail["identifiers"] == ["date_of_birth", "photo"]


def test_a_date_out_of_range_is_answered_with_the_form(signed_in, office, nurse, patient, order):
    far = signed_in(office).post(f"/visits/new/{patient.id}", {
        "order_id": order.id, "nurse_id": nurse.id, "planned_start": "9999-12-31T23:30",
        "planned_minutes": "60"})
    assert far.status_code == 422 and "Check the year of that date." in html(far)


def test_garbled_check_in_is_answered_with_the_form(signed_in, nurse, visit):
    garbled = signed_in(nurse).post(f"/visits/{visit.id}/check-in", {
        "checkin-latitude": "north", "checkin-longitude": "-74", "checkin-at": "yesterday"})
    assert garbled.status_code == 422
    assert "Enter a date and time" in html(garbled)
    assert visit.state == "scheduled"


def test_steps_charted_after_check_out_default_to_the_check_out_time(signed_in, nurse, in_progress):
    services.check_out(nurse, in_progress, PLACE)
    page = html(signed_in(nurse).get(f"/visits/{in_progress.id}"))
    out = local(in_progress.checked_out_at, nurse.timezone).strftime("%Y-%m-%dT%H:%M")
    assert f'id="step3-performed_at" name="step3-performed_at" type="datetime-local" value="{out}"' in page
    response = signed_in(nurse).post(f"/visits/{in_progress.id}/steps/3", {
        "step3-status": "done", "step3-performed_at": out})
    assert response.status_code == 302


def test_other_sections_can_render_the_page_with_the_shared_context(app, make, nurse, patient, order):
    """The clinical sections re-render the page themselves, passing visit and sections."""
    from flask import render_template
    from flask_login import login_user

    from tracker.visits.blueprint import VISIT_PAGE_SECTIONS, visit_page_context

    # Made directly in progress, without a check-in time, as other areas' factories may.
    visit = make.visit(nurse=nurse, patient=patient, order=order, state="in_progress")
    with app.test_request_context(f"/visits/{visit.id}"):
        login_user(nurse)
        context = visit_page_context(visit, nurse)
        assert "visit" not in context and "sections" not in context
        page = render_template("visits/show.html", visit=visit, sections=VISIT_PAGE_SECTIONS,
                               **context)
    assert "Not checked in." in page and "Before you can sign" in page
