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

Batches. Each claimed batch is read at once (reminders with their visits as plain rows in
one Core query; patients, nurses, procedure records, recipients and checklists one query
each, whatever the batch size) and decided at once. Every outcome that needs no outside
channel (in-app only, expired, cancelled, skipped) is then recorded in ONE transaction per
batch, starting with the statement that writes the outcomes only for rows still pending
and still claimed by this dispatcher (the same exactly-once rule; on PostgreSQL one
UPDATE ... FROM unnest(arrays), on SQLite a conditional UPDATE then an executemany), then
the in-app notifications and audit events, one executemany each. sent_at is the time the
outcome is written. A reminder with an outside channel (e-mail) takes the per-reminder
path above: sent with no transaction open, then recorded alone.

Throughput (bench/dispatch_rate.py, 10,000 in-app reminders, batches of 250, on a shared
2-core machine): about 900-1,500 a second on SQLite and 820-1,150 on PostgreSQL, depending
on the other work on the machine. The claim takes the oldest due first, so the reminder
that waited longest goes out with the first batch (about 0.1-0.5 s into the run).

A scheduled run goes on claiming batches while there is due work, for at most
RUN_BUDGET_SHARE of the dispatch interval, so that the scheduler's next tick is never
skipped and a reminder waits at most about one interval.
"""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import audit
from tracker.alerts.services import raise_alert
from tracker.bulkrows import unnest_from
from tracker.extensions import db
from tracker.models import (
    Checklist,
    Patient,
    ProcedureRecord,
    Reminder,
    ReminderKind,
    ReminderStatus,
    User,
    Visit,
    VisitState,
)
from tracker.reminders import messages
from tracker.reminders.channels import CHANNELS, DeliveryError, Message
from tracker.reminders.planning import due_reminders_query
from tracker.timeutil import utcnow

LOG = logging.getLogger(__name__)
PENDING = ReminderStatus.PENDING.value
RECOVERY_USEFUL_FOR = timedelta(hours=12)
# A scheduled run stops claiming after this share of DISPATCH_INTERVAL_SECONDS (the next run
# goes on); any run stops after MAX_BATCHES_PER_RUN batches (a safety stop only).
RUN_BUDGET_SHARE = 0.8
MAX_BATCHES_PER_RUN = 10_000


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


def run_budget_seconds() -> float:
    """How long one scheduled run may go on claiming: shorter than the interval, so the
    next tick is never skipped (the scheduler runs one instance at a time)."""
    return RUN_BUDGET_SHARE * current_app.config["DISPATCH_INTERVAL_SECONDS"]


def dispatch_due(*, dispatcher_id: str | None = None, batch_size: int | None = None,
                 budget_seconds: float | None = None) -> DispatchReport:
    """Deliver every reminder that is due now. Uses db.session and commits its own work.

    The scheduler's job (scheduler.dispatch_job) calls this inside its own app context with
    budget_seconds=run_budget_seconds(): it stops claiming once that time is used and the
    next run goes on. Without a budget (tests, `flask reminders dispatch`) it goes on until
    nothing is due (at most MAX_BATCHES_PER_RUN batches).
    """
    me = dispatcher_id or new_dispatcher_id()
    batch_size = batch_size or current_app.config["DISPATCH_BATCH_SIZE"]
    budget = float("inf") if budget_seconds is None else budget_seconds
    started = time.monotonic()
    report = DispatchReport()
    for _ in range(MAX_BATCHES_PER_RUN):
        claimed = claim_due(me, batch_size)
        if not claimed:
            break
        report.claimed += len(claimed)
        for outcome in deliver_batch(claimed, me):
            report.add(outcome)
        if time.monotonic() - started >= budget:
            LOG.info("reminder dispatch: run budget of %.0f s used; the next run goes on", budget)
            break
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
        # are still unclaimed when it marks them. RETURNING names exactly those rows (not
        # rows this dispatcher still holds from an earlier batch whose outcome was lost).
        ids = sorted(db.session.scalars(
            update(Reminder).where(Reminder.id.in_(due.with_only_columns(Reminder.id)
                                                   .correlate(None)))
            .values(**claim).returning(Reminder.id)
            .execution_options(synchronize_session=False)))
    db.session.commit()
    return ids


def usefulness(reminder: Reminder, now: datetime,
               superseded: Callable[[Reminder, datetime], bool] | None = None) -> Verdict:
    """Whether a due reminder should still go out now (see the module docstring).
    `superseded` answers for a whole batch when the caller looked that up already."""
    superseded = superseded or _superseded
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
    if superseded(reminder, now):
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


# --- A claimed batch at once ------------------------------------------------------------------

# The columns an outcome writes; every row of a batch sets all of them (unchanged ones to
# what was read), so the batch is written with one statement.
RECORDED = ("status", "status_reason", "attempts", "channels_done", "recipient_user_id",
            "sent_at", "last_error")
# Core, executed with one parameter set per row (executemany; the parameters' names set
# the columns): the ORM's bulk UPDATE by primary key does the same with more work per row.
_REMINDERS = Reminder.__table__
RECORD_OUTCOME = update(_REMINDERS).where(_REMINDERS.c.id == bindparam("b_id"))


@dataclass
class Planned:
    """An outcome decided for a reminder of the batch, recorded with the others."""

    claimed: Claimed
    patient_id: int
    kind: str
    outcome: str
    values: dict
    message: Message | None = None
    detail: dict = field(default_factory=dict)
    channels: tuple[str, ...] = ()  # the transactional channels still to deliver on


@dataclass
class BatchPlan:
    lost: list[int] = field(default_factory=list)
    together: list[Planned] = field(default_factory=list)  # one transaction for all of them
    one_by_one: list[int] = field(default_factory=list)  # an outside channel: deliver_claimed
    crashed: list[tuple[int, Exception]] = field(default_factory=list)


def deliver_one(reminder_id: int, me: str) -> str:
    """The per-reminder path; an unexpected error counts as a failed attempt."""
    try:
        return deliver_claimed(reminder_id, me)
    except Exception as error:
        LOG.exception("reminder %s: delivery failed unexpectedly", reminder_id)
        return record_crash(reminder_id, me, error)


def deliver_batch(reminder_ids: list[int], me: str) -> list[str]:
    """Deliver a claimed batch; returns one outcome per reminder.

    Read and decide the whole batch (then end that read transaction), record every outcome
    that needs no outside channel in one transaction, then take the per-reminder path for
    the reminders that go out by e-mail.
    """
    started = time.monotonic()
    try:
        plan = plan_batch(reminder_ids, me, utcnow())
        db.session.commit()  # nothing was written: this only ends the read transaction
    except Exception:
        db.session.rollback()
        LOG.exception("reminder batch of %s: reading failed; delivering one by one",
                      len(reminder_ids))
        return deliver_one_by_one(reminder_ids, me, started)
    outcomes = ["lost"] * len(plan.lost)
    outcomes += record_batch(plan.together, me)
    for reminder_id, error in plan.crashed:
        outcomes.append(record_crash(reminder_id, me, error))
    outcomes += deliver_one_by_one(plan.one_by_one, me, started)
    return outcomes


def deliver_one_by_one(reminder_ids: list[int], me: str, claimed_at: float) -> list[str]:
    """The reminders with an outside channel, one at a time. Once half the claim lease is
    used (slow e-mail in a big batch), the rest are released, not left to outlive the
    claim (another dispatcher would then send their e-mails a second time): the next
    claim takes them again, oldest first, with a fresh lease."""
    half_lease = current_app.config["REMINDER_CLAIM_LEASE_SECONDS"] / 2
    outcomes = []
    for n, reminder_id in enumerate(reminder_ids):
        if n and time.monotonic() - claimed_at >= half_lease:
            release(reminder_ids[n:], me)
            return outcomes + ["released"] * (len(reminder_ids) - n)
        outcomes.append(deliver_one(reminder_id, me))
    return outcomes


def release(reminder_ids: list[int], me: str) -> None:
    """Give back claims this dispatcher still holds, so that any dispatcher takes them now."""
    db.session.execute(
        update(Reminder).where(Reminder.id.in_(reminder_ids), Reminder.claimed_by == me,
                               Reminder.status == PENDING)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    LOG.info("reminder batch: %s claims released after half the lease", len(reminder_ids))


def plan_batch(reminder_ids: list[int], me: str, now: datetime) -> BatchPlan:
    """Decide every reminder of the batch, with a fixed number of queries."""
    reminders = read_batch(reminder_ids)
    plan = BatchPlan()
    mine = [r for r in reminders if r.status == PENDING and r.claimed_by == me]
    plan.lost = sorted(set(reminder_ids) - {r.id for r in mine})
    superseded = superseded_in(mine, now)
    verdicts = {r.id: usefulness(r, now, superseded) for r in mine}
    to_send = [r for r in mine if verdicts[r.id].send]
    recipients = recipients_of(to_send)
    checklists = checklists_by_visit(to_send)
    for reminder in mine:
        try:
            _plan_one(plan, reminder, verdicts[reminder.id], recipients, checklists, now)
        except Exception as error:
            LOG.exception("reminder %s: delivery failed unexpectedly", reminder.id)
            plan.crashed.append((reminder.id, error))
    return plan


class _Facts:
    """Plain values read for a batch, with the attributes of the model they stand for:
    usefulness() and messages.build() read them as they read a Reminder and its Visit."""

    def __init__(self, **values):
        self.__dict__.update(values)


# What deciding and writing read of a reminder and its visit (usefulness, recipients,
# messages, and the RECORDED columns).
PLANNING_REMINDER_COLUMNS = ("id", "visit_id", "patient_id", "kind", "audience",
                             "offset_hours", "step_key", "due_at", "claimed_by", *RECORDED)
PLANNING_VISIT_COLUMNS = ("id", "patient_id", "nurse_id", "procedure_record_id", "state",
                          "planned_start", "planned_minutes", "checked_in_at", "checked_out_at",
                          "signed_at")


def read_batch(reminder_ids: list[int]) -> list:
    """The batch's reminders with their visits in one Core query (plain rows: building ORM
    objects for two rows per reminder was most of a batch's time), then the patients,
    nurses and procedure records they share, one query each, every one read (and its JSON
    parsed) once."""
    r, v = Reminder.__table__.c, Visit.__table__.c
    rows = db.session.execute(
        select(*(r[name] for name in PLANNING_REMINDER_COLUMNS),
               *(v[name].label(f"visit__{name}") for name in PLANNING_VISIT_COLUMNS))
        .select_from(Reminder.__table__.join(Visit.__table__, r.visit_id == v.id))
        .where(r.id.in_(reminder_ids)).order_by(r.id)).mappings().all()
    visits = {}
    reminders = []
    for row in rows:
        visit_id = row["visit__id"]
        if visit_id not in visits:
            visits[visit_id] = _Facts(**{name: row[f"visit__{name}"]
                                         for name in PLANNING_VISIT_COLUMNS})
        reminders.append(_Facts(**{name: row[name] for name in PLANNING_REMINDER_COLUMNS},
                                visit=visits[visit_id]))
    patients = _by_id(Patient, {visit.patient_id for visit in visits.values()})
    nurses = _by_id(User, {visit.nurse_id for visit in visits.values()})
    records = _by_id(ProcedureRecord, {visit.procedure_record_id for visit in visits.values()})
    for visit in visits.values():
        visit.patient = patients.get(visit.patient_id)
        visit.nurse = nurses.get(visit.nurse_id)
        visit.procedure_record = records.get(visit.procedure_record_id)
    return reminders


def _by_id(model, ids: set) -> dict:
    ids.discard(None)
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _plan_one(plan: BatchPlan, reminder: Reminder, verdict: Verdict, recipients: dict,
              checklists: dict, now: datetime) -> None:
    claimed = Claimed(reminder.id, reminder.attempts, tuple(reminder.channels_done or ()))
    read = {name: getattr(reminder, name) for name in RECORDED}

    def planned(outcome, message=None, detail=None, channels=(), **values):
        plan.together.append(Planned(claimed, reminder.patient_id, reminder.kind, outcome,
                                     {**read, **values}, message, detail or {}, channels))

    if not verdict.send:
        planned(verdict.status.value, status=verdict.status.value, status_reason=verdict.reason)
        return
    recipient = recipients.get(reminder.id)
    if recipient is None:
        planned("skipped", status=ReminderStatus.SKIPPED.value, status_reason="no_recipient")
        return
    message = messages.build(reminder, recipient, checklists.get(reminder.visit_id, {}))
    wanted = [c for c in CHANNELS if c.name not in claimed.channels_done and c.accepts(message)]
    if any(not channel.transactional for channel in wanted):
        plan.one_by_one.append(reminder.id)  # e-mail: sent outside any transaction
        return
    done = list(claimed.channels_done) + [c.name for c in wanted]
    planned("sent", message, {"channels": done}, tuple(c.name for c in wanted),
            attempts=claimed.attempts + 1,
            channels_done=done, recipient_user_id=message.recipient_id,
            status=ReminderStatus.SENT.value, sent_at=now, last_error="")


def superseded_in(reminders: list[Reminder], now: datetime) -> Callable[[Reminder, datetime], bool]:
    """The superseded rule (see _superseded) for a whole batch, in one query: a reminder is
    superseded when the latest due one of its visit and kind is later than it."""
    latest = {}
    if reminders:
        rows = db.session.execute(
            select(Reminder.visit_id, Reminder.kind, func.max(Reminder.due_at))
            .where(Reminder.visit_id.in_({r.visit_id for r in reminders}),
                   Reminder.kind.in_({r.kind for r in reminders}), Reminder.due_at <= now,
                   Reminder.status.in_((PENDING, ReminderStatus.SENT.value)))
            .group_by(Reminder.visit_id, Reminder.kind))
        latest = {(visit_id, kind): due for visit_id, kind, due in rows}

    def superseded(reminder: Reminder, _now: datetime) -> bool:
        due = latest.get((reminder.visit_id, reminder.kind))
        return due is not None and due > reminder.due_at

    return superseded


def recipients_of(reminders: list[Reminder]) -> dict[int, User]:
    """recipient_of for a whole batch: the nurses came with the visits, the patients'
    accounts in one query (the first active account of a patient, as recipient_of)."""
    patient_ids = {r.patient_id for r in reminders if r.audience != "nurse"}
    accounts = {}
    if patient_ids:
        for user in db.session.scalars(select(User).where(
                User.patient_id.in_(patient_ids), User.active.is_(True)).order_by(User.id)):
            accounts.setdefault(user.patient_id, user)
    recipients = {}
    for reminder in reminders:
        if reminder.audience == "nurse":
            nurse = reminder.visit.nurse
            recipient = nurse if nurse is not None and nurse.active else None
        else:
            recipient = accounts.get(reminder.patient_id)
        if recipient is not None:
            recipients[reminder.id] = recipient
    return recipients


def checklists_by_visit(reminders: list[Reminder]) -> dict[int, dict[str, Checklist]]:
    """The checklists the messages before a visit count, for the whole batch at once."""
    visit_ids = {r.visit_id for r in reminders
                 if r.kind in (ReminderKind.PREPARATION.value, ReminderKind.NURSE_UPCOMING.value)}
    by_visit: dict[int, dict[str, Checklist]] = {}
    if visit_ids:
        for checklist in db.session.scalars(select(Checklist).where(
                Checklist.visit_id.in_(visit_ids)).options(selectinload(Checklist.all_items))):
            by_visit.setdefault(checklist.visit_id, {})[checklist.kind] = checklist
    return by_visit


def record_batch(together: list[Planned], me: str) -> list[str]:
    """Store the batch's outcomes in one transaction: only those whose claim is still this
    dispatcher's (the conditional UPDATE comes first, so on SQLite it takes the write lock),
    with their in-app notifications. If the database refuses a notification (another
    dispatcher delivered one of them after this claim expired), nothing of the batch is
    stored and each reminder takes the per-reminder path, which finds out which."""
    if not together:
        return []
    try:
        recorded_at = utcnow()  # sent_at: when the notification is written, not when decided
        for p in together:
            if p.outcome == "sent":
                p.values["sent_at"] = recorded_at
        kept = _store_outcomes(together, me, recorded_at)
        recorded = [p for p in together if p.claimed.id in kept]
        if recorded:
            _send_in_transaction(recorded)
            audit.record_many([_audit_event(p) for p in recorded])
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if isinstance(error, IntegrityError):
            LOG.warning("reminder batch: a notification was already there; one by one")
        else:
            LOG.exception("reminder batch: recording failed; one by one")
        return [deliver_one(p.claimed.id, me) for p in together]
    for p in together:
        if p.claimed.id not in kept:
            LOG.warning("reminder %s: claim lost before its outcome was stored", p.claimed.id)
    LOG.info("reminder batch: %s outcomes stored in one transaction", len(recorded))
    return [p.outcome if p.claimed.id in kept else "lost" for p in together]


def _store_outcomes(together: list[Planned], me: str, now: datetime) -> set[int]:
    """Write the outcomes of the reminders still pending and claimed by this dispatcher and
    release their claims; returns their ids. The condition is checked by the statement that
    writes, first in the transaction (on SQLite that takes the write lock)."""
    ids = [p.claimed.id for p in together]
    if db.session.get_bind().dialect.name == "postgresql":
        # One statement for the batch: the outcomes as arrays (tracker/bulkrows.py).
        source, params = unnest_from(
            _REMINDERS, ("id", *RECORDED),
            [{"id": p.claimed.id, **p.values} for p in together], db.session.get_bind().dialect)
        return set(db.session.scalars(text(
            f"UPDATE reminders SET claimed_by = NULL, claimed_until = NULL, updated_at = :now, "
            f"{', '.join(f'{name} = v.{name}' for name in RECORDED)} FROM {source} "
            "WHERE reminders.id = v.id AND reminders.claimed_by = :me "
            "AND reminders.status = :pending RETURNING reminders.id"),
            {**params, "me": me, "pending": PENDING,
             "now": now.replace(tzinfo=None)}))
    kept = set(db.session.scalars(
        update(Reminder).where(Reminder.id.in_(ids), Reminder.claimed_by == me,
                               Reminder.status == PENDING)
        .values(claimed_by=None, claimed_until=None).returning(Reminder.id)
        .execution_options(synchronize_session=False)))
    if kept:
        db.session.execute(RECORD_OUTCOME, [{"b_id": p.claimed.id, **p.values}
                                            for p in together if p.claimed.id in kept])
    return kept


def _audit_event(p: Planned) -> dict:
    """What _record writes to the audit trail for this outcome."""
    sent = p.outcome == "sent"
    return {"action": f"reminder_{p.outcome}", "record_type": "reminder",
            "record_id": p.claimed.id, "patient_id": p.patient_id,
            "detail": {"kind": p.kind, "attempt": p.values["attempts"] if sent else None,
                       "reason": None if sent else p.values["status_reason"], **p.detail}}


def _send_in_transaction(recorded: list[Planned]) -> None:
    """The transactional channels (in-app) write their rows for the whole batch, each for
    the reminders not yet delivered on it."""
    for channel in (c for c in CHANNELS if c.transactional):
        batch = [p.message for p in recorded if channel.name in p.channels]
        if hasattr(channel, "send_all"):
            channel.send_all(batch)
        else:
            for message in batch:
                channel.send(message)
