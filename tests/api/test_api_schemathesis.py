"""Schemathesis against the app: requests generated from the OpenAPI document, valid and
invalid, and every answer checked against the document. Bounded and derandomized, so that
a run is the same every time and takes seconds."""

import contextvars
import re
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import bearer
from tests.api.test_api_visits import MARCH_2, document_everything
from tracker.api.blueprint import REGISTRY

EXAMPLES = 25  # per operation and mode; the whole run takes about 10 s


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
    return nurse, documented


def registered_paths(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in REGISTRY:
            yield re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule), REGISTRY[rule.endpoint]


def reversed_range(case) -> bool:
    query = case.query or {}
    first, last = query.get("from"), query.get("to")
    return isinstance(first, str) and isinstance(last, str) and first > last


def test_the_api_keeps_to_its_document(app, client, nurse_with_visits, issue_token):
    """Schemathesis sends requests generated from the document, valid ones and invalid ones,
    and checks each answer: no 5xx, a documented status and content type, a body matching
    its schema, 401 without the token, 405 with Allow for other methods."""
    nurse, documented = nurse_with_visits
    token = issue_token(nurse)
    # The document is fetched in a context of its own, as every request here is (see IsolatedClient).
    schema = contextvars.Context().run(schemathesis.openapi.from_wsgi, "/api/v1/openapi.json", app)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = [{}]
        if "{visit_id}" in operation.path:
            fixed.append({"visit_id": documented.id})  # the whole documented visit, every time
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            for path_parameters in fixed:
                strategy = operation.as_strategy(generation_mode=mode,
                                                 path_parameters=path_parameters or None)
                run_examples(strategy, mode, client, lambda op=operation: (
                    issue_token(nurse, direct=True) if op.method.upper() == "DELETE" else token))
        tested.append(operation.label)
    # Everything but the document itself, which schemathesis leaves out.
    assert sorted(tested) == sorted(f"{op.method} {path}" for path, op in registered_paths(app)
                                    if op.endpoint != "api.openapi_document")


def run_examples(strategy, mode, client, token_for):
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case):
        # A reversed day range fits the document (it cannot say from <= to) and is refused.
        reversed_days = reversed_range(case)
        excluded = [positive_data_acceptance] if reversed_days else []
        response = case.call_and_validate(session=client, headers=bearer(token_for()),
                                          excluded_checks=excluded)
        if reversed_days and mode == schemathesis.GenerationMode.POSITIVE:
            assert response.status_code == 422

    check()
