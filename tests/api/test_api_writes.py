"""The write-endpoint framework, proved with a small service defined here (the real write
services belong to the visit areas and arrive in phase 2).

The test service adds a note (an Addendum row) to a visit and follows the contract of
tracker/idempotency.py: find() first, remember() with the record before its commit.
"""

import uuid

import pytest
from flask import Blueprint
from flask_login import current_user
from sqlalchemy import func, select

from config import TestingConfig
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import IsolatedClient
from tracker import create_app, idempotency
from tracker.api import openapi, serializers
from tracker.api.fields import Field
from tracker.api.writes import REPLAYED_HEADER, Write, api_write
from tracker.extensions import csrf, db, login_manager
from tracker.models import Addendum, IdempotencyKey, VisitBillingLine
from tracker.visits.access import VisitStateError, get_visit

OPERATION = "test_add_note"


class NoteError(ValueError):
    """The test service's validation error: a message per field, as services raise them."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Check the note.")
        self.errors = errors


def add_note(user, visit, *, text: str, client_id: str | None, operation: str = OPERATION,
             remember: bool = True) -> Addendum:
    key = idempotency.find(user.id, client_id, operation)
    if key is not None:
        return idempotency.replayed_record(key, Addendum)
    if visit.state == "signed":
        raise VisitStateError("You cannot add a note: the visit is signed.")
    if "forbidden" in text:
        raise NoteError({"text": "A note must not say forbidden."})
    note = Addendum(visit_id=visit.id, author_id=user.id, text=text)
    db.session.add(note)
    db.session.flush()
    if remember:
        idempotency.remember(user.id, client_id, operation, note)
    db.session.commit()
    return note


def add_note_losing_a_race(user, visit, *, text: str, client_id: str) -> Addendum:
    """Two copies of one request: both passed find(); the other copy commits first."""
    add_note(user, visit, text=text + " (first copy)", client_id=client_id)
    note = Addendum(visit_id=visit.id, author_id=user.id, text=text + " (second copy)")
    db.session.add(note)
    db.session.flush()
    idempotency.remember(user.id, client_id, OPERATION, note)
    db.session.commit()  # IntegrityError: the key is taken
    return note


def add_billing_line_twice(user, visit, **_):
    """A clash on another unique constraint than the client_id's."""
    db.session.add(VisitBillingLine(visit_id=visit.id, code="99601", units=1, description="x"))
    db.session.commit()
    db.session.add(VisitBillingLine(visit_id=visit.id, code="99601", units=1, description="x"))
    db.session.commit()


NOTE_FIELDS = (Field("text", "string", "The note.", required=True, max_length=200),
               Field("taken_at", "datetime"), Field("urgent", "boolean"))


def note_write(operation: str = OPERATION) -> Write:
    return Write(operation, body=NOTE_FIELDS, model=Addendum, serialize=serializers.addendum,
                 response="Addendum", invalid=(NoteError,))


bp = Blueprint("api_write_test", __name__, url_prefix="/api/test")
REGISTRY: dict = {}
route = {"blueprint": bp, "registry": REGISTRY}


@api_write("/visits/<int:visit_id>/notes", note_write(), summary="Add a note", **route)
def post_note(values, client_id, visit_id):
    """Add a note to the visit."""
    return add_note(current_user, get_visit(current_user, visit_id), text=values["text"],
                    client_id=client_id)


@api_write("/visits/<int:visit_id>/other-notes", note_write("test_other_note"),
           summary="The same, as another operation", **route)
def post_other_note(values, client_id, visit_id):
    return add_note(current_user, get_visit(current_user, visit_id), text=values["text"],
                    client_id=client_id, operation="test_other_note")


@api_write("/visits/<int:visit_id>/raced-notes", note_write(), summary="Lose a race", **route)
def post_raced_note(values, client_id, visit_id):
    return add_note_losing_a_race(current_user, get_visit(current_user, visit_id),
                                  text=values["text"], client_id=client_id)


@api_write("/visits/<int:visit_id>/forgetful-notes", note_write(), summary="No remember()", **route)
def post_forgetful_note(values, client_id, visit_id):
    return add_note(current_user, get_visit(current_user, visit_id), text=values["text"],
                    client_id=client_id, remember=False)


