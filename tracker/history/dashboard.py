"""The coordinator's day: today's visits by state, and what needs action now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select, union
from sqlalchemy.orm import joinedload

from tracker import audit
from tracker.alerts.services import SEVERITY_ORDER
from tracker.clinical.duration import LIMIT, time_status
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.history.filters import day_bounds
from tracker.history.pagination import first_rows_and_total
from tracker.history.settings import on_time_window, signature_due
from tracker.models import Alert, Visit, VisitState
from tracker.timeutil import local, utcnow

# Alert kinds are named by the areas that raise them; a kind is grouped by the first
# group whose word it contains, so "news2_emergency" and "news2_urgent" both go to NEWS2.
ALERT_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("complication", "Complications", ("complication", "anaphylaxis", "reaction")),
    ("news2", "NEWS2 urgent or emergency", ("news2", "vital")),
    ("patient_report", "Problems reported by patients", ("problem", "patient_report", "symptom")),
    ("reminder", "Reminders that failed", ("reminder", "notification")),
    ("unsigned", "Visits not signed", ("unsigned", "signature")),
]
OTHER_GROUP = ("other", "Other alerts")
# Open alerts shown (the most severe, then the newest) and overdue signatures listed; each
# alert carries its own acknowledgement form, and a wall of hundreds helps nobody act.
ALERT_LIMIT = 50
# Each list on the dashboard shows this many visits; the heading counts them all and links
# to the full list in the visit history (a busy day must not make the page slow).
SECTION_LIMIT = 50
LISTED_STATES = (VisitState.SCHEDULED.value, VisitState.IN_PROGRESS.value,
                 VisitState.COMPLETED.value, VisitState.MISSED.value)


def alert_group(kind: str) -> tuple[str, str]:
    for key, label, words in ALERT_GROUPS:
        if any(word in kind for word in words):
            return key, label
    return OTHER_GROUP


@dataclass
class RunningVisit:
    visit: Visit
    elapsed: timedelta
    status: str  # ok | warning | over (tracker.clinical.duration)
    two_hour_mark: datetime


@dataclass
class AlertGroup:
    key: str
    label: str
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class Dashboard:
    day: date
    scheduled: list[Visit]
    late: set[int]
    in_progress: list[RunningVisit]
    unsigned: list[Visit]
    missed: list[Visit]
    signed: int
    cancelled: int
    overdue_signatures: list[Visit]
    alert_groups: list[AlertGroup]
    open_alert_count: int
    counts: dict[str, int] = field(default_factory=dict)  # today's visits per state, all of them

    @property
    def shown_alert_count(self) -> int:
        return sum(len(group.alerts) for group in self.alert_groups)


def _todays_visits(start: datetime, end: datetime) -> tuple[dict[str, list[Visit]], dict[str, int]]:
    """Visits planned today, and any visit still in progress from an earlier day: the first
    SECTION_LIMIT of each listed state and the count of every state, in one query."""
    # A union, not an OR: each half reads its own index instead of scanning every visit.
    todays = union(select(Visit.id).where(Visit.planned_start >= start, Visit.planned_start < end),
                   select(Visit.id).where(Visit.state == VisitState.IN_PROGRESS.value)).subquery()
    ranked = (select(Visit.id.label("visit_id"),
                     func.row_number().over(partition_by=Visit.state,
                                            order_by=(Visit.planned_start, Visit.id)).label("rank"),
                     func.count().over(partition_by=Visit.state).label("total"))
              .join(todays, todays.c.id == Visit.id)
              .subquery())
    listed = Visit.state.in_(LISTED_STATES) & (ranked.c.rank <= SECTION_LIMIT)
    query = (select(Visit, ranked.c.total).join(ranked, ranked.c.visit_id == Visit.id)
             .where(or_(listed, ranked.c.rank == 1))  # rank 1 of other states: their count
             .options(joinedload(Visit.patient), joinedload(Visit.nurse))
             .order_by(Visit.planned_start, Visit.id))
    lists: dict[str, list[Visit]] = {s.value: [] for s in VisitState}
    counts: dict[str, int] = {s.value: 0 for s in VisitState}
    for visit, total in db.session.execute(query):
        counts[visit.state] = total
        if visit.state in LISTED_STATES:
            lists[visit.state].append(visit)
    return lists, counts


def overdue_signatures(now: datetime) -> list[Visit]:
    """Visits checked out at least SIGNATURE_DUE_HOURS ago and still unsigned, from the
    visits themselves (an alert for them may or may not have been raised)."""
    query = (select(Visit)
             .where(Visit.state == VisitState.COMPLETED.value,
                    Visit.checked_out_at <= now - signature_due())
             .options(joinedload(Visit.patient), joinedload(Visit.nurse))
             .order_by(Visit.checked_out_at, Visit.id).limit(ALERT_LIMIT))
    return list(db.session.scalars(query))


def open_alerts() -> tuple[list[Alert], int]:
    """The ALERT_LIMIT most severe open alerts, newest first within a severity, and how many
    are open in all."""
    severity = case(SEVERITY_ORDER, value=Alert.severity, else_=len(SEVERITY_ORDER))
    return first_rows_and_total(select(Alert).where(Alert.acknowledged_at.is_(None))
                                .options(joinedload(Alert.patient))
                                .order_by(severity, Alert.created_at.desc(), Alert.id.desc())
                                .limit(ALERT_LIMIT))


def group_alerts(alerts: list[Alert]) -> list[AlertGroup]:
    groups = {key: AlertGroup(key, label) for key, label, _ in ALERT_GROUPS}
    groups[OTHER_GROUP[0]] = AlertGroup(*OTHER_GROUP)
    for alert in alerts:
        groups[alert_group(alert.kind)[0]].alerts.append(alert)
    return list(groups.values())


def build(tz: str, *, audit_read: bool = True) -> Dashboard:
    """Everything on the dashboard, in a fixed number of queries."""
    if audit_read:
        audit.record("dashboard_viewed", record_type="visit")
    now = utcnow()
    today = local(now, tz).date()
    start, end = day_bounds(today, today, tz)
    by_state, counts = _todays_visits(start, end)
    running = []
    for visit in by_state[VisitState.IN_PROGRESS.value]:
        elapsed = max(now - visit.checked_in_at, timedelta(0)) if visit.checked_in_at else timedelta(0)
        running.append(RunningVisit(visit, elapsed, time_status(elapsed),
                                    (visit.checked_in_at or now) + LIMIT))
    scheduled = by_state[VisitState.SCHEDULED.value]
    alerts, open_count = open_alerts()
    data = Dashboard(
        day=today, scheduled=scheduled,
        late={v.id for v in scheduled if v.planned_start + on_time_window() < now},
        in_progress=running, unsigned=by_state[VisitState.COMPLETED.value],
        missed=by_state[VisitState.MISSED.value],
        signed=counts[VisitState.SIGNED.value], cancelled=counts[VisitState.CANCELLED.value],
        overdue_signatures=overdue_signatures(now),
        alert_groups=group_alerts(alerts), open_alert_count=open_count, counts=counts)
    if audit_read:
        commit_keeping_loaded()  # the audit row, keeping what the page shows
    return data
