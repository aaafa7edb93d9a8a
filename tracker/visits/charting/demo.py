"""Demo charting for `make run`: the demo visits under way or checked out get a typical
record (vital signs, access, site check, infusion, flush, teaching) through the same
services as the nurse's page. Synthetic values only.

Idempotent: a visit that already has vital signs or an infusion is left as it is. Runs
after the seeder that creates the demo visits.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Patient, Visit, VisitState
from tracker.timeutil import utcnow
from tracker.visits.charting import access_site, infusion, line_care, vitals

DEMO_MRN_PREFIX = "DEMO-"
_DOCUMENTED_STATES = (VisitState.IN_PROGRESS.value, VisitState.COMPLETED.value)


def seed_clinical_entries(app) -> None:
    visits = db.session.scalars(
        select(Visit).join(Patient, Visit.patient_id == Patient.id)
        .where(Patient.mrn.startswith(DEMO_MRN_PREFIX), Visit.state.in_(_DOCUMENTED_STATES),
               Visit.checked_in_at.is_not(None))
        .order_by(Visit.id))
    for visit in visits:
        if not visit.vital_signs and not visit.administrations:
            document(visit)


def document(visit: Visit) -> None:
    nurse = visit.nurse
    start = visit.checked_in_at
    end = min(utcnow(), visit.checked_out_at or utcnow())
    span = max(end - start, timedelta(0))

    def at(fraction: float) -> datetime:
        return start + span * fraction

    vitals.record_vitals(visit, nurse, {
        "phase": "before", "taken_at": at(0.05), "heart_rate": 78, "systolic": 128,
        "diastolic": 82, "respiratory_rate": 16, "temperature": 98.4, "temperature_unit": "F",
        "spo2": 97, "consciousness": "A", "pain": 1})
    access_site.record_access(visit, nurse, {
        "device_type": "peripheral_iv", "gauge": "22 G", "site": "Forearm", "side": "left",
        "is_new": True, "insertion_attempts": 1})
    access_site.record_site_assessment(visit, nurse, {
        "timing": "before", "assessed_at": at(0.1), "phlebitis_score": 0, "vip_score": 0})
    allowed, _reasons = infusion.infusion_gate(visit)
    if allowed:  # a demo visit whose safety checks are not done shows why it cannot start
        order = visit.order
        finished = visit.state == VisitState.COMPLETED.value
        infusion.start_administration(visit, nurse, {
            "lot_number": "DEMO-LOT-0425", "dose": order.dose, "dose_unit": order.dose_unit,
            "rate_ml_per_hour": order.rate_ml_per_hour, "pump": "Demo pump 3",
            "started_at": at(0.2), "stopped_at": at(0.8) if finished else None})
    vitals.record_vitals(visit, nurse, {
        "phase": "during", "taken_at": at(0.5), "heart_rate": 84, "systolic": 124,
        "diastolic": 80, "respiratory_rate": 17, "temperature": 36.9, "spo2": 97,
        "consciousness": "A", "pain": 1})
    line_care.record_line_care(visit, nurse, {
        "kind": "flush", "performed_at": at(0.85), "solution": "Normal saline 0.9%",
        "volume_ml": 10})
    line_care.record_teaching(visit, nurse, {
        "topic": "Signs of infection at the IV site and when to call", "learner": "patient",
        "result": "understood"})
