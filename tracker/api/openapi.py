"""The OpenAPI 3.1 document, built from the app's URL map and the api_route registry.

Paths and path parameters come from the registered Flask rules, everything else from the
Operation each api_route recorded and from schemas.COMPONENTS: nothing is written by hand.
"""

import re

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from tracker.api.blueprint import REGISTRY, Operation
from tracker.api.fields import object_schema, parameter_schema
from tracker.api.schemas import COMPONENTS, ref
from tracker.errors import MESSAGES

ERROR_DESCRIPTIONS = {
    400: "The body is not JSON, or not a JSON object.",
    401: "No token, or the token is unknown or revoked (see WWW-Authenticate).",
    403: "The token's account may not use this operation (only nurses may).",
    404: "No such record among those you may see.",
    409: "The visit's state does not allow this change (for example a signed or cancelled "
         "visit); `detail` says why, in words to show the nurse.",
    415: "The body is not sent as application/json.",
    422: "Values that are not acceptable; `fields` says which and why (`_form`: the entry "
         "as a whole, also given as `detail`).",
    429: "Too many requests with this token; wait before trying again (see Retry-After).",
    500: "An unexpected error on the server; nothing was half-saved.",
}

_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def openapi_path(rule: Rule) -> str:
    return _ARGUMENT.sub(r"{\1}", rule.rule)


def path_parameters(rule: Rule) -> list[dict]:
    parameters = []
    for name in sorted(rule.arguments):
        # werkzeug keeps a rule's converters in _converters; there is no public accessor.
        converter = rule._converters.get(name)
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer"}
            if converter.min is not None:
                schema["minimum"] = converter.min
            if converter.max is not None:
                schema["maximum"] = converter.max
        else:
            schema = {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def error_response(status: int) -> dict:
    return {"description": ERROR_DESCRIPTIONS.get(status, MESSAGES.get(status, ("Error",))[0]),
            "content": {"application/json": {"schema": ref("Error")}}}


def operation_object(rule: Rule, operation: Operation) -> dict:
    success = {"description": operation.summary}
    if operation.status != 204:
        schema = ref(operation.response) if operation.response else {"type": "object"}
        success["content"] = {"application/json": {"schema": schema}}
    document = {
        "operationId": operation.endpoint.removeprefix("api."),
        "summary": operation.summary,
        "tags": [operation.tag],
        "parameters": path_parameters(rule) + [parameter_schema(f) for f in operation.query],
        "responses": {
            str(operation.status): success,
            **{str(status): error_response(status) for status in operation.errors},
        },
    }
    if operation.description:
        document["description"] = operation.description
    if operation.roles is None:
        document["security"] = []
    else:
        document["x-roles"] = list(operation.roles)
    if operation.body is not None:
        document["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": object_schema(operation.body)}}}
    return document


def document(app: Flask, registry: dict[str, Operation] = REGISTRY) -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = registry.get(rule.endpoint)
        if operation is None:
            continue
        paths.setdefault(openapi_path(rule), {})[operation.method.lower()] = \
            operation_object(rule, operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Infusion Visit Tracker API",
            "version": "1.0.0",
            "description": (
                "The JSON API for the nurse's bedside device. Authenticate every request with "
                "`Authorization: Bearer <token>`; a nurse creates one token per device on the "
                "Devices page and can revoke it there at any time. Cookies are never used. "
                "Times are ISO 8601 in UTC. Every write carries a `client_id` (a UUID the device "
                "makes): sending the same write again returns the first answer unchanged."),
        },
        "servers": [{"url": "/"}],
        "security": [{"deviceToken": []}],
        "tags": [{"name": "account"}, {"name": "visits"}, {"name": "meta"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"deviceToken": {
                "type": "http", "scheme": "bearer",
                "description": "A per-device token from the Devices page (shown once)."}},
            "schemas": COMPONENTS,
        },
    }
