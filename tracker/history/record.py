"""The coordinator's visit record: everything logged in one visit, as a timeline and tables."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.clinical.duration import format_duration, time_status
from tracker.clinical.vitals import CONSCIOUSNESS_LEVELS
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.history import hooks, vitals_view
from tracker.history.labels import complication_label, risk_labels
from tracker.models import (
    Alert,
    AuditEvent,
    User,
    Visit,
)
from tracker.visits import loading
from tracker.visits.access import may_see

AUDIT_LIMIT = 200


@dataclass(frozen=True)
class EvvElement:
    name: str
    value: str
    present: bool


@dataclass
class VisitRecord:
    visit: Visit
    timeline: list[hooks.TimelineEntry]
    vitals: list[vitals_view.VitalsRow]
    charts: list
    evv: list[EvvElement]
    alerts: list[Alert]
    audit_events: list[AuditEvent]
    people: dict[int, str]
    step_titles: dict[str, str]
    duration_text: str | None
    time_status: str | None


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def load_visit(visit_id: int) -> Visit | None:
    """The visit with everything the record shows, in one query per table."""
    query = select(Visit).where(Visit.id == visit_id).options(*loading.whole_record_options())
    return db.session.scalars(query).unique().one_or_none()


def _people(visit: Visit) -> dict[int, str]:
    """Names of everyone who recorded something in the visit, in one query."""
    ids = {visit.nurse_id, visit.signed_by_id}
    for rows in (visit.steps, visit.safety_checks, visit.vital_signs, visit.vascular_accesses,
                 visit.site_assessments, visit.line_care, visit.teaching, visit.administrations,
                 visit.complications):
        ids.update(r.recorded_by_id for r in rows)
    ids.discard(None)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _location(method: str | None, lat, lon, accuracy, note: str, visit: Visit) -> str:
    if method == "gps" and lat is not None and lon is not None:
        text = f"GPS {lat:.5f}, {lon:.5f}"
        return text + (f" (within {accuracy:.0f} m)" if accuracy is not None else "")
    if method == "address":
        return f"Patient's address on file: {visit.patient.address}" + (f" — {note}" if note else "")
    return ""


def evv_elements(visit: Visit, fmt) -> list[EvvElement]:
    """The six Electronic Visit Verification elements (21st Century Cures Act)."""
    service = f"CPT {visit.service_code}: {visit.procedure_record.name}" if visit.procedure_record \
        else f"CPT {visit.service_code}"
    check_in = _location(visit.check_in_location_method, visit.check_in_latitude,
                         visit.check_in_longitude, visit.check_in_accuracy_m,
                         visit.check_in_location_note, visit)
    check_out = _location(visit.check_out_location_method, visit.check_out_latitude,
                          visit.check_out_longitude, visit.check_out_accuracy_m,
                          visit.check_out_location_note, visit)
    return [
        EvvElement("Type of service", service, True),
        EvvElement("Person receiving the service",
                   f"{visit.patient.full_name} (MRN {visit.patient.mrn})", True),
        EvvElement("Person providing the service", visit.nurse.name, True),
        EvvElement("Date of service", fmt(visit.checked_in_at, "%A %d %B %Y"),
                   visit.checked_in_at is not None),
        EvvElement("Location at check-in", check_in, bool(check_in)),
        EvvElement("Location at check-out", check_out, bool(check_out)),
        EvvElement("Time the service began", fmt(visit.checked_in_at, "%H:%M"),
                   visit.checked_in_at is not None),
        EvvElement("Time the service ended", fmt(visit.checked_out_at, "%H:%M"),
                   visit.checked_out_at is not None),
    ]


def _vitals_text(v) -> str:
    parts = []
    if v.heart_rate is not None:
        parts.append(f"heart rate {v.heart_rate}/min")
    if v.systolic is not None and v.diastolic is not None:
        parts.append(f"BP {v.systolic}/{v.diastolic} mmHg")
    if v.respiratory_rate is not None:
        parts.append(f"respirations {v.respiratory_rate}/min")
    if v.temperature_c is not None:
        parts.append(f"temperature {v.temperature_c:.1f} °C")
    if v.spo2 is not None:
        parts.append(f"SpO2 {v.spo2}%" + (" on oxygen" if v.on_oxygen else ""))
    if v.consciousness and v.consciousness != "A":
        parts.append(CONSCIOUSNESS_LEVELS.get(v.consciousness, v.consciousness).lower())
    if v.news2_total is not None:
        parts.append(f"NEWS2 {v.news2_total} ({v.news2_band or 'no band'})")
    return ", ".join(parts)


E = hooks.TimelineEntry


LOCATION_METHODS = {"gps": "Location by GPS", "address": "Location: the patient's address",
                    None: "No location recorded"}


def _with_note(text: str, note: str) -> str:
    return f"{text} — {note}" if note else text


def _lifecycle(visit: Visit, who) -> list:
    entries = []
    if visit.checked_in_at:
        entries.append(E(visit.checked_in_at, "check_in", "Checked in",
                         LOCATION_METHODS.get(visit.check_in_location_method, ""), visit.nurse.name))
    if visit.checked_out_at:
        entries.append(E(visit.checked_out_at, "check_out", "Checked out",
                         LOCATION_METHODS.get(visit.check_out_location_method, ""), visit.nurse.name))
    if visit.signed_at:
        entries.append(E(visit.signed_at, "signature", "Record signed", "",
                         visit.signed_by.name if visit.signed_by else ""))
    entries += [E(a.created_at, "addendum", "Addendum", a.text, a.author.name) for a in visit.addenda]
    return entries


def _checks(visit: Visit, who, step_titles: dict[str, str]) -> list:
    entries = [E(s.performed_at, "step",
                 f"Step {s.step_number}: {step_titles.get(s.step_key, _words(s.step_key))}",
                 "done" if s.status == "done" else f"not done: {s.reason}", who(s.recorded_by_id, ""))
               for s in visit.steps]
    entries += [E(c.recorded_at, "safety", f"Safety check: {_words(c.check)}",
                  _with_note("confirmed" if c.confirmed else "NOT confirmed", c.note),
                  who(c.recorded_by_id, "")) for c in visit.safety_checks]
    entries += [E(v.taken_at, "vitals", f"Vital signs ({v.phase})", _vitals_text(v),
                  who(v.recorded_by_id, "")) for v in visit.vital_signs]
    entries += [E(a.recorded_at, "access", f"Vascular access: {_words(a.device_type)}",
                  f"{a.site} ({a.side}), {'new' if a.is_new else 'existing'}, "
                  f"{a.insertion_attempts} attempt(s)", who(a.recorded_by_id, ""))
                for a in visit.vascular_accesses]
    entries += [E(s.assessed_at, "site", f"Site check ({s.timing})",
                  _with_note(f"phlebitis {s.phlebitis_score}, VIP {s.vip_score}", s.note),
                  who(s.recorded_by_id, "")) for s in visit.site_assessments]
    for lc in visit.line_care:
        detail = ", ".join(x for x in (lc.solution, f"{lc.volume_ml:g} mL" if lc.volume_ml else "",
                                       lc.labs, lc.note) if x)
        entries.append(E(lc.performed_at, "line_care", _words(lc.kind), detail,
                         who(lc.recorded_by_id, "")))
    entries += [E(t.recorded_at, "teaching", f"Teaching: {t.topic}",
                  _with_note(f"{t.learner}, {_words(t.result).lower()}", t.reason),
                  who(t.recorded_by_id, "")) for t in visit.teaching]
    return entries


def _infusions(visit: Visit, who) -> list:
    entries = []
    for m in visit.administrations:
        rate = f", {m.rate_ml_per_hour:g} mL/h" if m.rate_ml_per_hour else ""
        entries.append(E(m.started_at, "administration", f"Infusion started: {m.drug}",
                         f"{m.dose:g} {m.dose_unit}, lot {m.lot_number}{rate}", who(m.recorded_by_id, "")))
        for i in m.interruptions:
            entries.append(E(i.paused_at, "pause", f"Infusion paused: {m.drug}", i.reason))
            if i.resumed_at:
                entries.append(E(i.resumed_at, "resume", f"Infusion resumed: {m.drug}"))
        if m.stopped_at:
            entries.append(E(m.stopped_at, "administration", f"Infusion stopped: {m.drug}",
                             f"{m.volume_ml:g} mL given" if m.volume_ml else ""))
    return entries


def _complications(visit: Visit, who) -> list:
    entries = []
    labels = risk_labels() if visit.complications else {}
    for c in visit.complications:
        # The outcome has no time of its own: it is told with the complication.
        detail = " ".join(x for x in (c.description, f"Outcome: {c.outcome}" if c.outcome else "") if x)
        entries.append(E(c.onset_at, "complication",
                         f"Complication: {complication_label(c.kind, c.kind_other, labels)} ({c.severity})",
                         detail, who(c.recorded_by_id, "")))
        entries += [E(a.taken_at, "complication_action", f"Action: {_words(a.action)}", a.note)
                    for a in c.actions]
    return entries


def _alerts(alerts: list[Alert]) -> list:
    entries = []
    for alert in alerts:
        entries.append(E(alert.created_at, "alert", f"Alert raised ({alert.severity})", alert.message))
        if alert.acknowledged_at:
            entries.append(E(alert.acknowledged_at, "alert", "Alert acknowledged",
                             alert.acknowledgement_note,
                             alert.acknowledged_by.name if alert.acknowledged_by else ""))
    return entries


def timeline(visit: Visit, people: dict[int, str], step_titles: dict[str, str],
             alerts: list[Alert]) -> list[hooks.TimelineEntry]:
    """Every dated entry of the visit, oldest first, with the hooks' entries merged in."""
    who = people.get
    entries = (_lifecycle(visit, who) + _checks(visit, who, step_titles) + _infusions(visit, who)
               + _complications(visit, who) + _alerts(alerts) + hooks.visit_timeline(visit.id))
    return sorted(entries, key=lambda e: e.at)


