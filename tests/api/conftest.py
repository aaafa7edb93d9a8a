"""API fixtures: device tokens for any user, and a client that sends them."""

import secrets

import pytest

from tracker.api import tokens
from tracker.extensions import db
from tracker.models import ApiToken


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def issue_token(database):
    """issue_token(user) -> the raw token. Nurses get one through the service; for other
    roles (who may not create tokens) one is inserted directly, to prove the API refuses it.
    direct=True inserts one for a nurse too (past the limit of connected devices)."""

    def issue(user, name: str = "Test tablet", *, direct: bool = False) -> str:
        if tokens.may_hold_tokens(user) and not direct:
            return tokens.create_token(user, name)[1]
        raw = tokens.TOKEN_PREFIX + secrets.token_urlsafe(32)
        db.session.add(ApiToken(user_id=user.id, name=name, token_hash=tokens.hash_token(raw)))
        db.session.commit()
        return raw

    return issue


class ApiClient:
    """The test client with a device token on every request."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def open(self, method: str, url: str, **kwargs):
        headers = {**bearer(self.token), **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.open("POST", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.open("DELETE", url, **kwargs)


@pytest.fixture
def api_as(client, issue_token):
    """api_as(user) -> an ApiClient with a fresh token of that user."""
    return lambda user: ApiClient(client, issue_token(user))


@pytest.fixture
def nurse(make):
    return make.nurse()


@pytest.fixture
def nurse_api(api_as, nurse):
    return api_as(nurse)


def assert_error(response, status: int, *, fields: tuple[str, ...] = ()):
    """An API error: the status, a JSON body of the one error shape, and the fields named."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["title"] and error["detail"]
    assert set(error["fields"]) == set(fields), error
    return error
