"""Reports over a range of days: billing units, visit lengths, complications, punctuality,
reminder delivery and preparation checklists (the last two once those areas land).

A visit belongs to its date of service: the check-in time, or the planned start for a
visit that never began. Days are whole days in the viewer's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, case, func, select

from tracker.clinical.billing import ADDITIONAL_HOUR_THRESHOLD_MINUTES, BASE_VISIT_MINUTES
from tracker.clinical.duration import LIMIT, WARNING_AT
from tracker.extensions import db
from tracker.history import hooks
from tracker.history.filters import day_bounds
from tracker.history.labels import complication_label, risk_labels
from tracker.history.settings import on_time_window
from tracker.history.sql import elapsed_whole_seconds
from tracker.models import Complication, Patient, User, Visit, VisitBillingLine, VisitState

PER = 100  # complication rates are per 100 visits


@dataclass(frozen=True)
class DateRange:
    date_from: date
    date_to: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, date_from: date, date_to: date, tz: str) -> DateRange:
        start, end = day_bounds(date_from, date_to, tz)
        return cls(date_from, date_to, start, end)


def service_time():
    return func.coalesce(Visit.checked_in_at, Visit.planned_start)


def in_range(rng: DateRange):
    return and_(service_time() >= rng.start, service_time() < rng.end)


def share(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


# --- Billing units ------------------------------------------------------------------------

@dataclass(frozen=True)
class BillingRow:
    id: int
    name: str
    reference: str  # MRN for a patient, e-mail for a nurse
    visits: int
    units_99601: int
    units_99602: int


def _units(code: str):
    return func.coalesce(func.sum(case((VisitBillingLine.code == code, VisitBillingLine.units),
                                       else_=0)), 0)


def billing_by_patient(rng: DateRange) -> list[BillingRow]:
    query = (select(Patient.id, Patient.last_name, Patient.first_name, Patient.mrn,
                    func.count(func.distinct(Visit.id)), _units("99601"), _units("99602"))
             .join(Visit, Visit.id == VisitBillingLine.visit_id)
             .join(Patient, Patient.id == Visit.patient_id)
             .where(in_range(rng))
             .group_by(Patient.id, Patient.last_name, Patient.first_name, Patient.mrn)
             .order_by(Patient.last_name, Patient.first_name, Patient.id))
    return [BillingRow(pid, f"{last}, {first}", mrn, visits, int(u1), int(u2))
            for pid, last, first, mrn, visits, u1, u2 in db.session.execute(query)]


def billing_by_nurse(rng: DateRange) -> list[BillingRow]:
    query = (select(User.id, User.name, User.email,
                    func.count(func.distinct(Visit.id)), _units("99601"), _units("99602"))
             .join(Visit, Visit.id == VisitBillingLine.visit_id)
             .join(User, User.id == Visit.nurse_id)
             .where(in_range(rng))
             .group_by(User.id, User.name, User.email)
             .order_by(User.name, User.id))
    return [BillingRow(uid, name, email, visits, int(u1), int(u2))
            for uid, name, email, visits, u1, u2 in db.session.execute(query)]


def billing_totals(rows: list[BillingRow]) -> tuple[int, int, int]:
    return (sum(r.visits for r in rows), sum(r.units_99601 for r in rows),
            sum(r.units_99602 for r in rows))


# --- Visit length ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    label: str
    upper_seconds: int | None  # inclusive upper limit in whole seconds; None = no limit
    count: int = 0


def length_buckets() -> list[Bucket]:
    """Buckets that line up with the 2-hour rule and with the 99602 billing threshold."""
    threshold = current_app.config.get("ADDITIONAL_HOUR_THRESHOLD_MINUTES",
                                       ADDITIONAL_HOUR_THRESHOLD_MINUTES)
    base = BASE_VISIT_MINUTES * 60
    first_extra = base + threshold * 60
    return [
        Bucket("Under 1 hour", 3600 - 1),
        Bucket("1 h to 1 h 45", int(WARNING_AT.total_seconds()) - 1),
        Bucket("1 h 45 to 2 h (the limit)", int(LIMIT.total_seconds())),
        Bucket(f"Over 2 h, up to 2 h {threshold:02d} (no 99602)", first_extra),
        Bucket("One additional hour billed (99602 x 1)", first_extra + 3600),
        Bucket("Two or more additional hours (99602 x 2+)", None),
    ]


@dataclass
class LengthReport:
    buckets: list[Bucket]
    visits: int
    over_2h: int
    average_seconds: float | None

    @property
    def over_2h_share(self) -> float | None:
        return share(self.over_2h, self.visits)


def visit_lengths(rng: DateRange) -> LengthReport:
    seconds = elapsed_whole_seconds(Visit.checked_in_at, Visit.checked_out_at)
    buckets = length_buckets()
    index = case(*[(seconds <= b.upper_seconds, i) for i, b in enumerate(buckets)
                   if b.upper_seconds is not None], else_=len(buckets) - 1)
    where = [in_range(rng), Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_not(None)]
    counts = dict(db.session.execute(select(index, func.count()).where(*where).group_by(index)).all())
    visits, over, average = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((seconds > int(LIMIT.total_seconds()), 1),
                                                  else_=0)), 0),
        func.avg(seconds)).where(*where)).one()
    return LengthReport([Bucket(b.label, b.upper_seconds, counts.get(i, 0))
                         for i, b in enumerate(buckets)],
                        visits, int(over), float(average) if average is not None else None)


# --- Complications ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComplicationRow:
    kind: str
    label: str
    count: int
    per_100: float | None


@dataclass
class ComplicationReport:
    visits: int  # visits that took place (checked in)
    visits_with_any: int
    rows: list[ComplicationRow]

    @property
    def any_per_100(self) -> float | None:
        rate = share(self.visits_with_any, self.visits)
        return None if rate is None else rate * PER


def complication_rates(rng: DateRange) -> ComplicationReport:
    took_place = [in_range(rng), Visit.checked_in_at.is_not(None)]
    visits = db.session.scalar(select(func.count(Visit.id)).where(*took_place)) or 0
    by_kind = db.session.execute(select(Complication.kind, func.count(Complication.id))
                                 .join(Visit, Visit.id == Complication.visit_id)
                                 .where(*took_place).group_by(Complication.kind)
                                 .order_by(func.count(Complication.id).desc(), Complication.kind)).all()
    with_any = db.session.scalar(select(func.count(func.distinct(Complication.visit_id)))
                                 .join(Visit, Visit.id == Complication.visit_id)
                                 .where(*took_place)) or 0
    labels = risk_labels()
    rows = [ComplicationRow(kind, complication_label(kind, labels=labels), count,
                            None if not visits else count * PER / visits)
            for kind, count in by_kind]
    return ComplicationReport(visits, with_any, rows)


# --- Check-in on time ---------------------------------------------------------------------------

@dataclass
class OnTimeReport:
    window_minutes: int
    checked_in: int
    on_time: int
    early: int
    late: int
    missed: int

    @property
    def rate(self) -> float | None:
        return share(self.on_time, self.checked_in)


def on_time(rng: DateRange) -> OnTimeReport:
    """On time: checked in no more than the window before or after the planned start."""
    window = int(on_time_window().total_seconds())
    late_by = elapsed_whole_seconds(Visit.planned_start, Visit.checked_in_at)
    early_by = elapsed_whole_seconds(Visit.checked_in_at, Visit.planned_start)
    checked_in = [in_range(rng), Visit.checked_in_at.is_not(None)]
    total, early, late = db.session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((early_by > window, 1), else_=0)), 0),
        func.coalesce(func.sum(case((late_by > window, 1), else_=0)), 0)).where(*checked_in)).one()
    missed = db.session.scalar(select(func.count(Visit.id)).where(
        in_range(rng), Visit.state == VisitState.MISSED.value)) or 0
    return OnTimeReport(window // 60, total, total - int(early) - int(late), int(early),
                        int(late), missed)


# --- Everything ------------------------------------------------------------------------------

@dataclass
class Reports:
    range: DateRange
    by_patient: list[BillingRow]
    by_nurse: list[BillingRow]
    lengths: LengthReport
    complications: ComplicationReport
    on_time: OnTimeReport
    reminders: hooks.Delivery | None
    checklists: hooks.ChecklistCompletion | None


def build(rng: DateRange) -> Reports:
    return Reports(rng, billing_by_patient(rng), billing_by_nurse(rng), visit_lengths(rng),
                   complication_rates(rng), on_time(rng),
                   hooks.reminder_delivery(rng.start, rng.end),
                   hooks.checklist_completion(rng.start, rng.end))
