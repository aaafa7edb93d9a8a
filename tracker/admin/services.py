"""Reading the audit trail (itself an audited read)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select

from tracker import audit
from tracker.extensions import db
from tracker.models import AuditEvent

PAGE_SIZE = 50


@dataclass
class AuditFilter:
    user_id: int | None = None
    patient_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def known_actions() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)))


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def search_audit(flt: AuditFilter, tz: str, page: int = 1) -> tuple[list[AuditEvent], int, int]:
    """One page of matching events (newest first), the number of matches, and the page shown:
    a page number out of range shows the nearest page (it comes from the URL)."""
    conditions = []
    if flt.user_id:
        conditions.append(AuditEvent.user_id == flt.user_id)
    if flt.patient_id:
        conditions.append(AuditEvent.patient_id == flt.patient_id)
    if flt.action:
        conditions.append(AuditEvent.action == flt.action)
    if flt.date_from:
        conditions.append(AuditEvent.at >= _day_start(flt.date_from, tz))
    if flt.date_to:
        conditions.append(AuditEvent.at < _day_start(flt.date_to + timedelta(days=1), tz))
    # Record the read first: a commit expires loaded rows, and the page would then reload
    # each of its rows with a query of its own.
    audit.record("audit_log_viewed", record_type="audit_event",
                 patient_id=flt.patient_id or None, detail={"page": page})
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    last_page = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), last_page)
    rows = list(db.session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return rows, total, page
