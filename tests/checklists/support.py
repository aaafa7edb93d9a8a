"""Helpers that move a visit through its life the way the visit services will: change the
row, send the signal inside the transaction, then commit."""

from datetime import UTC, datetime, timedelta

from tracker.extensions import db
from tracker.models import VisitState
from tracker.visits import events


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedule(make, planned_start: datetime, **kwargs):
    visit = make.visit(planned_start=planned_start, **kwargs)
    events.visit_scheduled.send(visit)
    db.session.commit()
    return visit


def reschedule(visit, new_start: datetime):
    old_start = visit.planned_start
    visit.planned_start = new_start
    events.visit_rescheduled.send(visit, old_start=old_start)
    db.session.commit()


def cancel(visit, state: VisitState = VisitState.CANCELLED):
    visit.state = state.value
    signal = events.visit_cancelled if state == VisitState.CANCELLED else events.visit_missed
    signal.send(visit)
    db.session.commit()


def check_in(visit, at: datetime):
    visit.state, visit.checked_in_at = VisitState.IN_PROGRESS.value, at
    events.visit_checked_in.send(visit)
    db.session.commit()


def check_out(visit, at: datetime, minutes: int = 100):
    if visit.checked_in_at is None:
        visit.checked_in_at = at - timedelta(minutes=minutes)
    visit.state, visit.checked_out_at = VisitState.COMPLETED.value, at
    events.visit_checked_out.send(visit)
    db.session.commit()


def sign(visit, at: datetime):
    visit.state, visit.signed_at, visit.signed_by_id = VisitState.SIGNED.value, at, visit.nurse_id
    events.visit_signed.send(visit)
    db.session.commit()


def browser_for(app, user):
    """A second signed-in browser (its own cookies), beside the `signed_in` fixture's one."""
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.sign_in(user)
    return browser
