"""The dispatcher delivers each due reminder once, in-app and by e-mail, expires the ones
that come too late, retries failed e-mail with backoff and gives up with an alert."""

import socket
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.checklists.support import check_in, check_out, schedule, utc
from tracker.alerts import services as alert_services
from tracker.extensions import db
from tracker.models import Notification, Reminder, VisitState
from tracker.reminders.dispatch import claim_due, deliver_claimed, dispatch_due

VISIT_START = utc(2026, 5, 5, 14)  # Tuesday 5 May 2026, 10:00 in New York
DAY_BEFORE = utc(2026, 5, 4, 14)
TWO_HOURS_BEFORE = utc(2026, 5, 5, 12)


@pytest.fixture
def people(make):
    patient = make.patient(first_name="Marguerite", last_name="Oakhurst")
    return {"patient": patient, "patient_user": make.patient_user(patient),
            "nurse": make.nurse(name="Nadia Brook, RN"), "coordinator": make.coordinator()}


@pytest.fixture
def visit(make, people):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        return schedule(make, VISIT_START, patient=people["patient"], nurse=people["nurse"])


def reminder(visit, kind, offset):
    db.session.expire_all()
    return db.session.scalar(select(Reminder).where(
        Reminder.visit_id == visit.id, Reminder.kind == kind, Reminder.offset_hours == offset)
        .order_by(Reminder.id.desc()))


def notifications_for(user):
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def dispatch_at(moment, **kwargs):
    with time_machine.travel(moment, tick=False):
        return dispatch_due(**kwargs)


def test_nothing_goes_out_before_its_time(visit, people, outbox):
    report = dispatch_at(DAY_BEFORE - timedelta(minutes=1))
    assert report.claimed == 0
    assert notifications_for(people["patient_user"]) == []
    assert outbox.messages() == []


def test_a_due_reminder_is_delivered_in_app_and_by_email_once(visit, people, outbox):
    report = dispatch_at(DAY_BEFORE + timedelta(seconds=10))
    assert report.outcomes == {"sent": 1}
    sent = reminder(visit, "preparation", 24)
    assert sent.status == "sent"
    assert sent.sent_at == DAY_BEFORE + timedelta(seconds=10)
    assert sent.attempts == 1
    assert sorted(sent.channels_done) == ["email", "in_app"]
    assert sent.recipient_user_id == people["patient_user"].id
    assert sent.claimed_by is None and sent.claimed_until is None

    [notification] = notifications_for(people["patient_user"])
    assert notification.title == "Your visit is on Tuesday 5 May at 10:00"
    assert "Nadia Brook, RN" in notification.body
    assert notification.link == f"/my-care/visits/{visit.id}/prepare"
    [message] = outbox.messages()
    assert message["To"] == people["patient_user"].email

    # Running again (or later) sends nothing more.
    assert dispatch_at(DAY_BEFORE + timedelta(minutes=5)).claimed == 0
    assert len(notifications_for(people["patient_user"])) == 1
    assert len(outbox.messages()) == 1


def test_the_nurse_gets_her_reminder_an_hour_before(visit, people, outbox):
    dispatch_at(DAY_BEFORE)
    dispatch_at(TWO_HOURS_BEFORE)
    dispatch_at(VISIT_START - timedelta(hours=1))
    [notification] = notifications_for(people["nurse"])
    assert notification.title == "Visit with Marguerite Oakhurst on Tuesday 5 May at 10:00"
    assert notification.body == "Patient's preparation: 0 of 3 done."
    nurse_mail = [m for m in outbox.messages() if m["To"] == people["nurse"].email]
    assert len(nurse_mail) == 1
    assert "Oakhurst" not in nurse_mail[0].get_content()


def test_a_patient_who_opted_out_gets_no_email(visit, people, outbox):
    people["patient"].email_opt_out = True
    db.session.commit()
    dispatch_at(DAY_BEFORE)
    assert reminder(visit, "preparation", 24).channels_done == ["in_app"]
    assert reminder(visit, "preparation", 24).status == "sent"
    assert len(notifications_for(people["patient_user"])) == 1
    assert outbox.messages() == []


def test_a_patient_without_an_account_is_skipped(make, outbox):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, VISIT_START)
    dispatch_at(DAY_BEFORE)
    skipped = reminder(visit, "preparation", 24)
    assert (skipped.status, skipped.status_reason) == ("skipped", "no_recipient")
    assert outbox.messages() == []


