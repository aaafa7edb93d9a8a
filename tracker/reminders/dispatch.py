"""The dispatcher: claim due reminders, deliver each once, record the outcome.

Exactly once. A reminder is claimed before it is delivered: in one short transaction the
dispatcher marks due, unclaimed rows with its own id (`claimed_by`) and a lease
(`claimed_until`). On PostgreSQL the rows are picked with SELECT ... FOR UPDATE SKIP LOCKED,
so two dispatchers never pick the same row and never wait for each other; on SQLite (one
writer at a time) the claim is a single conditional UPDATE. The outcome is then recorded
with an UPDATE that only succeeds while the row is still pending and still claimed by this
dispatcher, in the same transaction as the in-app notification; if it is not (the lease
ran out and another dispatcher took the row, or the visit was cancelled meanwhile) nothing
is stored. The in-app notification is also unique per reminder in the database, so in-app
delivery is exactly once even in the case below.

The one at-least-once case: a dispatcher that dies (or stalls longer than the lease,
REMINDER_CLAIM_LEASE_SECONDS) after its e-mail left but before it recorded the outcome.
Its claim expires, another dispatcher claims the reminder and sends the e-mail again. No
reminder is lost; in that rare case one e-mail can arrive twice. (Clocks of the hosts that
run dispatchers must agree, as with any lease: keep them synchronised.)

Late reminders. When a reminder comes due, or is retried, or the dispatcher comes back
after being down, it is sent only if it is still useful (`usefulness`):
  preparation, nurse_upcoming  until the visit starts (planned start passed or checked in);
                               only the latest one of a visit goes out when several are due.
  recovery                     for RECOVERY_USEFUL_FOR after its time; only the latest one
                               of a visit goes out when several are due.
  nurse_unsigned               as long as the visit is unsigned (signed: cancelled).
A reminder of a cancelled or missed visit is cancelled. Otherwise it is marked expired.
"""

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from tracker import audit
from tracker.alerts.services import raise_alert
from tracker.extensions import db
from tracker.models import Reminder, ReminderKind, ReminderStatus, User, VisitState
from tracker.reminders import messages
from tracker.reminders.channels import CHANNELS, DeliveryError, Message
from tracker.reminders.planning import due_reminders_query
from tracker.timeutil import utcnow

LOG = logging.getLogger(__name__)
PENDING = ReminderStatus.PENDING.value
RECOVERY_USEFUL_FOR = timedelta(hours=12)
MAX_BATCHES_PER_RUN = 50  # then the next run continues; one run never holds the job forever


@dataclass
class Verdict:
    send: bool
    status: ReminderStatus | None = None
    reason: str = ""


SEND = Verdict(send=True)


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        return f"{self.claimed} claimed" + (f": {parts}" if parts else "")


def new_dispatcher_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def dispatch_due(*, dispatcher_id: str | None = None, batch_size: int | None = None) -> DispatchReport:
    """Deliver every reminder that is due now. Uses db.session and commits its own work.

    The scheduler's job (scheduler.dispatch_job) calls this inside its own app context;
    tests call it directly.
    """
    me = dispatcher_id or new_dispatcher_id()
    batch_size = batch_size or current_app.config["DISPATCH_BATCH_SIZE"]
    report = DispatchReport()
    for _ in range(MAX_BATCHES_PER_RUN):
        claimed = claim_due(me, batch_size)
        if not claimed:
            break
        report.claimed += len(claimed)
        for reminder_id in claimed:
            try:
                outcome = deliver_claimed(reminder_id, me)
            except Exception as error:
                LOG.exception("reminder %s: delivery failed unexpectedly", reminder_id)
                outcome = record_crash(reminder_id, me, error)
            report.add(outcome)
    return report


