"""The infusion: each administration of the ordered drug (lot, dose, volume, rate, pump,
start and stop), and its interruptions (pause, reason, resume).

A start is refused while the visit's safety checks do not allow it; a dose that differs
from the order must be confirmed by the nurse before it is saved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from werkzeug.exceptions import NotFound

from tracker.extensions import db
from tracker.models import AdministrationInterruption, MedicationAdministration, User, Visit
from tracker.visits.charting.common import (
    FORM,
    Reader,
    audit_entry,
    begin,
    clock,
    commit_entry,
    earlier_than,
)
from tracker.visits.safety import infusion_may_start

# Typo guards, not clinical limits (for example 250 mL typed as 25000).
MAX_VOLUME_ML = 5000
MAX_RATE_ML_PER_HOUR = 1000


def infusion_gate(visit: Visit) -> tuple[bool, list[str]]:
    """(may start, reasons not to): the safety checks' rule, in one place."""
    allowed, reasons = infusion_may_start(visit)
    return bool(allowed), list(reasons)


def dose_differs(dose: float, unit: str, visit: Visit) -> bool:
    order = visit.order
    return (unit.strip().lower() != order.dose_unit.strip().lower()
            or not math.isclose(dose, order.dose, rel_tol=1e-9, abs_tol=1e-12))


def _amount(value: float, unit: str) -> str:
    return f"{value:g} {unit}"


def start_administration(visit: Visit, user: User, values: dict, client_id: str | None = None
                         ) -> MedicationAdministration:
    """Record an administration of the visit's ordered drug (a stop time may be given too)."""
    client_id, earlier = begin(visit, user, client_id, "start_administration",
                               MedicationAdministration, "record the infusion")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    order = visit.order
    lot = f.text("lot_number", max_length=60, required="Enter the lot number on the bag or "
                                                       "vial.")
    dose = f.number("dose", required="Enter the dose given.")
    if dose is not None and dose <= 0:
        f.fail("dose", "The dose must be more than 0.")
    unit = f.text("dose_unit", max_length=20, required="Enter the dose unit (for example g).")
    volume = f.positive("volume_ml", maximum=MAX_VOLUME_ML, what="volume", unit="mL")
    rate = f.positive("rate_ml_per_hour", maximum=MAX_RATE_ML_PER_HOUR, what="rate",
                      unit="mL/h")
    pump = f.text("pump", max_length=100)
    started_at = f.moment("started_at")
    stopped_at = f.moment("stopped_at", default_now=False)
    if started_at and stopped_at and earlier_than(stopped_at, started_at):
        f.fail("stopped_at", f"The stop time cannot be before the start time "
                             f"({clock(started_at, user.timezone)}).")
    if (dose is not None and unit and "dose" not in f.errors
            and dose_differs(dose, unit, visit) and not f.flag("confirm_dose")):
        f.fail("confirm_dose",
               f"The order is {_amount(order.dose, order.dose_unit)}; you entered "
               f"{_amount(dose, unit)}. Check the order, then tick the box to confirm "
               "the dose you are giving.")
    if started_at is not None and "started_at" not in f.errors:
        _check_no_overlap(f, visit, started_at, stopped_at)
    allowed, reasons = infusion_gate(visit)
    if not allowed:
        f.fail(FORM, "The infusion cannot start yet: " + "; ".join(reasons or [
            "the checks before the infusion are not complete"]) + ".")
    f.check()

    row = MedicationAdministration(order_id=order.id, drug=order.medication, lot_number=lot,
                                   dose=dose, dose_unit=unit, volume_ml=volume,
                                   rate_ml_per_hour=rate, pump=pump, started_at=started_at,
                                   stopped_at=stopped_at, recorded_by_id=user.id)
    visit.administrations.append(row)
    db.session.flush()
    # The override of the order check is an auditable act of the nurse (no dose values).
    audit_entry("administration_started", "administration", row.id, visit, user,
                {"order_id": order.id,
                 "dose_confirmed_different": dose_differs(dose, unit, visit)})
    return commit_entry(user, client_id, "start_administration", row,
                        MedicationAdministration)


def _check_no_overlap(f: Reader, visit: Visit, start: datetime, stop: datetime | None) -> None:
    # One ordered drug per visit: two administrations of it never run at the same time.
    tz = f.user.timezone
    for other in visit.administrations:
        other_stop = other.stopped_at
        starts_before_other_ends = other_stop is None or earlier_than(start, other_stop)
        other_starts_before_this_ends = stop is None or earlier_than(other.started_at, stop)
        if starts_before_other_ends and other_starts_before_this_ends:
            f.fail(FORM, (
                f"An infusion is already running (started {clock(other.started_at, tz)}): "
                "stop it before you start another." if other_stop is None else
                f"This overlaps the infusion given from {clock(other.started_at, tz)} to "
                f"{clock(other_stop, tz)}."))
            return


