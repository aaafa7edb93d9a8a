"""How every visit service ends: one commit, remembered under the caller's client id.

A service decorated with @idempotent(operation, Model) adds its rows, audits and sends its
signal, then returns the record; the decorator remembers the client id with that record and
commits, so that the key and the record are stored together or not at all. A replay of the
same client id returns the first record without doing anything again. On a refusal the
session is rolled back, so that nothing half-done can be committed later; a refusal that
follows an identical request's success (the two raced) answers with that one's record.
"""

import functools

from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Forbidden

from tracker import idempotency
from tracker.extensions import db
from tracker.models import Role, User, Visit
from tracker.visits.access import VisitStateError

OFFICE_ROLES = (Role.COORDINATOR.value, Role.ADMIN.value)


def idempotent(operation: str, model):
    def decorate(service):
        @functools.wraps(service)
        def run(user: User, *args, client_id: str | None = None, **kwargs):
            try:
                client_id = idempotency.valid_client_id(client_id)
            except ValueError as error:
                raise VisitStateError(str(error), field="client_id") from None
            try:
                key = idempotency.find(user.id, client_id, operation)
            except idempotency.ClientIdReused:
                raise VisitStateError("This form was already sent for something else. Reload the "
                                      "page and try again.", field="client_id") from None
            if key is not None:
                return idempotency.replayed_record(key, model)
            try:
                record = service(user, *args, **kwargs)
                idempotency.remember(user.id, client_id, operation, record)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                # Two identical requests raced: the other one stored the key and its record.
                key = idempotency.find(user.id, client_id, operation)
                if key is None:
                    raise
                return idempotency.replayed_record(key, model)
            except Exception:
                db.session.rollback()
                # A copy of this same request that waited on the visit's row lock finds the
                # visit already changed by the other (checked in, say) and is refused: the
                # write it carries was made, so it answers as a replay.
                key = _stored_meanwhile(user, client_id, operation)
                if key is None:
                    raise
                return idempotency.replayed_record(key, model)
            return record

        run.operation = operation
        return run

    return decorate


def _stored_meanwhile(user: User, client_id: str | None, operation: str):
    try:
        return idempotency.find(user.id, client_id, operation)
    except idempotency.ClientIdReused:
        return None


def require_office(user: User) -> None:
    if user.role not in OFFICE_ROLES:
        raise Forbidden("Only coordinators and administrators can do this.")


def require_visit_nurse(user: User, visit: Visit) -> None:
    """Only the nurse the visit is assigned to documents it."""
    if user.id != visit.nurse_id:
        raise Forbidden("Only the nurse assigned to this visit can document it.")
