"""Fixtures for the visit tests: an office user, a nurse with a patient on her caseload, an
active order, and helpers that walk a visit through its life with the real services."""

from datetime import date, datetime, timedelta

import pytest

from tracker.extensions import db
from tracker.models import VitalSigns
from tracker.timeutil import utcnow
from tracker.visits import services

PLACE = {"latitude": 40.7128, "longitude": -74.006, "accuracy_m": 12}
ADDRESS = {"address_confirmed": True, "location_note": "Location turned off on the tablet"}
SAFE = [
    {"check": "identity", "identifiers": ["name", "date_of_birth"], "confirmed": True},
    {"check": "allergies", "result": "no_conflict"},
    {"check": "medication", "drug": True, "dose": True, "route": True, "rate": True,
     "expiry_date": date(2099, 1, 1)},
    {"check": "anaphylaxis_kit", "present": "yes", "expiry_date": date(2099, 1, 1)},
    {"check": "pump", "result": "ok", "pump_id": "P-17"},
]


@pytest.fixture
def office(make):
    return make.coordinator()


@pytest.fixture
def nurse(make):
    return make.nurse()


@pytest.fixture
def patient(make, nurse):
    patient = make.patient(allergies="Penicillin (rash)")
    make.assign(nurse, patient)
    return patient


@pytest.fixture
def order(make, patient):
    return make.order(patient, start_date=date(2020, 1, 1), end_date=None)


def soon(hours: float = 1) -> datetime:
    """A planned start a little ahead, on the minute."""
    return (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)


@pytest.fixture
def schedule(office, nurse, order):
    """schedule(start=None, minutes=120, **values) -> a visit scheduled through the service."""

    def make_visit(start: datetime | None = None, minutes: int = 120, **values):
        return services.schedule_visit(office, {
            "order_id": order.id, "nurse_id": nurse.id, "planned_start": start or soon(),
            "planned_minutes": minutes, **values})

    return make_visit


def add_vitals(visit, nurse) -> None:
    db.session.add(VitalSigns(visit_id=visit.id, taken_at=utcnow(), phase="before", heart_rate=72,
                              systolic=120, diastolic=80, respiratory_rate=16, temperature_c=36.8,
                              spo2=98, recorded_by_id=nurse.id))
    db.session.commit()


def complete_record(visit, nurse) -> None:
    """Everything signing needs, except the check-out: safety checks, vitals, every step."""
    for values in SAFE:
        services.record_safety_check(nurse, visit, values)
    add_vitals(visit, nurse)
    for step in services.pinned_steps(visit):
        services.record_step(nurse, visit, {"step_number": step["number"], "status": "done"})
