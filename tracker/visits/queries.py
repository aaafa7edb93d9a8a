"""Lists of visits: a nurse's day, the coordinator's schedule, a patient's visits.

Each list read is audited (it shows patient names), like the patient list.
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import audit
from tracker.extensions import db
from tracker.models import Role, User, Visit, VisitState
from tracker.timeutil import utcnow
from tracker.visits.timeinput import day_bounds, local_today

UPCOMING_DAYS = 14


def _visits(query) -> list[Visit]:
    return list(db.session.scalars(query.options(selectinload(Visit.patient), selectinload(Visit.nurse),
                                                 selectinload(Visit.order))
                                   .order_by(Visit.planned_start, Visit.id)))


def _audited(visits: list[Visit], what: str) -> list[Visit]:
    audit.record("visit_list_viewed", record_type="visit", detail={"list": what, "count": len(visits)})
    db.session.commit()
    return visits


def nurse_day(nurse: User, day: date | None = None) -> tuple[date, list[Visit], list[Visit], list[Visit]]:
    """(day, that day's visits, the next visits after it, checked-out visits waiting for her
    signature), with days as the nurse sees them in her own time zone."""
    day = day or local_today(nurse.timezone)
    start, end = day_bounds(day, nurse.timezone)
    mine = select(Visit).where(Visit.nurse_id == nurse.id)
    today = _visits(mine.where(Visit.planned_start >= start, Visit.planned_start < end))
    upcoming = _visits(mine.where(Visit.state == VisitState.SCHEDULED.value, Visit.planned_start >= end,
                                  Visit.planned_start < end + timedelta(days=7)))
    unsigned = _visits(mine.where(Visit.state.in_([VisitState.COMPLETED.value,
                                                   VisitState.IN_PROGRESS.value]),
                                  Visit.planned_start < start))
    _audited(today + upcoming + unsigned, "nurse_day")
    return day, today, upcoming, unsigned


def schedule(viewer: User, day: date | None = None, nurse_id: int | None = None) -> list[Visit]:
    """One day (every state), or, without a day, what is coming: today and the next two weeks."""
    query = select(Visit)
    if nurse_id:
        query = query.where(Visit.nurse_id == nurse_id)
    if day is not None:
        start, end = day_bounds(day, viewer.timezone)
    else:
        start, _ = day_bounds(local_today(viewer.timezone), viewer.timezone)
        end = start + timedelta(days=UPCOMING_DAYS + 1)
        query = query.where(Visit.state.in_([VisitState.SCHEDULED.value, VisitState.IN_PROGRESS.value]))
    return _audited(_visits(query.where(Visit.planned_start >= start, Visit.planned_start < end)),
                    "schedule")


def overdue(nurse_id: int | None = None) -> list[Visit]:
    """Scheduled visits whose planned end has passed without a check-in."""
    query = select(Visit).where(Visit.state == VisitState.SCHEDULED.value, Visit.planned_start < utcnow())
    if nurse_id:
        query = query.where(Visit.nurse_id == nurse_id)
    now = utcnow()
    return _audited([v for v in _visits(query) if v.planned_end <= now], "overdue")


def patient_visits(viewer: User, patient_id: int, limit: int = 50) -> tuple[list[Visit], list[Visit]]:
    """(upcoming, past) visits of a patient that the viewer may see: a nurse sees her own."""
    query = select(Visit).where(Visit.patient_id == patient_id)
    if viewer.role == Role.NURSE:
        query = query.where(Visit.nurse_id == viewer.id)
    elif viewer.role not in (Role.COORDINATOR, Role.ADMIN):
        return [], []
    now = utcnow()
    upcoming = _visits(query.where(Visit.state.in_([VisitState.SCHEDULED.value,
                                                    VisitState.IN_PROGRESS.value]),
                                   Visit.planned_start >= now - timedelta(days=1)))
    shown = {v.id for v in upcoming}
    past = db.session.scalars(query.where(Visit.planned_start < now)
                              .order_by(Visit.planned_start.desc()).limit(limit + len(shown)))
    return upcoming, [v for v in past if v.id not in shown][:limit]
