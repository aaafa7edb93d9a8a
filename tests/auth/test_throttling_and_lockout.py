"""Sign-in throttling (per address and per account) and the 15-minute lockout after 10
failures in a row. Time moves with time-machine; the limiter's windows move with it."""

from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import Factory
from tests.support import audit_rows, field_errors, is_signed_in, new_browser, sign_in_form, text
from tracker.extensions import db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GENERIC_REFUSAL = "That e-mail and password do not match an active account."


def _assert_throttled(response):
    assert response.status_code == 429
    page = text(response)
    assert "Too many attempts" in page and 'class="error-page card"' in page


def test_sign_in_is_throttled_per_address(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "3 per minute")
    user = make.nurse()
    with time_machine.travel(START, tick=False) as clock:
        browser = new_browser(app, remote_addr="10.0.0.1")
        for n in range(3):
            assert sign_in_form(browser, f"someone{n}@test.example", "x").status_code == 422
        _assert_throttled(sign_in_form(browser, user.email, Factory.PASSWORD))
        assert not is_signed_in(browser)
        # Another address is not held back by this one.
        other = new_browser(app, remote_addr="10.0.0.2")
        assert sign_in_form(other, user.email, Factory.PASSWORD).status_code == 302
        clock.shift(timedelta(seconds=61))
        assert sign_in_form(browser, user.email, Factory.PASSWORD).status_code == 302


def test_sign_in_is_throttled_per_account_from_any_address(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per minute")
    user = make.nurse()
    spellings = [user.email, user.email.upper(), f"  {user.email}  "]
    with time_machine.travel(START, tick=False):
        for n, email in enumerate(spellings[:2]):
            browser = new_browser(app, remote_addr=f"10.0.1.{n}")
            assert sign_in_form(browser, email, "wrong password").status_code == 422
        browser = new_browser(app, remote_addr="10.0.1.9")
        _assert_throttled(sign_in_form(browser, spellings[2], Factory.PASSWORD))
        other_user = make.nurse()
        assert sign_in_form(browser, other_user.email, Factory.PASSWORD).status_code == 302


def test_the_default_limit_stops_an_eleventh_try_within_a_minute(app, make):
    user = make.nurse()
    with time_machine.travel(START, tick=False):
        browser = new_browser(app)
        for _ in range(10):
            assert sign_in_form(browser, user.email, "wrong password").status_code == 422
        _assert_throttled(sign_in_form(browser, user.email, "wrong password"))


def _fail(app, user, times: int, clock, every=timedelta(seconds=10)):
    """Wrong passwords spaced out so that the throttle never answers instead."""
    for _ in range(times):
        response = sign_in_form(new_browser(app), user.email, "wrong password")
        assert response.status_code == 422
        clock.shift(every)
    return response


def test_ten_failures_in_a_row_lock_the_account_for_fifteen_minutes(app, make):
    user = make.nurse()
    with time_machine.travel(START, tick=False) as clock:
        _fail(app, user, 10, clock)
        locked_at = START + timedelta(seconds=90)  # the tenth try
        [lockout] = audit_rows("lockout", user_id=user.id)
        assert lockout.ip_address == "127.0.0.1"
        assert len(audit_rows("sign_in_failed", user_id=user.id)) == 10
        db.session.refresh(user)
        assert user.locked_until == locked_at + timedelta(minutes=15)

        # The right password is refused while the lock lasts, and says why.
        for minutes in (1, 14):
            clock.move_to(locked_at + timedelta(minutes=minutes))
            browser = new_browser(app)
            response = sign_in_form(browser, user.email, Factory.PASSWORD)
            assert response.status_code == 422
            message = field_errors(response.get_data(as_text=True), "password")[0]
            left = 15 - minutes
            assert "locked" in message
            assert f"Try again in {left} minute{'' if left == 1 else 's'}," in message
            assert not is_signed_in(browser)
        assert len(audit_rows("sign_in_refused_locked", user_id=user.id)) == 2

        clock.move_to(locked_at + timedelta(minutes=15, seconds=1))
        browser = new_browser(app)
        assert sign_in_form(browser, user.email, Factory.PASSWORD).status_code == 302
        assert is_signed_in(browser)


def test_a_locked_account_does_not_tell_a_stranger_it_exists(app, make):
    """Without the password, a locked account answers like an unknown e-mail."""
    user = make.nurse()
    with time_machine.travel(START, tick=False) as clock:
        _fail(app, user, 10, clock)
        locked = sign_in_form(new_browser(app), user.email, "another wrong password")
        unknown = sign_in_form(new_browser(app), "nobody@test.example", "another wrong password")
    assert locked.status_code == unknown.status_code == 422
    assert field_errors(locked.get_data(as_text=True), "password") == [GENERIC_REFUSAL]
    assert field_errors(unknown.get_data(as_text=True), "password") == [GENERIC_REFUSAL]


def test_failures_that_are_not_in_a_row_do_not_lock(app, make):
    user = make.nurse()
    with time_machine.travel(START, tick=False) as clock:
        _fail(app, user, 9, clock)
        assert sign_in_form(new_browser(app), user.email, Factory.PASSWORD).status_code == 302
        clock.shift(timedelta(minutes=1))
        _fail(app, user, 9, clock)
        assert sign_in_form(new_browser(app), user.email, Factory.PASSWORD).status_code == 302
    assert audit_rows("lockout", user_id=user.id) == []


def test_the_lock_starts_again_after_it_ends(app, make):
    user = make.nurse()
    with time_machine.travel(START, tick=False) as clock:
        _fail(app, user, 10, clock)
        clock.shift(timedelta(minutes=16))
        _fail(app, user, 10, clock)
        assert len(audit_rows("lockout", user_id=user.id)) == 2
        response = sign_in_form(new_browser(app), user.email, Factory.PASSWORD)
        assert response.status_code == 422
