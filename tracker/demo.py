"""Synthetic demo data for `make run`: every name, MRN, address and phone is invented.

Idempotent: each seeder looks its rows up by a natural key and adds only what is missing,
so running it again keeps existing data and adds no duplicates. Each area appends its own
seeder to SEEDERS so that the demo always shows everything the app does.
"""

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.models import CaseloadAssignment, Patient, User
from tracker.procedures import services as procedure_services
from tracker.visits.charting.demo import seed_clinical_entries
from tracker.visits.demo import seed_visits

DEMO_PASSWORD = "demo-password-1"

PEOPLE = [
    # email, name, role, timezone, patient MRN
    ("admin@demo.example", "Avery Admin", "admin", "America/New_York", None),
    ("coordinator@demo.example", "Casey Coordinator", "coordinator", "America/New_York", None),
    ("nurse.nora@demo.example", "Nora Reyes, RN", "nurse", "America/New_York", None),
    ("nurse.ned@demo.example", "Ned Okafor, RN", "nurse", "America/Chicago", None),
    ("patient.pat@demo.example", "Pat Quill", "patient", "America/New_York", "DEMO-1001"),
    ("patient.robin@demo.example", "Robin Vale", "patient", "America/New_York", "DEMO-1002"),
    ("patient.sam@demo.example", "Sam Tarn", "patient", "America/Chicago", "DEMO-1003"),
]

PATIENTS = [
    dict(mrn="DEMO-1001", first_name="Pat", last_name="Quill", date_of_birth=date(1958, 3, 14),
         address_line="12 Example Lane", city="Springfield", state="NY", postal_code="10001",
         phone="555-0101", timezone="America/New_York", emergency_contact_name="Lee Quill",
         emergency_contact_phone="555-0102", allergies="Penicillin (rash)",
         primary_indication="chronic_infection", notes="Synthetic demo patient."),
    dict(mrn="DEMO-1002", first_name="Robin", last_name="Vale", date_of_birth=date(1971, 9, 2),
         address_line="48 Sample Street", city="Springfield", state="NY", postal_code="10002",
         phone="555-0111", timezone="America/New_York", emergency_contact_name="Jo Vale",
         emergency_contact_phone="555-0112", allergies="No known allergies",
         primary_indication="autoimmune", notes="Synthetic demo patient."),
    dict(mrn="DEMO-1003", first_name="Sam", last_name="Tarn", date_of_birth=date(1989, 1, 27),
         address_line="7 Placeholder Road", city="Riverton", state="IL", postal_code="60001",
         phone="555-0121", timezone="America/Chicago", emergency_contact_name="Ari Tarn",
         emergency_contact_phone="555-0122", allergies="Latex",
         primary_indication="parenteral_nutrition", notes="Synthetic demo patient."),
]

CASELOADS = [  # nurse email -> patient MRNs
    ("nurse.nora@demo.example", ["DEMO-1001", "DEMO-1002"]),
    ("nurse.ned@demo.example", ["DEMO-1003", "DEMO-1002"]),
]


def seed_procedure_record(app) -> None:
    procedure_services.load_file(app.config["PROCEDURE_RECORD_FILE"])


def seed_people(app) -> None:
    for values in PATIENTS:
        if db.session.scalar(select(Patient.id).where(Patient.mrn == values["mrn"])) is None:
            db.session.add(Patient(**values))
    db.session.commit()
    for email, name, role, tz, mrn in PEOPLE:
        if auth_services.find_user_by_email(email) is not None:
            continue
        patient_id = (db.session.scalar(select(Patient.id).where(Patient.mrn == mrn))
                      if mrn else None)
        auth_services.create_user(email=email, name=name, role=role, password=DEMO_PASSWORD,
                                  timezone=tz, patient_id=patient_id)
    for email, mrns in CASELOADS:
        nurse = auth_services.find_user_by_email(email)
        for mrn in mrns:
            patient_id = db.session.scalar(select(Patient.id).where(Patient.mrn == mrn))
            exists = db.session.scalar(select(CaseloadAssignment.id).where(
                CaseloadAssignment.nurse_id == nurse.id,
                CaseloadAssignment.patient_id == patient_id))
            if exists is None:
                db.session.add(CaseloadAssignment(nurse_id=nurse.id, patient_id=patient_id))
    db.session.commit()


def seed_open_alerts(app) -> None:
    """The demo's complication raised an alert that nobody has acknowledged yet, so the
    coordinator's dashboard shows one to act on (added once)."""
    from tracker.alerts.services import raise_alert
    from tracker.models import Alert, Complication, Visit

    complication = db.session.scalar(select(Complication).join(Visit)
                                     .join(Patient, Patient.id == Visit.patient_id)
                                     .where(Patient.mrn.like("DEMO-%")).order_by(Complication.id))
    if complication is None or db.session.scalar(
            select(Alert.id).where(Alert.visit_id == complication.visit_id)) is not None:
        return
    visit = complication.visit
    raise_alert("complication", "warning",
                f"{complication.kind.replace('_', ' ').capitalize()} ({complication.severity}) "
                "recorded during the visit.", patient_id=visit.patient_id, visit_id=visit.id,
                nurse_id=visit.nurse_id, trigger=complication)
    db.session.commit()


# Visits first: the clinical entries document demo visits.
SEEDERS: list[Callable] = [seed_procedure_record, seed_people, seed_visits, seed_clinical_entries,
                           seed_open_alerts]


def seed_demo(app) -> list[tuple[str, str, str]]:
    for seeder in SEEDERS:
        seeder(app)
    return [(role, email, DEMO_PASSWORD) for email, _name, role, _tz, _mrn in PEOPLE]


def demo_user(email: str) -> User | None:
    return auth_services.find_user_by_email(email)
