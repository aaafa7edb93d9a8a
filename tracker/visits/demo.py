"""Demo therapy orders and visits (synthetic): a few weeks of signed visits behind each demo
nurse, today's visits, and the next week's.

Idempotent: orders are keyed on (patient, medication) and visits on (patient, local day), so
running the seeder again adds nothing on the same day and only the new days later on.
Today's and future visits go through the scheduling service (so other areas' signal
receivers, such as reminders, see them); past visits and their clinical rows are inserted
directly, as they were documented before the demo began.
"""

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.auth import services as auth_services
from tracker.clinical.billing import billing_lines
from tracker.clinical.news2 import news2_score
from tracker.clinical.vitals import VitalsReading
from tracker.extensions import db
from tracker.models import (
    Complication,
    ComplicationAction,
    MedicationAdministration,
    Patient,
    SafetyCheck,
    TherapyOrder,
    User,
    Visit,
    VisitBillingLine,
    VisitState,
    VisitStep,
    VitalSigns,
)
from tracker.procedures.services import current_record
from tracker.timeutil import utcnow
from tracker.visits.access import VisitStateError
from tracker.visits.scheduling import schedule_visit
from tracker.visits.timeinput import day_bounds, local_to_utc

COORDINATOR = "coordinator@demo.example"
PAST_DAYS, FUTURE_DAYS = 21, 7

ORDERS = {  # patient MRN -> the order (all synthetic)
    "DEMO-1001": dict(medication="Daptomycin", dose=450.0, dose_unit="mg", route="IV",
                      rate_ml_per_hour=100.0, infusion_minutes=30,
                      frequency="Three times a week (Mon, Wed, Fri)",
                      prescriber="Dr Alex Demo (infectious diseases)",
                      indication="Bone infection of the left foot (synthetic)"),
    "DEMO-1002": dict(medication="Immune globulin (IVIG) 10%", dose=30.0, dose_unit="g", route="IV",
                      rate_ml_per_hour=150.0, infusion_minutes=150,
                      frequency="Twice a week (Tue, Thu)",
                      prescriber="Dr Jordan Sample (immunology)",
                      indication="Primary immunodeficiency (synthetic)"),
    "DEMO-1003": dict(medication="Parenteral nutrition admixture", dose=1500.0, dose_unit="mL",
                      route="IV", rate_ml_per_hour=125.0, infusion_minutes=720,
                      frequency="Nightly; nurse visit Mon, Wed, Fri",
                      prescriber="Dr Riley Placeholder (gastroenterology)",
                      indication="Short bowel syndrome (synthetic)"),
}

# (nurse e-mail, patient MRN, weekdays (Mon=0), local start, planned minutes, usual length)
ROUNDS = [
    ("nurse.nora@demo.example", "DEMO-1001", (0, 2, 4), time(9, 0), 90, timedelta(minutes=70)),
    ("nurse.nora@demo.example", "DEMO-1002", (1, 3), time(13, 0), 180, timedelta(minutes=125)),
    ("nurse.ned@demo.example", "DEMO-1003", (0, 2, 4), time(17, 0), 60, timedelta(minutes=50)),
]
LOCATIONS = {"DEMO-1001": (40.7411, -73.9897), "DEMO-1002": (40.7306, -73.9866),
             "DEMO-1003": (41.8781, -87.6298)}


def seed_visits(app) -> None:
    coordinator = auth_services.find_user_by_email(COORDINATOR)
    if coordinator is None:
        return
    orders = {mrn: _order(mrn, values, coordinator) for mrn, values in ORDERS.items()}
    db.session.commit()
    for email, mrn, weekdays, start, minutes, length in ROUNDS:
        nurse = auth_services.find_user_by_email(email)
        order = orders[mrn]
        if nurse is None or order is None:
            continue
        today = datetime.now(ZoneInfo(nurse.timezone)).date()
        for offset in range(-PAST_DAYS, 0):
            day = today + timedelta(days=offset)
            if day.weekday() in weekdays and not _has_visit(order.patient, day):
                _past_visit(nurse, order, _at(day, start, nurse), minutes, _length(order, length))
        for offset in range(1, FUTURE_DAYS + 1):
            day = today + timedelta(days=offset)
            if day.weekday() in weekdays and not _has_visit(order.patient, day):
                _schedule(coordinator, nurse, order, _at(day, start, nurse), minutes)
    _seed_today(coordinator, orders)
    db.session.commit()


