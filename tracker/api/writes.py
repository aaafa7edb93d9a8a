"""The write-endpoint framework: JSON in, one service call, the record out, safe to repeat.

Every write carries `client_id`, a UUID the device makes once per write. Sending the same
write again (a retry after a dropped connection, an offline queue replayed twice) returns
the first answer, the same status and body, and writes nothing. Declaring an endpoint:

    RECORD_VITALS = Write("record_vitals", body=VITALS_FIELDS, model=VitalSigns,
                          serialize=serializers.vital_signs, response="VitalSigns",
                          invalid=(clinical_services.VitalsError,))

    @api_write(f"/visits/<{ID}:visit_id>/vitals", RECORD_VITALS, summary="Record vital signs")
    def record_vitals(values, client_id, visit_id):
        visit = get_visit(current_user, visit_id)
        return clinical_services.record_vitals(current_user, visit, client_id=client_id, **values)

The service follows tracker/idempotency.py: it calls find() first, and remember(record)
before its commit, so that the record and its key are stored together. This module adds,
around it:
- parsing: 415 unless JSON, 400 unless a JSON object, 422 with a message per field;
- a replay check before the service runs, answering with the stored response;
- the service's errors: its validation error (`invalid`) and a VisitStateError naming a
  field -> 422 with the fields; a VisitStateError naming none (the visit's state: signed,
  cancelled, already checked in...) -> 409 with its sentence as `detail`, for the device
  to show the nurse; a client_id used for another write -> 422 (as the IETF
  Idempotency-Key draft answers a key reused with a different request);
- a race (two copies of one write at once): the loser's commit fails on the unique key;
  it rolls back and answers with the winner's record. A loser that waited for the winner
  on a row lock may instead be refused (the visit is now checked in): a refusal is also
  checked for a winner's key before it is answered;
- storing the first answer on the key, so that replays return it unchanged.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest

from tracker import idempotency
from tracker.api.blueprint import NURSE, api_route
from tracker.api.errors import ApiProblem, InvalidFields
from tracker.api.fields import Field, parse_object
from tracker.extensions import db
from tracker.visits.access import VisitStateError

CLIENT_ID = Field("client_id", "uuid", required=True, description=(
    "A UUID the device makes for this one write. Sending the write again with the same "
    "client_id returns the first answer and changes nothing."))

WRITE_ERRORS = (400, 404, 409, 415, 422)
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Write:
    operation: str  # the idempotency key's operation, e.g. "record_vitals"
    body: tuple[Field, ...]  # the body's fields besides client_id
    model: type  # the record the service returns
    serialize: Callable[[Any], dict]
    response: str  # the record's schema in schemas.COMPONENTS
    status: int = 201
    invalid: tuple[type[Exception], ...] = ()  # the service's validation errors (-> 422)


def api_write(rule: str, write: Write, *, summary: str, description: str = "",
              roles: tuple[str, ...] = NURSE, errors: tuple[int, ...] = (), tag: str = "visits",
              reach: Callable[..., Any] | None = None, **target) -> Callable:
    """Declare a POST endpoint; the view gets (values, client_id, **path values), returns the record.

    `reach(**path values)` raises 404 for records the user may not see. It runs first, before
    the body is read or a replay answered: a record out of reach is 'not found' whatever was
    sent, and a stored answer (which may hold patient data) goes only to who may still see it.
    `target` (blueprint=, registry=) is passed to api_route, for the framework's own tests.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def endpoint(**path_values):
            if reach is not None:
                reach(**path_values)
            return perform_write(write, lambda values, client_id: view(
                values=values, client_id=client_id, **path_values))

        return api_route(rule, method="POST", summary=summary,
                         description=description or (view.__doc__ or "").strip(), roles=roles,
                         status=write.status, response=write.response,
                         body=(CLIENT_ID, *write.body), errors=tuple({*WRITE_ERRORS, *errors}),
                         tag=tag, **target)(endpoint)

    return decorate


