"""Reminder rows follow the visit: planned, moved, cancelled, planned from the real check-out,
held back during quiet hours, and right across daylight-saving changes."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from tests.checklists.support import (
    cancel,
    check_in,
    check_out,
    reschedule,
    schedule,
    sign,
    utc,
)
from tracker.extensions import db
from tracker.models import Reminder, VisitState
from tracker.visits import events

NEW_YORK = ZoneInfo("America/New_York")


def reminders(visit, status=None):
    query = select(Reminder).where(Reminder.visit_id == visit.id)
    if status:
        query = query.where(Reminder.status == status)
    db.session.expire_all()
    return list(db.session.scalars(query.order_by(Reminder.due_at, Reminder.id)))


def by_kind(visit, status="pending"):
    return {(r.kind, r.offset_hours): r for r in reminders(visit, status)}


def local(moment):
    return moment.astimezone(NEW_YORK)


def test_scheduling_plans_preparation_reminders_and_the_nurses(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))  # Tuesday 10:00 in New York
    planned = by_kind(visit)
    assert set(planned) == {("preparation", 24), ("preparation", 2), ("nurse_upcoming", 1)}
    assert planned[("preparation", 24)].due_at == utc(2026, 5, 4, 14)
    assert planned[("preparation", 2)].due_at == utc(2026, 5, 5, 12)  # 08:00, quiet hours just over
    assert planned[("nurse_upcoming", 1)].due_at == utc(2026, 5, 5, 13)
    assert planned[("preparation", 24)].audience == "patient"
    assert planned[("nurse_upcoming", 1)].audience == "nurse"
    assert all(r.next_attempt_at == r.due_at for r in planned.values())


def test_a_repeated_signal_plans_nothing_twice(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
        events.visit_scheduled.send(visit)
        db.session.commit()
    assert len(reminders(visit)) == 3


def test_offsets_are_settings(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "PREPARATION_REMINDER_HOURS", [48, 3])
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 18))
    assert {r.offset_hours for r in reminders(visit) if r.kind == "preparation"} == {48, 3}


def test_quiet_hours_hold_patient_reminders_until_morning(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 13))  # 09:00 in New York
    planned = by_kind(visit)
    # 24 h before is 09:00 (outside quiet hours); 2 h before is 07:00, inside: moved to 08:00.
    assert local(planned[("preparation", 24)].due_at).hour == 9
    assert local(planned[("preparation", 2)].due_at).strftime("%d %H:%M") == "05 08:00"
    # The nurse's reminder is urgent: it keeps 08:00 whatever the quiet hours.
    assert local(planned[("nurse_upcoming", 1)].due_at).strftime("%H:%M") == "08:00"


def test_a_reminder_that_quiet_hours_would_push_past_the_visit_goes_the_evening_before(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 11, 30))  # 07:30 in New York
    planned = by_kind(visit)
    assert local(planned[("preparation", 24)].due_at).strftime("%d %H:%M") == "04 08:00"
    assert local(planned[("preparation", 2)].due_at).strftime("%d %H:%M") == "04 20:45"
    assert local(planned[("nurse_upcoming", 1)].due_at).strftime("%d %H:%M") == "05 06:30"


def test_quiet_hours_are_settings_in_the_patients_own_zone(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "QUIET_HOURS_START", "22:00")
    monkeypatch.setitem(app.config, "QUIET_HOURS_END", "07:00")
    patient = make.patient(timezone="America/Los_Angeles")
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 15, 30), patient=patient)  # 08:30 in Los Angeles
    prep_2h = by_kind(visit)[("preparation", 2)]
    # 06:30 in Los Angeles is quiet: moved to 07:00 there (14:00 UTC).
    assert prep_2h.due_at == utc(2026, 5, 5, 14)


def test_a_day_before_keeps_the_clock_time_across_the_spring_change(make):
    # Clocks go forward in New York on Sunday 8 March 2026 at 02:00.
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 3, 8, 14))  # Sunday 10:00 EDT
    day_before = by_kind(visit)[("preparation", 24)]
    assert local(day_before.due_at).strftime("%a %H:%M") == "Sat 10:00"
    assert day_before.due_at == utc(2026, 3, 7, 15)  # only 23 real hours before
    assert visit.planned_start - day_before.due_at == timedelta(hours=23)


def test_a_day_before_keeps_the_clock_time_across_the_autumn_change(make):
    # Clocks go back in New York on Sunday 1 November 2026 at 02:00.
    with time_machine.travel(utc(2026, 10, 20, 12), tick=False):
        visit = schedule(make, utc(2026, 11, 1, 15))  # Sunday 10:00 EST
    day_before = by_kind(visit)[("preparation", 24)]
    assert local(day_before.due_at).strftime("%a %H:%M") == "Sat 10:00"
    assert visit.planned_start - day_before.due_at == timedelta(hours=25)


def test_quiet_hours_end_at_local_eight_on_the_morning_the_clocks_change(make):
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 3, 7, 21))  # Saturday 16:00 EST
    with time_machine.travel(utc(2026, 3, 8, 3, 30), tick=False):
        check_out(visit, utc(2026, 3, 8, 3, 30))  # Saturday 22:30 EST, in quiet hours
    recovery = by_kind(visit)
    # Held until Sunday 08:00, which is already EDT: 12:00 UTC, not 13:00.
    assert recovery[("recovery", 0)].due_at == utc(2026, 3, 8, 12)
    # +24 h is Sunday 22:30 EDT, quiet again: Monday 08:00 EDT.
    assert recovery[("recovery", 24)].due_at == utc(2026, 3, 9, 12)


def test_check_out_plans_recovery_from_the_real_check_out_time(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))  # planned 10:00-12:00
    with time_machine.travel(utc(2026, 5, 5, 17, 10), tick=False):
        check_in(visit, utc(2026, 5, 5, 14, 40))
        check_out(visit, utc(2026, 5, 5, 17, 10))  # really over at 13:10
    after = by_kind(visit)
    assert after[("recovery", 0)].due_at == utc(2026, 5, 5, 17, 10)
    assert after[("recovery", 24)].due_at == utc(2026, 5, 6, 17, 10)
    assert after[("recovery", 48)].due_at == utc(2026, 5, 7, 17, 10)
    # Each names a recovery step of the procedure record, in order.
    assert [after[("recovery", h)].step_key for h in (0, 24, 48)] == [
        "dressing_dry", "watch_signs", "follow_directions"]
    # 12 h after check-out is 01:10 for the nurse: held until her 08:00.
    assert local(after[("nurse_unsigned", 12)].due_at).strftime("%d %H:%M") == "06 08:00"


def test_check_in_expires_the_reminders_about_getting_ready(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
    with time_machine.travel(utc(2026, 5, 5, 11), tick=False):
        check_in(visit, utc(2026, 5, 5, 11))  # early, before the 2 h reminder
    expired = reminders(visit, "expired")
    assert {(r.kind, r.offset_hours) for r in expired} == {("preparation", 24), ("preparation", 2),
                                                           ("nurse_upcoming", 1)}
    assert {r.status_reason for r in expired} == {"visit_started"}


def test_signing_cancels_the_unsigned_reminder(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
    with time_machine.travel(utc(2026, 5, 5, 16), tick=False):
        check_out(visit, utc(2026, 5, 5, 16))
        sign(visit, utc(2026, 5, 5, 16, 5))
    cancelled = reminders(visit, "cancelled")
    assert [(r.kind, r.status_reason) for r in cancelled] == [("nurse_unsigned", "signed")]
    assert {r.kind for r in reminders(visit, "pending")} == {"recovery"}


def test_rescheduling_moves_pending_reminders(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
        before = {key: r.id for key, r in by_kind(visit).items()}
        reschedule(visit, utc(2026, 5, 7, 18))  # Thursday 14:00 in New York
    after = by_kind(visit)
    assert {key: r.id for key, r in after.items()} == before  # the same rows, moved
    assert after[("preparation", 24)].due_at == utc(2026, 5, 6, 18)
    assert after[("preparation", 2)].due_at == utc(2026, 5, 7, 16)
    assert after[("nurse_upcoming", 1)].due_at == utc(2026, 5, 7, 17)
    assert len(reminders(visit)) == 3


def test_rescheduling_after_a_reminder_went_out_plans_one_for_the_new_time(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
    sent = by_kind(visit)[("preparation", 24)]
    sent.status = "sent"
    db.session.commit()
    with time_machine.travel(utc(2026, 5, 4, 15), tick=False):
        reschedule(visit, utc(2026, 5, 8, 14))
    pending = by_kind(visit)
    assert pending[("preparation", 24)].id != sent.id
    assert pending[("preparation", 24)].due_at == utc(2026, 5, 7, 14)
    assert reminders(visit, "sent")[0].id == sent.id


def test_cancelling_cancels_every_pending_reminder(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
        cancel(visit)
    assert reminders(visit, "pending") == []
    assert {r.status_reason for r in reminders(visit, "cancelled")} == {"visit_cancelled"}


def test_a_missed_visit_cancels_its_reminders(make):
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14))
    with time_machine.travel(utc(2026, 5, 5, 17), tick=False):
        cancel(visit, VisitState.MISSED)
    assert {r.status_reason for r in reminders(visit, "cancelled")} == {"visit_missed"}


def test_a_visit_signalled_before_its_first_flush_gets_its_rows(make):
    from tracker.checklists.services import checklists_of
    from tracker.models import Visit
    from tracker.procedures.services import current_record

    patient, nurse = make.patient(), make.nurse()
    order = make.order(patient)
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = Visit(patient_id=patient.id, nurse_id=nurse.id, order_id=order.id,
                      procedure_record_id=current_record().id, planned_start=utc(2026, 5, 5, 14))
        db.session.add(visit)
        events.visit_scheduled.send(visit)  # as a service might, before any flush
        db.session.commit()
    assert len(reminders(visit)) == 3
    assert set(checklists_of(visit)) == {"preparation", "recovery"}
