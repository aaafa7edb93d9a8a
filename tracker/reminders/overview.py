"""The office's view: what failed, what is coming, where e-mail goes, is the dispatcher up."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import audit
from tracker.extensions import db
from tracker.models import Reminder, ReminderStatus, Visit
from tracker.reminders.channels import outbox_folder, transport, uses_outbox
from tracker.timeutil import utcnow


@dataclass
class OfficePage:
    counts: dict[str, int]
    failed: list[Reminder]
    upcoming: list[Reminder]
    overdue_since: datetime | None  # the oldest due reminder nobody has sent yet
    mail_transport: str
    outbox: str | None


def office_page(limit: int = 50) -> OfficePage:
    now = utcnow()
    counts = dict(db.session.execute(
        select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)).all())
    with_visit = (selectinload(Reminder.visit).selectinload(Visit.patient),)
    failed = list(db.session.scalars(select(Reminder).options(*with_visit).where(
        Reminder.status == ReminderStatus.FAILED.value)
        .order_by(Reminder.updated_at.desc()).limit(limit)))
    upcoming = list(db.session.scalars(select(Reminder).options(*with_visit).where(
        Reminder.status == ReminderStatus.PENDING.value)
        .order_by(Reminder.next_attempt_at).limit(limit)))
    # Due for longer than a few dispatch intervals: the dispatcher is probably not running.
    grace = timedelta(seconds=5 * current_app.config["DISPATCH_INTERVAL_SECONDS"] + 60)
    overdue_since = db.session.scalar(select(func.min(Reminder.next_attempt_at)).where(
        Reminder.status == ReminderStatus.PENDING.value, Reminder.next_attempt_at < now - grace))
    audit.record("reminders_overview_viewed", record_type="reminder",
                 detail={"failed": len(failed), "upcoming": len(upcoming)})
    db.session.commit()
    return OfficePage(counts=counts, failed=failed, upcoming=upcoming,
                      overdue_since=overdue_since, mail_transport=transport().describe(),
                      outbox=str(outbox_folder()) if uses_outbox() else None)
