"""Reading visits for the API: the nurse's own list and one whole visit, each read audited.

Visibility is tracker.visits.access (get_visit: 404 for a visit the user may not see),
the same rule the HTML visit page uses.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from tracker import audit
from tracker.extensions import db
from tracker.models import User, Visit
from tracker.timeutil import as_utc
from tracker.visits.access import get_visit


@dataclass(frozen=True)
class VisitFilter:
    first_day: date | None = None  # in the nurse's time zone, inclusive
    last_day: date | None = None  # inclusive
    state: str | None = None
    after: tuple[datetime, int] | None = None  # keyset: (planned_start, id) of the last row seen
    limit: int = 50


def day_start(day: date, tz_name: str) -> datetime | None:
    """Midnight at the start of `day` in the zone, in UTC; None beyond the calendar's ends."""
    try:
        return as_utc(datetime.combine(day, time.min, tzinfo=ZoneInfo(tz_name)))
    except OverflowError:
        return None


def next_day_start(day: date, tz_name: str) -> datetime | None:
    try:
        return day_start(day + timedelta(days=1), tz_name)
    except OverflowError:
        return None


def nurse_visits(nurse: User, wanted: VisitFilter) -> tuple[list[Visit], bool]:
    """The nurse's visits in planned order, one page; True when more follow."""
    query = select(Visit.id).where(Visit.nurse_id == nurse.id).order_by(Visit.planned_start, Visit.id)
    if wanted.first_day is not None and (start := day_start(wanted.first_day, nurse.timezone)):
        query = query.where(Visit.planned_start >= start)
    if wanted.last_day is not None and (end := next_day_start(wanted.last_day, nurse.timezone)):
        query = query.where(Visit.planned_start < end)
    if wanted.state is not None:
        query = query.where(Visit.state == wanted.state)
    if wanted.after is not None:
        start, visit_id = wanted.after
        query = query.where(or_(Visit.planned_start > start,
                                and_(Visit.planned_start == start, Visit.id > visit_id)))
    ids = list(db.session.scalars(query.limit(wanted.limit + 1)))
    ids, more = ids[:wanted.limit], len(ids) > wanted.limit
    audit.record("visit_list_viewed", record_type="visit", detail={"count": len(ids)})
    db.session.commit()
    # Loaded after the commit (which expires what was loaded before), with what a list shows.
    loaded = db.session.scalars(select(Visit).where(Visit.id.in_(ids))
                                .options(selectinload(Visit.patient), selectinload(Visit.order)))
    by_id = {visit.id: visit for visit in loaded}
    return [by_id[i] for i in ids if i in by_id], more


def visit_record(user: User, visit_id: int) -> Visit:
    """One visit the user may see (else 404), for reading in full."""
    visit = get_visit(user, visit_id)
    audit.record("visit_viewed", record_type="visit", record_id=visit.id, patient_id=visit.patient_id)
    db.session.commit()
    return visit
