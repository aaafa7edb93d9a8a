"""Helpers for the write endpoint tests: bodies with a client_id, times as a tablet in New
York sends them, and visits brought to each state through the real services."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.api.test_api_visits import assert_matches
from tracker.extensions import db
from tracker.models import AuditEvent, Visit
from tracker.timeutil import utcnow
from tracker.visits import clinical_services, services

NEW_YORK = ZoneInfo("America/New_York")
PASSWORD = "correct horse battery"
PLACE = {"latitude": 40.7128, "longitude": -74.006, "accuracy_m": 12.0,
         "address_confirmed": False}
SAFE = [
    {"check": "identity", "identifiers": ["name", "date_of_birth"], "confirmed": True},
    {"check": "allergies", "result": "no_conflict"},
    {"check": "medication", "drug": True, "dose": True, "route": True, "rate": True,
     "expiry_date": "2099-01-01"},
    {"check": "anaphylaxis_kit", "present": "yes", "expiry_date": "2099-01-01"},
    {"check": "pump", "result": "ok", "pump_id": "P-17"},
]
VITALS = {"phase": "before", "heart_rate": 72, "systolic": 120, "diastolic": 80,
          "respiratory_rate": 16, "temperature": 36.9, "spo2": 97, "consciousness": "A",
          "pain": 0}
ADMINISTRATION = {"lot_number": "LOT-1", "dose": 2.0, "dose_unit": "g", "volume_ml": 100.0,
                  "rate_ml_per_hour": 100.0, "pump": "Pump A"}


def iso(moment: datetime) -> str:
    """A time as the tablet sends it: its own wall clock with the offset (-05:00 / -04:00)."""
    return moment.astimezone(NEW_YORK).isoformat()


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def body(**fields) -> dict:
    return {"client_id": str(uuid.uuid4()), **fields}


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def ok(response, status: int, schema: str) -> dict:
    """A success: the status, and a body matching its schema in the document."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    data = response.get_json()
    assert_matches(schema, data)
    return data


def python_values(values: dict) -> dict:
    """Values as an HTML form's service call passes them (dates as dates)."""
    return {k: date.fromisoformat(v) if k == "expiry_date" else v for k, v in values.items()}


@dataclass
class Ready:
    """A visit checked in an hour ago, safety checks confirmed, an infusion running and a
    complication recorded: every entry can be made on it."""

    visit: Visit
    administration_id: int
    complication_id: int
    checked_in_at: datetime


def schedule(make, nurse, patient=None, minutes_ago: int = 60, **values) -> Visit:
    return make.visit(nurse, patient, minute(utcnow()) - timedelta(minutes=minutes_ago),
                      **values)


def check_in(nurse, visit, minutes_ago: int = 60) -> datetime:
    at = minute(utcnow()) - timedelta(minutes=minutes_ago)
    services.check_in(nurse, visit, {"at": at, **PLACE})
    return at


def confirm_safety(nurse, visit) -> None:
    for values in SAFE:
        services.record_safety_check(nurse, visit, python_values(values))


def ready_visit(make, nurse) -> Ready:
    visit = schedule(make, nurse)
    at = check_in(nurse, visit)
    confirm_safety(nurse, visit)
    given = clinical_services.start_administration(visit, nurse, {
        **ADMINISTRATION, "started_at": at + timedelta(minutes=10)})
    complication = clinical_services.record_complication(visit, nurse, {
        "kind": "phlebitis", "severity": "mild", "onset_at": at + timedelta(minutes=20)})
    return Ready(visit, given.id, complication.id, at)


def complete_for_signature(nurse, visit, at: datetime) -> None:
    """Vitals and every step (the safety checks are done), then check out."""
    clinical_services.record_vitals(visit, nurse, {**VITALS, "taken_at": at + timedelta(minutes=5)})
    for step in services.pinned_steps(visit):
        services.record_step(nurse, visit, {"step_number": step["number"], "status": "done",
                                            "performed_at": at + timedelta(minutes=30)})
    services.check_out(nurse, visit, {"at": at + timedelta(minutes=50), **PLACE})
