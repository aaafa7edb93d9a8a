"""Idle sessions end after 15 minutes and every session after 12 hours; the person signs in
again and comes back to the page they were on."""

from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import Factory
from tests.support import (
    audit_rows,
    input_value,
    is_signed_in,
    location_next,
    location_path,
    new_browser,
    sign_in_form,
    text,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXPIRED_MESSAGE = "Your session ended for your security."

# A page every signed-in role may open, so it answers 200 while the session lasts.
SIGNED_IN_PAGE = "/procedure/"


def _nurse_with_patient(make):
    nurse = make.nurse()
    patient = make.patient()
    make.assign(nurse, patient)
    return nurse, patient


def _assert_sent_to_sign_in(response, back_to: str):
    assert response.status_code == 302
    assert location_path(response) == "/sign-in"
    assert location_next(response) == back_to


def test_activity_keeps_a_session_alive_and_fifteen_idle_minutes_end_it(app, make):
    nurse, patient = _nurse_with_patient(make)
    page = f"/patients/{patient.id}"
    with time_machine.travel(START, tick=False) as clock:
        browser = new_browser(app)
        browser.sign_in(nurse)
        for _ in range(3):  # 42 minutes in all, never 15 idle
            clock.shift(timedelta(minutes=14))
            assert browser.get(page).status_code == 200
        clock.shift(timedelta(minutes=15, seconds=1))
        _assert_sent_to_sign_in(browser.get(page), back_to=page)
        assert not is_signed_in(browser)
        [event] = audit_rows("session_expired", user_id=nurse.id)
        assert event.ip_address == "127.0.0.1"


def test_after_the_idle_limit_signing_in_again_brings_the_nurse_back(app, make):
    nurse, patient = _nurse_with_patient(make)
    page = f"/patients/{patient.id}"
    with time_machine.travel(START, tick=False) as clock:
        browser = new_browser(app)
        browser.sign_in(nurse)
        clock.shift(timedelta(minutes=16))
        expired = browser.get(page)
        _assert_sent_to_sign_in(expired, back_to=page)
        login_page = browser.get(expired.headers["Location"])
        assert EXPIRED_MESSAGE in text(login_page)
        next_value = input_value(login_page.get_data(as_text=True), "next")
        response = sign_in_form(browser, nurse.email, Factory.PASSWORD, next=next_value)
        assert response.status_code == 302 and location_path(response) == page
        assert browser.get(page).status_code == 200


def test_a_form_sent_after_the_idle_limit_returns_to_the_form_page(app, make):
    coordinator = make.coordinator()
    patient = make.patient()
    form_page = f"/patients/{patient.id}/edit"
    with time_machine.travel(START, tick=False) as clock:
        browser = new_browser(app)
        browser.sign_in(coordinator)
        token = browser.csrf(form_page)
        clock.shift(timedelta(minutes=20))
        response = browser.client.post(form_page, data={"csrf_token": token, "phone": "555-0199"},
                                       headers={"Referer": f"http://localhost{form_page}"})
        _assert_sent_to_sign_in(response, back_to=form_page)
    assert audit_rows("patient_updated", patient_id=patient.id) == []


def test_every_session_ends_after_twelve_hours_even_when_busy(app, make):
    nurse = make.nurse()
    with time_machine.travel(START, tick=False) as clock:
        browser = new_browser(app)
        browser.sign_in(nurse)
        elapsed = timedelta(0)
        while elapsed + timedelta(minutes=14) < timedelta(hours=12):
            elapsed += timedelta(minutes=14)
            clock.move_to(START + elapsed)
            assert browser.get(SIGNED_IN_PAGE).status_code == 200
        clock.move_to(START + timedelta(hours=12, seconds=1))
        _assert_sent_to_sign_in(browser.get(SIGNED_IN_PAGE), back_to=SIGNED_IN_PAGE)
        assert audit_rows("session_expired", user_id=nurse.id)
