"""Who sees what, for every route the app has (today's and those added later).

1. Every route declares its roles (@roles_required or @public): a new route without a
   declaration fails here before it can ship.
2. Each role and an anonymous visitor request every route (GET for GET routes, and the write
   method with a valid CSRF token and nothing else): anonymous -> sign-in (public routes answer);
   a role outside the declaration -> 403; a role inside it -> never 403, never 5xx. Along
   the way every GET must leave the data as it was (reads are audited, nothing else), no
   page may carry inline script or style (the CSP would block them), and every form field
   has a label.
3. Object level: a nurse and a patient get 404 for records out of their reach, and every
   role gets 404 for ids that do not exist.
"""

import pytest

from tests.route_walk import (
    MISSING_ID,
    ROLES,
    Visitor,
    allows,
    build_world,
    int_arguments,
    method_of,
    methods_of,
    roles_of,
    url_for_rule,
    walked_rules,
)
from tests.support import (
    data_snapshot,
    inline_code,
    location_path,
    snapshot_difference,
    unlabelled_fields,
)
from tracker.extensions import limiter

SIGN_OUT_ENDPOINTS = {"auth.logout"}  # the one route whose job is to end the session


@pytest.fixture
def world(make, monkeypatch):
    # Visitors sign in again after the sign-out route; throttling is tested in tests/auth.
    monkeypatch.setattr(limiter, "enabled", False)
    return build_world(make)


def test_every_route_declares_who_may_use_it(app):
    undeclared = [f"{rule.rule} ({rule.endpoint})" for rule in walked_rules(app)
                  if roles_of(app, rule) is ...]
    assert undeclared == [], "routes without @roles_required(...) or @public"


def test_the_walk_reaches_the_foundation_routes(app):
    endpoints = {rule.endpoint for rule in walked_rules(app)}
    assert {"auth.login", "auth.logout", "main.home", "patients.show", "patients.edit",
            "admin.users", "admin.set_active", "procedures.record"} <= endpoints


def _expectation_problem(app, rule, who: str, response) -> str | None:
    roles = roles_of(app, rule)
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    if roles is ...:
        return "declares no roles, so it is refused to everyone"
    if roles is None:  # public
        return "refused a public route (403)" if status == 403 else None
    if who == "anonymous":
        if status == 401 or (status == 302 and location_path(response) == "/sign-in"):
            return None
        return f"let an anonymous visitor in ({status}) instead of asking to sign in"
    if who not in roles:
        # An API route that authenticates by token may answer 401 (JSON) to a session instead.
        if status == 403 or (status == 401 and response.is_json):
            return None
        return f"answered {status} to a role it does not allow (want 403)"
    if status == 403:
        return "refused a role it declares (403)"
    if status == 302 and location_path(response) == "/sign-in" \
            and rule.endpoint not in SIGN_OUT_ENDPOINTS:
        return "sent a signed-in, allowed user back to sign-in"
    return None


@pytest.mark.parametrize("who", ("anonymous",) + ROLES)
def test_every_route_admits_exactly_the_declared_roles(app, world, who):
    visitor = Visitor(app, world.users.get(who))
    problems = []
    for rule in walked_rules(app):
        url = url_for_rule(rule, world)
        for method in methods_of(rule):  # a form route is also sent empty: never a 500
            before = data_snapshot() if method == "GET" else None
            response = visitor.request(method, url)
            where = f"{who}: {method} {url} ({rule.endpoint})"
            problem = _expectation_problem(app, rule, who, response)
            if problem:
                problems.append(f"{where} {problem}")
            if before is not None:
                changed = snapshot_difference(before, data_snapshot())
                if changed:
                    problems.append(f"{where} changed {changed} on a GET")
            if response.mimetype == "text/html":
                page = response.get_data(as_text=True)
                problems += [f"{where} inline code: {tag}" for tag in inline_code(page)]
                problems += [f"{where} field without a label: {tag}"
                             for tag in unlabelled_fields(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ("nurse", "patient"))
def test_records_out_of_reach_are_not_found(app, world, who):
    """404, not 403: a refusal would confirm that the record exists."""
    visitor = Visitor(app, world.users[who])
    checked, problems = [], []
    for rule in walked_rules(app):
        if not allows(app, rule, who) or roles_of(app, rule) is None:
            continue
        for argument in sorted(set(int_arguments(rule)) & world.hidden.keys()):
            url = url_for_rule(rule, world, {argument: world.hidden[argument]})
            before = data_snapshot(include_audit=False)
            response = visitor.request(method_of(rule), url)
            checked.append(url)
            if response.status_code != 404:
                problems.append(f"{who}: {method_of(rule)} {url} answered "
                                f"{response.status_code} for another patient's {argument}")
            if snapshot_difference(before, data_snapshot()):
                problems.append(f"{who}: {method_of(rule)} {url} changed data")
    if who == "nurse":
        assert any(url.startswith("/patients/") for url in checked)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ROLES)
def test_ids_that_do_not_exist_are_not_found(app, world, who):
    visitor = Visitor(app, world.users[who])
    problems = []
    for rule in walked_rules(app):
        if not allows(app, rule, who) or not int_arguments(rule):
            continue
        method = method_of(rule)
        for argument in int_arguments(rule):
            for missing in (MISSING_ID, 2**64):  # no such row; beyond what the database stores
                url = url_for_rule(rule, world, {argument: missing})
                response = visitor.request(method, url)
                if response.status_code != 404:
                    problems.append(f"{who}: {method} {url} answered {response.status_code}")
    assert not problems, "\n".join(problems)


def test_a_nurse_sees_her_caseload_only(app, world, signed_in):
    browser = signed_in(world.users["nurse"])
    listing = browser.get("/patients/").get_data(as_text=True)
    assert world.patient.last_name in listing
    assert browser.get(f"/patients/{world.visible['patient_id']}").status_code == 200
    assert browser.get(f"/patients/{world.hidden['patient_id']}").status_code == 404


def test_a_patient_sees_only_their_own_record(app, world, make, signed_in):
    other = make.patient()
    browser = signed_in(world.users["patient"])
    home = browser.get("/home", follow_redirects=True)
    assert home.status_code == 200 and home.request.path == "/my-care"
    page = home.get_data(as_text=True)
    assert world.patient.first_name in page
    assert other.first_name not in page and other.mrn not in page
    for url in ("/patients/", f"/patients/{world.patient.id}", f"/patients/{other.id}",
                "/admin/audit", "/admin/users", "/alerts/"):
        assert browser.get(url).status_code in (403, 404), url