def claim_due(me: str, limit: int) -> list[int]:
    """Claim up to `limit` due reminders for this dispatcher, in one committed transaction."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["REMINDER_CLAIM_LEASE_SECONDS"])
    claim = {"claimed_by": me, "claimed_until": now + lease}
    due = due_reminders_query(now).order_by(Reminder.next_attempt_at, Reminder.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.scalars(
            due.with_only_columns(Reminder.id).with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(update(Reminder).where(Reminder.id.in_(ids)).values(**claim)
                               .execution_options(synchronize_session=False))
    else:
        # One statement: SQLite runs it under its single write lock, so the rows it picks
        # are still unclaimed when it marks them.
        db.session.execute(
            update(Reminder).where(Reminder.id.in_(due.with_only_columns(Reminder.id)
                                                   .correlate(None)))
            .values(**claim).execution_options(synchronize_session=False))
        ids = list(db.session.scalars(select(Reminder.id).where(
            Reminder.claimed_by == me, Reminder.status == PENDING).order_by(Reminder.id)))
    db.session.commit()
    return ids


def usefulness(reminder: Reminder, now: datetime) -> Verdict:
    """Whether a due reminder should still go out now (see the module docstring)."""
    visit = reminder.visit
    if visit.state in (VisitState.CANCELLED.value, VisitState.MISSED.value):
        return Verdict(False, ReminderStatus.CANCELLED, f"visit_{visit.state}")
    kind = ReminderKind(reminder.kind)
    if kind in (ReminderKind.PREPARATION, ReminderKind.NURSE_UPCOMING):
        started = (visit.state != VisitState.SCHEDULED.value or visit.checked_in_at is not None
                   or now >= visit.planned_start)
        if started:
            return Verdict(False, ReminderStatus.EXPIRED, "visit_started")
    elif kind == ReminderKind.RECOVERY:
        if now > reminder.due_at + RECOVERY_USEFUL_FOR:
            return Verdict(False, ReminderStatus.EXPIRED, "too_late")
    elif kind == ReminderKind.NURSE_UNSIGNED:
        if visit.state == VisitState.SIGNED.value or visit.signed_at is not None:
            return Verdict(False, ReminderStatus.CANCELLED, "signed")
        return SEND
    if _superseded(reminder, now):
        return Verdict(False, ReminderStatus.EXPIRED, "superseded")
    return SEND


def _superseded(reminder: Reminder, now: datetime) -> bool:
    """A later reminder of the same kind for the same visit is due too: send only that one."""
    later = select(Reminder.id).where(
        Reminder.visit_id == reminder.visit_id, Reminder.kind == reminder.kind,
        Reminder.id != reminder.id, Reminder.due_at > reminder.due_at, Reminder.due_at <= now,
        Reminder.status.in_((PENDING, ReminderStatus.SENT.value)))
    return bool(db.session.scalar(select(exists(later))))


def recipient_of(reminder: Reminder) -> User | None:
    """Resolved when sent, so a nurse change or a new patient account is taken into account."""
    if reminder.audience == "nurse":
        nurse = reminder.visit.nurse
        return nurse if nurse is not None and nurse.active else None
    return db.session.scalar(select(User).where(User.patient_id == reminder.patient_id,
                                                User.active.is_(True)))


def retry_delay(attempts: int) -> timedelta:
    """60 s, 4 min, 16 min, 64 min... (REMINDER_RETRY_BASE_SECONDS times 4 per attempt)."""
    base = current_app.config["REMINDER_RETRY_BASE_SECONDS"]
    return timedelta(seconds=base * 4 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Claimed:
    """What delivery needs of a claimed reminder, read before any outside call."""

    id: int
    attempts: int
    channels_done: tuple[str, ...]


def deliver_claimed(reminder_id: int, me: str) -> str:
    """Deliver one claimed reminder and record the outcome; returns the outcome's name.

    Three steps: read (and end that transaction), send on the outside channels with no
    transaction open, then record the outcome in a transaction that begins with the
    conditional UPDATE (on SQLite that takes the write lock first, so a web request that
    wrote meanwhile cannot make the recording fail) and writes the in-app notification.
    """
    reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
    if reminder is None or reminder.status != PENDING or reminder.claimed_by != me:
        db.session.rollback()
        return "lost"
    claimed = Claimed(reminder.id, reminder.attempts, tuple(reminder.channels_done or ()))
    now = utcnow()
    verdict = usefulness(reminder, now)
    recipient = recipient_of(reminder) if verdict.send else None
    message = messages.build(reminder, recipient) if recipient is not None else None
    db.session.commit()  # nothing was written: this only ends the read transaction
    if not verdict.send:
        return _record(claimed, me, {"status": verdict.status.value,
                                     "status_reason": verdict.reason}, verdict.status.value)
    if message is None:
        return _record(claimed, me, {"status": ReminderStatus.SKIPPED.value,
                                     "status_reason": "no_recipient"}, "skipped")
    return _send(claimed, message, me, now)


def _send(claimed: Claimed, message: Message, me: str, now: datetime) -> str:
    wanted = [c for c in CHANNELS if c.name not in claimed.channels_done and c.accepts(message)]
    done, errors = list(claimed.channels_done), {}
    for channel in (c for c in wanted if not c.transactional):
        try:
            channel.send(message)
        except DeliveryError as error:
            errors[channel.name] = str(error)
        else:
            done.append(channel.name)
    in_outcome = [c for c in wanted if c.transactional]
    done += [c.name for c in in_outcome]  # written with the outcome, or not at all
    attempts = claimed.attempts + 1
    values = {"attempts": attempts, "channels_done": done,
              "recipient_user_id": message.recipient_id}
    detail = {"channels": done}

    def write_in_app():
        for channel in in_outcome:
            channel.send(message)

    if not errors:
        values.update(status=ReminderStatus.SENT.value, sent_at=now, last_error="")
        return _record(claimed, me, values, "sent", also=write_in_app, **detail)
    values["last_error"] = "; ".join(f"{name}: {text}" for name, text in errors.items())[:1000]
    detail["failed"] = sorted(errors)
    if attempts >= current_app.config["REMINDER_MAX_ATTEMPTS"]:
        values.update(status=ReminderStatus.FAILED.value, status_reason="delivery_failed")
        return _record(claimed, me, values, "failed", also=write_in_app, **detail)
    values["next_attempt_at"] = now + retry_delay(attempts)
    return _record(claimed, me, values, "retry", also=write_in_app, **detail)


def record_crash(reminder_id: int, me: str, error: Exception) -> str:
    """An unexpected error while delivering counts as a failed attempt, so that one broken
    reminder is retried with backoff and finally reported, never retried forever."""
    db.session.rollback()
    reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
    if reminder is None or reminder.status != PENDING or reminder.claimed_by != me:
        db.session.rollback()
        return "lost"
    claimed = Claimed(reminder.id, reminder.attempts, tuple(reminder.channels_done or ()))
    db.session.commit()
    attempts = claimed.attempts + 1
    values = {"attempts": attempts, "last_error": f"internal error: {type(error).__name__}"}
    if attempts >= current_app.config["REMINDER_MAX_ATTEMPTS"]:
        values.update(status=ReminderStatus.FAILED.value, status_reason="delivery_failed")
        return _record(claimed, me, values, "failed")
    values["next_attempt_at"] = utcnow() + retry_delay(attempts)
    return _record(claimed, me, values, "retry")


def _record(claimed: Claimed, me: str, values: dict, outcome: str, also=None, **detail) -> str:
    """Store the outcome if the claim is still this dispatcher's, with what `also` writes
    (the in-app notification); otherwise store nothing at all."""
    try:
        result = db.session.execute(
            update(Reminder).where(Reminder.id == claimed.id, Reminder.claimed_by == me,
                                   Reminder.status == PENDING)
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            LOG.warning("reminder %s: claim lost before its outcome was stored", claimed.id)
            return "lost"
        if also is not None:
            also()
        reminder = db.session.get(Reminder, claimed.id, populate_existing=True)
        audit.record(f"reminder_{outcome}", record_type="reminder", record_id=reminder.id,
                     patient_id=reminder.patient_id,
                     detail={"kind": reminder.kind, "attempt": values.get("attempts"),
                             "reason": values.get("status_reason"), **detail})
        if outcome == "failed":
            _raise_failure_alert(reminder)
        db.session.commit()
    except IntegrityError:
        # The database refused a second in-app notification for this reminder: another
        # dispatcher delivered it after this claim expired.
        db.session.rollback()
        LOG.warning("reminder %s: already delivered by another dispatcher", claimed.id)
        return "lost"
    LOG.info("reminder %s: %s", claimed.id, outcome)
    return outcome


def _raise_failure_alert(reminder: Reminder) -> None:
    who = "the nurse" if reminder.audience == "nurse" else "the patient"
    in_app = (" The in-app notification was delivered."
              if "in_app" in (reminder.channels_done or []) else "")
    raise_alert(
        "reminder_failed", "warning",
        f"A reminder to {who} ({reminder.kind_label}) could not be delivered after "
        f"{reminder.attempts} attempts.{in_app} Please contact them another way.",
        patient_id=reminder.patient_id, visit_id=reminder.visit_id, trigger=reminder)
