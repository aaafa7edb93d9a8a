"""Models -> JSON, as plain functions; schemas.py holds the matching JSON Schemas.

Times are ISO 8601 in UTC with their offset (+00:00); the device shows them in the
patient's or nurse's zone. Nothing here reads the database beyond the records' own
relationships, and nothing writes.
"""

from datetime import date, datetime

from tracker.clinical.news2 import RESPONSES
from tracker.models import (
    Addendum,
    AdministrationInterruption,
    ApiToken,
    Complication,
    ComplicationAction,
    LineCareEntry,
    MedicationAdministration,
    Patient,
    SafetyCheck,
    SiteAssessment,
    TeachingEntry,
    TherapyOrder,
    User,
    VascularAccess,
    Visit,
    VisitBillingLine,
    VisitStep,
    VitalSigns,
)


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "name": user.name}


def me(user: User, token: ApiToken) -> dict:
    return {
        "user": {"id": user.id, "name": user.name, "email": user.email, "role": user.role,
                 "timezone": user.timezone},
        "device": {"id": token.id, "name": token.name, "created_at": iso(token.created_at),
                   "last_used_at": iso(token.last_used_at)},
    }


def visit_summary(visit: Visit) -> dict:
    patient = visit.patient
    return {
        "id": visit.id, "state": visit.state, "state_label": visit.state_label,
        "service_code": visit.service_code, "planned_start": iso(visit.planned_start),
        "planned_minutes": visit.planned_minutes, "planned_end": iso(visit.planned_end),
        "checked_in_at": iso(visit.checked_in_at), "checked_out_at": iso(visit.checked_out_at),
        "medication": visit.order.medication,
        "patient": {"id": patient.id, "first_name": patient.first_name,
                    "last_name": patient.last_name, "address": patient.address},
    }


def visit_page(visits: list[Visit], next_cursor: str | None) -> dict:
    return {"visits": [visit_summary(v) for v in visits], "next_cursor": next_cursor}


def patient_at_bedside(patient: Patient) -> dict:
    return {
        "id": patient.id, "mrn": patient.mrn, "first_name": patient.first_name,
        "last_name": patient.last_name, "date_of_birth": iso(patient.date_of_birth),
        "address": patient.address, "phone": patient.phone, "timezone": patient.timezone,
        "allergies": patient.allergies, "notes": patient.notes,
        "emergency_contact": {"name": patient.emergency_contact_name,
                              "phone": patient.emergency_contact_phone},
    }


def therapy_order(order: TherapyOrder) -> dict:
    return {
        "id": order.id, "medication": order.medication, "dose": order.dose,
        "dose_unit": order.dose_unit, "route": order.route,
        "rate_ml_per_hour": order.rate_ml_per_hour, "infusion_minutes": order.infusion_minutes,
        "frequency": order.frequency, "start_date": iso(order.start_date),
        "end_date": iso(order.end_date), "prescriber": order.prescriber,
        "indication": order.indication, "notes": order.notes, "active": order.active,
    }


