"""Checklists and reminders for the synthetic agency (bulk inserts), and the pools the
workload writes to: visits in progress for vital signs and check-outs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench.build_agency import EXTRA_BUILDERS, Agency, bulk
from tracker.extensions import db
from tracker.models import Visit
from tracker.models.checklists import Checklist, ChecklistItem
from tracker.models.reminders import Reminder

CHECKOUT_POOL_PER_NURSE = 150


def checklists_and_reminders(agency: Agency) -> None:
    """Both checklists for every visit (record steps, ticked for past visits) and the
    reminders scheduling makes: sent for past visits, pending for upcoming ones."""
    content = db.session.get(Visit, 1).procedure_record.content
    steps = {"preparation": content["preparation_steps"], "recovery": content["recovery_steps"]}
    rows = db.session.execute(select(Visit.id, Visit.patient_id, Visit.nurse_id, Visit.state,
                                     Visit.planned_start, Visit.checked_out_at)
                              .order_by(Visit.id)).all()
    checklist_id = 0
    checklists, items, reminders = [], [], []
    for visit in rows:
        done = visit.state == "signed"
        for kind in ("preparation", "recovery"):
            checklist_id += 1
            checklists.append({"id": checklist_id, "visit_id": visit.id, "kind": kind})
            for position, step in enumerate(steps[kind]):
                ticked = visit.planned_start - timedelta(hours=3) if done else None
                items.append({"checklist_id": checklist_id, "position": position,
                              "source": "record", "step_key": step["key"], "text": step["text"],
                              "ticked_at": ticked,
                              "ticked_by_id": agency_patient_user(agency, visit.patient_id)
                              if done else None})
        reminders.extend(_reminders_for(visit))
        if len(items) > 20_000:
            _flush(checklists, items, reminders)
    _flush(checklists, items, reminders)


def agency_patient_user(agency: Agency, patient_id: int) -> int:
    return 2 + agency.nurse_count + patient_id - 1


def _reminders_for(visit) -> list[dict]:
    base = {"visit_id": visit.id, "patient_id": visit.patient_id, "audience": "patient",
            "step_key": None, "urgent": False, "claimed_by": None, "claimed_until": None,
            "attempts": 0, "last_error": "", "channels_done": [], "sent_at": None,
            "recipient_user_id": None, "status_reason": ""}
    out = []
    for hours in (24, 2):
        due = visit.planned_start - timedelta(hours=hours)
        sent = visit.state == "signed"
        out.append({**base, "kind": "preparation", "offset_hours": hours, "due_at": due,
                    "next_attempt_at": due, "status": "sent" if sent else "pending",
                    "attempts": 1 if sent else 0, "channels_done": ["in_app"] if sent else [],
                    "sent_at": due if sent else None})
    if visit.checked_out_at is not None:
        due = visit.checked_out_at
        out.append({**base, "kind": "recovery", "offset_hours": 0, "due_at": due,
                    "next_attempt_at": due, "status": "sent", "attempts": 1,
                    "channels_done": ["in_app"], "sent_at": due})
    return out


def _flush(checklists: list, items: list, reminders: list) -> None:
    bulk(Checklist, checklists)
    bulk(ChecklistItem, items)
    bulk(Reminder, reminders)
    for rows in (checklists, items, reminders):
        rows.clear()
    db.session.commit()


def checkout_pool(agency: Agency) -> None:
    """Visits in progress for the workload's writes (vital signs, check-outs): nurses 21-30
    carry them, so the day pages of nurses 1-20 keep an ordinary day."""
    now = datetime.now(UTC)
    next_id = (db.session.scalar(select(Visit.id).order_by(Visit.id.desc()).limit(1)) or 0) + 1
    rows = []
    for nurse in range(21, agency.nurse_count + 1):
        patients = agency.caseload[nurse]
        for n in range(CHECKOUT_POOL_PER_NURSE):
            patient = patients[n % len(patients)]
            rows.append(dict(id=next_id, patient_id=patient, nurse_id=1 + nurse, order_id=patient,
                             procedure_record_id=agency.record_id, planned_start=now - timedelta(minutes=40),
                             planned_minutes=120, state="in_progress",
                             checked_in_at=now - timedelta(minutes=30), checked_out_at=None,
                             check_in_location_method="gps", check_out_location_method=None,
                             check_in_latitude=40.71, check_in_longitude=-74.0, check_in_accuracy_m=12.0,
                             check_out_latitude=None, check_out_longitude=None, check_out_accuracy_m=None,
                             signed_at=None, signed_by_id=None))
            next_id += 1
    bulk(Visit, rows)
    db.session.commit()


EXTRA_BUILDERS.extend([checklists_and_reminders, checkout_pool])
