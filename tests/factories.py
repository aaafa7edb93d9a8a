"""Small factories: each call makes a valid, committed row with synthetic values."""

import itertools
from datetime import date, datetime, timedelta

from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.models import CaseloadAssignment, Patient, TherapyOrder, User, Visit
from tracker.procedures.services import current_record
from tracker.timeutil import utcnow

_seq = itertools.count(1)


class Factory:
    PASSWORD = "correct horse battery"

    def user(self, role: str = "nurse", **overrides) -> User:
        n = next(_seq)
        patient_id = overrides.pop("patient_id", None)
        if role == "patient" and patient_id is None:
            patient_id = self.patient().id
        values = dict(email=f"{role}{n}@test.example", name=f"Test {role.title()} {n}",
                      role=role, password=self.PASSWORD, timezone="America/New_York",
                      patient_id=patient_id)
        values.update(overrides)
        return auth_services.create_user(**values)

    def nurse(self, **kw) -> User:
        return self.user("nurse", **kw)

    def coordinator(self, **kw) -> User:
        return self.user("coordinator", **kw)

    def admin(self, **kw) -> User:
        return self.user("admin", **kw)

    def patient_user(self, patient: Patient | None = None, **kw) -> User:
        patient = patient or self.patient()
        return self.user("patient", patient_id=patient.id, **kw)

    def patient(self, **overrides) -> Patient:
        n = next(_seq)
        values = dict(mrn=f"T-{n:05d}", first_name=f"Testfirst{n}", last_name=f"Testlast{n}",
                      date_of_birth=date(1960, 1, 1), address_line=f"{n} Test Street",
                      city="Testville", state="NY", postal_code="10001", phone="555-0100",
                      timezone="America/New_York", allergies="No known allergies",
                      primary_indication="chronic_infection")
        values.update(overrides)
        patient = Patient(**values)
        db.session.add(patient)
        db.session.commit()
        return patient

    def assign(self, nurse: User, patient: Patient) -> None:
        db.session.add(CaseloadAssignment(nurse_id=nurse.id, patient_id=patient.id))
        db.session.commit()

    def order(self, patient: Patient | None = None, **overrides) -> TherapyOrder:
        patient = patient or self.patient()
        values = dict(patient_id=patient.id, medication="Ceftriaxone", dose=2.0, dose_unit="g",
                      route="IV", rate_ml_per_hour=100.0, infusion_minutes=30,
                      frequency="Once daily", start_date=date(2026, 1, 1), end_date=None,
                      prescriber="Dr Test Prescriber", indication="Synthetic test indication")
        values.update(overrides)
        order = TherapyOrder(**values)
        db.session.add(order)
        db.session.commit()
        return order

    def visit(self, nurse: User | None = None, patient: Patient | None = None,
              planned_start: datetime | None = None, **overrides) -> Visit:
        """A scheduled visit inserted directly (no services, no signals)."""
        patient = patient or self.patient()
        nurse = nurse or self.nurse()
        order = overrides.pop("order", None) or self.order(patient)
        values = dict(patient_id=patient.id, nurse_id=nurse.id, order_id=order.id,
                      procedure_record_id=current_record().id,
                      planned_start=planned_start or utcnow() + timedelta(hours=1),
                      planned_minutes=120, state="scheduled")
        values.update(overrides)
        visit = Visit(**values)
        db.session.add(visit)
        db.session.commit()
        return visit
