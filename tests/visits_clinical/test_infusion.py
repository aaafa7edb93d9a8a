"""Administrations of the ordered drug, the start gate, dose confirmation, pauses and stops."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tests.visits_clinical.conftest import confirm_safety_checks
from tracker.extensions import db
from tracker.models import AdministrationInterruption, MedicationAdministration
from tracker.timeutil import utcnow
from tracker.visits.clinical_services import (
    EntryError,
    pause_administration,
    resume_administration,
    start_administration,
    stop_administration,
)

# The factory's order: Ceftriaxone 2 g IV at 100 mL/h.
AS_ORDERED = {"lot_number": "LOT-123", "dose": "2", "dose_unit": "g", "volume_ml": 50,
              "rate_ml_per_hour": 100, "pump": "Pump 7"}


def minutes_ago(n):
    return (utcnow() - timedelta(minutes=n)).replace(second=0, microsecond=0)


def start_errors(visit, nurse, **changes):
    with pytest.raises(EntryError) as caught:
        start_administration(visit, nurse, {**AS_ORDERED, **changes})
    return caught.value.errors


def test_the_drug_comes_from_the_visits_order(visit, nurse):
    row = start_administration(visit, nurse, {**AS_ORDERED, "drug": "Something else"})
    stored = db.session.get(MedicationAdministration, row.id)
    assert (stored.drug, stored.order_id) == ("Ceftriaxone", visit.order_id)
    assert (stored.lot_number, stored.dose, stored.dose_unit) == ("LOT-123", 2.0, "g")
    assert (stored.volume_ml, stored.rate_ml_per_hour, stored.pump) == (50, 100, "Pump 7")
    assert stored.stopped_at is None


def test_a_dose_different_from_the_order_must_be_confirmed(visit, nurse):
    errors = start_errors(visit, nurse, dose="1.5")
    assert errors == {"confirm_dose": "The order is 2 g; you entered 1.5 g. Check the order, "
                                      "then tick the box to confirm the dose you are giving."}
    row = start_administration(visit, nurse, {**AS_ORDERED, "dose": "1.5",
                                              "confirm_dose": "y"})
    assert row.dose == 1.5


def test_a_different_unit_is_a_different_dose(visit, nurse):
    assert "confirm_dose" in start_errors(visit, nurse, dose="2000", dose_unit="mg")


def test_the_unit_is_compared_without_case(visit, nurse):
    assert start_administration(visit, nurse, {**AS_ORDERED, "dose_unit": "G"}).dose == 2


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"lot_number": ""}, "lot_number", "lot number"),
    ({"dose": ""}, "dose", "dose given"),
    ({"dose": "-1"}, "dose", "more than 0"),
    ({"dose_unit": ""}, "dose_unit", "dose unit"),
    ({"volume_ml": 0}, "volume_ml", "more than 0"),
    ({"rate_ml_per_hour": 5000}, "rate_ml_per_hour", "at most 1000 mL/h"),
])
def test_start_refusals(visit, nurse, changes, field, message):
    assert message in start_errors(visit, nurse, **changes)[field]


def test_a_stop_before_the_start_is_refused_on_the_start_form(visit, nurse):
    errors = start_errors(visit, nurse, started_at=minutes_ago(5), stopped_at=minutes_ago(20))
    assert "cannot be before the start time" in errors["stopped_at"]


def test_an_infusion_given_earlier_is_recorded_with_both_times(visit, nurse):
    row = start_administration(visit, nurse, {**AS_ORDERED, "started_at": minutes_ago(25),
                                              "stopped_at": minutes_ago(5)})
    assert row.started_at == minutes_ago(25) and row.stopped_at == minutes_ago(5)


def test_a_start_is_refused_while_the_safety_checks_say_no(visit, nurse, infusion_rule):
    infusion_rule(False, ["the pump check is not confirmed"])
    errors = start_errors(visit, nurse)
    assert errors["_form"] == "The infusion cannot start yet: the pump check is not confirmed."
    assert db.session.scalars(select(MedicationAdministration)).all() == []


def test_the_page_explains_why_the_infusion_cannot_start(visit, nurse, infusion_rule, page):
    infusion_rule(False, ["the allergy check is not confirmed"])
    html = page(visit, nurse)
    assert "The infusion cannot start yet." in html
    assert "the allergy check is not confirmed" in html


def test_a_start_is_allowed_when_the_safety_checks_say_yes(visit, nurse, infusion_rule):
    infusion_rule(True, [])
    assert start_administration(visit, nurse, AS_ORDERED).id


def test_a_second_infusion_cannot_start_while_one_is_running(visit, nurse):
    start_administration(visit, nurse, {**AS_ORDERED, "started_at": minutes_ago(20)})
    assert "already running" in start_errors(visit, nurse)["_form"]


def test_a_second_infusion_may_follow_a_stopped_one_but_not_overlap_it(visit, nurse):
    start_administration(visit, nurse, {**AS_ORDERED, "started_at": minutes_ago(25),
                                        "stopped_at": minutes_ago(15)})
    overlapping = start_errors(visit, nurse, started_at=minutes_ago(20))
    assert "overlaps" in overlapping["_form"]
    assert start_administration(visit, nurse, {**AS_ORDERED, "started_at": minutes_ago(15)})


def running(visit, nurse, minutes=20):
    return start_administration(visit, nurse, {**AS_ORDERED, "started_at": minutes_ago(minutes)})


def test_stop_records_the_time(visit, nurse):
    row = running(visit, nurse)
    stop_administration(visit, nurse, {"administration_id": row.id})
    assert db.session.get(MedicationAdministration, row.id).stopped_at is not None


def test_stop_before_start_is_refused(visit, nurse):
    row = running(visit, nurse, minutes=10)
    with pytest.raises(EntryError) as caught:
        stop_administration(visit, nurse, {"administration_id": row.id,
                                           "stopped_at": minutes_ago(15)})
    assert "cannot be before the start time" in caught.value.errors["stopped_at"]
    assert db.session.get(MedicationAdministration, row.id).stopped_at is None


def test_an_infusion_stops_once(visit, nurse):
    row = running(visit, nurse)
    stop_administration(visit, nurse, {"administration_id": row.id})
    with pytest.raises(EntryError) as caught:
        stop_administration(visit, nurse, {"administration_id": row.id})
    assert "was stopped at" in caught.value.errors["stopped_at"]


def test_an_administration_of_another_visit_is_not_found(visit, nurse, make, patient):
    other = make.visit(nurse=nurse, patient=patient, state="in_progress",
                       checked_in_at=utcnow() - timedelta(minutes=30))
    confirm_safety_checks(other, nurse)
    row = running(other, nurse)
    with pytest.raises(NotFound):
        stop_administration(visit, nurse, {"administration_id": row.id})


def test_pause_and_resume(visit, nurse):
    row = running(visit, nurse)
    pause = pause_administration(visit, nurse, {"administration_id": row.id,
                                                "paused_at": minutes_ago(10),
                                                "reason": "Occlusion alarm"})
    resume_administration(visit, nurse, {"administration_id": row.id,
                                         "resumed_at": minutes_ago(5)})
    stored = db.session.get(AdministrationInterruption, pause.id)
    assert (stored.reason, stored.paused_at, stored.resumed_at) == (
        "Occlusion alarm", minutes_ago(10), minutes_ago(5))


def test_a_pause_needs_a_reason(visit, nurse):
    row = running(visit, nurse)
    with pytest.raises(EntryError) as caught:
        pause_administration(visit, nurse, {"administration_id": row.id, "reason": "  "})
    assert caught.value.errors == {"reason": "Say why the infusion was paused."}


def test_a_paused_infusion_cannot_be_paused_again(visit, nurse):
    row = running(visit, nurse)
    pause_administration(visit, nurse, {"administration_id": row.id, "reason": "Alarm"})
    with pytest.raises(EntryError) as caught:
        pause_administration(visit, nurse, {"administration_id": row.id, "reason": "Again"})
    assert "already paused" in caught.value.errors["paused_at"]


def test_a_pause_before_the_start_is_refused(visit, nurse):
    row = running(visit, nurse, minutes=10)
    with pytest.raises(EntryError) as caught:
        pause_administration(visit, nurse, {"administration_id": row.id, "reason": "Alarm",
                                            "paused_at": minutes_ago(15)})
    assert "before the start" in caught.value.errors["paused_at"]


def test_resume_before_the_pause_is_refused(visit, nurse):
    row = running(visit, nurse)
    pause_administration(visit, nurse, {"administration_id": row.id, "reason": "Alarm",
                                        "paused_at": minutes_ago(5)})
    with pytest.raises(EntryError) as caught:
        resume_administration(visit, nurse, {"administration_id": row.id,
                                             "resumed_at": minutes_ago(8)})
    assert "before the pause" in caught.value.errors["resumed_at"]


def test_resume_needs_a_pause(visit, nurse):
    row = running(visit, nurse)
    with pytest.raises(EntryError) as caught:
        resume_administration(visit, nurse, {"administration_id": row.id})
    assert caught.value.errors == {"resumed_at": "The infusion is not paused."}


def test_a_stop_before_the_last_pause_is_refused(visit, nurse):
    row = running(visit, nurse)
    pause_administration(visit, nurse, {"administration_id": row.id, "reason": "Alarm",
                                        "paused_at": minutes_ago(5)})
    with pytest.raises(EntryError) as caught:
        stop_administration(visit, nurse, {"administration_id": row.id,
                                           "stopped_at": minutes_ago(8)})
    assert "before the last pause" in caught.value.errors["stopped_at"]


def test_a_replayed_stop_and_pause_change_nothing_twice(visit, nurse):
    row = running(visit, nurse)
    pause_id, stop_id = str(uuid.uuid4()), str(uuid.uuid4())
    values = {"administration_id": row.id, "reason": "Alarm"}
    first = pause_administration(visit, nurse, values, client_id=pause_id)
    assert pause_administration(visit, nurse, values, client_id=pause_id).id == first.id
    resume_administration(visit, nurse, {"administration_id": row.id})
    stop_administration(visit, nurse, {"administration_id": row.id}, client_id=stop_id)
    assert stop_administration(visit, nurse, {"administration_id": row.id},
                               client_id=stop_id).id == row.id
    assert len(db.session.scalars(select(AdministrationInterruption)).all()) == 1


def test_a_replayed_start_stores_one_administration(visit, nurse):
    client_id = str(uuid.uuid4())
    first = start_administration(visit, nurse, AS_ORDERED, client_id=client_id)
    assert start_administration(visit, nurse, AS_ORDERED, client_id=client_id).id == first.id
    assert len(db.session.scalars(select(MedicationAdministration)).all()) == 1


def test_a_client_id_cannot_be_reused_for_another_operation(visit, nurse):
    client_id = str(uuid.uuid4())
    row = start_administration(visit, nurse, AS_ORDERED, client_id=client_id)
    with pytest.raises(EntryError) as caught:
        stop_administration(visit, nurse, {"administration_id": row.id}, client_id=client_id)
    assert "already used" in caught.value.errors["_form"]


def test_the_page_shows_the_order_and_a_confirmed_different_dose(visit, nurse, page):
    start_administration(visit, nurse, {**AS_ORDERED, "dose": 1, "confirm_dose": True})
    html = page(visit, nurse)
    assert "Order: Ceftriaxone 2 g IV" in html
    assert "Dose differs from the order (2 g); confirmed by the nurse" in html
    assert "Stop the running infusion before you start another." in html