def _order(mrn: str, values: dict, coordinator: User) -> TherapyOrder | None:
    patient = db.session.scalar(select(Patient).where(Patient.mrn == mrn))
    if patient is None:
        return None
    order = db.session.scalar(select(TherapyOrder).where(
        TherapyOrder.patient_id == patient.id, TherapyOrder.medication == values["medication"]))
    if order is None:
        today = utcnow().date()
        order = TherapyOrder(patient_id=patient.id, start_date=today - timedelta(days=42),
                             end_date=today + timedelta(days=42), created_by_id=coordinator.id,
                             notes="Synthetic demo order.", **values)
        db.session.add(order)
        db.session.flush()
    return order


def _at(day: date, start: time, nurse: User) -> datetime:
    return local_to_utc(datetime.combine(day, start), nurse.timezone)


def _has_visit(patient: Patient, day: date) -> bool:
    start, end = day_bounds(day, patient.timezone)
    return db.session.scalar(select(Visit.id).where(
        Visit.patient_id == patient.id, Visit.planned_start >= start, Visit.planned_start < end)
        .limit(1)) is not None


def _length(order: TherapyOrder, usual: timedelta) -> timedelta:
    """The usual length, except one long IVIG visit (2 h 40 min: one 99602 is billed)."""
    if order.patient.mrn == "DEMO-1002" and not _has_long_visit(order.patient_id):
        return timedelta(hours=2, minutes=40)
    return usual


def _has_long_visit(patient_id: int) -> bool:
    return db.session.scalar(select(VisitBillingLine.id).join(Visit).where(
        Visit.patient_id == patient_id, VisitBillingLine.code == "99602").limit(1)) is not None


def _schedule(coordinator: User, nurse: User, order: TherapyOrder, start: datetime, minutes: int):
    # The slot may be taken, or the order ended since the first seed: then leave that day.
    with suppress(VisitStateError):
        schedule_visit(coordinator, {"order_id": order.id, "nurse_id": nurse.id,
                                     "planned_start": start, "planned_minutes": minutes})


def _seed_today(coordinator: User, orders: dict) -> None:
    """Today's visits, in each nurse's own day, at times still ahead when possible."""
    by_nurse: dict[str, list] = {}
    for email, mrn, _days, _start, minutes, _length in ROUNDS:
        by_nurse.setdefault(email, []).append((orders[mrn], minutes))
    for email, rounds in by_nurse.items():
        nurse = auth_services.find_user_by_email(email)
        if nurse is None:
            continue
        slots = _today_slots(nurse.timezone, len(rounds))
        for (order, minutes), slot in zip(rounds, slots, strict=True):
            if order is not None and not _has_visit(order.patient, slot.date()):
                _schedule(coordinator, nurse, order, local_to_utc(slot, nurse.timezone), minutes)


def _today_slots(tz: str, count: int, gap: timedelta = timedelta(hours=3, minutes=30)) -> list[datetime]:
    now = datetime.now(ZoneInfo(tz)).replace(tzinfo=None, second=0, microsecond=0)
    today = now.date()
    ahead = now + timedelta(minutes=30 + (30 - now.minute % 30) % 30)
    first = max(datetime.combine(today, time(8)), ahead)
    slots = [first + gap * i for i in range(count)]
    latest = datetime.combine(today, time(20, 30))
    if slots[-1] > latest:  # late in the day: keep them today, even if some have passed
        slots = [latest - gap * (count - 1 - i) for i in range(count)]
    return slots


def _past_visit(nurse: User, order: TherapyOrder, start: datetime, minutes: int,
                length: timedelta) -> None:
    record = current_record()
    arrived = start + timedelta(minutes=4)
    left = arrived + length
    lat, lon = LOCATIONS.get(order.patient.mrn, (40.7, -74.0))
    visit = Visit(patient_id=order.patient_id, nurse_id=nurse.id, order_id=order.id,
                  procedure_record_id=record.id, service_code=record.code, planned_start=start,
                  planned_minutes=minutes, state=VisitState.SIGNED.value,
                  checked_in_at=arrived, check_in_latitude=lat, check_in_longitude=lon,
                  check_in_accuracy_m=15.0, check_in_location_method="gps",
                  checked_out_at=left, check_out_latitude=lat, check_out_longitude=lon,
                  check_out_accuracy_m=18.0, check_out_location_method="gps",
                  signed_at=left + timedelta(minutes=12), signed_by_id=nurse.id,
                  created_at=start - timedelta(days=7))
    db.session.add(visit)
    db.session.flush()
    for line in billing_lines(length):
        db.session.add(VisitBillingLine(visit_id=visit.id, code=line.code, units=line.units,
                                        description=line.description))
    _documentation(visit, nurse, order, arrived, left)


