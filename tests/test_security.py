"""HTTP-level protections: headers, cookies, CSRF on every form, no change over GET, error pages.

The route walks use tests/route_walk.py, so routes added later are covered too.
"""

import pytest
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from config import TestingConfig
from tests.conftest import IsolatedClient
from tests.route_walk import (
    ROLES,
    WRITE_METHODS,
    Visitor,
    build_world,
    csrf_exempt,
    roles_of,
    url_for_rule,
    walked_rules,
)
from tests.support import (
    data_snapshot,
    new_browser,
    production_app,
    session_cookie_header,
    snapshot_difference,
    text,
)
from tracker import create_app
from tracker.authz import STAFF, public, roles_required
from tracker.extensions import db, limiter
from tracker.models import Patient
from tracker.patients import services as patient_services

# A page every signed-in role may open, so it answers 200 while the session lasts.
SIGNED_IN_PAGE = "/procedure/"


@pytest.fixture
def world(make, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    return build_world(make)


def _visitor_for(app, rule, world, visitors: dict) -> Visitor:
    """Someone the route lets in: anonymous for public routes, else the first allowed role."""
    roles = roles_of(app, rule)
    who = "anonymous" if roles is None else next(r for r in ("admin",) + ROLES if r in roles)
    if who not in visitors:
        visitors[who] = Visitor(app, world.users.get(who))
    return visitors[who]


# --- Headers -------------------------------------------------------------------------------

def _assert_security_headers(response):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";"))
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                          "no-referrer")


def test_security_headers_on_every_kind_of_response(app, make, client, signed_in):
    anonymous = new_browser(app)
    responses = {
        "sign-in page": anonymous.get("/sign-in"),
        "redirect to sign-in": anonymous.get("/home"),
        "not found": anonymous.get("/no-such-page"),
        "wrong method": anonymous.get("/sign-out"),
        "missing CSRF token": anonymous.client.post("/sign-in", data={}),
        "stylesheet": anonymous.get("/static/css/app.css"),
        "health check": anonymous.get("/healthz"),
    }
    nurse = signed_in(make.nurse())
    responses["signed-in page"] = nurse.get("/home")
    responses["forbidden"] = nurse.get("/admin/users")
    for name, response in responses.items():
        try:
            _assert_security_headers(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name} ({response.status_code}): {error!r}") from None