def test_a_preparation_reminder_after_the_visit_started_is_expired(visit, people, outbox):
    dispatch_at(DAY_BEFORE)
    # The nurse checked in early, and the check-in signal never came (state set directly).
    visit.state, visit.checked_in_at = VisitState.IN_PROGRESS.value, TWO_HOURS_BEFORE
    db.session.commit()
    report = dispatch_at(TWO_HOURS_BEFORE + timedelta(minutes=1))
    assert report.outcomes == {"expired": 1}
    expired = reminder(visit, "preparation", 2)
    assert (expired.status, expired.status_reason) == ("expired", "visit_started")
    assert len(notifications_for(people["patient_user"])) == 1  # the day-before one only


def test_after_downtime_past_the_visit_start_nothing_is_sent(visit, people, outbox):
    report = dispatch_at(VISIT_START + timedelta(minutes=5))
    assert report.outcomes == {"expired": 3}
    assert notifications_for(people["patient_user"]) == []
    assert notifications_for(people["nurse"]) == []
    assert outbox.messages() == []


def test_after_downtime_only_the_latest_useful_reminder_goes_out(visit, people, outbox):
    # The dispatcher was down from before the day-before reminder until 1 h 50 before the visit.
    report = dispatch_at(TWO_HOURS_BEFORE + timedelta(minutes=10))
    assert report.outcomes == {"sent": 1, "expired": 1}
    assert reminder(visit, "preparation", 24).status_reason == "superseded"
    assert reminder(visit, "preparation", 2).status == "sent"
    assert len(notifications_for(people["patient_user"])) == 1


def test_recovery_reminders_late_by_days_send_only_the_latest(visit, people, outbox):
    with time_machine.travel(utc(2026, 5, 5, 17), tick=False):
        check_in(visit, VISIT_START)
        check_out(visit, utc(2026, 5, 5, 16))
    report = dispatch_at(utc(2026, 5, 7, 17))  # down for two days; the +48 h one is 1 h late
    assert reminder(visit, "recovery", 48).status == "sent"
    assert reminder(visit, "recovery", 0).status == "expired"
    assert reminder(visit, "recovery", 24).status == "expired"
    [notification] = [n for n in notifications_for(people["patient_user"])
                      if n.kind == "reminder_recovery"]
    assert notification.body.startswith("Follow any other care steps your nurse gave you.")
    assert report.outcomes["sent"] == 2  # with the nurse's unsigned-visit reminder


def test_a_recovery_reminder_too_late_to_help_expires(visit, people, outbox):
    with time_machine.travel(utc(2026, 5, 5, 17), tick=False):
        check_in(visit, VISIT_START)
        check_out(visit, utc(2026, 5, 5, 16))
    dispatch_at(utc(2026, 5, 5, 16, 1))
    assert reminder(visit, "recovery", 0).status == "sent"
    dispatch_at(utc(2026, 5, 6, 16) + timedelta(hours=13))
    assert reminder(visit, "recovery", 24).status_reason == "too_late"


def test_the_unsigned_reminder_is_cancelled_if_the_visit_was_signed_meanwhile(visit, people):
    with time_machine.travel(utc(2026, 5, 5, 16), tick=False):
        check_in(visit, VISIT_START)
        check_out(visit, utc(2026, 5, 5, 16))
    visit.state, visit.signed_at = VisitState.SIGNED.value, utc(2026, 5, 5, 18)
    db.session.commit()  # no signal: the dispatcher still checks
    dispatch_at(utc(2026, 5, 6, 12))
    unsigned = reminder(visit, "nurse_unsigned", 12)
    assert (unsigned.status, unsigned.status_reason) == ("cancelled", "signed")
    assert [n for n in notifications_for(people["nurse"]) if n.kind == "reminder_nurse_unsigned"] == []


