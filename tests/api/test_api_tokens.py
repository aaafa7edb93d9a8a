"""Device tokens: created on the Devices page and shown once, stored as a hash, revoked at once."""

import hashlib
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from tests.api.conftest import assert_error, bearer
from tracker.api import tokens
from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent
from tracker.timeutil import utcnow

TOKEN_RE = re.compile(r'id="new-token" type="text" value="(ivt_[A-Za-z0-9_-]+)"')


def create_on_page(browser, name: str):
    return browser.post("/devices/", {"name": name}, page="/devices/")


def test_a_nurse_connects_a_device_and_sees_its_token_once(signed_in, make, client):
    nurse = make.nurse()
    browser = signed_in(nurse)
    response = create_on_page(browser, "Blue tablet")
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    raw = TOKEN_RE.search(html).group(1)
    assert "shown only this once" in html

    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == nurse.id))
    assert stored.name == "Blue tablet"
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in stored.token_hash
    assert len(raw) > 40  # 32 random bytes, URL-safe base64, after the prefix

    page = browser.get("/devices/").get_data(as_text=True)
    assert "Blue tablet" in page and raw not in page  # listed, never shown again

    me = client.get("/api/v1/me", headers=bearer(raw))
    assert me.status_code == 200
    assert me.get_json()["device"]["name"] == "Blue tablet"


def test_the_token_is_not_kept_in_the_session_cookie(app, signed_in, make, client):
    browser = signed_in(make.nurse())
    response = create_on_page(browser, "Blue tablet")
    raw = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    cookie = client.get_cookie("tracker_session").value
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert session.get("_user_id")  # the decoded session, signed in
    assert raw not in repr(session)


def test_revoking_a_device_stops_its_token_at_once(signed_in, make, client):
    nurse = make.nurse()
    browser = signed_in(nurse)
    raw = TOKEN_RE.search(create_on_page(browser, "Old phone").get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    device = db.session.scalar(select(ApiToken).where(ApiToken.user_id == nurse.id))

    response = browser.post(f"/devices/{device.id}/revoke", page="/devices/", follow_redirects=True)
    assert response.status_code == 200
    assert "is disconnected" in response.get_data(as_text=True)

    refused = client.get("/api/v1/me", headers=bearer(raw))
    assert_error(refused, 401)
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_the_device_can_disconnect_itself(nurse_api):
    assert nurse_api.get("/api/v1/me").status_code == 200
    response = nurse_api.delete("/api/v1/me/device")
    assert response.status_code == 204
    assert_error(nurse_api.get("/api/v1/me"), 401)


def test_a_nurse_cannot_revoke_another_nurses_device(signed_in, make, issue_token, client):
    owner = make.nurse()
    raw = issue_token(owner)
    other = signed_in(make.nurse())
    device = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    assert other.post(f"/devices/{device.id}/revoke", page="/devices/").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200


def test_a_device_needs_a_name(signed_in, make):
    browser = signed_in(make.nurse())
    response = create_on_page(browser, "   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Name the device" in html and "ivt_" not in html


def test_a_nurse_has_at_most_ten_connected_devices(signed_in, make, issue_token):
    nurse = make.nurse()
    for n in range(tokens.MAX_ACTIVE_TOKENS):
        issue_token(nurse, f"Tablet {n}")
    browser = signed_in(nurse)
    response = create_on_page(browser, "One too many")
    assert response.status_code == 422
    assert "Disconnect one you no longer use first" in response.get_data(as_text=True)


def test_only_nurses_have_a_devices_page(signed_in, make):
    for user in (make.coordinator(), make.admin(), make.patient_user()):
        browser = signed_in(user)
        assert browser.get("/devices/").status_code == 403
        assert create_on_page(browser, "Sneaky").status_code == 403
        browser.client.post("/sign-out", data={"csrf_token": browser.csrf()})
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "Sneaky")) is None


def test_the_devices_page_is_in_the_nurses_navigation(signed_in, make):
    html = signed_in(make.nurse()).get("/devices/").get_data(as_text=True)
    assert 'href="/devices/" aria-current="page">Devices</a>' in html


def test_the_service_refuses_tokens_for_other_roles(make):
    for user in (make.coordinator(), make.admin(), make.patient_user()):
        try:
            tokens.create_token(user, "Desk")
        except tokens.TokenError as error:
            assert "Only nurses" in error.message
        else:
            raise AssertionError(f"a {user.role} got a token")


def test_last_used_is_written_at_most_once_a_minute(nurse_api, nurse):
    device = db.session.scalar(select(ApiToken).where(ApiToken.user_id == nurse.id))
    assert device.last_used_at is None
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        nurse_api.get("/api/v1/me")
    db.session.refresh(device)
    assert device.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        nurse_api.get("/api/v1/me")
    db.session.refresh(device)
    assert device.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        nurse_api.get("/api/v1/me")
    db.session.refresh(device)
    assert device.last_used_at == start + timedelta(seconds=61)


def test_a_deactivated_nurses_tokens_stop_working(nurse_api, nurse, make):
    assert nurse_api.get("/api/v1/me").status_code == 200
    auth_services.set_active(nurse, False, by=make.admin())
    assert_error(nurse_api.get("/api/v1/me"), 401)


def test_creating_and_revoking_are_audited_without_the_token(make):
    nurse = make.nurse()
    device, raw = tokens.create_token(nurse, "Blue tablet")
    tokens.revoke_token(nurse, device.id)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "api_token", AuditEvent.record_id == str(device.id))).all()
    assert [e.action for e in events] == ["api_token_created", "api_token_revoked"]
    assert all(raw not in str(e.detail) for e in events)
