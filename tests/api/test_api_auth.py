"""Who may call the API: a live nurse's device token, never the cookie session."""

from datetime import timedelta

import pytest
import time_machine

from tests.api.conftest import ApiClient, assert_error, bearer
from tracker.api import reads
from tracker.timeutil import utcnow

NURSE_ENDPOINTS = ("/api/v1/me", "/api/v1/visits")


@pytest.mark.parametrize("url", NURSE_ENDPOINTS)
def test_no_token_is_401_with_a_bearer_challenge(client, url):
    response = client.get(url)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="infusion-tracker-api"'


@pytest.mark.parametrize("header", [
    "Bearer ivt_not-a-token-we-issued",
    "bearer ivt_not-a-token-we-issued",
    "Bearer " + "x" * 5000,
])
def test_an_unknown_token_is_401_invalid_token(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert_error(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["Basic bnVyc2U6cGFzc3dvcmQ=", "Bearer", "ivt_abc", ""])
def test_other_authorization_headers_are_401(client, header):
    assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_a_token_survives_the_web_sessions_idle_timeout(nurse_api, app):
    later = utcnow() + app.config["IDLE_TIMEOUT"] + timedelta(hours=1)
    with time_machine.travel(later):
        assert nurse_api.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("role", ["patient", "coordinator", "admin"])
def test_tokens_of_other_roles_are_refused_403(make, api_as, role):
    user = make.patient_user() if role == "patient" else make.user(role)
    api = api_as(user)
    for url in NURSE_ENDPOINTS:
        assert_error(api.get(url), 403)


def test_a_patient_token_cannot_read_even_the_patients_own_visit(make, api_as):
    patient = make.patient()
    visit = make.visit(patient=patient)
    api = api_as(make.patient_user(patient))
    assert_error(api.get(f"/api/v1/visits/{visit.id}"), 403)


def test_the_cookie_session_is_ignored_by_the_api(signed_in, make, client, issue_token):
    signed_in(make.nurse())  # the client now holds a signed-in session cookie
    response = client.get("/api/v1/me")
    assert_error(response, 401)
    assert "Set-Cookie" not in response.headers  # the API neither reads nor refreshes the cookie

    other = make.nurse()
    as_other = client.get("/api/v1/me", headers=bearer(issue_token(other)))
    assert as_other.get_json()["user"]["id"] == other.id  # the token decides, not the cookie
    assert "Set-Cookie" not in as_other.headers


def test_a_cross_site_form_with_the_nurses_cookie_cannot_change_anything(signed_in, nurse,
                                                                          nurse_api, client):
    signed_in(nurse)
    # What a page on another site could make the nurse's browser send: her cookie, no token.
    forged = client.delete("/api/v1/me/device", headers={"Origin": "https://evil.example"})
    assert_error(forged, 401)
    assert nurse_api.get("/api/v1/me").status_code == 200  # the device is still connected


def test_the_api_needs_no_csrf_token(nurse_api, app):
    assert app.config["WTF_CSRF_ENABLED"]
    assert nurse_api.delete("/api/v1/me/device").status_code == 204


def test_api_use_does_not_keep_the_web_session_alive(signed_in, nurse, nurse_api, app):
    browser = signed_in(nurse)
    start = utcnow()
    idle = app.config["IDLE_TIMEOUT"]
    with time_machine.travel(start + idle - timedelta(minutes=1)):
        assert nurse_api.get("/api/v1/me").status_code == 200
    with time_machine.travel(start + idle + timedelta(minutes=1)):
        response = browser.get("/devices/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"


def test_method_not_allowed_is_405_json_with_allow(nurse_api):
    response = nurse_api.post("/api/v1/visits", json={})
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unknown_api_paths_are_404_json(nurse_api):
    assert_error(nurse_api.get("/api/v1/nothing-here"), 404)
    assert_error(nurse_api.get("/api/v2/visits"), 404)


def test_the_rate_limit_is_per_token_and_answers_429_json(app, monkeypatch, make, client,
                                                          issue_token):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    nurse = make.nurse()
    first, second = ApiClient(client, issue_token(nurse)), ApiClient(client, issue_token(nurse))
    assert first.get("/api/v1/me").status_code == 200
    assert first.get("/api/v1/me").status_code == 200
    limited = first.get("/api/v1/me")
    assert_error(limited, 429)
    assert "Retry-After" in limited.headers
    assert second.get("/api/v1/me").status_code == 200  # another device has its own allowance


def test_an_unexpected_error_is_a_json_500_without_internals(nurse_api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reads, "nurse_visits", broken)
    response = nurse_api.get("/api/v1/visits")
    assert_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)


def test_me_names_the_nurse_and_the_device(api_as, make):
    nurse = make.nurse(name="Nora Nurse")
    body = api_as(nurse).get("/api/v1/me").get_json()
    assert body["user"] == {"id": nurse.id, "name": "Nora Nurse", "email": nurse.email,
                            "role": "nurse", "timezone": "America/New_York"}
    assert body["device"]["name"] == "Test tablet"
    assert body["device"]["created_at"].endswith("+00:00")
