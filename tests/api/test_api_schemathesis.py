"""Schemathesis against the app: requests generated from the OpenAPI document, valid and
invalid, for every operation, and every answer checked against the document. Bounded and
derandomized, so that a run is the same every time and takes seconds."""

import contextvars
import re
import time
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.formats import unregister_string_format

from tests.api.conftest import bearer
from tests.api.test_api_visits import MARCH_2, document_everything
from tests.api.write_helpers import iso, ready_visit
from tracker.api.blueprint import REGISTRY

# Examples per operation, mode and set of path ids: reads get more, writes (18 of them)
# fewer, so that the whole run stays under 40 s (about 20 s of CPU).
READ_EXAMPLES = 20
WRITE_EXAMPLES = 5
# Statuses a schema-valid write may still get: the services' own rules (a time outside the
# visit, a value out of its plausible range: 422; the visit's state: 409), the signing
# endpoint's own rate limit (429), and ids that are not the nurse's (404).
VALID_WRITE_REFUSALS = {404, 409, 422, 429}


@pytest.fixture
def nurse_with_visits(make):
    nurse = make.nurse()
    patient = make.patient()
    make.assign(nurse, patient)
    documented = make.visit(nurse, patient, MARCH_2)
    document_everything(documented, nurse)
    for days in (1, 2, 3):
        make.visit(nurse, patient, MARCH_2 + timedelta(days=days))
    make.visit(nurse, patient, MARCH_2 - timedelta(days=1), state="missed")
    return nurse, documented, ready_visit(make, nurse)


@pytest.fixture
def generous_rate_limit(app, monkeypatch):
    """Hundreds of requests in a few seconds, with one token: above the usual API limit."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")


@pytest.fixture
def times_within_the_visit(nurse_with_visits):
    """Generated date-times fall between the check-in of the visit being written and now,
    as a tablet would send them, so that valid bodies are mostly within the services' rules
    (a time outside the visit is refused with 422, which the document also allows)."""
    _nurse, _documented, ready = nurse_with_visits
    minutes = st.integers(min_value=0, max_value=59)
    schemathesis.openapi.format("date-time", minutes.map(
        lambda m: iso(ready.checked_in_at + timedelta(minutes=m))))
    yield
    unregister_string_format("date-time")


def registered_paths(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in REGISTRY:
            yield re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule), REGISTRY[rule.endpoint]


def reversed_range(case) -> bool:
    query = case.query or {}
    first, last = query.get("from"), query.get("to")
    return isinstance(first, str) and isinstance(last, str) and first > last


def real_ids(path: str, method: str, documented, ready) -> dict:
    """Ids of real records for the path's parameters: the documented (completed) visit for
    reads, the visit in progress with its running infusion and its complication for writes."""
    ids = {"visit_id": documented.id} if method == "GET" else {
        "visit_id": ready.visit.id, "administration_id": ready.administration_id,
        "complication_id": ready.complication_id}
    return {name: value for name, value in ids.items() if "{" + name + "}" in path}


def path_sets(method: str, mode, ids: dict) -> list[dict]:
    """Generated path ids ({}) and the real ones. Valid bodies are worth sending to real
    records only (to generated ids a write is 404 before its body is read)."""
    if not ids:
        return [{}]
    if method == "POST" and mode == schemathesis.GenerationMode.POSITIVE:
        return [ids]
    return [{}, ids]


def test_the_api_keeps_to_its_document(app, client, nurse_with_visits, issue_token,
                                       generous_rate_limit, times_within_the_visit):
    """Schemathesis sends requests generated from the document, valid ones and invalid ones,
    and checks each answer: no 5xx, a documented status and content type, a body matching
    its schema, 401 without the token, 405 with Allow for other methods."""
    nurse, documented, ready = nurse_with_visits
    token = issue_token(nurse)
    # The document is fetched in a context of its own, as every request here is (see IsolatedClient).
    schema = contextvars.Context().run(schemathesis.openapi.from_wsgi, "/api/v1/openapi.json", app)
    tested, started = [], time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        ids = real_ids(operation.path, method, documented, ready)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            for path_parameters in path_sets(method, mode, ids):
                strategy = operation.as_strategy(generation_mode=mode,
                                                 path_parameters=path_parameters or None)
                run_examples(strategy, mode, method, client, lambda method=method: (
                    issue_token(nurse, direct=True) if method == "DELETE" else token))
        tested.append(operation.label)
    # Everything but the document itself, which schemathesis leaves out.
    assert sorted(tested) == sorted(f"{op.method} {path}" for path, op in registered_paths(app)
                                    if op.endpoint != "api.openapi_document")
    print(f"schemathesis: {len(tested)} operations in {time.monotonic() - started:.1f} s")


def run_examples(strategy, mode, method, client, token_for):
    write = method == "POST"

    @given(case=strategy)
    @settings(max_examples=WRITE_EXAMPLES if write else READ_EXAMPLES, derandomize=True,
              database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case):
        # A reversed day range fits the document (it cannot say from <= to) and is refused;
        # a valid write body may break a service rule the document cannot state.
        reversed_days = reversed_range(case)
        excluded = [positive_data_acceptance] if reversed_days or write else []
        response = case.call_and_validate(session=client, headers=bearer(token_for()),
                                          excluded_checks=excluded)
        if mode == schemathesis.GenerationMode.POSITIVE:
            if reversed_days:
                assert response.status_code == 422
            elif write:
                assert response.status_code < 300 or response.status_code in VALID_WRITE_REFUSALS, \
                    (response.status_code, response.text[:300])

    check()
