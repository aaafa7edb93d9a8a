"""Lists of visits: a nurse's day, the coordinator's schedule, a patient's visits.

Each list read is audited (it shows patient names), like the patient list.
"""

from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import defaultload, joinedload, raiseload

from tracker import audit
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.models import Role, User, Visit, VisitState
from tracker.timeutil import utcnow
from tracker.visits.timeinput import day_bounds, local_today

UPCOMING_DAYS = 14


# What a list shows of each visit, in the same statement (each is many-to-one: one row per visit).
WITH_PEOPLE = (joinedload(Visit.patient), joinedload(Visit.nurse), joinedload(Visit.order))


def _visits(query, *, strict: bool = False) -> list[Visit]:
    """The visits with their patient, nurse and order; `strict`: any other relationship a
    page touches raises instead of loading lazily (one SELECT per row)."""
    # The nurse may be the current user: her own relationships keep loading as usual.
    options = (*WITH_PEOPLE, defaultload(Visit.nurse).lazyload("*"), raiseload("*")) if strict \
        else WITH_PEOPLE
    return list(db.session.scalars(query.options(*options).order_by(Visit.planned_start, Visit.id)))


def _audited(visits: list[Visit], what: str) -> list[Visit]:
    audit.record("visit_list_viewed", record_type="visit", detail={"list": what, "count": len(visits)})
    commit_keeping_loaded()  # the page shows what was read, without reading it again
    return visits


def nurse_day(nurse: User, day: date | None = None) -> tuple[date, list[Visit], list[Visit], list[Visit]]:
    """(day, that day's visits, the next visits after it, checked-out visits waiting for her
    signature), with days as the nurse sees them in her own time zone."""
    day = day or local_today(nurse.timezone)
    start, end = day_bounds(day, nurse.timezone)
    is_today = and_(Visit.planned_start >= start, Visit.planned_start < end)
    is_upcoming = and_(Visit.state == VisitState.SCHEDULED.value, Visit.planned_start >= end,
                       Visit.planned_start < end + timedelta(days=7))
    is_unsigned = and_(Visit.state.in_([VisitState.COMPLETED.value, VisitState.IN_PROGRESS.value]),
                       Visit.planned_start < start)
    # One statement for the three lists (they cannot overlap: split by planned_start).
    visits = _visits(select(Visit).where(Visit.nurse_id == nurse.id,
                                         or_(is_today, is_upcoming, is_unsigned)), strict=True)
    today = [v for v in visits if start <= v.planned_start < end]
    upcoming = [v for v in visits if v.planned_start >= end]
    unsigned = [v for v in visits if v.planned_start < start]
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
