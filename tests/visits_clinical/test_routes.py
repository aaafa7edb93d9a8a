"""The clinical sections' POST routes: save and go back to the section, or show the page
again with the messages next to the fields and everything typed kept (422)."""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.visits_clinical.conftest import confirm_safety_checks, local_input
from tracker.extensions import db
from tracker.models import (
    AdministrationInterruption,
    Complication,
    ComplicationAction,
    LineCareEntry,
    MedicationAdministration,
    SiteAssessment,
    TeachingEntry,
    VascularAccess,
    VitalSigns,
)
from tracker.timeutil import utcnow
from tracker.visits import clinical_services as services

VITALS = {"phase": "before", "heart_rate": "72", "systolic": "120", "diastolic": "80",
          "respiratory_rate": "16", "temperature": "36.9", "temperature_unit": "C",
          "spo2": "97", "consciousness": "A", "pain": "0"}


def rows(model):
    return db.session.scalar(select(func.count()).select_from(model))


def flashes(client):
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_saving_vitals_goes_back_to_the_section(visit, nurse, post_entry, client):
    response = post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals", VITALS)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/visits/{visit.id}#vitals")
    assert rows(VitalSigns) == 1
    assert flashes(client) == ["Vital signs saved. NEWS2 0 (Low)."]


def test_an_emergency_score_tells_the_nurse_what_to_do(visit, nurse, post_entry, client):
    post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals",
               {**VITALS, "heart_rate": "135", "systolic": "88", "diastolic": "50",
                "respiratory_rate": "26", "spo2": "90"})
    [message] = flashes(client)
    assert "call emergency services (911) now" in message


def test_impossible_values_come_back_with_messages_and_the_typed_values(visit, nurse,
                                                                         post_entry):
    response = post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals",
                          {**VITALS, "heart_rate": "720", "diastolic": "130",
                           "temperature": "99.1", "temperature_unit": "F"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Heart rate must be between 20 and 250 /min." in html
    assert "Diastolic must be lower than systolic." in html
    assert re.search(r'id="vitals-heart_rate"[^>]*value="720"', html)
    assert re.search(r'id="vitals-systolic"[^>]*value="120"', html)
    assert re.search(r'id="vitals-temperature"[^>]*value="99.1"', html)
    assert re.search(r'checked id="vitals-temperature_unit-1"[^>]*value="F"', html)
    assert 'aria-invalid="true"' in html
    assert rows(VitalSigns) == 0


@pytest.mark.parametrize(("typed", "message"), [
    ({"heart_rate": "seventy"}, "Enter a whole number."),
    ({"weight_kg": "heavy"}, "Enter a number."),
    ({"taken_at": "2026-13-45T10:00"}, "Enter a date and time"),
])
def test_unreadable_input_is_explained(visit, nurse, post_entry, typed, message):
    response = post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals", {**VITALS, **typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_typed_time_is_read_in_the_nurses_zone(visit, nurse, post_entry):
    taken = (utcnow() - timedelta(minutes=12)).replace(second=0, microsecond=0)
    post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals",
               {**VITALS, "taken_at": local_input(taken, nurse.timezone)})
    assert db.session.scalar(select(VitalSigns)).taken_at == taken


def test_a_double_tap_saves_once(visit, nurse, post_entry):
    data = {**VITALS, "client_id": str(uuid.uuid4())}
    first = post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals", data)
    second = post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals", data)
    assert first.status_code == second.status_code == 303
    assert rows(VitalSigns) == 1


def test_another_nurse_gets_404(visit, make, post_entry):
    response = post_entry(make.nurse(), f"/visits/{visit.id}/vitals", "vitals", VITALS)
    assert response.status_code == 404
    assert rows(VitalSigns) == 0


def test_the_office_cannot_chart(visit, make, post_entry):
    response = post_entry(make.coordinator(), f"/visits/{visit.id}/vitals", "vitals", VITALS)
    assert response.status_code == 403
    assert rows(VitalSigns) == 0


@pytest.mark.parametrize("state", ["signed", "scheduled"])
def test_a_closed_visit_refuses_with_a_message(visit, nurse, post_entry, client, state):
    visit.state = state
    db.session.commit()
    response = post_entry(nurse, f"/visits/{visit.id}/vitals", "vitals", VITALS)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#vitals")
    [message] = flashes(client)
    assert "You cannot record vital signs" in message
    assert rows(VitalSigns) == 0


