"""More of everything behind a page, in bulk, for the tests that count a page's SQL statements
with a little data and with a lot (see tests/sqlcount.py)."""

from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from tests.history import builders
from tracker.extensions import db
from tracker.models import Checklist, ChecklistItem, Notification, Reminder, Visit


def visits(count: int, *, nurse, patient, order, first: datetime, step: timedelta,
           state: str, minutes: int | None = 90) -> list[int]:
    """`count` visits of these people from `first` on, every `step`; returns their ids."""
    before = db.session.scalar(select(func.max(Visit.id))) or 0
    builders.bulk_visits(count, nurse=nurse, patient=patient, order=order, first=first,
                         step=step, minutes=minutes, state=state)
    return list(db.session.scalars(select(Visit.id).where(Visit.id > before).order_by(Visit.id)))


def checklists(visit_ids: list[int], *, ticked_by_id: int | None, at: datetime) -> None:
    """A preparation and a recovery checklist per visit, three items each, the first ticked."""
    db.session.execute(insert(Checklist), [dict(visit_id=v, kind=kind, created_at=at)
                                           for v in visit_ids for kind in ("preparation", "recovery")])
    ids = db.session.scalars(select(Checklist.id).where(Checklist.visit_id.in_(visit_ids)))
    db.session.execute(insert(ChecklistItem), [
        dict(checklist_id=c, position=n, source="visit", text=f"Synthetic step {n}", created_at=at,
             ticked_at=at if n == 1 and ticked_by_id else None,
             ticked_by_id=ticked_by_id if n == 1 else None)
        for c in ids for n in (1, 2, 3)])
    db.session.commit()


def reminders(visit_ids: list[int], *, patient_id: int, user_id: int, at: datetime) -> None:
    """A sent preparation reminder per visit, each with the patient's unread notification."""
    db.session.execute(insert(Reminder), [
        dict(visit_id=v, patient_id=patient_id, kind="preparation", audience="patient",
             offset_hours=24, urgent=False, due_at=at, next_attempt_at=at, status="sent",
             status_reason="", attempts=1, last_error="", channels_done=["in_app"],
             recipient_user_id=user_id, sent_at=at, created_at=at, updated_at=at)
        for v in visit_ids])
    sent = db.session.scalars(select(Reminder.id).where(Reminder.visit_id.in_(visit_ids)))
    db.session.execute(insert(Notification), [
        dict(user_id=user_id, kind="preparation", title="Getting ready", body="Synthetic",
             link="/my-care", reminder_id=r, created_at=at) for r in sent])
    db.session.commit()