def json_object() -> dict:
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON, with Content-Type: application/json.")
    try:
        data = request.get_json()
    except BadRequest:
        raise ApiProblem(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiProblem(400, "The body must be a JSON object.")
    return data


def fingerprint(data: dict) -> str:
    """What identifies the request itself: its path and body, canonically written."""
    canonical = json.dumps({"path": request.path, "body": data}, sort_keys=True,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def field_errors(error: Exception) -> dict[str, str]:
    """The field -> message pairs a service's validation error carries (`errors` or `field`)."""
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict) and errors:
        return {str(name): str(message) for name, message in errors.items()}
    field = getattr(error, "field", None)
    return {field: message_of(error)} if field else {}


def message_of(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


# The key of a service's message about the entry as a whole (clinical_services.FORM): it
# is also the answer's detail, the sentence the device shows.
FORM_MESSAGE = "_form"
INVALID = "Check the fields listed in 'fields'."


def state_problem(error: VisitStateError) -> ApiProblem:
    """A refusal about one value is 422 with that field; about the visit itself, 409."""
    if error.field:
        return InvalidFields({error.field: error.message}, error.message)
    return ApiProblem(409, error.message)


def refused(write: Write, user_id: int, client_id: str, request_print: str, problem: ApiProblem):
    """Answer a refusal, unless a copy of this same write succeeded meanwhile: a copy that
    waited for the other on the visit's row lock finds the visit already changed (checked
    in, say) and is refused, but the write it carries was made, so it answers as a replay."""
    db.session.rollback()
    try:
        key = idempotency.find(user_id, client_id, write.operation)
    except idempotency.ClientIdReused:
        raise InvalidFields({"client_id": REUSED}) from None
    if key is not None:
        return replay(write, key, request_print)
    raise problem


REUSED = "This client_id was already used for a different write. Make a new one for each write."


def perform_write(write: Write, call: Callable[[dict, str], Any]):
    """Parse the body, replay or call the service, and answer (see the module's docstring)."""
    data = json_object()
    values = parse_object(data, (CLIENT_ID, *write.body))
    client_id = values.pop("client_id")
    request_print = fingerprint(data)
    user_id = current_user.id
    try:
        key = idempotency.find(user_id, client_id, write.operation)
        if key is not None:
            return replay(write, key, request_print)
        record = call(values, client_id)
    except idempotency.ClientIdReused:
        db.session.rollback()
        raise InvalidFields({"client_id": REUSED}) from None
    except VisitStateError as error:
        return refused(write, user_id, client_id, request_print, state_problem(error))
    except write.invalid as error:
        fields = field_errors(error)
        return refused(write, user_id, client_id, request_print,
                       InvalidFields(fields, fields.get(FORM_MESSAGE)
                                     or getattr(error, "message", None) or INVALID))
    except IntegrityError:
        db.session.rollback()
        return after_conflict(write, user_id, client_id, request_print)
    body = write.serialize(record)
    store_response(write, user_id, client_id, record, body, request_print)
    return jsonify(body), write.status


def replay(write: Write, key, request_print: str):
    """The answer given the first time this client_id was written."""
    stored = key.response or {}
    if stored.get("fingerprint", request_print) != request_print:
        raise InvalidFields({"client_id": REUSED})
    if "body" in stored:
        return jsonify(stored["body"]), stored["status"], {REPLAYED_HEADER: "true"}
    record = idempotency.replayed_record(key, write.model) \
        if key.record_type == write.model.__name__ else None
    if record is None:
        # The first request stored its key but has not finished answering (or stopped).
        raise ApiProblem(409, "The first request with this client_id has not finished. "
                              "Try again in a moment.")
    return jsonify(write.serialize(record)), write.status, {REPLAYED_HEADER: "true"}


def after_conflict(write: Write, user_id: int, client_id: str, request_print: str):
    """A unique constraint failed. If the same write won a race, answer with its record;
    anything else is a change that clashed with another one saved at the same moment."""
    try:
        key = idempotency.find(user_id, client_id, write.operation)
    except idempotency.ClientIdReused:
        raise InvalidFields({"client_id": REUSED}) from None
    if key is None:
        raise ApiProblem(409, "This change clashed with another one saved at the same moment. "
                              "Reload the visit and try again.")
    return replay(write, key, request_print)


def store_response(write: Write, user_id: int, client_id: str, record, body: dict,
                   request_print: str) -> None:
    """Keep the first answer on the idempotency key, so that replays return it unchanged."""
    response = {"status": write.status, "body": body, "fingerprint": request_print}
    key = idempotency.find(user_id, client_id, write.operation)
    if key is None:
        # The service did not store the key with its record: replays still work, but two
        # copies racing could both write. Phase 2 services must call idempotency.remember().
        current_app.logger.warning("%s did not remember its client_id", write.operation)
        idempotency.remember(user_id, client_id, write.operation, record, response)
    else:
        key.response = response
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a copy of this write stored its key first; it answers the same
