"""Reminder rows follow the visit: planned when it is scheduled, moved when it is
rescheduled, cancelled when it is cancelled or missed, recovery planned at check-out.

These functions run inside the visit service's transaction (through the signals in
tracker/visits/events.py): they add and change rows and never commit.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import insert, or_, select

from tracker import audit
from tracker.extensions import db
from tracker.models import Reminder, ReminderKind, ReminderStatus, Visit
from tracker.reminders.timing import QuietHours, outside_quiet_hours, shift
from tracker.timeutil import utcnow

PENDING = ReminderStatus.PENDING.value
# Kinds timed from the planned start (they move with it) and from the real check-out.
BEFORE_VISIT = (ReminderKind.PREPARATION.value, ReminderKind.NURSE_UPCOMING.value)
AFTER_CHECK_OUT = (ReminderKind.RECOVERY.value, ReminderKind.NURSE_UNSIGNED.value)


def _config():
    return current_app.config


def recipient_timezone(visit: Visit, audience: str) -> str:
    if audience == "nurse" and visit.nurse is not None:
        return visit.nurse.timezone
    return visit.patient.timezone


def due_time(visit: Visit, kind: ReminderKind, offset_hours: int) -> datetime:
    """When a reminder of this kind should go out, quiet hours applied where they apply."""
    tz = recipient_timezone(visit, kind.audience)
    quiet = QuietHours.from_config(_config())
    if kind == ReminderKind.PREPARATION:
        nominal = shift(visit.planned_start, -offset_hours, tz)
        return outside_quiet_hours(nominal, tz, quiet, deadline=visit.planned_start)
    if kind == ReminderKind.NURSE_UPCOMING:
        # Urgent: the nurse is at work then, and a later time would be after the visit.
        return shift(visit.planned_start, -offset_hours, tz)
    nominal = shift(visit.checked_out_at, offset_hours, tz)
    return outside_quiet_hours(nominal, tz, quiet)


def planned_offsets(kind: ReminderKind) -> list[int]:
    config = _config()
    return {
        ReminderKind.PREPARATION: config["PREPARATION_REMINDER_HOURS"],
        ReminderKind.RECOVERY: config["RECOVERY_REMINDER_HOURS"],
        ReminderKind.NURSE_UPCOMING: [config["NURSE_VISIT_REMINDER_HOURS"]],
        ReminderKind.NURSE_UNSIGNED: [config["NURSE_UNSIGNED_REMINDER_HOURS"]],
    }[kind]


def reminders_of(visit: Visit, kinds=None, statuses=None) -> list[Reminder]:
    if visit.id is None:  # a visit service may signal before its first flush
        db.session.flush()
    query = select(Reminder).where(Reminder.visit_id == visit.id)
    if kinds:
        query = query.where(Reminder.kind.in_(kinds))
    if statuses:
        query = query.where(Reminder.status.in_(statuses))
    return list(db.session.scalars(query.order_by(Reminder.due_at, Reminder.id)))


def _row(visit: Visit, kind: ReminderKind, offset_hours: int, step_key: str | None = None) -> dict:
    due = due_time(visit, kind, offset_hours)
    return dict(visit_id=visit.id, patient_id=visit.patient_id, kind=kind.value,
                audience=kind.audience, offset_hours=offset_hours, step_key=step_key,
                urgent=kind == ReminderKind.NURSE_UPCOMING, due_at=due,
                next_attempt_at=due, status=PENDING, channels_done=[])


def _new(visit: Visit, kind: ReminderKind, offset_hours: int, step_key: str | None = None) -> Reminder:
    reminder = Reminder(**_row(visit, kind, offset_hours, step_key))
    db.session.add(reminder)
    return reminder


def _insert(rows: list[dict]) -> list[Reminder]:
    """All of a visit's new reminders in one INSERT (the unit of work would send one each)."""
    if not rows:
        return []
    db.session.flush()  # what the visit's service changed goes first
    created = db.session.scalars(insert(Reminder).returning(Reminder), rows).all()
    # SQLite's RETURNING gives no order; callers (and the audit detail) get a stable one.
    return sorted(created, key=lambda r: (r.due_at, r.kind, r.offset_hours))