def test_the_unsigned_reminder_goes_to_the_nurse(visit, people, outbox):
    with time_machine.travel(utc(2026, 5, 5, 16), tick=False):
        check_in(visit, VISIT_START)
        check_out(visit, utc(2026, 5, 5, 16))
    dispatch_at(utc(2026, 5, 6, 12))
    [notification] = [n for n in notifications_for(people["nurse"])
                      if n.kind == "reminder_nurse_unsigned"]
    assert notification.title == "Visit with Marguerite Oakhurst is not signed yet"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_failed_email_is_retried_with_backoff_then_marked_failed_with_an_alert(
        app, visit, people, monkeypatch, signed_in):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", closed_port())  # nothing listens: refused
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    moment = DAY_BEFORE
    expected_waits = [60, 240, 960, 3840]
    for attempt, wait in enumerate(expected_waits, start=1):
        assert dispatch_at(moment).outcomes == {"retry": 1}
        retrying = reminder(visit, "preparation", 24)
        assert (retrying.status, retrying.attempts) == ("pending", attempt)
        assert retrying.next_attempt_at == moment + timedelta(seconds=wait)
        assert "ConnectionRefusedError" in retrying.last_error
        # Not before its time.
        assert dispatch_at(moment + timedelta(seconds=wait - 1)).claimed == 0
        moment += timedelta(seconds=wait)
    assert dispatch_at(moment).outcomes == {"failed": 1}
    failed = reminder(visit, "preparation", 24)
    assert (failed.status, failed.attempts) == ("failed", 5)
    # The in-app notification went out once, at the first attempt.
    assert len(notifications_for(people["patient_user"])) == 1
    [alert] = [a for a in alert_services.open_alerts(people["coordinator"])
               if a.kind == "reminder_failed"]
    assert alert.visit_id == visit.id and alert.patient_id == people["patient"].id
    assert "after 5 attempts" in alert.message
    # No further attempt.
    assert dispatch_at(moment + timedelta(days=1)).outcomes.get("failed") is None
    # Coordinators see it on the reminders page.
    html = signed_in(people["coordinator"]).get("/reminders").get_data(as_text=True)
    assert "Could not be delivered (1)" in html
    assert "Marguerite Oakhurst" in html


def test_a_claim_that_outlives_its_dispatcher_is_taken_over_after_the_lease(app, visit, people):
    with time_machine.travel(DAY_BEFORE, tick=False):
        [claimed] = claim_due("dispatcher-that-dies", 10)
    # Another dispatcher sees nothing while the lease runs...
    assert dispatch_at(DAY_BEFORE + timedelta(seconds=60)).claimed == 0
    # ...and delivers it once the lease is over.
    lease = app.config["REMINDER_CLAIM_LEASE_SECONDS"]
    report = dispatch_at(DAY_BEFORE + timedelta(seconds=lease + 1))
    assert report.outcomes == {"sent": 1}
    # The first dispatcher wakes up: its claim is gone, so it records nothing.
    with time_machine.travel(DAY_BEFORE + timedelta(seconds=lease + 2), tick=False):
        assert deliver_claimed(claimed, "dispatcher-that-dies") == "lost"
    assert len(notifications_for(people["patient_user"])) == 1


def test_a_reminder_cancelled_while_being_delivered_is_not_marked_sent(visit, people):
    with time_machine.travel(DAY_BEFORE, tick=False):
        [claimed] = claim_due("busy-dispatcher", 10)
        visit.state = VisitState.CANCELLED.value
        db.session.commit()
        assert deliver_claimed(claimed, "busy-dispatcher") == "cancelled"
    assert reminder(visit, "preparation", 24).status_reason == "visit_cancelled"
    assert notifications_for(people["patient_user"]) == []


def test_every_outcome_is_in_the_audit_trail(visit, people):
    from tracker.models import AuditEvent

    dispatch_at(DAY_BEFORE)
    sent = reminder(visit, "preparation", 24)
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "reminder", AuditEvent.record_id == str(sent.id))))
    assert [(e.action, e.patient_id) for e in events] == [("reminder_sent", people["patient"].id)]


def test_dispatch_claims_in_batches(visit, people):
    report = dispatch_at(VISIT_START - timedelta(minutes=30), batch_size=1)
    assert report.claimed == 3
    assert report.outcomes == {"sent": 2, "expired": 1}  # the day-before one is superseded


def test_an_unexpected_error_counts_as_a_failed_attempt(app, visit, people, monkeypatch):
    from tracker.reminders import messages

    def broken(*_args):
        raise RuntimeError("a bug while writing the message")

    monkeypatch.setattr(messages, "build", broken)
    monkeypatch.setitem(app.config, "REMINDER_MAX_ATTEMPTS", 2)
    assert dispatch_at(DAY_BEFORE).outcomes == {"retry": 1}
    crashed = reminder(visit, "preparation", 24)
    assert crashed.last_error == "internal error: RuntimeError"
    assert crashed.next_attempt_at == DAY_BEFORE + timedelta(seconds=60)
    assert dispatch_at(DAY_BEFORE + timedelta(seconds=60)).outcomes == {"failed": 1}
    assert [a.kind for a in alert_services.open_alerts(people["coordinator"])] == ["reminder_failed"]