SECTIONS = [
    ("access", "access", {"device_type": "peripheral_iv", "site": "Forearm", "side": "left",
                          "is_new": "new", "insertion_attempts": "1"}, "access", VascularAccess),
    ("site-checks", "site", {"timing": "before", "phlebitis_score": "0", "vip_score": "0"},
     "access", SiteAssessment),
    ("line-care", "linecare", {"kind": "flush", "solution": "Normal saline",
                               "volume_ml": "10"}, "line-care", LineCareEntry),
    ("teaching", "teaching", {"topic": "Pump alarms", "learner": "patient",
                              "result": "understood"}, "line-care", TeachingEntry),
    ("administrations", "admin", {"lot_number": "L1", "dose": "2", "dose_unit": "g"},
     "infusion", MedicationAdministration),
    ("complications", "complication", {"kind": "phlebitis", "severity": "mild"},
     "complications", Complication),
]


@pytest.mark.parametrize(("path", "prefix", "data", "anchor", "model"), SECTIONS)
def test_each_section_saves_and_returns_to_its_anchor(visit, nurse, post_entry, path, prefix,
                                                      data, anchor, model):
    response = post_entry(nurse, f"/visits/{visit.id}/{path}", prefix, data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/visits/{visit.id}#{anchor}")
    assert rows(model) == 1


@pytest.mark.parametrize(("path", "prefix", "data", "anchor", "model"), SECTIONS)
def test_each_section_comes_back_with_its_messages(visit, nurse, post_entry, path, prefix,
                                                   data, anchor, model):
    first_field = next(iter(data))
    response = post_entry(nurse, f"/visits/{visit.id}/{path}", prefix,
                          {**data, first_field: ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{prefix}-{first_field}-error"' in html
    assert "Everything you typed is still here." in html
    assert rows(model) == 0


def test_a_different_dose_asks_for_confirmation_then_saves(visit, nurse, post_entry):
    data = {"lot_number": "L1", "dose": "1.5", "dose_unit": "g"}
    response = post_entry(nurse, f"/visits/{visit.id}/administrations", "admin", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The order is 2 g; you entered 1.5 g." in html
    assert 'name="admin-confirm_dose"' in html
    assert re.search(r'id="admin-lot_number"[^>]*value="L1"', html)
    response = post_entry(nurse, f"/visits/{visit.id}/administrations", "admin",
                          {**data, "confirm_dose": "y"})
    assert response.status_code == 303
    assert db.session.scalar(select(MedicationAdministration)).dose == 1.5


def test_the_start_form_asks_no_confirmation_until_the_dose_differs(visit, nurse, page):
    assert 'name="admin-confirm_dose"' not in page(visit, nurse)


def running_administration(visit, nurse):
    return services.start_administration(visit, nurse, {"lot_number": "L1", "dose": 2,
                                                        "dose_unit": "g"})


def test_pause_resume_and_stop_through_the_page(visit, nurse, post_entry):
    row = running_administration(visit, nurse)
    base = f"/visits/{visit.id}/administrations/{row.id}"
    assert post_entry(nurse, f"{base}/pause", f"pause-{row.id}",
                      {"reason": "Occlusion alarm"}).status_code == 303
    assert post_entry(nurse, f"{base}/resume", f"resume-{row.id}", {}).status_code == 303
    response = post_entry(nurse, f"{base}/stop", f"stop-{row.id}", {})
    assert response.headers["Location"].endswith("#infusion")
    db.session.expire_all()  # the requests wrote through their own sessions
    interruption = db.session.scalar(select(AdministrationInterruption))
    assert interruption.reason == "Occlusion alarm" and interruption.resumed_at is not None
    assert db.session.get(MedicationAdministration, row.id).stopped_at is not None


def test_a_pause_without_a_reason_comes_back_with_the_message(visit, nurse, post_entry):
    row = running_administration(visit, nurse)
    earlier = utcnow() - timedelta(minutes=2)
    response = post_entry(nurse, f"/visits/{visit.id}/administrations/{row.id}/pause",
                          f"pause-{row.id}", {"reason": "", "paused_at": local_input(earlier)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say why the infusion was paused." in html
    assert f'value="{local_input(earlier)}"' in html


def test_a_stop_before_the_start_comes_back_with_the_message(visit, nurse, post_entry):
    row = running_administration(visit, nurse)
    earlier = utcnow() - timedelta(minutes=20)
    response = post_entry(nurse, f"/visits/{visit.id}/administrations/{row.id}/stop",
                          f"stop-{row.id}", {"stopped_at": local_input(earlier)})
    assert response.status_code == 422
    assert "The stop time cannot be before the start time" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MedicationAdministration, row.id).stopped_at is None


def test_an_administration_of_another_visit_is_404(visit, nurse, make, patient, post_entry):
    other = make.visit(nurse=nurse, patient=patient, state="in_progress",
                       checked_in_at=utcnow() - timedelta(minutes=30))
    confirm_safety_checks(other, nurse)
    row = running_administration(other, nurse)
    response = post_entry(nurse, f"/visits/{visit.id}/administrations/{row.id}/stop",
                          f"stop-{row.id}", {})
    assert response.status_code == 404


def test_actions_and_outcome_through_the_page(visit, nurse, post_entry):
    complication = services.record_complication(visit, nurse, {"kind": "anaphylaxis",
                                                               "severity": "severe"})
    base = f"/visits/{visit.id}/complications/{complication.id}"
    response = post_entry(nurse, f"{base}/actions", f"action-{complication.id}",
                          {"action": "epinephrine", "note": "0.5 mg IM"})
    assert response.headers["Location"].endswith("#complications")
    response = post_entry(nurse, f"{base}/outcome", f"outcome-{complication.id}",
                          {"outcome": "Handed over to paramedics"})
    assert response.status_code == 303
    db.session.expire_all()
    action = db.session.scalar(select(ComplicationAction))
    assert (action.action, action.note) == ("epinephrine", "0.5 mg IM")
    assert db.session.get(Complication, complication.id).outcome == "Handed over to paramedics"


def test_an_other_action_without_a_note_comes_back(visit, nurse, post_entry):
    complication = services.record_complication(visit, nurse, {"kind": "occlusion",
                                                               "severity": "mild"})
    response = post_entry(nurse, f"/visits/{visit.id}/complications/{complication.id}/actions",
                          f"action-{complication.id}", {"action": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Describe the action." in html
    assert re.search(r'<option selected value="other">', html)


def test_a_severe_complication_flashes_the_emergency(visit, nurse, post_entry, client):
    post_entry(nurse, f"/visits/{visit.id}/complications", "complication",
               {"kind": "crbsi", "severity": "severe"})
    [message] = flashes(client)
    assert "Follow the emergency steps" in message


def test_a_signed_visit_shows_its_entries_read_only(visit, nurse, page):
    services.record_vitals(visit, nurse, {**VITALS})
    services.record_complication(visit, nurse, {"kind": "phlebitis", "severity": "mild"})
    row = running_administration(visit, nurse)
    visit.state = "signed"
    db.session.commit()
    html = page(visit, nurse)
    assert "<form" not in html.split('id="access"', 1)[1].split('id="steps"', 1)[0]
    assert f"/administrations/{row.id}/stop" not in html
    assert "This visit is signed: its entries are read-only." in html
    assert "Sore, swollen vein (phlebitis)" in html and "Ceftriaxone" in html
    assert "0 · Low" in html  # the NEWS2 of the recorded set


def test_the_office_sees_the_entries_without_forms(visit, nurse, make, page):
    services.record_vitals(visit, nurse, {**VITALS})
    html = page(visit, make.coordinator())
    assert "Only the nurse of this visit records entries." in html
    assert f"/visits/{visit.id}/vitals" not in html
    assert "0 · Low" in html


def test_the_nurse_sees_every_form_while_checked_in(visit, nurse, page):
    html = page(visit, nurse)
    for path in ("vitals", "access", "site-checks", "line-care", "teaching",
                 "administrations", "complications"):
        assert f'action="/visits/{visit.id}/{path}#' in html


def test_after_check_out_the_page_asks_when_it_happened(visit, nurse, page):
    assert "Leave empty for now" in page(visit, nurse)
    visit.state, visit.checked_out_at = "completed", utcnow()
    db.session.commit()
    html = page(visit, nurse)
    assert "Leave empty for now" not in html
    assert "Enter when it happened: the visit is checked out." in html
