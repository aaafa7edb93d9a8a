"""Complications: what happened, how severe, when it began, each action taken with its
time, and the outcome. Every complication raises an alert; anaphylaxis or any severe
complication puts the management steps in front of the nurse at once."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.exceptions import NotFound

from tracker.alerts.services import raise_alert
from tracker.extensions import db
from tracker.models import Complication, ComplicationAction, User, Visit
from tracker.visits.charting.common import Reader, audit_entry, begin, clock, commit_entry, earlier_than

# Complications the procedure record does not list among its risks but a nurse meets.
EXTRA_KINDS = {
    "infiltration_extravasation": "Infiltration or extravasation (fluid leaking into the tissue)",
    "occlusion": "Blocked line (occlusion)",
    "other": "Other",
}
SEVERITIES = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
ACTIONS = {
    "infusion_stopped": "Infusion stopped",
    "antihistamine": "Antihistamine given",
    "steroid": "Steroid given",
    "epinephrine": "Epinephrine given",
    "emergency_services_called": "Emergency services (911) called",
    "physician_notified": "Prescriber notified",
    "other": "Other",
}
ANAPHYLAXIS = "anaphylaxis"

# What to do at once, in the nurse's words. The procedure record's own management plan is
# shown after these (see management_context).
ANAPHYLAXIS_STEPS = (
    "Stop the infusion now and disconnect the drug tubing. Keep the IV line in place for "
    "emergency care.",
    "Call 911.",
    "Give epinephrine from the anaphylaxis kit into the outer thigh muscle, as your "
    "agency's protocol directs; repeat as the protocol allows if there is no improvement.",
    "Lay the patient flat with the legs raised; let them sit up if breathing is hard. Do "
    "not let them stand or walk.",
    "Stay with the patient. Check breathing, pulse, blood pressure and oxygen saturation "
    "every 5 minutes until help arrives.",
    "Once the patient is handed over, call the prescriber and the agency. Record each action "
    "with its time below.",
)
SEVERE_STEPS = (
    "Stop the infusion now. Keep the IV line in place unless the line itself is the problem.",
    "Check breathing, pulse, blood pressure, oxygen saturation and alertness; record a set "
    "of vital signs.",
    "Call 911 if the patient is getting worse: trouble breathing, fainting, confusion, or a "
    "NEWS2 score of 7 or more.",
    "Call the prescriber now for orders, then tell the agency.",
    "Stay with the patient and record each action with its time below.",
)


def complication_kinds(visit: Visit) -> dict[str, str]:
    """The risks listed in the visit's version of the procedure record, then the extras."""
    risks = visit.procedure_record["risks"] or {}
    kinds = {risk["key"]: risk["label"] for group in ("common", "rare")
             for risk in risks.get(group, [])}
    return {**kinds, **EXTRA_KINDS}


def alert_severity(kind: str, severity: str) -> str:
    if kind == ANAPHYLAXIS:
        return "emergency"
    return "urgent" if severity == "severe" else "warning"


def needs_emergency_steps(complication: Complication) -> bool:
    return complication.kind == ANAPHYLAXIS or complication.severity == "severe"


def kind_label(complication: Complication, kinds: dict[str, str]) -> str:
    if complication.kind == "other":
        return complication.kind_other or "Other"
    return kinds.get(complication.kind, complication.kind.replace("_", " ").capitalize())


