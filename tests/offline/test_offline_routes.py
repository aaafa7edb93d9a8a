"""The server's part of offline capture: the worker script, the session probe, the browser's
API token, the capture map, and the visit page's forms kept ready for an offline check-in."""

import json
import re

import pytest
from sqlalchemy import select

from tests.api.conftest import bearer
from tracker.api import tokens
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.offline import services

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")


def csrf_of(browser) -> str:
    return browser.get("/visits/offline/session", headers={"Accept": "application/json"}).json["csrf_token"]


def ask_token(browser, *, replaces=None, csrf: str | None = None, json=True, user_agent=CHROME_ANDROID):
    headers = {"Accept": "application/json", "User-Agent": user_agent}
    if csrf is not False:
        headers["X-CSRFToken"] = csrf or csrf_of(browser)
    if json:
        return browser.client.post("/visits/offline/token", json={"replaces": replaces},
                                   headers=headers)
    return browser.client.post("/visits/offline/token", data={"replaces": "1"}, headers=headers)


# --- The service worker script ----------------------------------------------------------------

def test_the_worker_script_is_served_for_the_nurses_pages(client):
    response = client.get("/visits/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/visits/"
    assert "importScripts" in response.get_data(as_text=True)


def test_the_manifest_opens_the_nurses_day(client):
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200
    manifest = json.loads(response.data)
    response.close()
    assert manifest["start_url"] == "/visits/today" and manifest["scope"] == "/visits/"
    for icon in manifest["icons"]:
        found = client.get(icon["src"])
        assert found.status_code == 200 and found.mimetype == icon["type"], icon["src"]
        found.close()


def test_every_file_the_worker_keeps_exists(client):
    script = client.get("/visits/sw.js").get_data(as_text=True)
    listed = re.search(r"var STATIC_ASSETS = \[(.*?)\];", script, re.S).group(1)
    paths = re.findall(r'"(/[^"]+)"', listed) + ["/visits/offline/capture.json"]
    assert "/static/js/offline/page.js" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


# --- Who is signed in ------------------------------------------------------------------------

def test_the_session_probe_names_the_nurse_and_gives_a_csrf_token(make, signed_in):
    nurse = make.nurse(timezone="Europe/London")
    browser = signed_in(nurse)
    answer = browser.get("/visits/offline/session", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json["user_id"] == nurse.id and answer.json["timezone"] == "Europe/London"
    assert answer.json["csrf_token"]


def test_without_a_session_the_probe_sends_to_sign_in(client):
    answer = client.get("/visits/offline/session")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_only_nurses_sync_from_a_browser(make, signed_in, role):
    browser = signed_in(make.user(role))
    assert browser.get("/visits/offline/session").status_code == 403
    assert browser.post("/visits/offline/token", {}).status_code == 403


# --- The browser's token -----------------------------------------------------------------------

def test_a_nurse_gets_a_token_named_after_her_browser(make, signed_in, client):
    nurse = make.nurse()
    browser = signed_in(nurse)
    answer = ask_token(browser)
    assert answer.status_code == 201
    body = answer.json
    assert body["user_id"] == nurse.id and body["token"].startswith(tokens.TOKEN_PREFIX)
    assert body["name"].startswith("Offline visits: Chrome on Android, ")
    # It works on the API, and the Devices page lists it under that name.
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200 and me.json["device"]["name"] == body["name"]
    assert body["name"] in browser.get("/devices/").get_data(as_text=True)


def test_a_new_token_replaces_the_one_the_browser_held(make, signed_in, client):
    browser = signed_in(make.nurse())
    first = ask_token(browser).json
    second = ask_token(browser, replaces=first["token_id"]).json
    assert client.get("/api/v1/me", headers=bearer(first["token"])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second["token"])).status_code == 200


def test_a_browser_cannot_revoke_another_nurses_token(make, signed_in, client):
    other = make.nurse()
    theirs, raw = tokens.create_token(other, "Their tablet")
    browser = signed_in(make.nurse())
    assert ask_token(browser, replaces=theirs.id).status_code == 201
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200


@pytest.mark.parametrize("replaces", ["1", True, -4, 2**40, {"id": 1}])
def test_an_unusable_replaced_id_is_ignored(make, signed_in, replaces):
    browser = signed_in(make.nurse())
    assert ask_token(browser, replaces=replaces).status_code == 201


def test_the_token_request_needs_the_csrf_token(make, signed_in):
    browser = signed_in(make.nurse())
    refused = ask_token(browser, csrf=False)
    assert refused.status_code == 400 and refused.is_json
    assert db.session.scalar(select(ApiToken.id)) is None


def test_the_token_request_must_be_json(make, signed_in):
    browser = signed_in(make.nurse())
    refused = ask_token(browser, json=False)
    assert refused.status_code == 415 and refused.is_json


def test_the_limit_of_connected_devices_is_kept(make, signed_in):
    nurse = make.nurse()
    for n in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.create_token(nurse, f"Tablet {n}")
    browser = signed_in(nurse)
    refused = ask_token(browser)
    assert refused.status_code == 422
    assert "Disconnect one you no longer use" in refused.json["error"]["detail"]


def test_without_a_session_no_token_is_given(client):
    answer = client.post("/visits/offline/token", json={}, headers={"Accept": "application/json"})
    assert answer.status_code in (302, 400)  # sign-in first (or the CSRF check, which runs first)
    assert db.session.scalar(select(ApiToken.id)) is None


@pytest.mark.parametrize("agent, label", [
    (CHROME_ANDROID, "Chrome on Android"),
    ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.0 Mobile/15E148 Safari/604.1", "Safari on iPad"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
    ("", "a web browser"),
])
def test_browsers_are_named_in_plain_words(agent, label):
    assert services.browser_label(agent) == label


# --- The capture map ---------------------------------------------------------------------------

def test_the_capture_map_is_public_and_names_no_patient(client):
    answer = client.get("/visits/offline/capture.json")
    assert answer.status_code == 200 and isinstance(answer.json["captures"], list)


# --- The visit page, ready for an offline check-in ---------------------------------------------

def _page(browser, visit) -> str:
    return browser.get(f"/visits/{visit.id}").get_data(as_text=True)


def _hidden_forms(html: str) -> set[str]:
    return {m.group(1) for m in re.finditer(
        r'action="/visits/\d+/([a-z-]+)[^"]*"[^>]*hidden data-offline-after-check-in', html)}


def test_a_scheduled_visit_holds_its_forms_hidden_for_an_offline_check_in(make, signed_in):
    nurse = make.nurse()
    visit = make.visit(nurse=nurse)
    html = _page(signed_in(nurse), visit)
    assert {"vitals", "access", "site-checks", "line-care", "teaching",
            "check-out"} <= _hidden_forms(html)
    assert html.count('class="step-form" open hidden data-offline-after-check-in') >= 1
    assert "data-offline-queue" in html and 'data-offline-check-in' in html
    # What a visit page without JavaScript shows is unchanged: the reason, not the forms.
    assert "Check in to start recording this visit." in html


def test_only_the_visits_nurse_gets_the_hidden_forms(make, signed_in):
    visit = make.visit()
    html = _page(signed_in(make.coordinator()), visit)
    assert "data-offline-after-check-in" not in html and "data-offline-queue" not in html


def test_a_visit_in_progress_has_no_hidden_forms(make, signed_in):
    nurse = make.nurse()
    visit = make.visit(nurse=nurse, state="in_progress")
    html = _page(signed_in(nurse), visit)
    assert "data-offline-after-check-in" not in html
    assert f'action="/visits/{visit.id}/vitals#vitals"' in html


def test_nurse_pages_say_who_they_are_for(make, signed_in):
    nurse = make.nurse()
    html = signed_in(nurse).get("/visits/today").get_data(as_text=True)
    assert f'<meta name="ivt-user" content="{nurse.id}">' in html
    assert 'rel="manifest"' in html and "js/offline/page.js" in html


def test_office_pages_load_no_offline_scripts(make, signed_in):
    html = signed_in(make.coordinator()).get("/home", follow_redirects=True).get_data(as_text=True)
    assert "ivt-user" not in html and "js/offline/" not in html