def _documentation(visit: Visit, nurse: User, order: TherapyOrder, arrived: datetime,
                   left: datetime) -> None:
    """Safety checks, vital signs, the infusion and every step, as a nurse records them."""
    expiry = (arrived + timedelta(days=200)).date().isoformat()
    for check, detail in (("identity", {"identifiers": ["name", "date_of_birth"]}),
                          ("allergies", {"result": "no_conflict"}),
                          ("medication", {"drug": True, "dose": True, "route": True, "rate": True,
                                          "expiry_date": expiry}),
                          ("anaphylaxis_kit", {"present": True, "expiry_date": expiry}),
                          ("pump", {"result": "ok", "pump_id": "DEMO-PUMP-7"})):
        db.session.add(SafetyCheck(visit_id=visit.id, check=check, confirmed=True, detail=detail,
                                   recorded_by_id=nurse.id, recorded_at=arrived + timedelta(minutes=5)))
    seed = visit.id % 5
    for phase, taken in (("before", arrived + timedelta(minutes=8)), ("after", left - timedelta(minutes=8))):
        reading = VitalsReading(heart_rate=72 + seed, systolic=118 + 2 * seed, diastolic=76,
                                respiratory_rate=16, temperature_c=36.7, spo2=97, pain=1)
        score = news2_score(reading)
        db.session.add(VitalSigns(visit_id=visit.id, taken_at=taken, phase=phase,
                                  heart_rate=reading.heart_rate, systolic=reading.systolic,
                                  diastolic=reading.diastolic, respiratory_rate=reading.respiratory_rate,
                                  temperature_c=reading.temperature_c, spo2=reading.spo2, pain=reading.pain,
                                  news2_total=score.total, news2_band=score.band, recorded_by_id=nurse.id,
                                  recorded_at=taken))
    started = arrived + timedelta(minutes=20)
    stopped = min(left - timedelta(minutes=15), started + timedelta(minutes=order.infusion_minutes or 60))
    db.session.add(MedicationAdministration(
        visit_id=visit.id, order_id=order.id, drug=order.medication, lot_number=f"DEMO-LOT-{visit.id:04d}",
        dose=order.dose, dose_unit=order.dose_unit, rate_ml_per_hour=order.rate_ml_per_hour,
        pump="DEMO-PUMP-7", started_at=started,
        stopped_at=stopped,
        recorded_by_id=nurse.id))
    span = (left - arrived) / 6
    for step in visit.procedure_record.procedure_steps:
        db.session.add(VisitStep(visit_id=visit.id, step_number=step["number"], step_key=step["key"],
                                 status="done", performed_at=arrived + span * (step["number"] - 1),
                                 recorded_by_id=nurse.id, recorded_at=arrived + span * step["number"]))
    if visit.patient.mrn == "DEMO-1001" and not _has_complication(visit.patient_id):
        _complication(visit, nurse, started + timedelta(minutes=15))


def _has_complication(patient_id: int) -> bool:
    return db.session.scalar(select(Complication.id).join(Visit).where(
        Visit.patient_id == patient_id).limit(1)) is not None


def _complication(visit: Visit, nurse: User, onset: datetime) -> None:
    complication = Complication(
        visit_id=visit.id, kind="mild_allergic_reaction", severity="mild", onset_at=onset,
        description="Itchy raised rash on the forearm 15 minutes into the infusion.",
        outcome="Rash faded within 30 minutes; infusion finished at the ordered rate.",
        recorded_by_id=nurse.id, recorded_at=onset + timedelta(minutes=40))
    db.session.add(complication)
    db.session.flush()
    db.session.add(ComplicationAction(complication_id=complication.id, action="stop_infusion",
                                      taken_at=onset + timedelta(minutes=1),
                                      note="Infusion paused; prescriber called."))
    db.session.add(ComplicationAction(complication_id=complication.id, action="medications",
                                      taken_at=onset + timedelta(minutes=5),
                                      note="Oral antihistamine given as per the standing order."))
