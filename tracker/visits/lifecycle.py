"""The visit as the nurse lives it: check in, steps, check out, sign, addenda.

scheduled -> in_progress (checked in) -> completed (checked out) -> signed.
Check-in and check-out record the Electronic Visit Verification elements (21st Century
Cures Act): the service (the visit's CPT code), the patient, the nurse, the date, the
location, and the times the service began and ended. Signed visits are read-only; a
correction is a dated addendum by the visit's nurse.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden

from tracker import audit
from tracker.auth.services import verify_current_password
from tracker.clinical.billing import billing_lines
from tracker.extensions import db
from tracker.models import Addendum, User, Visit, VisitBillingLine, VisitState, VisitStep
from tracker.timeutil import local, utcnow
from tracker.visits import events
from tracker.visits.access import VisitStateError, require_in_progress, require_state
from tracker.visits.safety import CHECKS, checks_by_key
from tracker.visits.timeinput import NonexistentLocalTime, to_utc
from tracker.visits.txn import idempotent, require_visit_nurse

CLOCK_GRACE = timedelta(minutes=1)  # a tablet's clock may run a little ahead of the server's
MAX_BACKDATE = timedelta(hours=12)  # later than this, the coordinator corrects the schedule
MAX_FROM_PLANNED = timedelta(hours=12)
MAX_TEXT = 4000


class SignatureRefused(VisitStateError):
    """Signing refused because the record is not complete; `missing` lists what is left."""

    def __init__(self, missing: list[str]):
        super().__init__("You cannot sign yet. Still to do: " + " ".join(missing))
        self.missing = missing


def _hhmm(value: datetime, user: User) -> str:
    return local(value, user.timezone).strftime("%H:%M")


def _lock(visit: Visit) -> None:
    """Re-read the visit under a row lock (PostgreSQL), so two taps cannot both check in.
    The row must be fetched: populate_existing refreshes the loaded visit only then."""
    # With the patient and the procedure record: what the visit's signals (reminders) read next.
    db.session.execute(select(Visit).where(Visit.id == visit.id)
                       .options(joinedload(Visit.patient), joinedload(Visit.procedure_record))
                       .with_for_update(of=Visit)
                       .execution_options(populate_existing=True)).unique().scalar_one()


def _audit(action: str, visit: Visit, user: User, detail: dict | None = None) -> None:
    audit.record(action, record_type="visit", record_id=visit.id, patient_id=visit.patient_id,
                 user_id=user.id, detail=detail)


def _time(value, user: User, field: str, what: str) -> datetime:
    """A typed time (naive in the user's zone, or aware), defaulting to now; never in the future."""
    now = utcnow()
    if value in (None, ""):
        return now
    if not isinstance(value, datetime):
        raise VisitStateError(f"Enter the {what} as a date and time.", field=field)
    try:
        value = to_utc(value, user.timezone)
    except NonexistentLocalTime as error:
        raise VisitStateError(str(error), field=field) from None
    if value > now + CLOCK_GRACE:
        raise VisitStateError(f"The {what} cannot be in the future.", field=field)
    return min(value, now)


def _float(value, field: str, low: float, high: float, what: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise VisitStateError(f"The {what} is not a number.", field=field) from None
    if not low <= number <= high:
        raise VisitStateError(f"The {what} must be between {low:g} and {high:g}.", field=field)
    return number


def _location(values: dict) -> dict:
    """The browser's position when it gave one; otherwise the patient's address, confirmed by
    the nurse with the reason the position is not available."""
    latitude = _float(values.get("latitude"), "location", -90, 90, "latitude")
    longitude = _float(values.get("longitude"), "location", -180, 180, "longitude")
    accuracy = _float(values.get("accuracy_m"), "location", 0, 100_000, "location accuracy")
    note = (values.get("location_note") or "").strip()[:MAX_TEXT]
    if latitude is not None and longitude is not None:
        return {"method": "gps", "latitude": latitude, "longitude": longitude,
                "accuracy_m": accuracy, "note": note}
    if not values.get("address_confirmed"):
        raise VisitStateError("Let the tablet share its location, or confirm that you are at the "
                              "patient's address.", field="address_confirmed")
    if not note:
        raise VisitStateError("Say why the location is not available (for example 'location "
                              "turned off on the tablet').", field="location_note")
    return {"method": "address", "latitude": None, "longitude": None, "accuracy_m": None,
            "note": note}


def _set_location(visit: Visit, prefix: str, location: dict) -> None:
    setattr(visit, f"{prefix}_latitude", location["latitude"])
    setattr(visit, f"{prefix}_longitude", location["longitude"])
    setattr(visit, f"{prefix}_accuracy_m", location["accuracy_m"])
    setattr(visit, f"{prefix}_location_method", location["method"])
    setattr(visit, f"{prefix}_location_note", location["note"])


def _refuse_if_signed(visit: Visit, action: str) -> None:
    if visit.state == VisitState.SIGNED:
        raise VisitStateError(f"You cannot {action}: the visit is signed. Add an addendum instead.")


def _refuse_if_closed(visit: Visit, action: str) -> None:
    """A cancelled or missed visit says so, rather than what it would otherwise lack."""
    if visit.state in (VisitState.CANCELLED.value, VisitState.MISSED.value):
        require_state(visit, VisitState.SCHEDULED, action=action)


@idempotent("check_in", Visit)
def check_in(user: User, visit: Visit, values: dict) -> Visit:
    """values: at (default now), and latitude, longitude, accuracy_m from the browser, or
    address_confirmed with location_note (why the position is not available)."""
    require_visit_nurse(user, visit)
    _lock(visit)
    _refuse_if_signed(visit, "check in")
    if visit.checked_in_at is not None:
        raise VisitStateError(f"This visit is already checked in (at {_hhmm(visit.checked_in_at, user)}).")
    require_state(visit, VisitState.SCHEDULED, action="check in")
    at = _time(values.get("at"), user, "at", "check-in time")
    if at < utcnow() - MAX_BACKDATE:
        raise VisitStateError("The check-in time cannot be more than 12 hours ago.", field="at")
    if abs(at - visit.planned_start) > MAX_FROM_PLANNED:
        raise VisitStateError(
            f"This visit is planned for {local(visit.planned_start, user.timezone):%a %d %b, %H:%M}. "
            "Ask the coordinator to reschedule it before you check in.", field="at")
    elsewhere = db.session.scalar(select(Visit).where(
        Visit.nurse_id == user.id, Visit.state == VisitState.IN_PROGRESS.value, Visit.id != visit.id))
    if elsewhere is not None:
        raise VisitStateError("You are still checked in at another visit "
                              f"(planned {local(elsewhere.planned_start, user.timezone):%a %d %b, %H:%M}). "
                              "Check out there first.")
    location = _location(values)
    visit.checked_in_at = at
    _set_location(visit, "check_in", location)
    visit.state = VisitState.IN_PROGRESS.value
    _audit("visit_checked_in", visit, user, {"location_method": location["method"]})
    events.visit_checked_in.send(visit)
    return visit


@idempotent("check_out", Visit)
def check_out(user: User, visit: Visit, values: dict) -> Visit:
    """values: as for check_in. Stores the billing lines for the visit's length."""
    require_visit_nurse(user, visit)
    _lock(visit)
    _refuse_if_signed(visit, "check out")
    _refuse_if_closed(visit, "check out")
    if visit.state == VisitState.SCHEDULED or visit.checked_in_at is None:
        raise VisitStateError("You cannot check out before checking in.")
    if visit.checked_out_at is not None:
        raise VisitStateError(f"This visit is already checked out (at {_hhmm(visit.checked_out_at, user)}).")
    require_state(visit, VisitState.IN_PROGRESS, action="check out")
    at = _time(values.get("at"), user, "at", "check-out time")
    if at < visit.checked_in_at:
        raise VisitStateError("The check-out time cannot be before the check-in time "
                              f"({_hhmm(visit.checked_in_at, user)}).", field="at")
    location = _location(values)
    visit.checked_out_at = at
    _set_location(visit, "check_out", location)
    visit.state = VisitState.COMPLETED.value
    threshold = current_app.config["ADDITIONAL_HOUR_THRESHOLD_MINUTES"]
    for line in billing_lines(visit.duration, threshold):
        db.session.add(VisitBillingLine(visit=visit, code=line.code, units=line.units,
                                        description=line.description))
    _audit("visit_checked_out", visit, user, {"location_method": location["method"],
                                             "minutes": int(visit.duration.total_seconds() // 60)})
    events.visit_checked_out.send(visit)
    return visit


def pinned_steps(visit: Visit) -> list[dict]:
    """The procedure steps of the record version the visit was scheduled under."""
    return visit.procedure_record.procedure_steps


@idempotent("record_step", VisitStep)
def record_step(user: User, visit: Visit, values: dict) -> VisitStep:
    """values: step_number, status (done | not_done), performed_at (default now; for done,
    within the visit), reason (required for not_done). Recording a step again before
    signing replaces it."""
    require_visit_nurse(user, visit)
    require_in_progress(visit, "record a procedure step")
    steps = {s["number"]: s for s in pinned_steps(visit)}
    try:
        step = steps[int(values.get("step_number"))]
    except (KeyError, TypeError, ValueError):
        raise VisitStateError("Unknown procedure step.", field="step_number") from None
    status = values.get("status")
    reason = (values.get("reason") or "").strip()
    if status == "done":
        at = _time(values.get("performed_at"), user, "performed_at", "time")
        if visit.checked_in_at and at < visit.checked_in_at.replace(second=0, microsecond=0):
            raise VisitStateError("The time cannot be before the check-in time "
                                  f"({_hhmm(visit.checked_in_at, user)}).", field="performed_at")
        if visit.checked_out_at and at > visit.checked_out_at:
            raise VisitStateError("The time cannot be after the check-out time "
                                  f"({_hhmm(visit.checked_out_at, user)}).", field="performed_at")
    elif status == "not_done":
        if not reason:
            raise VisitStateError("Say why this step was not done.", field="reason")
        # When it was marked not done: the time the device captured (an offline tablet sends
        # it later), else now.
        at = _time(values.get("performed_at"), user, "performed_at", "time")
    else:
        raise VisitStateError("Choose done or not done.", field="status")
    if len(reason) > MAX_TEXT:
        raise VisitStateError(f"Keep the reason under {MAX_TEXT} characters.", field="reason")
    row = next((s for s in visit.steps if s.step_number == step["number"]), None)
    if row is None:
        row = VisitStep(visit=visit, step_number=step["number"], step_key=step["key"])
        db.session.add(row)
    row.status, row.performed_at, row.reason = status, at, reason if status == "not_done" else ""
    row.recorded_by_id, row.recorded_at = user.id, utcnow()
    db.session.flush()
    audit.record("visit_step_recorded", record_type="visit_step", record_id=row.id,
                 patient_id=visit.patient_id, user_id=user.id,
                 detail={"visit_id": visit.id, "step": step["number"], "status": status})
    return row


def signature_missing(visit: Visit) -> list[str]:
    """What must be done before the nurse can sign, in plain words; empty when complete."""
    missing: list[str] = []
    if visit.state == VisitState.SCHEDULED:
        missing.append("Check in and check out.")
    elif visit.state == VisitState.IN_PROGRESS:
        missing.append("Check out.")
    if not visit.infusion_blocked_reason:
        recorded = checks_by_key(visit)
        missing += [f"Confirm the safety check: {kind.label.lower()}." for kind in CHECKS
                    if kind.key not in recorded or not recorded[kind.key].confirmed]
    if not visit.vital_signs:
        missing.append("Record at least one set of vital signs.")
    resolved = {s.step_number for s in visit.steps}
    missing += [f"Procedure step {s['number']} ({s['title']}): tick it or mark it not done."
                for s in pinned_steps(visit) if s["number"] not in resolved]
    return missing


@idempotent("sign_visit", Visit)
def sign_visit(user: User, visit: Visit, values: dict) -> Visit:
    """values: password (the nurse's own, entered again). Refused, listing what is left,
    until the record is complete."""
    require_visit_nurse(user, visit)
    _lock(visit)
    if visit.state == VisitState.SIGNED:
        raise VisitStateError("This visit is already signed. Add an addendum to correct it.")
    require_state(visit, VisitState.SCHEDULED, VisitState.IN_PROGRESS, VisitState.COMPLETED,
                  action="sign this visit")
    missing = signature_missing(visit)
    if missing:
        raise SignatureRefused(missing)
    if not verify_current_password(user, values.get("password") or ""):
        _audit("visit_sign_refused", visit, user, {"reason": "password"})
        db.session.commit()
        raise VisitStateError("That password is not right. Enter the password you sign in with.",
                              field="password")
    visit.state = VisitState.SIGNED.value
    visit.signed_at = utcnow()
    visit.signed_by_id = user.id
    _audit("visit_signed", visit, user)
    events.visit_signed.send(visit)
    return visit


@idempotent("add_addendum", Addendum)
def add_addendum(user: User, visit: Visit, values: dict) -> Addendum:
    """values: text. Only on a signed visit, only by the nurse who documented it."""
    if user.id != visit.nurse_id:
        raise Forbidden("Only the nurse who documented this visit can add an addendum.")
    _refuse_if_closed(visit, "add an addendum")
    if visit.state != VisitState.SIGNED:
        raise VisitStateError("Addenda are added after signing. Until then, correct the entry itself.")
    text = (values.get("text") or "").strip()
    if not text:
        raise VisitStateError("Write the correction or addition.", field="text")
    if len(text) > MAX_TEXT:
        raise VisitStateError(f"Keep the addendum under {MAX_TEXT} characters.", field="text")
    addendum = Addendum(visit=visit, author_id=user.id, text=text, created_at=utcnow())
    db.session.add(addendum)
    db.session.flush()
    audit.record("addendum_added", record_type="addendum", record_id=addendum.id,
                 patient_id=visit.patient_id, user_id=user.id, detail={"visit_id": visit.id})
    return addendum


def addenda_in_order(visit: Visit) -> list[Addendum]:
    return list(db.session.scalars(select(Addendum).where(Addendum.visit_id == visit.id)
                                   .order_by(Addendum.created_at, Addendum.id)))
