"""Two dispatchers racing over 1,000 due reminders deliver each exactly once.

Runs on PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED), each dispatcher in its own thread
with its own app context, session and connection, on committed data in a sibling database.
"""

import email
import threading
from collections import Counter
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from tests.conftest import build_app, database_url
from tests.factories import Factory
from tracker.extensions import db
from tracker.models import Notification, Reminder, VisitState
from tracker.reminders.dispatch import dispatch_due
from tracker.timeutil import utcnow

REMINDERS = 1000


@pytest.fixture(scope="module")
def race_app(tmp_path_factory):
    url = database_url(tmp_path_factory, "_race")
    if not url.startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL's row locks (SKIP LOCKED); SQLite has one writer. "
                    "CI runs this on PostgreSQL (set TEST_DATABASE_URL).")
    return build_app(url)


@pytest.fixture
def due_reminders(race_app, tmp_path):
    race_app.config.update(SMTP_HOST="", OUTBOX_DIR=str(tmp_path / "outbox"))
    with race_app.app_context():
        make = Factory()
        nurse = make.nurse()
        now = utcnow()
        visit = make.visit(nurse=nurse, planned_start=now - timedelta(hours=14),
                           state=VisitState.COMPLETED.value,
                           checked_in_at=now - timedelta(hours=14),
                           checked_out_at=now - timedelta(hours=12, minutes=30))
        db.session.add_all(Reminder(
            visit_id=visit.id, patient_id=visit.patient_id, kind="nurse_unsigned",
            audience="nurse", offset_hours=12, due_at=now - timedelta(minutes=30),
            next_attempt_at=now - timedelta(minutes=30), channels_done=[])
            for _ in range(REMINDERS))
        db.session.commit()
        ids = set(db.session.scalars(select(Reminder.id).where(Reminder.visit_id == visit.id)))
        db.session.remove()
    return ids, tmp_path / "outbox"


def test_two_dispatchers_deliver_each_reminder_exactly_once(race_app, due_reminders):
    ids, outbox = due_reminders
    start = threading.Barrier(2)
    reports, errors = {}, []

    def dispatcher(name):
        try:
            with race_app.app_context():
                start.wait()
                reports[name] = dispatch_due(dispatcher_id=name, batch_size=20)
        except Exception as error:  # surfaced below; a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(report.outcomes.get("sent", 0) for report in reports.values()) == REMINDERS
    assert all(report.claimed > 0 for report in reports.values()), reports  # a real race
    assert all(report.outcomes.get("lost", 0) == 0 for report in reports.values())
    with race_app.app_context():
        statuses = Counter(db.session.scalars(select(Reminder.status).where(Reminder.id.in_(ids))))
        assert statuses == {"sent": REMINDERS}
        in_app = Counter(db.session.scalars(select(Notification.reminder_id).where(
            Notification.reminder_id.in_(ids))))
        assert set(in_app) == ids and set(in_app.values()) == {1}
        assert db.session.scalar(select(func.max(Reminder.attempts)).where(
            Reminder.id.in_(ids))) == 1
        db.session.remove()
    mailed = Counter(int(email.message_from_bytes(path.read_bytes(), policy=policy.default)
                         ["X-Reminder-ID"]) for path in outbox.glob("*.eml"))
    assert set(mailed) == ids and set(mailed.values()) == {1}
