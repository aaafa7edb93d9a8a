"""Test data for the history: finished visits with vitals, billing and complications, and
bulk inserts for the tests that need thousands of visits."""

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from tracker.clinical.billing import billing_lines
from tracker.clinical.news2 import news2_score
from tracker.clinical.vitals import VitalsReading
from tracker.extensions import db
from tracker.models import (
    Alert,
    Complication,
    ComplicationAction,
    Visit,
    VisitBillingLine,
    VitalSigns,
)
from tracker.procedures.services import current_record

NORMAL = dict(heart_rate=72, systolic=124, diastolic=78, respiratory_rate=16, temperature_c=36.8,
              spo2=97)


def finish(visit: Visit, minutes: float, *, state: str = "signed", late_by: int = 0) -> Visit:
    """Check the visit in (late_by minutes after its planned start) and out, with billing."""
    visit.checked_in_at = visit.planned_start + timedelta(minutes=late_by)
    visit.checked_out_at = visit.checked_in_at + timedelta(minutes=minutes)
    visit.check_in_location_method = "gps"
    visit.check_in_latitude, visit.check_in_longitude, visit.check_in_accuracy_m = 40.7128, -74.006, 12
    visit.check_out_location_method = "address"
    visit.state = state
    if state == "signed":
        visit.signed_at = visit.checked_out_at + timedelta(minutes=5)
        visit.signed_by_id = visit.nurse_id
    for line in billing_lines(visit.checked_out_at - visit.checked_in_at):
        db.session.add(VisitBillingLine(visit_id=visit.id, code=line.code, units=line.units,
                                        description=line.description))
    db.session.commit()
    return visit


def vitals(visit: Visit, minutes_in: int = 5, phase: str = "before", **values) -> VitalSigns:
    data = {**NORMAL, **values}
    score = news2_score(VitalsReading(**{k: v for k, v in data.items()
                                         if k in VitalsReading.__dataclass_fields__}))
    row = VitalSigns(visit_id=visit.id, taken_at=(visit.checked_in_at or visit.planned_start)
                     + timedelta(minutes=minutes_in), phase=phase, news2_total=score.total,
                     news2_band=score.band, recorded_by_id=visit.nurse_id, **data)
    db.session.add(row)
    db.session.commit()
    return row


def complication(visit: Visit, kind: str = "phlebitis", severity: str = "mild",
                 minutes_in: int = 30, action: str | None = None) -> Complication:
    onset = (visit.checked_in_at or visit.planned_start) + timedelta(minutes=minutes_in)
    row = Complication(visit_id=visit.id, kind=kind, severity=severity, onset_at=onset,
                       description="Synthetic finding", outcome="Resolved",
                       recorded_by_id=visit.nurse_id)
    db.session.add(row)
    db.session.flush()
    if action:
        db.session.add(ComplicationAction(complication_id=row.id, action=action,
                                          taken_at=onset + timedelta(minutes=2), note=""))
    db.session.commit()
    return row


def bulk_visits(count: int, *, nurse, patient, order, first: datetime, step: timedelta,
                minutes: int | None = 90, state: str = "signed") -> None:
    """Insert many visits in one statement (no ORM objects, no per-row flush).

    minutes=None leaves them not checked out; state "scheduled" leaves them not checked in.
    """
    record_id = current_record().id
    rows = []
    for i in range(count):
        start = first + step * i
        checked_in = None if state in ("scheduled", "missed", "cancelled") else start
        checked_out = checked_in + timedelta(minutes=minutes) if checked_in and minutes else None
        rows.append(dict(patient_id=patient.id, nurse_id=nurse.id, order_id=order.id,
                         procedure_record_id=record_id, service_code="99601",
                         planned_start=start, planned_minutes=120, state=state,
                         state_reason="", checked_in_at=checked_in, checked_out_at=checked_out,
                         check_in_location_note="", check_out_location_note="",
                         infusion_blocked_reason="", created_at=start, updated_at=start))
    db.session.execute(insert(Visit), rows)
    db.session.commit()


def bulk_details(visit_ids: list[int], nurse_id: int) -> None:
    """Vital signs, billing lines, a complication and an alert for each visit, in bulk."""
    visits = db.session.execute(select(Visit.id, Visit.patient_id, Visit.planned_start)
                                .where(Visit.id.in_(visit_ids))).all()
    vitals_rows, billing, complications, alerts = [], [], [], []
    for visit_id, patient_id, start in visits:
        for minutes, band, total in ((5, "low", 0), (60, "medium", 5)):
            vitals_rows.append(dict(visit_id=visit_id, taken_at=start + timedelta(minutes=minutes),
                                    phase="during", on_oxygen=False, consciousness="A",
                                    news2_total=total, news2_band=band, recorded_by_id=nurse_id,
                                    recorded_at=start, **NORMAL))
        billing.append(dict(visit_id=visit_id, code="99601", units=1, description="Visit"))
        complications.append(dict(visit_id=visit_id, kind="phlebitis", kind_other="",
                                  severity="mild", onset_at=start + timedelta(minutes=30),
                                  description="", outcome="", recorded_by_id=nurse_id,
                                  recorded_at=start))
        alerts.append(dict(kind="complication_reported", severity="urgent", message="Synthetic",
                           patient_id=patient_id, visit_id=visit_id, created_at=start,
                           acknowledgement_note=""))
    for model, rows in ((VitalSigns, vitals_rows), (VisitBillingLine, billing),
                        (Complication, complications), (Alert, alerts)):
        db.session.execute(insert(model), rows)
    db.session.commit()
