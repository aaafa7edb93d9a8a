"""A claimed batch of in-app reminders is read, decided and recorded at once: the number of
SQL statements does not grow with the batch, and the exactly-once rule still holds."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tracker.extensions import db
from tracker.models import Notification, Reminder, User, VisitState
from tracker.reminders import messages, notifications
from tracker.reminders.dispatch import claim_due, deliver_batch, dispatch_due
from tracker.timeutil import utcnow


@pytest.fixture
def in_app_only(make):
    """Patients with an account who asked for no e-mail: their reminders go out in-app only."""
    patients = [make.patient(email_opt_out=True) for _ in range(3)]
    users = [make.patient_user(patient) for patient in patients]
    return patients, users


def due_in_app_reminders(make, patients, count: int) -> list[int]:
    """Half recovery reminders after a visit, half preparation reminders before one."""
    now = utcnow()
    nurse = make.nurse()
    reminders = []
    for n in range(count):
        patient = patients[n % len(patients)]
        due = now - timedelta(minutes=1)
        if n % 2:
            visit = make.visit(nurse=nurse, patient=patient, planned_start=now - timedelta(hours=3),
                               state=VisitState.COMPLETED.value,
                               checked_in_at=now - timedelta(hours=3),
                               checked_out_at=now - timedelta(hours=1))
            kind, step = "recovery", "watch_signs"
        else:
            visit = make.visit(nurse=nurse, patient=patient, planned_start=now + timedelta(hours=2))
            kind, step = "preparation", None
        reminders.append(Reminder(visit_id=visit.id, patient_id=patient.id, kind=kind,
                                  audience="patient", offset_hours=2, step_key=step, due_at=due,
                                  next_attempt_at=due, channels_done=[]))
    db.session.add_all(reminders)
    db.session.commit()
    return [r.id for r in reminders]


class Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1


def statements_to_dispatch(count: int) -> tuple[int, dict]:
    counter = Statements()
    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        report = dispatch_due(batch_size=count)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count, report.outcomes


def delivered(reminder_ids) -> list[int]:
    return sorted(db.session.scalars(select(Notification.reminder_id).where(
        Notification.reminder_id.in_(reminder_ids))))


def test_a_batch_takes_as_many_statements_for_100_reminders_as_for_10(make, in_app_only):
    patients, _ = in_app_only
    small = due_in_app_reminders(make, patients, 10)
    statements_small, outcomes = statements_to_dispatch(10)
    assert outcomes == {"sent": 10}
    big = due_in_app_reminders(make, patients, 100)
    statements_big, outcomes = statements_to_dispatch(100)
    assert outcomes == {"sent": 100}
    assert delivered(small + big) == sorted(small + big)
    assert statements_big == statements_small, (statements_small, statements_big)


def test_a_reminder_taken_over_by_another_dispatcher_is_not_recorded_by_the_batch(
        make, in_app_only):
    patients, users = in_app_only
    ids = due_in_app_reminders(make, patients, 4)
    claimed = claim_due("slow-dispatcher", 10)
    assert sorted(claimed) == sorted(ids)
    # The lease ran out and another dispatcher holds one of them now.
    taken = db.session.get(Reminder, ids[0])
    taken.claimed_by = "other-dispatcher"
    db.session.commit()
    outcomes = deliver_batch(claimed, "slow-dispatcher")
    assert sorted(outcomes) == ["lost", "sent", "sent", "sent"]
    assert delivered(ids) == sorted(ids[1:])
    db.session.expire_all()
    assert db.session.get(Reminder, ids[0]).status == "pending"


def test_a_reminder_already_delivered_in_app_is_not_delivered_again(make, in_app_only):
    patients, users = in_app_only
    ids = due_in_app_reminders(make, patients, 3)
    # Delivered in-app by a dispatcher whose claim expired before it could record it.
    first = db.session.get(Reminder, ids[0])
    notifications.add(users[0].id, "reminder_preparation", "Earlier copy", reminder_id=first.id)
    db.session.commit()
    report = dispatch_due()
    assert report.outcomes == {"sent": 2, "lost": 1}
    assert delivered(ids) == sorted(ids)  # one notification each, never two
    db.session.expire_all()
    assert [db.session.get(Reminder, i).status for i in ids] == ["pending", "sent", "sent"]


def test_in_app_delivered_at_an_earlier_attempt_is_not_written_twice(make, in_app_only):
    patients, users = in_app_only
    [reminder_id] = due_in_app_reminders(make, patients, 1)
    reminder = db.session.get(Reminder, reminder_id)
    # In-app went out at the first attempt; e-mail failed; the patient then opted out.
    notifications.add(users[0].id, "reminder_preparation", "First attempt", reminder_id=reminder_id)
    reminder.channels_done, reminder.attempts = ["in_app"], 1
    db.session.commit()
    assert dispatch_due().outcomes == {"sent": 1}
    db.session.expire_all()
    sent = db.session.get(Reminder, reminder_id)
    assert (sent.status, sent.attempts, sent.channels_done) == ("sent", 2, ["in_app"])
    assert delivered([reminder_id]) == [reminder_id]


def test_a_run_out_of_time_leaves_the_rest_to_the_next_run(make, in_app_only):
    patients, _ = in_app_only
    ids = due_in_app_reminders(make, patients, 5)
    # No time left after the first batch: the run stops claiming; the next one goes on.
    assert dispatch_due(batch_size=2, budget_seconds=0).outcomes == {"sent": 2}
    assert dispatch_due(batch_size=2).outcomes == {"sent": 3}
    assert delivered(ids) == sorted(ids)


def test_the_oldest_due_reminders_go_out_first(make, in_app_only):
    patients, _ = in_app_only
    ids = due_in_app_reminders(make, patients, 5)
    # Due 5, 1, 4, 2 and 3 minutes ago: the run that has time for one batch of two takes
    # the two that waited longest (reminders 1 and 3).
    now = utcnow()
    for reminder_id, minutes in zip(ids, (5, 1, 4, 2, 3), strict=True):
        reminder = db.session.get(Reminder, reminder_id)
        reminder.due_at = reminder.next_attempt_at = now - timedelta(minutes=minutes)
    db.session.commit()
    assert dispatch_due(batch_size=2, budget_seconds=0).outcomes == {"sent": 2}
    assert delivered(ids) == sorted([ids[0], ids[2]])


def test_a_batch_writes_the_same_message_as_a_reminder_sent_alone(make, in_app_only):
    """The batch reads reminders and visits as plain rows; the in-app text, link and
    recipient are what messages.build makes of the full records."""
    patients, users = in_app_only
    ids = due_in_app_reminders(make, patients, 4)
    assert dispatch_due(batch_size=10).outcomes == {"sent": 4}
    db.session.expire_all()
    for reminder_id in ids:
        reminder = db.session.get(Reminder, reminder_id)
        recipient = db.session.get(User, reminder.recipient_user_id)
        assert recipient.patient_id == reminder.patient_id
        expected = messages.build(reminder, recipient)
        notification = db.session.scalar(select(Notification).where(
            Notification.reminder_id == reminder_id))
        assert (notification.user_id, notification.kind, notification.title, notification.body,
                notification.link) == (expected.recipient_id, expected.kind, expected.title,
                                       expected.body, expected.link)
        assert reminder.sent_at is not None and reminder.sent_at >= reminder.due_at
        assert (reminder.status, reminder.attempts, reminder.channels_done,
                reminder.claimed_by) == ("sent", 1, ["in_app"], None)


def test_e_mails_left_after_half_the_lease_are_released_for_the_next_claim(app, make, outbox):
    """A batch of slow e-mails never outlives its claim (another dispatcher would send
    them again): past half the lease, the rest go back, and the next claim takes them."""
    patients = [make.patient() for _ in range(3)]
    for patient in patients:
        make.patient_user(patient)
    ids = due_in_app_reminders(make, patients, 3)
    claimed = claim_due("slow-mailer", 10)
    lease = app.config["REMINDER_CLAIM_LEASE_SECONDS"]
    app.config["REMINDER_CLAIM_LEASE_SECONDS"] = 0  # as if the first e-mail took the lease
    try:
        assert deliver_batch(claimed, "slow-mailer") == ["sent", "released", "released"]
    finally:
        app.config["REMINDER_CLAIM_LEASE_SECONDS"] = lease
    db.session.expire_all()
    left = [db.session.get(Reminder, i) for i in claimed[1:]]
    assert [(r.status, r.claimed_by) for r in left] == [("pending", None)] * 2
    assert dispatch_due().outcomes == {"sent": 2}
    assert delivered(ids) == sorted(ids)
    assert len(outbox.messages()) == 3  # one e-mail each
