"""Writing the audit trail. Services call record(); the service's commit stores it."""

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import insert

from tracker.extensions import client_ip, db
from tracker.models import AuditEvent


def record(
    action: str,
    *,
    record_type: str | None = None,
    record_id: object = None,
    patient_id: int | None = None,
    detail: dict | None = None,
    user_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction.

    `detail` names fields or facts (e.g. {"fields": ["phone"]}); it must never hold PHI values.
    """
    event = AuditEvent(**_values(action, record_type, record_id, patient_id, detail, user_id))
    db.session.add(event)
    return event


def record_many(events: list[dict]) -> None:
    """Many events in one INSERT, in the current transaction (a batch job's outcomes).
    Each dict holds record()'s arguments by name; the same rules apply."""
    if events:
        db.session.execute(insert(AuditEvent.__table__), [
            _values(e["action"], e.get("record_type"), e.get("record_id"), e.get("patient_id"),
                    e.get("detail"), e.get("user_id")) for e in events])


def _values(action, record_type, record_id, patient_id, detail, user_id) -> dict:
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    token = g.get("api_token") if has_request_context() else None
    if token is not None:  # made through the JSON API: which of the user's devices did it
        detail = {**(detail or {}), "api_token_id": token.id}
    return {"action": action, "record_type": record_type,
            "record_id": None if record_id is None else str(record_id),
            "patient_id": patient_id, "user_id": user_id,
            "ip_address": client_ip() if has_request_context() else None, "detail": detail}
