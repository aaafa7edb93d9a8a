"""Two copies of one write sent at the same moment (a tablet retrying while its first
request is still being saved) store one record, and both get the same answer.

Runs on PostgreSQL, each copy in its own thread with its own app context, session and
connection, on committed data in a sibling database. Each copy is held at a barrier after
it has checked for its client_id (and found none), so that both really do the work and
race to commit: the unique (user, client_id) key lets one commit and makes the other
answer with the first one's record.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.api.conftest import bearer
from tests.api.write_helpers import PLACE, VITALS, body, iso, ready_visit, schedule
from tests.conftest import build_app, database_url
from tests.factories import Factory
from tracker.api import tokens
from tracker.extensions import db
from tracker.models import AuditEvent, IdempotencyKey, User, Visit, VitalSigns
from tracker.timeutil import utcnow
from tracker.visits import lifecycle
from tracker.visits.charting import vitals

WAIT_SECONDS = 30  # a copy that never reaches the barrier fails the test instead of hanging


@pytest.fixture(scope="module")
def race_app(tmp_path_factory):
    url = database_url(tmp_path_factory, "_api_race")
    if not url.startswith("postgresql"):
        pytest.skip("two copies cannot race on SQLite: it has one writer at a time, so the "
                    "second copy waits for the first to commit. CI runs this on PostgreSQL "
                    "(set TEST_DATABASE_URL).")
    return build_app(url)


def send_together(app, url: str, payloads: list[dict], token: str) -> list:
    """Send the two bodies from two threads at once; their answers."""
    answers, errors = [None, None], []

    def send(index: int):
        try:
            answers[index] = app.test_client().post(url, json=payloads[index],
                                                    headers=bearer(token))
        except Exception as error:  # surfaced below; a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def hold_both_copies(monkeypatch, module, name: str) -> threading.Barrier:
    """Make module.name wait until both copies have reached it."""
    barrier = threading.Barrier(2, timeout=WAIT_SECONDS)
    original = getattr(module, name)

    def held(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return barrier


def test_two_copies_of_a_vitals_write_store_one_set(race_app, monkeypatch):
    with race_app.app_context():
        make = Factory()
        nurse = make.nurse()
        ready = ready_visit(make, nurse)
        token = tokens.create_token(nurse, "Race tablet")[1]
        visit_id = ready.visit.id
        payload = body(**VITALS, taken_at=iso(ready.checked_in_at + timedelta(minutes=15)))
        db.session.remove()
    # Both copies have created their set and wait to commit it.
    barrier = hold_both_copies(monkeypatch, vitals, "commit_entry")

    answers = send_together(race_app, f"/api/v1/visits/{visit_id}/vitals", [payload] * 2,
                             token)

    assert not barrier.broken
    assert [a.status_code for a in answers] == [201, 201], [a.get_data(as_text=True)[:300]
                                                          for a in answers]
    assert answers[0].get_json() == answers[1].get_json()
    with race_app.app_context():
        sets = db.session.scalars(select(VitalSigns).where(VitalSigns.visit_id == visit_id)).all()
        assert [s.id for s in sets] == [answers[0].get_json()["id"]]
        assert db.session.scalar(select(func.count(IdempotencyKey.id)).where(
            IdempotencyKey.client_id == payload["client_id"])) == 1
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "vitals_recorded",
            AuditEvent.record_id == str(sets[0].id))) == 1
        db.session.remove()


def test_two_copies_of_a_check_in_check_in_once(race_app, monkeypatch):
    """The second copy waits on the visit's row lock, then finds the visit checked in:
    its refusal is recognised as the same write (by the service, so the visit page's double
    tap is safe too), and it answers with the first one's visit."""
    with race_app.app_context():
        make = Factory()
        nurse = make.nurse()
        visit_id = schedule(make, nurse, minutes_ago=10).id
        token = tokens.create_token(nurse, "Race tablet")[1]
        payload = body(at=iso(utcnow() - timedelta(minutes=2)), **PLACE)
        db.session.remove()
    barrier = hold_both_copies(monkeypatch, lifecycle, "_lock")

    answers = send_together(race_app, f"/api/v1/visits/{visit_id}/check-in", [payload] * 2,
                             token)

    assert not barrier.broken
    assert [a.status_code for a in answers] == [200, 200], [a.get_data(as_text=True)[:300]
                                                          for a in answers]
    assert answers[0].get_json() == answers[1].get_json()
    with race_app.app_context():
        assert db.session.get(Visit, visit_id).state == "in_progress"
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "visit_checked_in",
            AuditEvent.record_id == str(visit_id))) == 1
        db.session.remove()


def test_two_different_check_ins_at_once_check_in_once(race_app, monkeypatch):
    """Two taps, two client_ids: the visit's row lock lets one check in; the other finds the
    visit checked in and is refused (409), rather than overwriting the first time."""
    with race_app.app_context():
        make = Factory()
        nurse = make.nurse()
        visit_id = schedule(make, nurse, minutes_ago=10).id
        token = tokens.create_token(nurse, "Race tablet")[1]
        times = [utcnow() - timedelta(minutes=3), utcnow() - timedelta(minutes=2)]
        payloads = [body(at=iso(at), **PLACE) for at in times]
        db.session.remove()
    barrier = hold_both_copies(monkeypatch, lifecycle, "_lock")

    answers = send_together(race_app, f"/api/v1/visits/{visit_id}/check-in", payloads, token)

    assert not barrier.broken
    assert sorted(a.status_code for a in answers) == [200, 409]
    [checked_in] = [a.get_json() for a in answers if a.status_code == 200]
    [refused] = [a.get_json() for a in answers if a.status_code == 409]
    assert refused["error"]["detail"].startswith("This visit is already checked in (at ")
    with race_app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.checked_in_at.isoformat() == checked_in["evv"]["check_in"]["at"]
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "visit_checked_in",
            AuditEvent.record_id == str(visit_id))) == 1
        db.session.remove()


def test_a_double_tap_on_the_visit_pages_check_in_checks_in_once(race_app, monkeypatch):
    """The same form sent twice at once (one client_id), through the service as the visit
    page calls it: both sends end with the one check-in, neither with an error."""
    with race_app.app_context():
        make = Factory()
        nurse = make.nurse()
        nurse_id, visit_id = nurse.id, schedule(make, nurse, minutes_ago=10).id
        db.session.remove()
    client_id = body()["client_id"]
    at = utcnow() - timedelta(minutes=2)
    barrier = hold_both_copies(monkeypatch, lifecycle, "_lock")
    results, errors = [None, None], []

    def tap(index: int):
        try:
            with race_app.app_context():
                user, visit = db.session.get(User, nurse_id), db.session.get(Visit, visit_id)
                results[index] = lifecycle.check_in(user, visit, {"at": at, **PLACE},
                                                    client_id=client_id).checked_in_at
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=tap, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not barrier.broken and errors == []
    assert results[0] == results[1] == at
    with race_app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "visit_checked_in",
            AuditEvent.record_id == str(visit_id))) == 1
        db.session.remove()
