"""Which visits a user may open, and the state a change requires."""

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tracker.extensions import db
from tracker.models import Role, User, Visit, VisitState
from tracker.patients.services import can_see


class VisitStateError(ValueError):
    """A change the visit's state does not allow; the message is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def get_visit(user: User, visit_id: int, options: list | None = None) -> Visit:
    """The visit if the user may see it, else 404: a nurse sees her own visits only,
    a patient their own, the office every visit. `options`: loader options for a page."""
    if options:
        visit = db.session.scalar(select(Visit).where(Visit.id == visit_id).options(*options))
    else:
        visit = db.session.get(Visit, visit_id)
    if visit is None or not may_see(user, visit):
        raise NotFound()
    return visit


def may_see(user: User, visit: Visit) -> bool:
    if user.role == Role.NURSE:
        return visit.nurse_id == user.id
    return can_see(user, visit.patient_id)


def require_state(visit: Visit, *states: VisitState, action: str) -> None:
    if visit.state not in {s.value for s in states}:
        raise VisitStateError(
            f"You cannot {action}: the visit is {VisitState(visit.state).label.lower()}.")


def require_in_progress(visit: Visit, action: str) -> None:
    """Clinical entries are made between check-in and check-out; a signed record is read-only."""
    if visit.state == VisitState.SIGNED:
        raise VisitStateError(f"You cannot {action}: the visit is signed. Add an addendum instead.")
    require_state(visit, VisitState.IN_PROGRESS, VisitState.COMPLETED, action=action)