def _administration(visit: Visit, values: dict) -> MedicationAdministration:
    wanted = str((values or {}).get("administration_id", ""))
    for row in visit.administrations:
        if str(row.id) == wanted:
            return row
    raise NotFound()


def _open_interruption(row: MedicationAdministration) -> AdministrationInterruption | None:
    return next((i for i in row.interruptions if i.resumed_at is None), None)


def _refuse_if_stopped(f: Reader, row: MedicationAdministration, field: str) -> None:
    if row.stopped_at is not None:
        f.fail(field, f"This infusion was stopped at {clock(row.stopped_at, f.user.timezone)}.")


def stop_administration(visit: Visit, user: User, values: dict, client_id: str | None = None
                        ) -> MedicationAdministration:
    """Stop a running administration (values: administration_id, stopped_at)."""
    row = _administration(visit, values)
    client_id, earlier = begin(visit, user, client_id, "stop_administration",
                               MedicationAdministration, "stop the infusion")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    stopped_at = f.moment("stopped_at")
    _refuse_if_stopped(f, row, "stopped_at")
    tz = user.timezone
    last_pause = row.interruptions[-1].paused_at if row.interruptions else None
    if stopped_at and earlier_than(stopped_at, row.started_at):
        f.fail("stopped_at", f"The stop time cannot be before the start time "
                             f"({clock(row.started_at, tz)}).")
    elif stopped_at and last_pause and earlier_than(stopped_at, last_pause):
        f.fail("stopped_at", f"The stop time cannot be before the last pause "
                             f"({clock(last_pause, tz)}).")
    f.check()

    row.stopped_at = stopped_at
    audit_entry("administration_stopped", "administration", row.id, visit, user)
    return commit_entry(user, client_id, "stop_administration", row, MedicationAdministration)


def pause_administration(visit: Visit, user: User, values: dict, client_id: str | None = None
                         ) -> AdministrationInterruption:
    """Pause a running administration (values: administration_id, paused_at, reason)."""
    row = _administration(visit, values)
    client_id, earlier = begin(visit, user, client_id, "pause_administration",
                               AdministrationInterruption, "pause the infusion",
                               owner=lambda i: i.administration.visit_id)
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    paused_at = f.moment("paused_at")
    reason = f.text("reason", max_length=500, required="Say why the infusion was paused.")
    _refuse_if_stopped(f, row, "paused_at")
    tz = user.timezone
    last = row.interruptions[-1] if row.interruptions else None
    if last is not None and last.resumed_at is None:
        f.fail("paused_at", f"The infusion is already paused (since {clock(last.paused_at, tz)}).")
    elif paused_at and earlier_than(paused_at, row.started_at):
        f.fail("paused_at", f"The pause cannot be before the start ({clock(row.started_at, tz)}).")
    elif paused_at and last is not None and earlier_than(paused_at, last.resumed_at):
        f.fail("paused_at", f"The pause cannot be before the last resume "
                            f"({clock(last.resumed_at, tz)}).")
    f.check()

    pause = AdministrationInterruption(paused_at=paused_at, reason=reason)
    row.interruptions.append(pause)
    db.session.flush()
    audit_entry("administration_paused", "administration", row.id, visit, user)
    return commit_entry(user, client_id, "pause_administration", pause,
                        AdministrationInterruption)


def resume_administration(visit: Visit, user: User, values: dict, client_id: str | None = None
                          ) -> AdministrationInterruption:
    """Resume a paused administration (values: administration_id, resumed_at)."""
    row = _administration(visit, values)
    client_id, earlier = begin(visit, user, client_id, "resume_administration",
                               AdministrationInterruption, "resume the infusion",
                               owner=lambda i: i.administration.visit_id)
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    resumed_at = f.moment("resumed_at")
    pause = _open_interruption(row)
    _refuse_if_stopped(f, row, "resumed_at")
    if pause is None:
        f.fail("resumed_at", "The infusion is not paused.")
    elif resumed_at and earlier_than(resumed_at, pause.paused_at):
        f.fail("resumed_at", f"The resume time cannot be before the pause "
                             f"({clock(pause.paused_at, user.timezone)}).")
    f.check()

    pause.resumed_at = resumed_at
    audit_entry("administration_resumed", "administration", row.id, visit, user)
    return commit_entry(user, client_id, "resume_administration", pause,
                        AdministrationInterruption)


@dataclass(frozen=True)
class AdministrationView:
    row: MedicationAdministration
    differs_from_order: bool

    @property
    def running(self) -> bool:
        return self.row.stopped_at is None

    @property
    def open_pause(self) -> AdministrationInterruption | None:
        return _open_interruption(self.row)


def infusion_context(visit: Visit) -> dict:
    allowed, reasons = infusion_gate(visit)
    return {
        "order": visit.order,
        "administrations": [AdministrationView(row, dose_differs(row.dose, row.dose_unit, visit))
                            for row in visit.administrations],
        "infusion_blockers": [] if allowed else (reasons or [
            "the checks before the infusion are not complete"]),
    }