def _plan(visit: Visit, kinds: tuple[str, ...], existing: list[Reminder] | None = None) -> list[Reminder]:
    """Create each missing reminder of these kinds (idempotent: a repeated signal adds none).
    `existing`: the visit's reminders, when the caller has just read them."""
    if existing is None:
        existing = reminders_of(visit, kinds)
    have = {(r.kind, r.offset_hours) for r in existing
            if r.kind in kinds and r.status != ReminderStatus.CANCELLED.value}
    steps = _recovery_steps(visit)
    rows = []
    for kind in (ReminderKind(k) for k in kinds):
        for index, offset in enumerate(planned_offsets(kind)):
            if (kind.value, offset) in have:
                continue
            step_key = steps[index % len(steps)] if kind == ReminderKind.RECOVERY and steps else None
            rows.append(_row(visit, kind, offset, step_key))
    created = _insert(rows)
    if created:
        audit.record("reminders_planned", record_type="visit", record_id=visit.id,
                     patient_id=visit.patient_id,
                     detail={"reminders": [f"{r.kind}:{r.offset_hours}" for r in created]})
    return created


def _recovery_steps(visit: Visit) -> list[str]:
    content = visit.procedure_record.content if visit.procedure_record else {}
    return [step["key"] for step in content.get("recovery_steps") or []]


def plan_for_scheduled(visit: Visit) -> list[Reminder]:
    """Preparation reminders to the patient and the nurse's reminder before the visit."""
    return _plan(visit, BEFORE_VISIT)


def plan_for_checked_out(visit: Visit, existing: list[Reminder] | None = None) -> list[Reminder]:
    """Recovery reminders from the real check-out time, and the nurse's unsigned reminder."""
    if visit.checked_out_at is None:
        return []
    return _plan(visit, AFTER_CHECK_OUT, existing)


def _movable(reminder: Reminder, now: datetime) -> bool:
    """Pending, not being delivered right now, and not partly delivered already."""
    in_flight = reminder.claimed_until is not None and reminder.claimed_until > now
    return reminder.status == PENDING and not in_flight and not reminder.channels_done


def move_for_rescheduled(visit: Visit) -> list[Reminder]:
    """Pending reminders timed from the start move with it; ones already out are planned anew."""
    now = utcnow()
    moved = []
    for reminder in reminders_of(visit, BEFORE_VISIT, [PENDING]):
        if not _movable(reminder, now):
            continue
        due = due_time(visit, ReminderKind(reminder.kind), reminder.offset_hours)
        reminder.due_at = reminder.next_attempt_at = due
        reminder.attempts, reminder.last_error = 0, ""
        moved.append(reminder)
    # Reminders already sent (or in flight) were about the old time: plan the new time too.
    kept = {(r.kind, r.offset_hours) for r in moved}
    created = []
    for kind in (ReminderKind(k) for k in BEFORE_VISIT):
        for offset in planned_offsets(kind):
            if (kind.value, offset) not in kept:
                created.append(_new(visit, kind, offset))
    db.session.flush()
    audit.record("reminders_moved", record_type="visit", record_id=visit.id,
                 patient_id=visit.patient_id,
                 detail={"moved": [r.id for r in moved], "created": [r.id for r in created]})
    return moved + created


def close_pending(visit: Visit, *, status: ReminderStatus, reason: str, kinds=None,
                  existing: list[Reminder] | None = None) -> list[Reminder]:
    """Cancel (or expire) the visit's pending reminders; ones being delivered right now see the
    new status when their dispatcher records the outcome, and are not marked sent.
    `existing`: the visit's reminders, when the caller has just read them."""
    if existing is None:
        closed = reminders_of(visit, kinds, [PENDING])
    else:
        closed = [r for r in existing if r.status == PENDING and (not kinds or r.kind in kinds)]
    for reminder in closed:
        reminder.status, reminder.status_reason = status.value, reason
        reminder.claimed_by = reminder.claimed_until = None
    if closed:
        db.session.flush()
        audit.record(f"reminders_{status.value}", record_type="visit", record_id=visit.id,
                     patient_id=visit.patient_id,
                     detail={"reason": reason, "reminders": [r.id for r in closed]})
    return closed


def due_reminders_query(now: datetime):
    """Pending reminders whose next attempt is due and that nobody holds a live claim on."""
    return select(Reminder).where(
        Reminder.status == PENDING, Reminder.next_attempt_at <= now,
        or_(Reminder.claimed_until.is_(None), Reminder.claimed_until < now))
