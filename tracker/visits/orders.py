"""Therapy orders: what the prescriber ordered, which every visit is scheduled against."""

from datetime import date

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.extensions import db
from tracker.models import Patient, TherapyOrder, User, Visit, VisitState
from tracker.visits import events
from tracker.visits.access import VisitStateError
from tracker.visits.txn import idempotent, require_office

ORDER_FIELDS = ("medication", "dose", "dose_unit", "route", "rate_ml_per_hour", "infusion_minutes",
                "frequency", "start_date", "end_date", "prescriber", "indication", "notes")
# What was given is defined by these: once a visit has started under the order they stay as
# they were, so that past visits keep showing what was ordered then.
MEDICATION_FIELDS = ("medication", "dose", "dose_unit", "route", "rate_ml_per_hour",
                     "infusion_minutes")
DOSE_UNITS = ("mg", "g", "mcg", "units", "mL", "mEq", "mmol")
ROUTES = (("IV", "Intravenous (IV)"), ("SC", "Subcutaneous (SC)"))
REQUIRED_TEXT = {"medication": "the medication", "frequency": "how often",
                 "prescriber": "the prescriber", "indication": "the indication"}


def get_order(order_id: int) -> TherapyOrder:
    order = db.session.get(TherapyOrder, order_id)
    if order is None:
        raise NotFound()
    return order


def orders_for_patient(patient_id: int) -> list[TherapyOrder]:
    """Active orders first, then the newest."""
    return list(db.session.scalars(select(TherapyOrder).where(TherapyOrder.patient_id == patient_id)
                                   .order_by(TherapyOrder.active.desc(),
                                             TherapyOrder.start_date.desc(), TherapyOrder.id.desc())))


def active_orders(patient_id: int) -> list[TherapyOrder]:
    return [o for o in orders_for_patient(patient_id) if o.active]


def order_summary(order: TherapyOrder) -> str:
    """'Ceftriaxone 2 g IV at 100 mL/h over 30 min, Once daily'."""
    parts = [f"{order.medication} {order.dose:g} {order.dose_unit} {order.route}"]
    if order.rate_ml_per_hour:
        parts.append(f"at {order.rate_ml_per_hour:g} mL/h")
    if order.infusion_minutes:
        parts.append(f"over {order.infusion_minutes} min")
    text = " ".join(parts)
    return f"{text}, {order.frequency}" if order.frequency else text


def order_in_force_on(order: TherapyOrder, day: date) -> bool:
    return order.start_date <= day and (order.end_date is None or day <= order.end_date)


def has_started_visits(order: TherapyOrder) -> bool:
    return bool(db.session.scalar(select(func.count(Visit.id)).where(
        Visit.order_id == order.id, Visit.checked_in_at.is_not(None))))


def _clean(values: dict) -> dict:
    values = {k: values.get(k) for k in ORDER_FIELDS if k in values}
    for key in ("medication", "dose_unit", "route", "frequency", "prescriber", "indication", "notes"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    values["notes"] = values.get("notes") or ""
    for key, label in REQUIRED_TEXT.items():
        if not values.get(key):
            raise VisitStateError(f"Enter {label}.", field=key)
    dose = values.get("dose")
    if dose is None or not dose > 0:
        raise VisitStateError("Enter a dose greater than 0.", field="dose")
    if values.get("dose_unit") not in DOSE_UNITS:
        raise VisitStateError("Choose a dose unit from the list.", field="dose_unit")
    if values.get("route") not in dict(ROUTES):
        raise VisitStateError("Choose a route from the list.", field="route")
    rate, minutes = values.get("rate_ml_per_hour"), values.get("infusion_minutes")
    if rate is None and minutes is None:
        raise VisitStateError("Enter the rate in mL/h, the infusion time, or both.",
                              field="rate_ml_per_hour")
    if rate is not None and not 0 < rate <= 1000:
        raise VisitStateError("The rate must be between 0 and 1000 mL/h.", field="rate_ml_per_hour")
    if minutes is not None and not 1 <= minutes <= 1440:
        raise VisitStateError("The infusion time must be between 1 and 1440 minutes.",
                              field="infusion_minutes")
    if not isinstance(values.get("start_date"), date):
        raise VisitStateError("Enter the start date.", field="start_date")
    end = values.get("end_date")
    if end is not None and end < values["start_date"]:
        raise VisitStateError("The end date cannot be before the start date.", field="end_date")
    return values


@idempotent("create_order", TherapyOrder)
def create_order(user: User, patient: Patient, values: dict) -> TherapyOrder:
    require_office(user)
    order = TherapyOrder(patient_id=patient.id, created_by_id=user.id, active=True, **_clean(values))
    db.session.add(order)
    db.session.flush()
    audit.record("order_created", record_type="therapy_order", record_id=order.id,
                 patient_id=patient.id, user_id=user.id)
    return order


@idempotent("update_order", TherapyOrder)
def update_order(user: User, order: TherapyOrder, values: dict) -> TherapyOrder:
    require_office(user)
    if not order.active:
        raise VisitStateError("This order is no longer active and cannot be changed.")
    values = _clean({**{k: getattr(order, k) for k in ORDER_FIELDS}, **values})
    changed = sorted(k for k, v in values.items() if getattr(order, k) != v)
    locked = [k for k in changed if k in MEDICATION_FIELDS]
    if locked and has_started_visits(order):
        raise VisitStateError(
            "Visits have already been given under this order, so the medication, dose, route and "
            "rate cannot change. Stop this order and create a new one.", field=locked[0])
    for key in changed:
        setattr(order, key, values[key])
    if changed:
        audit.record("order_updated", record_type="therapy_order", record_id=order.id,
                     patient_id=order.patient_id, user_id=user.id, detail={"fields": changed})
    return order


def scheduled_visits_under(order: TherapyOrder) -> list[Visit]:
    return list(db.session.scalars(select(Visit).where(
        Visit.order_id == order.id, Visit.state == VisitState.SCHEDULED.value)))


@idempotent("deactivate_order", TherapyOrder)
def deactivate_order(user: User, order: TherapyOrder) -> TherapyOrder:
    """Stop an order; its visits that have not started are cancelled (their reminders follow)."""
    require_office(user)
    if not order.active:
        raise VisitStateError("This order is already stopped.")
    order.active = False
    cancelled = scheduled_visits_under(order)
    for visit in cancelled:
        visit.state = VisitState.CANCELLED.value
        visit.state_reason = "The therapy order was stopped."
        audit.record("visit_cancelled", record_type="visit", record_id=visit.id,
                     patient_id=visit.patient_id, user_id=user.id, detail={"cause": "order_stopped"})
        events.visit_cancelled.send(visit)
    audit.record("order_deactivated", record_type="therapy_order", record_id=order.id,
                 patient_id=order.patient_id, user_id=user.id,
                 detail={"visits_cancelled": len(cancelled)})
    return order


def patients_with_active_orders() -> list[Patient]:
    return list(db.session.scalars(
        select(Patient).where(Patient.id.in_(select(TherapyOrder.patient_id)
                                             .where(TherapyOrder.active.is_(True))))
        .order_by(Patient.last_name, Patient.first_name, Patient.id)))