def evv(record: Visit) -> dict:
    """The EVV data elements (the other ones, service, people and date, are on the visit)."""
    check_in = None if record.checked_in_at is None else {
        "at": iso(record.checked_in_at), "latitude": record.check_in_latitude,
        "longitude": record.check_in_longitude, "accuracy_m": record.check_in_accuracy_m,
        "method": record.check_in_location_method, "note": record.check_in_location_note,
    }
    check_out = None if record.checked_out_at is None else {
        "at": iso(record.checked_out_at), "latitude": record.check_out_latitude,
        "longitude": record.check_out_longitude, "accuracy_m": record.check_out_accuracy_m,
        "method": record.check_out_location_method, "note": record.check_out_location_note,
    }
    duration = record.duration
    return {"check_in": check_in, "check_out": check_out,
            "duration_minutes": None if duration is None else int(duration.total_seconds() // 60)}


def visit_step(step: VisitStep) -> dict:
    return {"step_number": step.step_number, "step_key": step.step_key, "status": step.status,
            "performed_at": iso(step.performed_at), "reason": step.reason,
            "recorded_at": iso(step.recorded_at)}


def safety_check(check: SafetyCheck) -> dict:
    return {"check": check.check, "confirmed": check.confirmed, "detail": check.detail or {},
            "note": check.note, "recorded_at": iso(check.recorded_at)}


def news2(vitals: VitalSigns) -> dict | None:
    if vitals.news2_total is None or vitals.news2_band is None:
        return None
    return {"total": vitals.news2_total, "band": vitals.news2_band,
            "response": RESPONSES.get(vitals.news2_band, "")}


def vital_signs(vitals: VitalSigns) -> dict:
    return {
        "id": vitals.id, "taken_at": iso(vitals.taken_at), "phase": vitals.phase,
        "heart_rate": vitals.heart_rate, "systolic": vitals.systolic,
        "diastolic": vitals.diastolic, "respiratory_rate": vitals.respiratory_rate,
        "temperature_c": vitals.temperature_c, "spo2": vitals.spo2,
        "on_oxygen": vitals.on_oxygen, "consciousness": vitals.consciousness,
        "pain": vitals.pain, "weight_kg": vitals.weight_kg, "news2": news2(vitals),
        "recorded_at": iso(vitals.recorded_at),
    }


def vascular_access(access: VascularAccess) -> dict:
    return {"id": access.id, "device_type": access.device_type,
            "device_other": access.device_other, "gauge": access.gauge, "site": access.site,
            "side": access.side, "is_new": access.is_new,
            "insertion_attempts": access.insertion_attempts,
            "recorded_at": iso(access.recorded_at)}


def site_assessment(assessment: SiteAssessment) -> dict:
    return {"id": assessment.id, "timing": assessment.timing,
            "assessed_at": iso(assessment.assessed_at),
            "phlebitis_score": assessment.phlebitis_score, "vip_score": assessment.vip_score,
            "note": assessment.note}


def line_care(entry: LineCareEntry) -> dict:
    return {"id": entry.id, "kind": entry.kind, "performed_at": iso(entry.performed_at),
            "solution": entry.solution, "volume_ml": entry.volume_ml, "labs": entry.labs,
            "draw_site": entry.draw_site, "note": entry.note}


def teaching(entry: TeachingEntry) -> dict:
    return {"id": entry.id, "topic": entry.topic, "learner": entry.learner,
            "result": entry.result, "reason": entry.reason, "recorded_at": iso(entry.recorded_at)}


def interruption(pause: AdministrationInterruption) -> dict:
    return {"paused_at": iso(pause.paused_at), "resumed_at": iso(pause.resumed_at),
            "reason": pause.reason}


def administration(given: MedicationAdministration) -> dict:
    return {
        "id": given.id, "order_id": given.order_id, "drug": given.drug,
        "lot_number": given.lot_number, "dose": given.dose, "dose_unit": given.dose_unit,
        "volume_ml": given.volume_ml, "rate_ml_per_hour": given.rate_ml_per_hour,
        "pump": given.pump, "started_at": iso(given.started_at),
        "stopped_at": iso(given.stopped_at),
        "interruptions": [interruption(p) for p in given.interruptions],
    }


def complication_action(action: ComplicationAction) -> dict:
    return {"action": action.action, "taken_at": iso(action.taken_at), "note": action.note}


def complication(event: Complication) -> dict:
    return {
        "id": event.id, "kind": event.kind, "kind_other": event.kind_other,
        "severity": event.severity, "onset_at": iso(event.onset_at),
        "description": event.description, "outcome": event.outcome,
        "recorded_at": iso(event.recorded_at),
        "actions": [complication_action(a) for a in event.actions],
    }


def billing_line(line: VisitBillingLine) -> dict:
    return {"code": line.code, "units": line.units, "description": line.description}


def addendum(note: Addendum) -> dict:
    return {"id": note.id, "created_at": iso(note.created_at), "author": person(note.author),
            "text": note.text}


def visit(record: Visit) -> dict:
    """The whole visit, as the nurse's visit page shows it."""
    return {
        "id": record.id, "state": record.state, "state_label": record.state_label,
        "state_reason": record.state_reason, "service_code": record.service_code,
        "planned_start": iso(record.planned_start), "planned_minutes": record.planned_minutes,
        "planned_end": iso(record.planned_end),
        "procedure_record": {"code": record.procedure_record.code,
                             "version": record.procedure_record.version},
        "patient": patient_at_bedside(record.patient),
        "order": therapy_order(record.order),
        "evv": evv(record),
        "infusion_blocked_reason": record.infusion_blocked_reason,
        "signed_at": iso(record.signed_at), "signed_by": person(record.signed_by),
        "steps": [visit_step(s) for s in record.steps],
        "safety_checks": [safety_check(c) for c in sorted(record.safety_checks, key=lambda c: c.id)],
        "vital_signs": [vital_signs(v) for v in record.vital_signs],
        "vascular_accesses": [vascular_access(a) for a in sorted(record.vascular_accesses,
                                                                 key=lambda a: a.id)],
        "site_assessments": [site_assessment(a) for a in record.site_assessments],
        "line_care": [line_care(e) for e in record.line_care],
        "teaching": [teaching(e) for e in sorted(record.teaching, key=lambda e: e.id)],
        "administrations": [administration(a) for a in record.administrations],
        "complications": [complication(c) for c in record.complications],
        "billing_lines": [billing_line(b) for b in sorted(record.billing_lines, key=lambda b: b.code)],
        "addenda": [addendum(a) for a in record.addenda],
        "updated_at": iso(record.updated_at),
    }
