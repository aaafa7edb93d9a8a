"""All models, imported here so that Alembic and the app see the whole schema."""

from tracker.models.audit import AuditEvent
from tracker.models.people import CaseloadAssignment, Patient, Role, User
from tracker.models.procedures import ProcedureRecord

__all__ = ["AuditEvent", "CaseloadAssignment", "Patient", "ProcedureRecord", "Role", "User"]
