"""Reading visits for the API: the nurse's own list and one whole visit, each read audited.

Visibility is tracker.visits.access (get_visit: 404 for a visit the user may not see),
the same rule the HTML visit page uses.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, raiseload, selectinload
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.models import Addendum, Complication, MedicationAdministration, User, Visit
from tracker.timeutil import as_utc
from tracker.visits.access import may_see


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
    query = select(Visit).where(Visit.nurse_id == nurse.id).order_by(Visit.planned_start, Visit.id)
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
    # The page's visits with what a list shows of each (many-to-one: one row per visit).
    visits = list(db.session.scalars(query.limit(wanted.limit + 1).options(
        joinedload(Visit.patient), joinedload(Visit.order), raiseload("*"))))
    visits, more = visits[:wanted.limit], len(visits) > wanted.limit
    audit.record("visit_list_viewed", record_type="visit", detail={"count": len(visits)})
    commit_keeping_loaded()  # the response shows what was read, without reading it again
    return visits, more


# The whole visit in a fixed number of statements, whatever it holds. Many-to-one records
# and the collections that stay small (at most two billing codes, usually one access device,
# one administration, no complication or addendum) come joined to the visit's row; the
# longer lists (steps, safety checks, vital signs, site checks) come one statement each.
# Anything else the serializer would touch raises instead of loading lazily.
WHOLE_VISIT = (
    joinedload(Visit.patient), joinedload(Visit.order), joinedload(Visit.procedure_record),
    # People may include the current user: their own relationships keep loading as usual.
    joinedload(Visit.signed_by).lazyload("*"),
    joinedload(Visit.billing_lines), joinedload(Visit.vascular_accesses),
    joinedload(Visit.teaching), joinedload(Visit.line_care),
    joinedload(Visit.administrations).joinedload(MedicationAdministration.interruptions),
    joinedload(Visit.complications).joinedload(Complication.actions),
    joinedload(Visit.addenda).joinedload(Addendum.author).lazyload("*"),
    selectinload(Visit.steps), selectinload(Visit.safety_checks),
    selectinload(Visit.vital_signs), selectinload(Visit.site_assessments),
    raiseload("*"),
)


def visit_record(user: User, visit_id: int) -> Visit:
    """One visit the user may see (else 404), for reading in full."""
    visit = db.session.scalars(select(Visit).where(Visit.id == visit_id)
                               .options(*WHOLE_VISIT)).unique().one_or_none()
    if visit is None or not may_see(user, visit):
        raise NotFound()
    audit.record("visit_viewed", record_type="visit", record_id=visit.id, patient_id=visit.patient_id)
    commit_keeping_loaded()  # the response shows what was read, without reading it again
    return visit