def test_pages_with_patient_data_are_never_cached(make, signed_in):
    coordinator = signed_in(make.coordinator())
    patient = make.patient()
    response = coordinator.get(f"/patients/{patient.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_load_for_everyone(app, client):
    """The sign-in page is styled before anyone signs in: CSS, JS and icons are public."""
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/img/icon.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- Cookies -------------------------------------------------------------------------------

def test_session_cookie_is_http_only_and_same_site_lax(make, browser):
    response = browser.sign_in(make.nurse())
    cookie = session_cookie_header(response)
    assert cookie is not None
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development and tests run over plain http on localhost


def test_session_cookie_is_secure_in_production(app, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = production_app(app, monkeypatch)
    production.test_client_class = IsolatedClient
    response = production.test_client().get("/sign-in")
    cookie = session_cookie_header(response)
    assert cookie is not None
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- CSRF and safe methods -----------------------------------------------------------------

def test_every_form_route_refuses_a_post_without_a_valid_token(app, world):
    visitors: dict = {}
    checked, problems = [], []
    for rule in walked_rules(app):
        methods = [m for m in WRITE_METHODS if m in rule.methods]
        if not methods or csrf_exempt(app, rule):
            continue
        visitor = _visitor_for(app, rule, world, visitors)
        url = url_for_rule(rule, world)
        for token in (None, "not-the-token"):
            before = data_snapshot(include_audit=True)
            data = {"csrf_token": token} if token else {}
            response = visitor.request(methods[0], url, with_token=False, data=data)
            checked.append(rule.endpoint)
            if response.status_code != 400:
                problems.append(f"{methods[0]} {url} without a valid token: {response.status_code}")
            elif "The form had expired" not in text(response):
                problems.append(f"{methods[0]} {url}: the refusal does not say what to do")
            if snapshot_difference(before, data_snapshot(include_audit=True)):
                problems.append(f"{methods[0]} {url} without a valid token changed data")
    assert {"auth.login", "auth.logout", "patients.create", "admin.set_active"} <= set(checked)
    assert not problems, "\n".join(problems)


def test_no_route_changes_data_over_get(app, world):
    """Every route that takes a POST: GET is 405, or a page that changes nothing (reads are
    audited, so the audit trail may grow; nothing else may)."""
    visitors: dict = {}
    problems = []
    for rule in walked_rules(app):
        if not any(m in rule.methods for m in WRITE_METHODS):
            continue
        visitor = _visitor_for(app, rule, world, visitors)
        url = url_for_rule(rule, world)
        before = data_snapshot()
        response = visitor.request("GET", url)
        if "GET" not in rule.methods and not _another_rule_serves_get(app, url):
            if response.status_code != 405:
                problems.append(f"GET {url}: {response.status_code}, want 405")
        elif response.status_code >= 400:
            problems.append(f"GET {url}: {response.status_code}")
        changed = snapshot_difference(before, data_snapshot())
        if changed:
            problems.append(f"GET {url} changed {changed}")
    assert not problems, "\n".join(problems)


def _another_rule_serves_get(app, url: str) -> bool:
    """A form page and its POST handler may share a URL as two rules (e.g. /devices/)."""
    try:
        app.url_map.bind("localhost").match(url.split("?")[0], method="GET")
    except HTTPException:
        return False
    return True


def test_sign_out_is_a_post(make, signed_in):
    browser = signed_in(make.nurse())
    assert browser.get("/sign-out").status_code == 405
    assert browser.get(SIGNED_IN_PAGE).status_code == 200  # still signed in


# --- Error pages ---------------------------------------------------------------------------

LEAKS = ("Traceback", "File \"", "sqlalchemy", "werkzeug", "Exception", "Error:")


def _assert_friendly(response, code: int, title: str):
    page = text(response)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert title in page
    assert 'class="error-page card"' in page and "/static/css/app.css" in page
    for leak in LEAKS:
        assert leak not in page, leak


def test_error_pages_are_styled_and_leak_nothing(make, client, signed_in):
    _assert_friendly(client.get("/no-such-page"), 404, "We could not find that page")
    _assert_friendly(client.get("/sign-out"), 405, "That action is not allowed here")
    _assert_friendly(client.post("/sign-in", data={"email": "x"}), 400, "The form had expired")
    nurse = signed_in(make.nurse())
    _assert_friendly(nurse.get("/admin/users"), 403, "You do not have access to this page")
    _assert_friendly(nurse.get("/patients/2147483647"), 404, "We could not find that page")
    _assert_friendly(nurse.get("/patients/99999999999999999999999"), 404,
                     "We could not find that page")


def test_errors_answer_json_to_json_clients(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and response.json["error"]["status"] == 404
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.is_json and response.json["error"]["title"]


SECRET = "internal-detail-7f3a: /srv/tracker/secret.py line 12"


@pytest.fixture(scope="module")
def app_with_failures(app):
    """A separate app instance with test-only routes that fail; the production app has none."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        PROPAGATE_EXCEPTIONS = False  # as in production: the handler answers, nothing re-raised

    failing = create_app(Config)
    failing.test_client_class = IsolatedClient

    @failing.route("/test-only/crash")
    @public
    def crash():
        raise RuntimeError(SECRET)

    @failing.route("/test-only/crash.json")
    @public
    def crash_json():
        raise RuntimeError(SECRET)

    @failing.route("/test-only/duplicate-mrn/<int:patient_id>")
    @roles_required(*STAFF)
    def duplicate_mrn(patient_id):
        # A read (its audit row is committed), then a write that fails in the database.
        patient = patient_services.get_patient(current_user, patient_id)
        db.session.add(Patient(mrn=patient.mrn, first_name="Dup", last_name="Licate",
                               date_of_birth=patient.date_of_birth, address_line="x", city="x",
                               state="x", postal_code="x", phone="555-0100",
                               timezone="UTC", primary_indication="other"))
        db.session.flush()
        return "unreachable"

    return failing


def test_an_unexpected_error_shows_the_friendly_page(app_with_failures, database):
    client = app_with_failures.test_client()
    response = client.get("/test-only/crash")
    _assert_friendly(response, 500, "Something went wrong on our side")
    assert SECRET not in text(response) and "RuntimeError" not in text(response)
    _assert_security_headers(response)
    response = client.get("/test-only/crash.json", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.is_json
    assert SECRET not in response.get_data(as_text=True)


def test_a_database_failure_mid_request_still_shows_the_friendly_page(app_with_failures, make):
    patient = make.patient()
    coordinator = make.coordinator()
    browser = new_browser(app_with_failures)
    browser.sign_in(coordinator)
    response = browser.get(f"/test-only/duplicate-mrn/{patient.id}")
    _assert_friendly(response, 500, "Something went wrong on our side")
    assert coordinator.name in text(response)  # the page still knows who is signed in
    assert browser.get(SIGNED_IN_PAGE).status_code == 200  # and the next request works
