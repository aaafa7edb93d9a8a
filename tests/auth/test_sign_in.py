"""Signing in and out: Argon2id hashes, a fresh session each time, no remember-me cookie,
coming back to the page asked for, and sign-out that really ends the session."""

import pytest
from argon2 import PasswordHasher

from tests.factories import Factory
from tests.support import (
    SESSION_COOKIE,
    audit_rows,
    field_errors,
    input_value,
    is_signed_in,
    location_next,
    location_path,
    new_browser,
    sign_in_form,
    text,
)
from tracker.auth.passwords import verify_password
from tracker.extensions import db

GENERIC_REFUSAL = "That e-mail and password do not match an active account."


@pytest.mark.parametrize("role, lands_on", [("nurse", "/visits/today"), ("coordinator", "/history/"),
                                            ("patient", "/my-care"), ("admin", "/admin/users")])
def test_each_role_signs_in_and_reaches_its_home_page(app, make, role, lands_on):
    user = make.user(role)
    browser = new_browser(app)
    response = sign_in_form(browser, user.email.upper(), Factory.PASSWORD)  # e-mail case ignored
    assert response.status_code == 302 and location_path(response) == "/home"
    home = browser.get("/home", follow_redirects=True)
    assert home.status_code == 200 and home.request.path == lands_on
    assert user.name in text(home)
    [event] = audit_rows("sign_in", user_id=user.id)
    assert event.record_type == "user" and event.record_id == str(user.id)
    assert event.ip_address == "127.0.0.1"
    db.session.refresh(user)
    assert user.last_sign_in_at is not None


def test_passwords_are_stored_as_argon2id_hashes(make):
    user = make.nurse()
    assert user.password_hash.startswith("$argon2id$")
    assert Factory.PASSWORD not in user.password_hash


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(app, make):
    user = make.nurse()
    user.password_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2).hash(
        Factory.PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    new_browser(app).sign_in(user)
    db.session.refresh(user)
    assert user.password_hash != old_hash and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, Factory.PASSWORD)


def test_a_wrong_password_is_refused_with_the_email_kept(app, make):
    user = make.nurse()
    browser = new_browser(app)
    response = sign_in_form(browser, user.email, "not the password")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "password") == [GENERIC_REFUSAL]
    assert input_value(page, "email") == user.email
    assert input_value(page, "password") == ""  # a password is never echoed back
    assert not is_signed_in(browser)
    [event] = audit_rows("sign_in_failed", user_id=user.id)
    assert event.detail == {"failures_in_a_row": 1}


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(app, make):
    user = make.nurse()
    wrong_password = sign_in_form(new_browser(app), user.email, "not the password")
    unknown = sign_in_form(new_browser(app), "nobody@test.example", "not the password")
    assert unknown.status_code == wrong_password.status_code == 422
    assert field_errors(unknown.get_data(as_text=True), "password") == [GENERIC_REFUSAL]
    [event] = audit_rows("sign_in_failed", user_id=None)
    assert event.detail == {"reason": "unknown_account"}
    assert "nobody@test.example" not in str(event.detail)


def test_empty_fields_get_messages_next_to_them(app):
    response = sign_in_form(new_browser(app), "", "")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "email") == ["Enter your e-mail."]
    assert field_errors(page, "password") == ["Enter your password."]


def test_a_deactivated_account_cannot_sign_in(app, make):
    user = make.nurse()
    user.active = False
    db.session.commit()
    response = sign_in_form(new_browser(app), user.email, Factory.PASSWORD)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "password") == [GENERIC_REFUSAL]


def test_sign_in_starts_a_fresh_session(app, make):
    user = make.nurse()
    browser = new_browser(app)
    browser.get("/sign-in")
    with browser.client.session_transaction() as session:
        session["planted"] = "by someone else"  # what a fixation attack would leave behind
    before = browser.client.get_cookie(SESSION_COOKIE).value
    browser.sign_in(user)
    after = browser.client.get_cookie(SESSION_COOKIE).value
    assert after != before
    with browser.client.session_transaction() as session:
        assert "planted" not in session
    # The cookie from before sign-in does not carry the identity.
    replay = new_browser(app)
    replay.client.set_cookie(SESSION_COOKIE, before)
    response = replay.get("/home")
    assert response.status_code == 302 and location_path(response) == "/sign-in"


def test_no_remember_me_cookie_is_ever_set(app, make):
    user = make.nurse()
    browser = new_browser(app)
    responses = [browser.get("/sign-in"), browser.sign_in(user), browser.get("/home"),
                 browser.post("/sign-out")]
    set_cookies = [h for r in responses for h in r.headers.getlist("Set-Cookie")]
    assert set_cookies, "the session cookie should have been set"
    assert all(h.startswith(SESSION_COOKIE + "=") for h in set_cookies), set_cookies
    assert {c.key for c in browser.client._cookies.values()} <= {SESSION_COOKIE}


def test_sign_out_ends_the_session(app, make):
    user = make.nurse()
    browser = new_browser(app)
    browser.sign_in(user)
    response = browser.post("/sign-out")
    assert response.status_code == 302 and location_path(response) == "/sign-in"
    assert "You are signed out." in text(browser.get("/sign-in"))
    after = browser.get("/home")
    assert after.status_code == 302 and location_path(after) == "/sign-in"
    [event] = audit_rows("sign_out", user_id=user.id)
    assert event.ip_address == "127.0.0.1"


def test_a_session_cookie_copied_before_sign_out_is_useless_after_it(app, make):
    """The session lives in a signed cookie: signing out must make a copy of it worthless."""
    user = make.nurse()
    browser = new_browser(app)
    browser.sign_in(user)
    copied = browser.client.get_cookie(SESSION_COOKIE).value
    browser.post("/sign-out")
    thief = new_browser(app)
    thief.client.set_cookie(SESSION_COOKIE, copied)
    response = thief.get("/home")
    assert response.status_code == 302 and location_path(response) == "/sign-in"


def test_an_anonymous_visitor_comes_back_to_the_page_asked_for(app, make):
    nurse = make.nurse()
    patient = make.patient()
    make.assign(nurse, patient)
    browser = new_browser(app)
    asked = browser.get(f"/patients/{patient.id}")
    assert asked.status_code == 302 and location_path(asked) == "/sign-in"
    assert location_next(asked) == f"/patients/{patient.id}"
    login_page = browser.get(asked.headers["Location"])
    assert "Sign in to see this page." in text(login_page)
    next_value = input_value(login_page.get_data(as_text=True), "next")
    assert next_value == f"/patients/{patient.id}"
    response = sign_in_form(browser, nurse.email, Factory.PASSWORD, next=next_value)
    assert response.status_code == 302 and location_path(response) == f"/patients/{patient.id}"
    assert browser.get(f"/patients/{patient.id}").status_code == 200


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/x", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "javascript:alert(1)",
    " //evil.example",
])
def test_sign_in_never_sends_anyone_off_site(app, make, target):
    user = make.nurse()
    browser = new_browser(app)
    page = browser.get("/sign-in", query_string={"next": target}).get_data(as_text=True)
    assert "evil.example" not in page and "javascript:" not in page
    response = sign_in_form(browser, user.email, Factory.PASSWORD, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/home", location


def test_a_signed_in_user_opening_sign_in_goes_home(make, signed_in):
    browser = signed_in(make.coordinator())
    response = browser.get("/sign-in")
    assert response.status_code == 302 and location_path(response) == "/home"
