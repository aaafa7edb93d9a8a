"""One patient's history: every visit, vital sign trends, complications over time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker import audit
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.history import hooks, vitals_view
from tracker.history.filters import worst_band_rank
from tracker.history.labels import complication_label, risk_labels
from tracker.history.pagination import first_rows_and_total
from tracker.history.search import VisitRow
from tracker.history.sql import band_for_rank
from tracker.models import Complication, Patient, User, Visit, VitalSigns
from tracker.patients.services import get_patient
from tracker.timeutil import local

# A patient seen three times a week has hundreds of visits within two years: the page shows
# the latest ones and links to the full, paginated list in the visit history.
VISIT_LIMIT = 50
VITALS_LIMIT = 60  # the trend charts: about the last 30 visits (each has a set before and after)


@dataclass
class ComplicationEntry:
    complication: Complication
    label: str


@dataclass
class PatientHistory:
    patient: Patient
    visits: list[VisitRow]
    vitals: list[vitals_view.VitalsRow]
    charts: list
    complications: list[ComplicationEntry]
    complications_by_month: list[tuple[str, Counter]]
    complication_kinds: list[tuple[str, str]]
    checklist: hooks.ChecklistCompletion | None
    checklist_by_visit: dict[int, str] | None
    visit_count: int = 0  # all the patient's visits; `visits` holds the latest VISIT_LIMIT
    vitals_count: int = 0  # all their sets of vital signs; `vitals` holds the latest VITALS_LIMIT


def _visits(patient_id: int) -> tuple[list[Visit], int]:
    """The latest VISIT_LIMIT visits, newest first, and how many there are in all."""
    return first_rows_and_total(select(Visit).where(Visit.patient_id == patient_id)
                                .options(joinedload(Visit.nurse))
                                .order_by(Visit.planned_start.desc(), Visit.id.desc())
                                .limit(VISIT_LIMIT))


def _worst_bands(visit_ids: list[int]) -> dict[int, str | None]:
    rows = db.session.execute(select(VitalSigns.visit_id, worst_band_rank())
                              .where(VitalSigns.visit_id.in_(visit_ids))
                              .group_by(VitalSigns.visit_id))
    return {visit_id: band_for_rank(rank) for visit_id, rank in rows}


def _vitals(patient_id: int) -> tuple[list[VitalSigns], int]:
    """The latest VITALS_LIMIT sets, oldest first (as the charts draw them), and the total."""
    latest, total = first_rows_and_total(select(VitalSigns)
                                         .join(Visit, Visit.id == VitalSigns.visit_id)
                                         .where(Visit.patient_id == patient_id)
                                         .order_by(VitalSigns.taken_at.desc(), VitalSigns.id.desc())
                                         .limit(VITALS_LIMIT))
    return latest[::-1], total


def _complications(patient_id: int) -> list[Complication]:
    return list(db.session.scalars(select(Complication)
                                   .join(Visit, Visit.id == Complication.visit_id)
                                   .where(Visit.patient_id == patient_id)
                                   .order_by(Complication.onset_at, Complication.id)))


def by_month(complications: list[Complication], tz: str) -> list[tuple[str, Counter]]:
    """(YYYY-MM in the viewer's zone, kind -> count), oldest month first."""
    months: dict[str, Counter] = {}
    for c in complications:
        months.setdefault(local(c.onset_at, tz).strftime("%Y-%m"), Counter())[c.kind] += 1
    return sorted(months.items())


def build(user: User, patient_id: int, tz: str) -> PatientHistory:
    patient = get_patient(user, patient_id, audit_read=False)  # 404 when not visible
    audit.record("patient_history_viewed", record_type="patient", record_id=patient_id,
                 patient_id=patient_id)
    visits, visit_count = _visits(patient_id)
    bands = _worst_bands([v.id for v in visits])
    complications = _complications(patient_id)
    kinds_by_visit: dict[int, list[str]] = {}
    for c in complications:
        kinds_by_visit.setdefault(c.visit_id, []).append(c.kind)
    vital_sets, vitals_count = _vitals(patient_id)
    vitals = vitals_view.rows(vital_sets)
    labels = risk_labels()
    entries = [ComplicationEntry(c, complication_label(c.kind, c.kind_other, labels))
               for c in complications]
    kinds = sorted({c.kind for c in complications})
    history = PatientHistory(
        patient=patient,
        visits=[VisitRow(v, bands.get(v.id), kinds_by_visit.get(v.id, [])) for v in visits],
        vitals=vitals, charts=vitals_view.charts(vitals, tz, f"patient-{patient_id}"),
        complications=entries, complications_by_month=by_month(complications, tz),
        complication_kinds=[(k, complication_label(k, labels=labels)) for k in kinds],
        checklist=hooks.checklist_completion(None, None, patient_id),
        checklist_by_visit=hooks.checklist_by_visit([v.id for v in visits]),
        visit_count=visit_count, vitals_count=vitals_count)
    commit_keeping_loaded()  # the audit row; the page shows what was read, without reading it again
    return history
