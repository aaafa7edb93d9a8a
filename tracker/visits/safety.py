"""Safety checks before the infusion, and the gate the infusion must pass.

Each check is recorded as confirmed, or as a problem with what was found. A problem stops
the infusion: the visit's infusion_blocked_reason names every open problem (it clears when
the check is later confirmed, for example when a second kit arrives). A missing or expired
anaphylaxis kit also raises an urgent alert for the coordinator.
"""

from dataclasses import dataclass
from datetime import date

from tracker import audit
from tracker.alerts.services import raise_alert
from tracker.extensions import db
from tracker.models import SafetyCheck, User, Visit, VisitState
from tracker.timeutil import utcnow
from tracker.visits.access import VisitStateError, require_in_progress
from tracker.visits.timeinput import local_today
from tracker.visits.txn import idempotent, require_visit_nurse

IDENTIFIERS = (("name", "Full name"), ("date_of_birth", "Date of birth"), ("mrn", "MRN"),
               ("address", "Address"), ("photo", "Photo"))
MEDICATION_ITEMS = (("drug", "Drug"), ("dose", "Dose"), ("route", "Route"), ("rate", "Rate"))
MAX_NOTE = 2000


@dataclass(frozen=True)
class CheckKind:
    key: str
    label: str


CHECKS = (
    CheckKind("identity", "Identity (two identifiers)"),
    CheckKind("allergies", "Allergies reviewed against the order"),
    CheckKind("medication", "Medication matches the order"),
    CheckKind("anaphylaxis_kit", "Anaphylaxis kit present and in date"),
    CheckKind("pump", "Infusion pump checked"),
)
CHECK_LABELS = {c.key: c.label for c in CHECKS}


@dataclass
class Outcome:
    confirmed: bool
    detail: dict
    note: str
    problem: str = ""  # what stops the infusion, in plain words


def _note(values: dict, required_message: str | None) -> str:
    note = (values.get("note") or "").strip()
    if required_message and not note:
        raise VisitStateError(required_message, field="note")
    if len(note) > MAX_NOTE:
        raise VisitStateError(f"Keep the note under {MAX_NOTE} characters.", field="note")
    return note


def _expiry(values: dict, what: str) -> date:
    expiry = values.get("expiry_date")
    if not isinstance(expiry, date):
        raise VisitStateError(f"Enter the expiry date of the {what}.", field="expiry_date")
    return expiry


def _identity(values: dict, visit: Visit) -> Outcome:
    chosen = [key for key, _ in IDENTIFIERS if key in set(values.get("identifiers") or ())]
    if values.get("confirmed"):
        if len(chosen) < 2:
            raise VisitStateError("Choose the two identifiers you checked.", field="identifiers")
        return Outcome(True, {"identifiers": chosen}, _note(values, None))
    note = _note(values, "Tick 'identity confirmed', or say what did not match.")
    return Outcome(False, {"identifiers": chosen}, note, f"identity not confirmed ({note})")


def _allergies(values: dict, visit: Visit) -> Outcome:
    result = values.get("result")
    if result == "no_conflict":
        return Outcome(True, {"result": result}, _note(values, None))
    if result == "conflict":
        note = _note(values, "Describe the possible conflict with the ordered medication.")
        return Outcome(False, {"result": result}, note, f"possible allergy conflict ({note})")
    raise VisitStateError("Choose the result of the allergy review.", field="result")


def _medication(values: dict, visit: Visit) -> Outcome:
    expiry = _expiry(values, "medication")
    matched = {key: bool(values.get(key)) for key, _ in MEDICATION_ITEMS}
    detail = {**matched, "expiry_date": expiry.isoformat()}
    expired = expiry < local_today(visit.patient.timezone)
    unmatched = [label.lower() for key, label in MEDICATION_ITEMS if not matched[key]]
    if not unmatched and not expired:
        return Outcome(True, detail, _note(values, None))
    problems = ([f"{', '.join(unmatched)} not matching the order"] if unmatched else []) + (
        [f"expired on {expiry:%d %b %Y}"] if expired else [])
    note = _note(values, "Say what does not match the order." if unmatched else None)
    return Outcome(False, detail, note, "medication " + "; ".join(problems))


def _kit(values: dict, visit: Visit) -> Outcome:
    present = values.get("present")
    if present not in ("yes", "no"):
        raise VisitStateError("Say whether the anaphylaxis kit is here.", field="present")
    if present == "no":
        return Outcome(False, {"present": False}, _note(values, None), "anaphylaxis kit missing")
    expiry = _expiry(values, "anaphylaxis kit")
    detail = {"present": True, "expiry_date": expiry.isoformat()}
    if expiry < local_today(visit.patient.timezone):
        return Outcome(False, detail, _note(values, None),
                       f"anaphylaxis kit expired on {expiry:%d %b %Y}")
    return Outcome(True, detail, _note(values, None))


