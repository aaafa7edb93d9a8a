"""Reminders follow the visit's life through the signals of tracker/visits/events.py.

Connected when this module is imported (create_app's register_blueprints imports it).
The signals come inside the visit service's transaction: receivers add and change rows
and never commit, so a visit is never scheduled without its reminders, nor cancelled with
reminders left pending.
"""

from tracker.models import ReminderKind, ReminderStatus
from tracker.reminders import planning
from tracker.visits import events


@events.visit_scheduled.connect
def on_scheduled(visit, **_):
    planning.plan_for_scheduled(visit)


@events.visit_rescheduled.connect
def on_rescheduled(visit, **_):
    planning.move_for_rescheduled(visit)


@events.visit_cancelled.connect
def on_cancelled(visit, **_):
    planning.close_pending(visit, status=ReminderStatus.CANCELLED, reason="visit_cancelled")


@events.visit_missed.connect
def on_missed(visit, **_):
    planning.close_pending(visit, status=ReminderStatus.CANCELLED, reason="visit_missed")


@events.visit_checked_in.connect
def on_checked_in(visit, **_):
    # Reminders about getting ready are of no use once the nurse is there.
    planning.close_pending(visit, status=ReminderStatus.EXPIRED, reason="visit_started",
                           kinds=planning.BEFORE_VISIT)


@events.visit_checked_out.connect
def on_checked_out(visit, **_):
    # Normally already done at check-in; kept here so that no reminder about getting ready
    # outlives a finished visit.
    existing = planning.reminders_of(visit)  # read once for both steps
    planning.close_pending(visit, status=ReminderStatus.EXPIRED, reason="visit_started",
                           kinds=planning.BEFORE_VISIT, existing=existing)
    planning.plan_for_checked_out(visit, existing)


@events.visit_signed.connect
def on_signed(visit, **_):
    planning.close_pending(visit, status=ReminderStatus.CANCELLED, reason="signed",
                           kinds=(ReminderKind.NURSE_UNSIGNED.value,))