@api_write("/visits/<int:visit_id>/clashing-lines", note_write("test_clash"), summary="Clash",
           **route)
def post_clashing_line(values, client_id, visit_id):
    return add_billing_line_twice(current_user, get_visit(current_user, visit_id))


@pytest.fixture(scope="module")
def write_app(app):
    """An app like the real one, plus the test blueprint (the real app is already serving)."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    test_app = create_app(Config)
    test_app.test_client_class = IsolatedClient
    csrf.exempt(bp)
    login_manager.blueprint_login_views[bp.name] = None
    test_app.register_blueprint(bp)
    return test_app


@pytest.fixture
def nurse_api(write_app, database, issue_token, nurse):
    return ApiClient(write_app.test_client(), issue_token(nurse))


@pytest.fixture
def visit(make, nurse):
    return make.visit(nurse)


def note(text: str = "Patient asked about the next visit.", client_id: str | None = None, **more):
    return {"client_id": client_id or str(uuid.uuid4()), "text": text, **more}


def notes_count() -> int:
    return db.session.scalar(select(func.count(Addendum.id)))


def test_a_write_answers_201_with_the_record(nurse_api, visit, nurse):
    response = nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=note("Flushed line."))
    assert response.status_code == 201
    body = response.get_json()
    assert body["text"] == "Flushed line." and body["author"]["id"] == nurse.id
    assert REPLAYED_HEADER not in response.headers


def test_the_same_client_id_twice_writes_once_and_answers_the_same(nurse_api, visit):
    payload = note("Flushed line.")
    url = f"/api/test/visits/{visit.id}/notes"
    first = nurse_api.post(url, json=payload)
    db.session.get(Addendum, first.get_json()["id"]).text = "Changed later"
    db.session.commit()
    again = nurse_api.post(url, json=payload)
    assert again.status_code == first.status_code == 201
    assert again.get_json() == first.get_json()  # the first answer, not today's record
    assert again.headers[REPLAYED_HEADER] == "true"
    assert notes_count() == 1


def test_the_same_client_id_for_another_operation_is_422(nurse_api, visit):
    payload = note()
    assert nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=payload).status_code == 201
    reused = nurse_api.post(f"/api/test/visits/{visit.id}/other-notes", json=payload)
    assert_error(reused, 422, fields=("client_id",))
    assert notes_count() == 1


def test_the_same_client_id_with_another_body_is_422(nurse_api, visit, make, nurse):
    payload = note("First text")
    assert nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=payload).status_code == 201
    changed = nurse_api.post(f"/api/test/visits/{visit.id}/notes", json={**payload, "text": "Other"})
    assert_error(changed, 422, fields=("client_id",))
    elsewhere = make.visit(nurse)
    moved = nurse_api.post(f"/api/test/visits/{elsewhere.id}/notes", json=payload)
    assert_error(moved, 422, fields=("client_id",))
    assert notes_count() == 1


def test_client_ids_belong_to_their_user(nurse_api, visit, make, write_app, issue_token):
    payload = note()
    assert nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=payload).status_code == 201
    colleague = make.nurse()
    their_visit = make.visit(colleague)
    theirs = ApiClient(write_app.test_client(), issue_token(colleague))
    response = theirs.post(f"/api/test/visits/{their_visit.id}/notes", json=payload)
    assert response.status_code == 201
    assert notes_count() == 2


def test_a_race_between_two_copies_answers_with_the_first_record(nurse_api, visit):
    payload = note("Flushed line.")
    response = nurse_api.post(f"/api/test/visits/{visit.id}/raced-notes", json=payload)
    assert response.status_code == 201
    assert response.get_json()["text"] == "Flushed line. (first copy)"
    texts = db.session.scalars(select(Addendum.text)).all()
    assert texts == ["Flushed line. (first copy)"]
    replay = nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=payload)
    assert replay.get_json() == response.get_json()


def test_another_unique_clash_is_409(nurse_api, visit):
    response = nurse_api.post(f"/api/test/visits/{visit.id}/clashing-lines", json=note())
    assert_error(response, 409)


def test_a_key_without_an_answer_yet_is_409(nurse_api, visit, nurse):
    client_id = str(uuid.uuid4())
    db.session.add(IdempotencyKey(user_id=nurse.id, client_id=client_id, operation=OPERATION))
    db.session.commit()
    response = nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=note(client_id=client_id))
    assert_error(response, 409)
    assert notes_count() == 0


def test_a_service_that_forgets_the_key_still_replays(nurse_api, visit):
    payload = note()
    first = nurse_api.post(f"/api/test/visits/{visit.id}/forgetful-notes", json=payload)
    again = nurse_api.post(f"/api/test/visits/{visit.id}/forgetful-notes", json=payload)
    assert again.status_code == first.status_code == 201
    assert again.get_json() == first.get_json()
    assert notes_count() == 1


def test_the_services_validation_error_is_422_with_its_fields(nurse_api, visit):
    response = nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=note("forbidden words"))
    error = assert_error(response, 422, fields=("text",))
    assert error["fields"]["text"] == "A note must not say forbidden."
    assert notes_count() == 0


def test_a_state_that_forbids_the_change_is_409(nurse_api, make, nurse):
    signed = make.visit(nurse, state="signed")
    response = nurse_api.post(f"/api/test/visits/{signed.id}/notes", json=note())
    error = assert_error(response, 409)
    assert "signed" in error["detail"]
    # Nothing was stored: the same client_id works once the problem is gone.
    assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0


def test_another_nurses_visit_is_404(nurse_api, make):
    theirs = make.visit(make.nurse())
    assert_error(nurse_api.post(f"/api/test/visits/{theirs.id}/notes", json=note()), 404)
    assert notes_count() == 0


def test_a_patients_token_is_403(write_app, issue_token, make, visit):
    api = ApiClient(write_app.test_client(), issue_token(make.patient_user()))
    assert_error(api.post(f"/api/test/visits/{visit.id}/notes", json=note()), 403)


@pytest.mark.parametrize("payload, fields", [
    ({"text": "No client id"}, ("client_id",)),
    ({"client_id": "not-a-uuid", "text": "x"}, ("client_id",)),
    ({"client_id": str(uuid.uuid4())}, ("text",)),
    ({"client_id": str(uuid.uuid4()), "text": 5}, ("text",)),
    ({"client_id": str(uuid.uuid4()), "text": "x" * 201}, ("text",)),
    ({"client_id": str(uuid.uuid4()), "text": "nul \u0000 char"}, ("text",)),
    ({"client_id": str(uuid.uuid4()), "text": "x", "urgent": "yes"}, ("urgent",)),
    ({"client_id": str(uuid.uuid4()), "text": "x", "taken_at": "2026-03-02 10:00"}, ("taken_at",)),
    ({"client_id": str(uuid.uuid4()), "text": "x", "taken_at": "2026-03-02T10:00:00"}, ("taken_at",)),
    ({"client_id": str(uuid.uuid4()), "text": "x", "colour": "blue"}, ("colour",)),
    ({"client_id": 7, "text": 7, "urgent": 1}, ("client_id", "text", "urgent")),
])
def test_bad_values_are_422_with_every_field_named(nurse_api, visit, payload, fields):
    assert_error(nurse_api.post(f"/api/test/visits/{visit.id}/notes", json=payload), 422,
                 fields=fields)
    assert notes_count() == 0


@pytest.mark.parametrize("data, content_type, status", [
    ('{"client_id": ', "application/json", 400),
    ('["a", "list"]', "application/json", 400),
    ("null", "application/json", 400),
    ("client_id=1&text=x", "application/x-www-form-urlencoded", 415),
    ("", None, 415),
])
def test_a_body_that_is_not_a_json_object_is_refused(nurse_api, visit, data, content_type, status):
    headers = {"Content-Type": content_type} if content_type else {}
    response = nurse_api.post(f"/api/test/visits/{visit.id}/notes", data=data, headers=headers)
    assert_error(response, status)


def test_write_endpoints_are_described_with_their_body(write_app):
    with write_app.app_context():
        document = openapi.document(write_app, REGISTRY)
    operation = document["paths"]["/api/test/visits/{visit_id}/notes"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["client_id", "text"]
    assert body["properties"]["client_id"]["format"] == "uuid"
    assert body["additionalProperties"] is False
    assert set(operation["responses"]) >= {"201", "400", "401", "403", "404", "409", "415", "422"}
    assert operation["description"] == "Add a note to the visit."
