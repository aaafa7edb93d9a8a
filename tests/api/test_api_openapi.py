"""The OpenAPI document describes exactly the API's routes, and the API keeps to it."""

import re

import pytest
import schemathesis

from tracker.api.blueprint import REGISTRY
from tracker.authz import declared_roles

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every API rule Flask routes."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods & METHODS}
    return routes


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_every_api_route_is_in_the_document_and_nothing_else(app, document):
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert api_routes(app) == documented
    assert len(documented) >= 5


def test_the_document_is_valid_openapi_3_1(app, document):
    schemathesis.openapi.from_dict(document).validate()


def test_every_operation_states_its_roles_and_answers(app, document):
    for path, item in document["paths"].items():
        for operation in item.values():
            endpoint = "api." + operation["operationId"]
            roles = declared_roles(app.view_functions[endpoint])
            if roles is None:  # public
                assert operation["security"] == []
                continue
            assert set(operation["x-roles"]) == set(roles) == {"nurse"}
            assert {"401", "403", "429", "500"} <= set(operation["responses"]), path
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}


def test_the_registry_holds_only_registered_routes(app):
    assert set(REGISTRY) <= set(app.view_functions)
