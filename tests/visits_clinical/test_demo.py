"""The demo seeder documents demo visits under way or checked out, once."""

from datetime import timedelta

from sqlalchemy import func, select

from tests.visits_clinical.conftest import confirm_safety_checks
from tracker.extensions import db
from tracker.models import MedicationAdministration, TeachingEntry, VitalSigns
from tracker.timeutil import utcnow
from tracker.visits.charting.demo import seed_clinical_entries


def count(model, visit):
    return db.session.scalar(select(func.count(model.id)).where(model.visit_id == visit.id))


def demo_visit(make, nurse, **values):
    patient = make.patient(mrn=f"DEMO-9{make.patient().id:03d}")
    make.assign(nurse, patient)
    visit = make.visit(nurse=nurse, patient=patient, **values)
    confirm_safety_checks(visit, nurse)
    return visit


def test_demo_visits_are_documented_once(app, make):
    nurse = make.nurse()
    now = utcnow()
    under_way = demo_visit(make, nurse, state="in_progress",
                           checked_in_at=now - timedelta(minutes=40))
    checked_out = demo_visit(make, nurse, state="completed",
                             checked_in_at=now - timedelta(hours=2),
                             checked_out_at=now - timedelta(minutes=30))
    scheduled = demo_visit(make, nurse, state="scheduled")
    not_demo = make.visit(nurse=nurse, state="in_progress", checked_in_at=now)

    seed_clinical_entries(app)
    seed_clinical_entries(app)

    assert count(VitalSigns, under_way) == count(VitalSigns, checked_out) == 2
    assert count(TeachingEntry, under_way) == 1
    assert count(VitalSigns, scheduled) == count(VitalSigns, not_demo) == 0
    [finished] = db.session.scalars(select(MedicationAdministration).where(
        MedicationAdministration.visit_id == checked_out.id))
    assert finished.stopped_at is not None and finished.stopped_at <= checked_out.checked_out_at
    [running] = db.session.scalars(select(MedicationAdministration).where(
        MedicationAdministration.visit_id == under_way.id))
    assert running.stopped_at is None
