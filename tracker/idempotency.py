"""Client-generated ids make writes safe to repeat (retries, offline sync, double taps).

A service calls find() first and returns the earlier record on a replay; otherwise it
creates its record and calls remember() before its commit, so that the key and the
record are stored together or not at all. Two identical requests racing each other end
with one IntegrityError on the unique (user, client_id) key; the caller then rolls back
and answers with the winner's record (see replay_after_conflict).
"""

import uuid

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import IdempotencyKey


class ClientIdReused(ValueError):
    """The same client id was sent for a different operation: a client bug, not a replay."""


def valid_client_id(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError("client_id must be a UUID") from None


def find(user_id: int, client_id: str | None, operation: str) -> IdempotencyKey | None:
    if not client_id:
        return None
    key = db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.client_id == client_id))
    if key is not None and key.operation != operation:
        raise ClientIdReused(f"client_id {client_id} was already used for {key.operation}")
    return key


def remember(user_id: int, client_id: str | None, operation: str, record=None,
             response: dict | None = None) -> None:
    if not client_id:
        return
    db.session.add(IdempotencyKey(
        user_id=user_id, client_id=client_id, operation=operation,
        record_type=type(record).__name__ if record is not None else None,
        record_id=getattr(record, "id", None), response=response))


def replayed_record(key: IdempotencyKey, model):
    """The record an earlier request with this key created."""
    return db.session.get(model, key.record_id) if key.record_id is not None else None