def record_complication(visit: Visit, user: User, values: dict, client_id: str | None = None
                        ) -> Complication:
    """Record a complication and alert the office (and the nurse's alert list)."""
    client_id, earlier = begin(visit, user, client_id, "record_complication", Complication,
                               "record a complication")
    if earlier is not None:
        return earlier
    kinds = complication_kinds(visit)
    f = Reader(values, visit, user)
    kind = f.choice("kind", kinds, required="Choose what happened.")
    kind_other = f.text("kind_other", max_length=120,
                        required="Describe what happened." if kind == "other" else None)
    severity = f.choice("severity", SEVERITIES, required="Choose mild, moderate or severe.")
    onset_at = f.moment("onset_at")
    description = f.text("description", max_length=4000)
    outcome = f.text("outcome", max_length=4000)
    f.check()

    row = Complication(kind=kind, kind_other=kind_other if kind == "other" else "",
                       severity=severity, onset_at=onset_at, description=description,
                       outcome=outcome, recorded_by_id=user.id)
    visit.complications.append(row)
    db.session.flush()
    audit_entry("complication_recorded", "complication", row.id, visit, user)
    raise_alert("complication", alert_severity(kind, severity),
                f"{SEVERITIES[severity]} complication: {kind_label(row, kinds)}, began at "
                f"{clock(onset_at, user.timezone)}.",
                patient_id=visit.patient_id, visit_id=visit.id, nurse_id=visit.nurse_id,
                trigger=row)
    return commit_entry(user, client_id, "record_complication", row, Complication)


def _complication(visit: Visit, values: dict) -> Complication:
    wanted = str((values or {}).get("complication_id", ""))
    for row in visit.complications:
        if str(row.id) == wanted:
            return row
    raise NotFound()


def add_complication_action(visit: Visit, user: User, values: dict,
                            client_id: str | None = None) -> ComplicationAction:
    """Add an action taken for a complication (values: complication_id, action, taken_at,
    note; 'other' needs the note)."""
    complication = _complication(visit, values)
    client_id, earlier = begin(visit, user, client_id, "add_complication_action",
                               ComplicationAction, "record an action",
                               owner=lambda a: a.complication.visit_id)
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    action = f.choice("action", ACTIONS, required="Choose the action taken.")
    taken_at = f.moment("taken_at")
    note = f.text("note", max_length=2000,
                  required="Describe the action." if action == "other" else None)
    if taken_at and "taken_at" not in f.errors and earlier_than(taken_at, complication.onset_at):
        f.fail("taken_at", f"The action cannot be before the complication began "
                           f"({clock(complication.onset_at, user.timezone)}).")
    f.check()

    row = ComplicationAction(action=action, taken_at=taken_at, note=note)
    complication.actions.append(row)
    db.session.flush()
    audit_entry("complication_action_recorded", "complication", complication.id, visit, user)
    return commit_entry(user, client_id, "add_complication_action", row, ComplicationAction)


def record_complication_outcome(visit: Visit, user: User, values: dict,
                                client_id: str | None = None) -> Complication:
    """Write (or rewrite, until the visit is signed) how the complication ended
    (values: complication_id, outcome)."""
    complication = _complication(visit, values)
    client_id, earlier = begin(visit, user, client_id, "record_complication_outcome",
                               Complication, "record the outcome")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    outcome = f.text("outcome", max_length=4000, required="Describe the outcome.")
    f.check()

    complication.outcome = outcome
    audit_entry("complication_outcome_recorded", "complication", complication.id, visit, user)
    return commit_entry(user, client_id, "record_complication_outcome", complication,
                        Complication)


@dataclass(frozen=True)
class ComplicationView:
    row: Complication
    kind_label: str
    emergency: bool

    @property
    def severity_label(self) -> str:
        return SEVERITIES.get(self.row.severity, self.row.severity)


def complications_context(visit: Visit) -> dict:
    kinds = complication_kinds(visit)
    views = [ComplicationView(row, kind_label(row, kinds), needs_emergency_steps(row))
             for row in visit.complications]
    urgent = [v for v in views if v.emergency]
    return {
        "complications": views,
        "complication_kinds": kinds,
        "complication_severities": SEVERITIES,
        "complication_actions": ACTIONS,
        # Shown at the top of the section while any recorded complication needs them.
        "emergency_complications": urgent,
        "anaphylaxis_recorded": any(v.row.kind == ANAPHYLAXIS for v in urgent),
        "anaphylaxis_steps": ANAPHYLAXIS_STEPS,
        "severe_steps": SEVERE_STEPS,
        "record_management_steps": [step["text"] for step in
                                    visit.procedure_record["complication_management"] or []],
    }
