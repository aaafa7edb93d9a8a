"""Scheduling visits against an active order, and changing them before they start.

A visit holds its planned time slot for its nurse and its patient: two visits of the same
nurse, or of the same patient, may touch (one ends at 10:00, the next starts at 10:00) but
not overlap. Cancelled and missed visits free their slot.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker import audit
from tracker.extensions import db
from tracker.models import CaseloadAssignment, Patient, Role, TherapyOrder, User, Visit, VisitState
from tracker.procedures.services import current_record
from tracker.timeutil import as_utc, utcnow
from tracker.visits import events
from tracker.visits.access import VisitStateError, require_state
from tracker.visits.orders import order_in_force_on
from tracker.visits.timeinput import NonexistentLocalTime, local_date, local_today, to_utc
from tracker.visits.txn import idempotent, require_office

SLOT_HOLDING_STATES = (VisitState.SCHEDULED.value, VisitState.IN_PROGRESS.value,
                       VisitState.COMPLETED.value, VisitState.SIGNED.value)
MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 480, 120
MAX_REASON = 2000


def _when(value: datetime, tz_name: str) -> str:
    return as_utc(value).astimezone(ZoneInfo(tz_name)).strftime("%a %d %b %Y, %H:%M")


def _planned_start(value, tz_name: str) -> datetime:
    if not isinstance(value, datetime):
        raise VisitStateError("Enter the date and time the visit starts.", field="planned_start")
    try:
        return to_utc(value, tz_name)
    except NonexistentLocalTime as error:
        raise VisitStateError(str(error), field="planned_start") from None


def _planned_minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise VisitStateError("Enter the planned length in minutes.", field="planned_minutes") from None
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise VisitStateError(f"A visit lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.",
                              field="planned_minutes")
    return minutes


def _order(order_id) -> TherapyOrder:
    order = db.session.get(TherapyOrder, order_id) if order_id else None
    if order is None:
        raise VisitStateError("Choose the therapy order this visit is for.", field="order_id")
    return order


def _nurse(nurse_id) -> User:
    nurse = db.session.get(User, nurse_id) if nurse_id else None
    if nurse is None or nurse.role != Role.NURSE or not nurse.active:
        raise VisitStateError("Choose an active nurse.", field="nurse_id")
    return nurse


def _reason(values: dict, what: str) -> str:
    reason = (values.get("reason") or "").strip()
    if not reason:
        raise VisitStateError(f"Say why the visit is {what}.", field="reason")
    if len(reason) > MAX_REASON:
        raise VisitStateError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    return reason


def _lock_slot_owners(nurse_id: int, patient_id: int) -> None:
    """Serialise bookings of the same nurse or patient, so two coordinators cannot both take
    one slot (PostgreSQL row locks; SQLite already allows one writer at a time)."""
    db.session.execute(select(User.id).where(User.id == nurse_id).with_for_update())
    db.session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())


def overlapping_visit(condition, start: datetime, end: datetime, exclude_id: int | None) -> Visit | None:
    candidates = db.session.scalars(select(Visit).where(
        condition, Visit.state.in_(SLOT_HOLDING_STATES), Visit.planned_start < end,
        Visit.planned_start > start - timedelta(minutes=MAX_MINUTES)).order_by(Visit.planned_start))
    return next((v for v in candidates if v.planned_end > start and v.id != exclude_id), None)


def on_caseload(nurse_id: int, patient_id: int) -> bool:
    return db.session.scalar(select(CaseloadAssignment.id).where(
        CaseloadAssignment.nurse_id == nurse_id,
        CaseloadAssignment.patient_id == patient_id)) is not None


def check_slot(order: TherapyOrder, nurse: User, start: datetime, minutes: int, *,
               viewer_tz: str, exclude_id: int | None = None) -> None:
    """Every rule a planned visit must meet; raises VisitStateError naming the field."""
    patient = order.patient
    if not order.active:
        raise VisitStateError("This order is stopped. Choose an active order.", field="order_id")
    day = local_date(start, patient.timezone)
    if day < local_today(patient.timezone):
        raise VisitStateError("That day has passed. Choose today or a later day.", field="planned_start")
    if not order_in_force_on(order, day):
        until = order.end_date.strftime("%d %b %Y") if order.end_date else "no end date"
        raise VisitStateError(
            f"The order runs from {order.start_date:%d %b %Y} to {until}. Choose a day in that range.",
            field="planned_start")
    if not on_caseload(nurse.id, patient.id):
        raise VisitStateError(f"{nurse.name} does not have this patient on their caseload. "
                              "Add them to the caseload first, or choose another nurse.", field="nurse_id")
    end = start + timedelta(minutes=minutes)
    clash = overlapping_visit(Visit.nurse_id == nurse.id, start, end, exclude_id)
    if clash is not None:
        raise VisitStateError(
            f"{nurse.name} already has a visit from {_when(clash.planned_start, viewer_tz)} to "
            f"{as_utc(clash.planned_end).astimezone(ZoneInfo(viewer_tz)):%H:%M}.", field="planned_start")
    clash = overlapping_visit(Visit.patient_id == patient.id, start, end, exclude_id)
    if clash is not None:
        raise VisitStateError(
            f"This patient already has a visit from {_when(clash.planned_start, viewer_tz)} to "
            f"{as_utc(clash.planned_end).astimezone(ZoneInfo(viewer_tz)):%H:%M} "
            f"with {clash.nurse.name}.", field="planned_start")


def _audit(action: str, visit: Visit, user: User, detail: dict | None = None) -> None:
    audit.record(action, record_type="visit", record_id=visit.id, patient_id=visit.patient_id,
                 user_id=user.id, detail=detail)


@idempotent("schedule_visit", Visit)
def schedule_visit(user: User, values: dict) -> Visit:
    """values: order_id, nurse_id, planned_start (aware, or naive in the user's zone),
    planned_minutes (default 120); patient_id optional, must match the order."""
    require_office(user)
    order = _order(values.get("order_id"))
    if values.get("patient_id") not in (None, order.patient_id):
        raise VisitStateError("That order belongs to another patient.", field="order_id")
    nurse = _nurse(values.get("nurse_id"))
    start = _planned_start(values.get("planned_start"), user.timezone)
    minutes = _planned_minutes(values.get("planned_minutes") or DEFAULT_MINUTES)
    _lock_slot_owners(nurse.id, order.patient_id)
    check_slot(order, nurse, start, minutes, viewer_tz=user.timezone)
    visit = Visit(patient_id=order.patient_id, nurse_id=nurse.id, order_id=order.id,
                  procedure_record_id=current_record().id, service_code=current_record().code,
                  planned_start=start, planned_minutes=minutes,
                  state=VisitState.SCHEDULED.value, created_by_id=user.id)
    db.session.add(visit)
    db.session.flush()
    _audit("visit_scheduled", visit, user, {"nurse_id": nurse.id, "order_id": order.id})
    events.visit_scheduled.send(visit)
    return visit


@idempotent("reschedule_visit", Visit)
def reschedule_visit(user: User, visit: Visit, values: dict) -> Visit:
    """values: planned_start, and optionally planned_minutes and nurse_id (kept when absent)."""
    require_office(user)
    require_state(visit, VisitState.SCHEDULED, action="reschedule this visit")
    nurse = _nurse(values.get("nurse_id") or visit.nurse_id)
    start = _planned_start(values.get("planned_start"), user.timezone)
    minutes = _planned_minutes(values.get("planned_minutes") or visit.planned_minutes)
    _lock_slot_owners(nurse.id, visit.patient_id)
    check_slot(visit.order, nurse, start, minutes, viewer_tz=user.timezone, exclude_id=visit.id)
    old_start = visit.planned_start
    changed = [name for name, old, new in (("planned_start", visit.planned_start, start),
                                           ("planned_minutes", visit.planned_minutes, minutes),
                                           ("nurse_id", visit.nurse_id, nurse.id)) if old != new]
    if not changed:
        return visit
    visit.planned_start, visit.planned_minutes, visit.nurse_id = start, minutes, nurse.id
    _audit("visit_rescheduled", visit, user, {"fields": changed})
    events.visit_rescheduled.send(visit, old_start=old_start)
    return visit


@idempotent("cancel_visit", Visit)
def cancel_visit(user: User, visit: Visit, values: dict) -> Visit:
    """values: reason (required)."""
    require_office(user)
    require_state(visit, VisitState.SCHEDULED, action="cancel this visit")
    visit.state_reason = _reason(values, "cancelled")
    visit.state = VisitState.CANCELLED.value
    _audit("visit_cancelled", visit, user)
    events.visit_cancelled.send(visit)
    return visit


@idempotent("mark_missed", Visit)
def mark_missed(user: User, visit: Visit, values: dict) -> Visit:
    """values: reason (required). The office, or the visit's own nurse (patient not at home)."""
    if user.id != visit.nurse_id:
        require_office(user)
    require_state(visit, VisitState.SCHEDULED, action="mark this visit as missed")
    if visit.planned_start > utcnow():
        raise VisitStateError("This visit has not started yet. Reschedule or cancel it instead.")
    visit.state_reason = _reason(values, "missed")
    visit.state = VisitState.MISSED.value
    _audit("visit_missed", visit, user)
    events.visit_missed.send(visit)
    return visit