def _pump(values: dict, visit: Visit) -> Outcome:
    result = values.get("result")
    pump_id = (values.get("pump_id") or "").strip()[:100]
    if result == "ok":
        return Outcome(True, {"result": result, "pump_id": pump_id}, _note(values, None))
    if result == "problem":
        note = _note(values, "Describe the problem with the pump.")
        return Outcome(False, {"result": result, "pump_id": pump_id}, note, f"pump problem ({note})")
    raise VisitStateError("Choose the result of the pump check.", field="result")


EVALUATORS = {"identity": _identity, "allergies": _allergies, "medication": _medication,
              "anaphylaxis_kit": _kit, "pump": _pump}


def checks_by_key(visit: Visit) -> dict[str, SafetyCheck]:
    return {c.check: c for c in visit.safety_checks}


def problem_of(check: SafetyCheck) -> str:
    return check.detail.get("problem", "") if check.detail else ""


def blocked_reason(visit: Visit) -> str:
    """Every open problem, in the order of the checks."""
    recorded = checks_by_key(visit)
    problems = [problem_of(recorded[c.key]) for c in CHECKS
                if c.key in recorded and not recorded[c.key].confirmed]
    text = "; ".join(p for p in problems if p)
    return f"Infusion stopped: {text}." if text else ""


@idempotent("record_safety_check", SafetyCheck)
def record_safety_check(user: User, visit: Visit, values: dict) -> SafetyCheck:
    """values: check (identity | allergies | medication | anaphylaxis_kit | pump), and per check:
    identity: identifiers (two or more of name, date_of_birth, mrn, address, photo), confirmed,
    note; allergies: result (no_conflict | conflict), note; medication: drug, dose, route, rate
    (booleans: matches the order), expiry_date (date), note; anaphylaxis_kit: present (yes | no),
    expiry_date, note; pump: result (ok | problem), pump_id, note."""
    require_visit_nurse(user, visit)
    require_in_progress(visit, "record a safety check")
    key = values.get("check")
    if key not in EVALUATORS:
        raise VisitStateError("Unknown safety check.", field="check")
    outcome = EVALUATORS[key](values, visit)
    check = checks_by_key(visit).get(key)
    was_kit_problem = check is not None and key == "anaphylaxis_kit" and not check.confirmed
    if check is None:
        check = SafetyCheck(visit=visit, check=key)
        db.session.add(check)
    check.confirmed = outcome.confirmed
    check.detail = {**outcome.detail, **({"problem": outcome.problem} if outcome.problem else {})}
    check.note = outcome.note
    check.recorded_by_id = user.id
    check.recorded_at = utcnow()
    visit.infusion_blocked_reason = blocked_reason(visit)
    db.session.flush()
    audit.record("safety_check_recorded", record_type="safety_check", record_id=check.id,
                 patient_id=visit.patient_id, user_id=user.id,
                 detail={"visit_id": visit.id, "check": key, "confirmed": outcome.confirmed})
    if key == "anaphylaxis_kit" and not outcome.confirmed and not was_kit_problem:
        raise_alert("anaphylaxis_kit", "urgent",
                    f"{outcome.problem.capitalize()} at a home visit: the infusion is stopped "
                    "until a kit in date is there.",
                    patient_id=visit.patient_id, visit_id=visit.id, nurse_id=visit.nurse_id,
                    trigger=check)
    return check


def infusion_may_start(visit: Visit) -> tuple[bool, list[str]]:
    """(True, []) when the visit is checked in and every safety check is confirmed;
    otherwise (False, reasons in plain words). A checked-out visit passes too when its checks
    were confirmed: the nurse may chart, after leaving, an infusion given during the visit."""
    reasons: list[str] = []
    if visit.state not in (VisitState.IN_PROGRESS.value, VisitState.COMPLETED.value):
        reasons.append("Check in first." if visit.state == VisitState.SCHEDULED.value
                       else f"The visit is {visit.state_label.lower()}.")
    if visit.infusion_blocked_reason:
        reasons.append(visit.infusion_blocked_reason)
    recorded = checks_by_key(visit)
    for kind in CHECKS:
        check = recorded.get(kind.key)
        if check is None:
            reasons.append(f"{kind.label}: not checked yet.")
        elif not check.confirmed:
            reasons.append(f"{kind.label}: problem recorded.")
    return not reasons, reasons
