"""The API's read endpoints and its OpenAPI document. Routes parse, call a service, serialize."""

from datetime import UTC, datetime, timedelta

from flask import current_app, jsonify, request
from flask_login import current_user

from tracker.api import openapi, reads, serializers, tokens
from tracker.api.auth import current_token
from tracker.api.blueprint import ID, ID_MAX, api_route
from tracker.api.errors import InvalidFields
from tracker.api.fields import Field, parse_query
from tracker.models import VisitState

# A page cursor is "<microseconds since 0001-01-01 UTC>-<visit id>" of the last visit sent.
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
CURSOR_PATTERN = r"^[0-9]{1,18}-[0-9]{1,10}$"

LIST_QUERY = (
    Field("from", "date", "First day (in your time zone) of the visits to list."),
    Field("to", "date", "Last day (in your time zone), included."),
    Field("state", "enum", "Only visits in this state.", choices=tuple(s.value for s in VisitState)),
    Field("cursor", "string", "The next_cursor of the previous page.", pattern=CURSOR_PATTERN),
    Field("limit", "integer", "Visits per page (default 50).", minimum=1, maximum=100),
)


def encode_cursor(visit) -> str:
    return f"{(visit.planned_start - _EPOCH) // timedelta(microseconds=1)}-{visit.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """(planned_start, id) to continue after; None for a position past the end of time."""
    micros, visit_id = cursor.split("-")
    try:
        start = _EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:
        return None
    # No id is larger than ID_MAX: a larger one means the same place (and would overflow the query).
    return start, min(int(visit_id), ID_MAX)


@api_route("/me", summary="Who this token belongs to", response="Me", tag="account")
def me():
    """The signed-in nurse and the device the token was created for."""
    return jsonify(serializers.me(current_user, current_token()))


@api_route("/me/device", method="DELETE", summary="Disconnect this device", status=204,
           response=None, tag="account")
def disconnect_device():
    """Revoke the token this request is made with, as the Devices page would; for the app's
    sign-out. Every later request with it is refused (401)."""
    tokens.revoke_token(current_user, current_token().id)
    return "", 204


@api_route("/visits", summary="Your visits", response="VisitPage", query=LIST_QUERY, errors=(422,))
def list_visits():
    """Your visits in planned order, optionally between two days of your time zone and in one
    state; `limit` per page, and `next_cursor` to fetch the next page."""
    values = parse_query(request.args, LIST_QUERY)
    first, last = values.get("from"), values.get("to")
    if first and last and first > last:
        raise InvalidFields({"to": "The last day must not be before the first day."})
    after = None
    if "cursor" in values:
        after = decode_cursor(values["cursor"])
        if after is None:
            return jsonify(serializers.visit_page([], None))
    visits, more = reads.nurse_visits(current_user, reads.VisitFilter(
        first_day=first, last_day=last, state=values.get("state"), after=after,
        limit=values.get("limit", 50)))
    next_cursor = encode_cursor(visits[-1]) if more else None
    return jsonify(serializers.visit_page(visits, next_cursor))


@api_route(f"/visits/<{ID}:visit_id>", summary="One whole visit", response="Visit", errors=(404,))
def show_visit(visit_id: int):
    """Everything recorded for one of your visits: the patient's bedside details, the order,
    EVV times and places, steps, safety checks, vital signs with NEWS2, administrations,
    complications, billing lines and addenda. Another nurse's visit is 'not found'."""
    return jsonify(serializers.visit(reads.visit_record(current_user, visit_id)))


@api_route("/openapi.json", summary="This document", roles=None, response=None, tag="meta")
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document(current_app))