def visit_alerts(visit_id: int) -> list[Alert]:
    return list(db.session.scalars(select(Alert).where(Alert.visit_id == visit_id)
                                   .options(joinedload(Alert.acknowledged_by))
                                   .order_by(Alert.created_at)))


def audit_trail(visit: Visit) -> list[AuditEvent]:
    """Who read or changed this visit: events about the visit itself, and events about the
    patient's record that name this visit in their detail ({"visit_id": id})."""
    about_visit = (AuditEvent.record_type == "visit") & (AuditEvent.record_id == str(visit.id))
    naming_visit = (AuditEvent.patient_id == visit.patient_id) & (
        AuditEvent.detail["visit_id"].as_integer() == visit.id)
    return list(db.session.scalars(select(AuditEvent).where(or_(about_visit, naming_visit))
                                   .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                   .limit(AUDIT_LIMIT)))


def build(user: User, visit_id: int, tz: str, fmt, *, action: str = "visit_record_viewed") -> VisitRecord:
    """The whole record of one visit for the office; reading it is audited."""
    visit = load_visit(visit_id)
    if visit is None or not may_see(user, visit):
        raise NotFound()
    audit.record(action, record_type="visit", record_id=visit_id, patient_id=visit.patient_id)
    people = _people(visit)
    steps = {s["key"]: s["title"] for s in (visit.procedure_record.procedure_steps
                                             if visit.procedure_record else [])}
    alerts = visit_alerts(visit.id)
    vitals = vitals_view.rows(visit.vital_signs)
    duration = visit.duration
    record = VisitRecord(
        visit=visit, timeline=timeline(visit, people, steps, alerts), vitals=vitals,
        charts=vitals_view.charts(vitals, tz, f"visit-{visit.id}"), evv=evv_elements(visit, fmt),
        alerts=alerts, audit_events=audit_trail(visit), people=people, step_titles=steps,
        duration_text=format_duration(duration) if duration is not None else None,
        time_status=time_status(duration) if duration is not None else None)
    commit_keeping_loaded()  # the audit row; the page shows what was read, without reading it again
    return record
