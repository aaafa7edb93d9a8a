"""All models, imported here so that Alembic and the app see the whole schema."""

from tracker.models.audit import AuditEvent
from tracker.models.checklists import (
    Checklist,
    ChecklistItem,
    ChecklistKind,
    ItemSource,
    OrderChecklistItem,
    ProblemKind,
    ProblemReport,
)
from tracker.models.people import CaseloadAssignment, Patient, Role, User
from tracker.models.procedures import ProcedureRecord
from tracker.models.reminders import Notification, Reminder, ReminderKind, ReminderStatus
from tracker.models.visits import (
    Addendum,
    AdministrationInterruption,
    Alert,
    ApiToken,
    Complication,
    ComplicationAction,
    IdempotencyKey,
    LineCareEntry,
    MedicationAdministration,
    SafetyCheck,
    SiteAssessment,
    TeachingEntry,
    TherapyOrder,
    VascularAccess,
    Visit,
    VisitBillingLine,
    VisitState,
    VisitStep,
    VitalSigns,
)

__all__ = [
    "AdministrationInterruption", "Addendum", "Alert", "ApiToken", "AuditEvent",
    "CaseloadAssignment", "Complication", "ComplicationAction", "IdempotencyKey",
    "LineCareEntry", "MedicationAdministration", "Patient", "ProcedureRecord", "Role",
    "SafetyCheck", "SiteAssessment", "TeachingEntry", "TherapyOrder", "User",
    "VascularAccess", "Visit", "VisitBillingLine", "VisitState", "VisitStep", "VitalSigns",
    # checklists and reminders
    "Checklist", "ChecklistItem", "ChecklistKind", "ItemSource", "Notification",
    "OrderChecklistItem", "ProblemKind", "ProblemReport", "Reminder", "ReminderKind",
    "ReminderStatus",
]
