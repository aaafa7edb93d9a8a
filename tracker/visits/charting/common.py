"""Plumbing shared by every clinical entry: who may write and when, reading and checking the
submitted values, times, idempotent replays, and the one error type carrying field messages.

Values arrive from HTML forms (already typed by WTForms) or from JSON (strings, numbers,
ISO 8601 times), so every reader accepts both and refuses anything else with a message the
nurse can act on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Forbidden

from tracker import audit, idempotency
from tracker.extensions import db
from tracker.models import User, Visit
from tracker.timeutil import as_utc, local, utcnow
from tracker.visits.access import require_in_progress

# Key of a message that belongs to the entry as a whole rather than to one field.
FORM = "_form"

# Tablets and servers disagree on the clock by a few seconds; a time typed as the current
# minute must never count as "in the future".
CLOCK_GRACE = timedelta(minutes=1)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WHOLE = re.compile(r"[+-]?\d+")
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


class EntryError(ValueError):
    """Everything wrong with one entry, as field -> message (FORM for the entry as a whole)."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def minute_floor(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def earlier_than(later: datetime, earlier: datetime) -> bool:
    """True when `later` is before `earlier`, counting whole minutes: times are typed to the
    minute, so 10:05 must not count as before 10:05:40."""
    return later < minute_floor(earlier)


def clock(value: datetime, tz: str) -> str:
    """A time for a message, in the nurse's zone; with the date when it is not today."""
    shown = local(value, tz)
    if shown.date() != local(utcnow(), tz).date():
        return shown.strftime("%d %b %H:%M")
    return shown.strftime("%H:%M")


def check_may_chart(visit: Visit, user: User, action: str) -> None:
    """Only the visit's own nurse documents it, between check-in and signature."""
    if user.id != visit.nurse_id:
        raise Forbidden("Only the nurse of this visit can document it.")
    require_in_progress(visit, action)


def begin(visit: Visit, user: User, client_id: str | None, operation: str, model,
          action: str, owner=lambda record: record.visit_id):
    """Start an entry: (client_id, earlier record or None).

    A replay (same client id) returns the first result even if the visit has been signed
    since: the write it repeats was accepted at the time. `owner` gives the visit id of a
    replayed record, so that a client id can never reach another visit's records.
    """
    try:
        client_id = idempotency.valid_client_id(client_id)
        key = idempotency.find(user.id, client_id, operation)
    except ValueError as error:  # bad UUID, or the id was used for another operation
        raise EntryError({FORM: str(error)}) from None
    if key is not None:
        record = idempotency.replayed_record(key, model)
        if record is None or owner(record) != visit.id:
            raise EntryError({FORM: f"client_id {client_id} belongs to another record."})
        return client_id, record
    check_may_chart(visit, user, action)
    return client_id, None


def audit_entry(action: str, record_type: str, record_id: int, visit: Visit, user: User,
                detail: dict | None = None) -> None:
    """Audit one entry: names and kinds only, never the values typed (they are PHI)."""
    audit.record(action, record_type=record_type, record_id=record_id,
                 patient_id=visit.patient_id, user_id=user.id,
                 detail={"visit_id": visit.id, **(detail or {})})


def commit_entry(user: User, client_id: str | None, operation: str, record, model):
    """Store the idempotency key with the record and commit; when an identical request won
    the race, answer with its record."""
    idempotency.remember(user.id, client_id, operation, record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        key = idempotency.find(user.id, client_id, operation) if client_id else None
        if key is None:
            raise
        return idempotency.replayed_record(key, model)
    return record


class Reader:
    """Reads one entry's values, collecting a message per field instead of stopping at the
    first problem, so that the nurse sees everything to fix at once."""

    def __init__(self, values: Mapping | None, visit: Visit, user: User):
        self.values = values or {}
        self.visit = visit
        self.user = user
        self.errors: dict[str, str] = {}
        self.now = utcnow()

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def check(self) -> None:
        if self.errors:
            raise EntryError(self.errors)

    def raw(self, name: str):
        value = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, name: str, *, max_length: int, required: str | None = None) -> str:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, required)
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(name, "Enter text here.")
            return ""
        value = str(value)
        if len(value) > max_length:
            self.fail(name, f"Keep this to {max_length} characters or fewer.")
        elif _CONTROL.search(value):
            self.fail(name, "Remove the special characters from this field.")
        return value

    def whole(self, name: str, *, required: str | None = None) -> int | None:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, required)
            return None
        whole_float = isinstance(value, float) and value.is_integer()
        whole_text = isinstance(value, str) and _WHOLE.fullmatch(value)
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif whole_float or whole_text:
            number = int(value)
        else:
            number = None
        if number is None:
            self.fail(name, "Enter a whole number.")
        return number

    def number(self, name: str, *, required: str | None = None) -> float | None:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, required)
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            self.fail(name, "Enter a number.")
            return None
        return number

    def positive(self, name: str, *, maximum: float, what: str, unit: str,
                 required: str | None = None) -> float | None:
        """A quantity above zero, below a typo guard (e.g. 50 mL typed as 5000)."""
        number = self.number(name, required=required)
        if number is not None and not 0 < number <= maximum:
            self.fail(name, f"The {what} must be more than 0 and at most {maximum:g} {unit}.")
        return number

    def choice(self, name: str, options: Mapping[str, str], *, required: str) -> str | None:
        value = self.raw(name)
        if value is None or str(value) not in options:
            self.fail(name, required)
            return None
        return str(value)

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text not in _FALSE:
            self.fail(name, "Answer yes or no.")
        return False

    def moment(self, name: str, *, default_now: bool = True,
               required: str | None = None) -> datetime | None:
        """A time during the visit: not in the future, not before check-in, not after
        check-out. Empty means now when `default_now` (the time the nurse saves)."""
        value = self.raw(name)
        defaulted = value is None
        if defaulted:
            if not default_now:
                if required:
                    self.fail(name, required)
                return None
            value = self.now
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.fail(name, "Enter a date and time, for example 2026-03-05 14:30.")
                return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            self.fail(name, "Enter a date and time with its time zone.")
            return None
        value = as_utc(value)
        tz = self.user.timezone
        checked_in, checked_out = self.visit.checked_in_at, self.visit.checked_out_at
        if value > self.now + CLOCK_GRACE:
            self.fail(name, "The time cannot be in the future.")
        elif checked_in is not None and earlier_than(value, checked_in):
            self.fail(name, f"The time is before check-in ({clock(checked_in, tz)}).")
        elif checked_out is not None and value > checked_out:
            self.fail(name, f"Enter the time it happened: the visit was checked out at "
                            f"{clock(checked_out, tz)}." if defaulted else
                      f"The time is after check-out ({clock(checked_out, tz)}).")
        return value
