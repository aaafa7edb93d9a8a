"""Vital signs: plausibility refusals, °F stored as °C, NEWS2 stored and escalated."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from tracker.extensions import db
from tracker.models import Alert, AuditEvent, VitalSigns
from tracker.timeutil import utcnow
from tracker.visits.clinical_services import EntryError, VisitStateError, record_vitals

NORMAL = {"phase": "before", "heart_rate": 72, "systolic": 124, "diastolic": 78,
          "respiratory_rate": 16, "temperature": 36.8, "spo2": 98, "consciousness": "A",
          "pain": 0}


def errors_of(visit, nurse, **changes):
    with pytest.raises(EntryError) as caught:
        record_vitals(visit, nurse, {**NORMAL, **changes})
    return caught.value.errors


def alerts(visit):
    return list(db.session.scalars(select(Alert).where(Alert.visit_id == visit.id)))


def test_a_normal_set_is_stored_with_its_news2_score(visit, nurse):
    row = record_vitals(visit, nurse, {**NORMAL, "weight_kg": "71.5"})
    stored = db.session.get(VitalSigns, row.id)
    assert (stored.heart_rate, stored.systolic, stored.diastolic) == (72, 124, 78)
    assert stored.temperature_c == 36.8 and stored.weight_kg == 71.5
    assert (stored.news2_total, stored.news2_band) == (0, "low")
    assert stored.phase == "before" and stored.recorded_by_id == nurse.id
    assert alerts(visit) == []


def test_fahrenheit_is_stored_in_celsius(visit, nurse):
    row = record_vitals(visit, nurse, {**NORMAL, "temperature": "101.3", "temperature_unit": "F"})
    assert row.temperature_c == 38.5


def test_an_impossible_fahrenheit_value_gives_the_range_in_both_units(visit, nurse):
    errors = errors_of(visit, nurse, temperature="986", temperature_unit="F")
    assert "30 and 45 °C" in errors["temperature"] and "86 to 113 °F" in errors["temperature"]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("heart_rate", 300, "between 20 and 250 /min"),
    ("heart_rate", 10, "between 20 and 250 /min"),
    ("systolic", 400, "between 50 and 300 mmHg"),
    ("diastolic", 10, "between 20 and 200 mmHg"),
    ("respiratory_rate", 90, "between 4 and 70 /min"),
    ("temperature", 52, "between 30 and 45 °C"),
    ("spo2", 40, "between 50 and 100 %"),
    ("spo2", 101, "between 50 and 100 %"),
    ("pain", 11, "between 0 and 10"),
    ("weight_kg", 500, "between 0.5 and 400 kg"),
])
def test_impossible_values_are_refused_with_the_plausible_range(visit, nurse, field, value,
                                                                 expected):
    errors = errors_of(visit, nurse, **{field: value})
    assert expected in errors[field]
    assert db.session.scalars(select(VitalSigns)).all() == []


@pytest.mark.parametrize(("systolic", "diastolic"), [(80, 80), (80, 95)])
def test_diastolic_must_be_below_systolic(visit, nurse, systolic, diastolic):
    errors = errors_of(visit, nurse, systolic=systolic, diastolic=diastolic)
    assert errors["diastolic"] == "Diastolic must be lower than systolic."


def test_both_numbers_of_the_blood_pressure_are_needed(visit, nurse):
    assert "both numbers" in errors_of(visit, nurse, diastolic=None)["diastolic"]
    assert "both numbers" in errors_of(visit, nurse, systolic="")["systolic"]


@pytest.mark.parametrize("value", ["72.5", "abc", True])
def test_counts_must_be_whole_numbers(visit, nurse, value):
    assert errors_of(visit, nurse, heart_rate=value)["heart_rate"] == "Enter a whole number."


def test_a_set_needs_a_phase_and_a_measurement(visit, nurse):
    with pytest.raises(EntryError) as caught:
        record_vitals(visit, nurse, {"consciousness": "A"})
    assert "before, during or after" in caught.value.errors["phase"]
    assert caught.value.errors["_form"] == "Enter at least one measurement."


def test_an_unknown_consciousness_level_is_refused(visit, nurse):
    assert "ACVPU" in errors_of(visit, nurse, consciousness="X")["consciousness"]


def test_abnormal_values_are_accepted(visit, nurse):
    row = record_vitals(visit, nurse, {**NORMAL, "heart_rate": 118, "pain": 8})
    assert row.heart_rate == 118 and row.news2_total == 2


def test_the_time_defaults_to_now_and_can_be_given(visit, nurse):
    before = utcnow()
    row = record_vitals(visit, nurse, NORMAL)
    assert before <= row.taken_at <= utcnow()
    earlier = (utcnow() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    row = record_vitals(visit, nurse, {**NORMAL, "taken_at": earlier.isoformat()})
    assert row.taken_at == earlier


def test_a_time_in_the_future_is_refused(visit, nurse):
    later = utcnow() + timedelta(minutes=10)
    assert errors_of(visit, nurse, taken_at=later)["taken_at"] == \
        "The time cannot be in the future."


def test_a_time_before_check_in_is_refused(visit, nurse):
    earlier = visit.checked_in_at - timedelta(minutes=5)
    assert "before check-in" in errors_of(visit, nurse, taken_at=earlier)["taken_at"]


def test_a_time_without_a_zone_is_refused(visit, nurse):
    naive = utcnow().replace(tzinfo=None).isoformat()
    assert "time zone" in errors_of(visit, nurse, taken_at=naive)["taken_at"]


def test_urgent_news2_raises_an_urgent_alert(visit, nurse):
    # Respiratory rate 26 scores 3 on its own: urgent review.
    row = record_vitals(visit, nurse, {**NORMAL, "respiratory_rate": 26})
    assert (row.news2_total, row.news2_band) == (3, "low-medium")
    [alert] = alerts(visit)
    assert (alert.kind, alert.severity) == ("news2_urgent", "urgent")
    assert alert.nurse_id == nurse.id and alert.patient_id == visit.patient_id
    assert "contact the prescriber" in alert.message
    assert (alert.trigger_type, alert.trigger_id) == ("VitalSigns", row.id)


def test_a_total_of_five_is_urgent(visit, nurse):
    row = record_vitals(visit, nurse, {**NORMAL, "heart_rate": 115, "respiratory_rate": 22,
                                       "temperature": 38.5})
    assert (row.news2_total, row.news2_band) == (5, "medium")
    assert [a.kind for a in alerts(visit)] == ["news2_urgent"]


def test_emergency_news2_raises_an_emergency_alert(visit, nurse):
    row = record_vitals(visit, nurse, {**NORMAL, "heart_rate": 135, "systolic": 88,
                                       "diastolic": 50, "respiratory_rate": 26, "spo2": 90})
    assert row.news2_band == "high" and row.news2_total >= 7
    [alert] = alerts(visit)
    assert (alert.kind, alert.severity) == ("news2_emergency", "emergency")
    assert "911" in alert.message


def test_a_score_below_the_urgent_trigger_raises_no_alert(visit, nurse):
    # 2 + 1 + 1 = 4 with no single 3: routine monitoring.
    row = record_vitals(visit, nurse, {**NORMAL, "heart_rate": 115, "temperature": 38.5,
                                       "spo2": 95})
    assert (row.news2_total, row.news2_band) == (4, "low")
    assert alerts(visit) == []


def test_the_audit_event_names_fields_not_values(visit, nurse):
    row = record_vitals(visit, nurse, NORMAL)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "vitals_recorded"))
    assert event.record_id == str(row.id) and event.patient_id == visit.patient_id
    assert "heart_rate" in event.detail["fields"] and 72 not in event.detail.values()
    assert "72" not in str(event.detail)


def test_a_replay_with_the_same_client_id_stores_one_set_and_one_alert(visit, nurse):
    client_id = str(uuid.uuid4())
    values = {**NORMAL, "respiratory_rate": 26}
    first = record_vitals(visit, nurse, values, client_id=client_id)
    again = record_vitals(visit, nurse, values, client_id=client_id)
    assert again.id == first.id
    assert len(db.session.scalars(select(VitalSigns)).all()) == 1
    assert len(alerts(visit)) == 1


def test_a_bad_client_id_is_refused(visit, nurse):
    with pytest.raises(EntryError) as caught:
        record_vitals(visit, nurse, NORMAL, client_id="not-a-uuid")
    assert "UUID" in caught.value.errors["_form"]


def test_a_checked_out_visit_still_takes_entries_with_their_time(visit, nurse):
    visit.state, visit.checked_out_at = "completed", utcnow() - timedelta(minutes=5)
    db.session.commit()
    errors = errors_of(visit, nurse)  # "now" is after check-out
    assert "checked out at" in errors["taken_at"]
    during = visit.checked_out_at - timedelta(minutes=10)
    assert record_vitals(visit, nurse, {**NORMAL, "taken_at": during}).taken_at == during


@pytest.mark.parametrize("state", ["signed", "scheduled", "cancelled"])
def test_a_visit_outside_check_in_and_signature_refuses_vitals(visit, nurse, state):
    visit.state = state
    db.session.commit()
    with pytest.raises(VisitStateError):
        record_vitals(visit, nurse, NORMAL)
    assert db.session.scalars(select(VitalSigns)).all() == []


def test_only_the_visits_nurse_records_vitals(visit, make):
    with pytest.raises(Forbidden):
        record_vitals(visit, make.coordinator(), NORMAL)
