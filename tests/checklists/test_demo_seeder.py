"""The demo seeder gives demo visits their checklists and reminders; it is idempotent and
harmless without visits."""

from sqlalchemy import func, select

from tests.checklists.support import utc
from tracker import demo
from tracker.extensions import db
from tracker.models import Checklist, ChecklistItem, OrderChecklistItem, Reminder
from tracker.reminders.demo import seed_checklists_and_reminders


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_it_runs_after_the_other_seeders(app):
    assert demo.SEEDERS[-1] is seed_checklists_and_reminders


def test_harmless_without_visits(app, database):
    seed_checklists_and_reminders(app)
    assert count(Checklist) == 0 and count(Reminder) == 0


def test_visits_without_checklists_or_reminders_get_them_once(app, make):
    patient = make.patient(mrn="DEMO-1001")
    make.patient_user(patient)
    upcoming = make.visit(patient=patient, planned_start=utc(2030, 5, 6, 14))
    make.visit(patient=patient, planned_start=utc(2030, 4, 6, 14), state="signed",
               checked_in_at=utc(2030, 4, 6, 14), checked_out_at=utc(2030, 4, 6, 16),
               signed_at=utc(2030, 4, 6, 16, 30))
    make.visit(planned_start=utc(2030, 5, 6, 14), state="cancelled")
    seed_checklists_and_reminders(app)
    seed_checklists_and_reminders(app)
    assert count(Checklist) == 6
    assert count(Reminder) == 3 + 4  # before the upcoming visit; after the signed one
    assert db.session.scalar(select(func.count(Reminder.id)).where(
        Reminder.kind == "nurse_unsigned", Reminder.status == "cancelled")) == 1
    # The demo order-level step is on the upcoming visit's list, once.
    assert count(OrderChecklistItem) == 1
    assert db.session.scalar(select(func.count(ChecklistItem.id)).join(Checklist).where(
        Checklist.visit_id == upcoming.id, ChecklistItem.source == "order")) == 1
