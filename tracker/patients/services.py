"""Patient records and caseloads: who may see whom, and every read and change audited."""

from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.extensions import db
from tracker.models import CaseloadAssignment, Patient, Role, User
from tracker.timeutil import is_valid_timezone

EDITABLE_FIELDS = (
    "mrn", "first_name", "last_name", "date_of_birth", "address_line", "city", "state",
    "postal_code", "phone", "timezone", "emergency_contact_name", "emergency_contact_phone",
    "allergies", "primary_indication", "indication_other", "notes", "email_opt_out",
)


@dataclass
class PatientError(ValueError):
    field: str
    message: str


def visible_patients_query(user: User):
    """The patients a user may see: a nurse's caseload, everyone for the office, self for patients."""
    query = select(Patient).order_by(Patient.last_name, Patient.first_name, Patient.id)
    if user.role == Role.NURSE:
        query = query.join(CaseloadAssignment).where(CaseloadAssignment.nurse_id == user.id)
    elif user.role == Role.PATIENT:
        query = query.where(Patient.id == (user.patient_id or -1))
    return query


def can_see(user: User, patient_id: int) -> bool:
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if user.role == Role.PATIENT:
        return user.patient_id == patient_id
    return db.session.scalar(select(CaseloadAssignment.id).where(
        CaseloadAssignment.nurse_id == user.id,
        CaseloadAssignment.patient_id == patient_id)) is not None


def visible_patients(user: User) -> list[Patient]:
    patients = list(db.session.scalars(visible_patients_query(user)))
    audit.record("patient_list_viewed", record_type="patient", detail={"count": len(patients)})
    db.session.commit()
    return patients


def get_patient(user: User, patient_id: int, *, audit_read: bool = True) -> Patient:
    """A patient the user may see, or 404 (never 403: that would confirm the record exists)."""
    patient = db.session.get(Patient, patient_id)
    if patient is None or not can_see(user, patient_id):
        raise NotFound()
    if audit_read:
        audit.record("patient_viewed", record_type="patient", record_id=patient.id,
                     patient_id=patient.id)
        db.session.commit()
    return patient


def own_record(user: User) -> Patient | None:
    if user.patient_id is None:
        return None
    return get_patient(user, user.patient_id)


def _validate(values: dict, patient_id: int | None) -> None:
    if not is_valid_timezone(values.get("timezone", "")):
        raise PatientError("timezone", "Choose a time zone from the list.")
    clash = db.session.scalar(select(Patient.id).where(Patient.mrn == values["mrn"]))
    if clash is not None and clash != patient_id:
        raise PatientError("mrn", "Another patient already has this MRN.")
    if values.get("primary_indication") == "other" and not values.get("indication_other"):
        raise PatientError("indication_other", "Describe the indication.")


def create_patient(values: dict) -> Patient:
    values = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    _validate(values, None)
    patient = Patient(**values)
    db.session.add(patient)
    db.session.flush()
    audit.record("patient_created", record_type="patient", record_id=patient.id,
                 patient_id=patient.id)
    db.session.commit()
    return patient


def update_patient(patient: Patient, values: dict) -> list[str]:
    values = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    _validate(values, patient.id)
    changed = [k for k, v in values.items() if getattr(patient, k) != v]
    for key in changed:
        setattr(patient, key, values[key])
    if changed:
        audit.record("patient_updated", record_type="patient", record_id=patient.id,
                     patient_id=patient.id, detail={"fields": sorted(changed)})
    db.session.commit()
    return changed


def caseload_nurses(patient: Patient) -> list[User]:
    return [a.nurse for a in sorted(patient.assignments, key=lambda a: a.nurse.name)]


def assign_nurse(patient: Patient, nurse: User, by: User) -> None:
    if nurse.role != Role.NURSE or not nurse.active:
        raise PatientError("nurse_id", "Choose an active nurse.")
    if any(a.nurse_id == nurse.id for a in patient.assignments):
        raise PatientError("nurse_id", f"{nurse.name} already has this patient on their caseload.")
    patient.assignments.append(CaseloadAssignment(nurse_id=nurse.id, assigned_by_id=by.id))
    audit.record("caseload_assigned", record_type="patient", record_id=patient.id,
                 patient_id=patient.id, detail={"nurse_id": nurse.id})
    db.session.commit()


def unassign_nurse(patient: Patient, nurse_id: int) -> None:
    assignment = next((a for a in patient.assignments if a.nurse_id == nurse_id), None)
    if assignment is None:
        raise NotFound()
    patient.assignments.remove(assignment)
    audit.record("caseload_unassigned", record_type="patient", record_id=patient.id,
                 patient_id=patient.id, detail={"nurse_id": nurse_id})
    db.session.commit()
