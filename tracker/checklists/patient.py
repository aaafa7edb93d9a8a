"""What a patient sees of their own care: next visit, getting ready, recovery, past visits,
and reporting a problem. A patient only ever reaches their own visits (others: 404)."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.alerts.services import raise_alert
from tracker.checklists.services import checklists_by_visit, checklists_to_show
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.models import Checklist, Patient, ProblemKind, ProblemReport, User, Visit, VisitState
from tracker.reminders import notifications
from tracker.reminders.messages import app_path
from tracker.timeutil import utcnow

# How long after a visit its recovery card stays on the patient's home page.
RECOVERY_CARD_DAYS = 7
MAX_DETAILS = 1000
DONE_STATES = (VisitState.COMPLETED.value, VisitState.SIGNED.value)


class ProblemReportError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def own_patient(user: User) -> Patient:
    """The patient record behind a patient's account (404 when the account has none)."""
    patient = db.session.get(Patient, user.patient_id) if user.patient_id else None
    if patient is None:
        raise NotFound()
    return patient


@dataclass
class HomePage:
    patient: Patient
    next_visit: Visit | None
    preparation: Checklist | None
    recovery_visit: Visit | None
    recovery: Checklist | None


OPEN_STATES = (VisitState.SCHEDULED.value, VisitState.IN_PROGRESS.value)


def home_page(user: User) -> HomePage:
    """The next visit and the recent one, each with its checklist: a fixed number of
    statements however many visits the patient has had."""
    patient = own_patient(user)
    now = utcnow()
    since = now - timedelta(days=RECOVERY_CARD_DAYS)
    # Both cards' candidates in one statement, with the nurse each card names.
    visits = list(db.session.scalars(select(Visit).where(
        Visit.patient_id == patient.id,
        or_(Visit.state.in_(OPEN_STATES),
            Visit.state.in_(DONE_STATES) & (Visit.checked_out_at >= since)))
        .options(joinedload(Visit.nurse)).order_by(Visit.planned_start, Visit.id)))
    upcoming = next_visit([v for v in visits if v.state in OPEN_STATES], now)
    recent = recent_visit([v for v in visits if v.state in DONE_STATES])
    page = HomePage(patient, upcoming, None, recent, None)
    shown = [v for v in (upcoming, recent) if v is not None]
    loaded = checklists_by_visit([v.id for v in shown])
    if upcoming is not None:
        page.preparation = checklists_to_show(upcoming, loaded[upcoming.id])["preparation"]
    if recent is not None:
        page.recovery = checklists_to_show(recent, loaded[recent.id])["recovery"]
    audit.record("patient_home_viewed", record_type="patient", record_id=patient.id,
                 patient_id=patient.id)
    commit_keeping_loaded()  # the page shows what was read, without reading it again
    return page


def next_visit(candidates: list[Visit], now) -> Visit | None:
    """Of open visits in planned order: the one under way, else the next scheduled one whose
    time is not over."""
    for visit in candidates:
        if visit.state == VisitState.IN_PROGRESS.value or visit.planned_end > now:
            return visit
    return None


def recent_visit(done: list[Visit]) -> Visit | None:
    """Of visits checked out in the past RECOVERY_CARD_DAYS days: the last one checked out."""
    return max(done, key=lambda v: v.checked_out_at, default=None)


def past_visits(user: User) -> list[Visit]:
    patient = own_patient(user)
    visits = list(db.session.scalars(select(Visit).where(
        Visit.patient_id == patient.id, Visit.state.in_(DONE_STATES))
        .order_by(Visit.checked_in_at.desc())))
    audit.record("patient_past_visits_viewed", record_type="patient", record_id=patient.id,
                 patient_id=patient.id, detail={"count": len(visits)})
    db.session.commit()
    return visits


def visit_with_checklists(user: User, visit_id: int, page: str) -> tuple[Visit, dict]:
    """One of the patient's own visits with its checklists; anybody else's visit is a 404."""
    if user.patient_id is None:
        raise NotFound()  # staff use the staff pages; this page is the patient's own
    # The visit with what the page shows of it, in one statement; only the patient's own.
    visit = db.session.scalar(select(Visit).where(
        Visit.id == visit_id, Visit.patient_id == user.patient_id)
        .options(joinedload(Visit.patient), joinedload(Visit.nurse),
                 joinedload(Visit.procedure_record)))
    if visit is None:
        raise NotFound()
    checklists = checklists_to_show(visit)
    audit.record(f"patient_{page}_viewed", record_type="visit", record_id=visit.id,
                 patient_id=visit.patient_id)
    commit_keeping_loaded()  # the page shows what was read, without reading it again
    return visit, checklists


def can_report_problem(visit: Visit) -> bool:
    return visit.state in DONE_STATES


def report_problem(user: User, visit: Visit, problem: str, details: str) -> ProblemReport:
    """A patient's report after a visit: an urgent alert at once for the coordinators and the
    visit's nurse, and an in-app notification to each of them."""
    try:
        kind = ProblemKind(problem)
    except ValueError:
        raise ProblemReportError("problem", "Choose what is wrong.") from None
    details = (details or "").strip()
    if kind == ProblemKind.OTHER and not details:
        raise ProblemReportError("details", "Tell us in a few words what is wrong.")
    if len(details) > MAX_DETAILS:
        raise ProblemReportError("details", f"Please keep it under {MAX_DETAILS} characters.")
    if not can_report_problem(visit):
        raise ProblemReportError("problem", "You can report a problem here after your visit. "
                                            "During a visit, tell your nurse.")
    report = ProblemReport(visit_id=visit.id, patient_id=visit.patient_id,
                           reported_by_id=user.id, problem=kind.value, details=details)
    db.session.add(report)
    db.session.flush()
    message = f"The patient reported a problem after the visit: {kind.label}."
    if details:
        message += f" In their words: \u201c{details}\u201d"
    alert = raise_alert("patient_problem", "urgent", message, patient_id=visit.patient_id,
                        visit_id=visit.id, nurse_id=visit.nurse_id, trigger=report)
    report.alert_id = alert.id
    _notify_staff(visit, kind, alert.id)
    audit.record("problem_reported", record_type="problem_report", record_id=report.id,
                 patient_id=visit.patient_id, detail={"visit_id": visit.id})
    db.session.commit()
    return report


def _notify_staff(visit: Visit, kind: ProblemKind, alert_id: int) -> None:
    title = f"{visit.patient.full_name} reported a problem: {kind.label.lower()}"
    body = "Reported after the visit. Call the patient, then acknowledge the alert."
    link = app_path("alerts.index")
    notifications.add(visit.nurse_id, "patient_problem", title, body, link, alert_id=alert_id)
    notifications.notify_office("patient_problem", title, body, link, alert_id=alert_id)


def reports_for(visit: Visit) -> list[ProblemReport]:
    return list(db.session.scalars(select(ProblemReport).where(
        ProblemReport.visit_id == visit.id).order_by(ProblemReport.created_at)))
