"""The visit page: what its core sections need, and rendering it (also with a failed form).

core_context is registered in VISIT_PAGE_CONTEXT, so any module that re-renders the page
(clinical_routes on a validation error, for example) gets these sections too. It leaves
`visit` and `sections` to the caller of render_template:

    render_template("visits/show.html", visit=visit, sections=VISIT_PAGE_SECTIONS,
                    **visit_page_context(visit, user))
"""

from datetime import timedelta

from flask import render_template
from sqlalchemy import select

from tracker import audit
from tracker.clinical.duration import LIMIT, WARNING_AT, format_duration, time_status
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.models import Alert, Role, User, Visit, VisitState
from tracker.timeutil import local, utcnow
from tracker.visits import forms as visit_forms
from tracker.visits import loading
from tracker.visits.access import get_visit
from tracker.visits.blueprint import VISIT_PAGE_CONTEXT, VISIT_PAGE_SECTIONS, visit_page_context
from tracker.visits.lifecycle import pinned_steps, signature_missing
from tracker.visits.orders import order_summary
from tracker.visits.safety import CHECKS, IDENTIFIERS, infusion_may_start
from tracker.visits.timeinput import FORM_FORMAT, now_local_naive

TIMER_NOTES = {
    "ok": "Time since check-in",
    "warning": "Close to the 2-hour limit of the visit",
    "over": "Over 2 hours: an additional hour (99602) may apply",
}
DOCUMENTABLE = (VisitState.IN_PROGRESS.value, VisitState.COMPLETED.value)


def open_visit(user: User, visit_id: int) -> Visit:
    """The visit, if the user may see it (404 otherwise); the read is audited."""
    visit = get_visit(user, visit_id, loading.visit_options())
    audit.record("visit_viewed", record_type="visit", record_id=visit.id,
                 patient_id=visit.patient_id, user_id=user.id)
    return visit


def timer(visit: Visit) -> dict | None:
    """Time since check-in (to check-out once out), with the 2-hour rule's status."""
    if visit.checked_in_at is None:
        return None
    end = visit.checked_out_at or utcnow()
    elapsed = max(end - visit.checked_in_at, timedelta(0))
    status = time_status(elapsed)
    running = visit.checked_out_at is None
    note = TIMER_NOTES[status] if running or status == "over" else "Length of the visit"
    return {"seconds": int(elapsed.total_seconds()), "text": format_duration(elapsed),
            "status": status, "note": note, "notes": TIMER_NOTES, "running": running,
            "warning_seconds": int(WARNING_AT.total_seconds()),
            "limit_seconds": int(LIMIT.total_seconds())}


def location_text(visit: Visit, prefix: str) -> str:
    method = getattr(visit, f"{prefix}_location_method")
    if method == "gps":
        if getattr(visit, f"{prefix}_latitude") is None:  # a record imported without coordinates
            return "Device location (coordinates not recorded)"
        accuracy = getattr(visit, f"{prefix}_accuracy_m")
        text = (f"Device location {getattr(visit, f'{prefix}_latitude'):.5f}, "
                f"{getattr(visit, f'{prefix}_longitude'):.5f}")
        return text + (f" (within {accuracy:.0f} m)" if accuracy is not None else "")
    if method == "address":
        return f"Patient's address, confirmed by the nurse ({getattr(visit, f'{prefix}_location_note')})"
    return ""


def _time_defaults(form, name: str, tz: str, fixed=None) -> None:
    """Pre-fill 'now' (which stays 'now' until sent), or a fixed time the nurse can change."""
    if fixed is not None:
        form[name].data = local(fixed, tz).replace(tzinfo=None)
        return
    form[name].data = now_local_naive(tz)
    form[f"{name}_shown"].data = form[name].data.strftime(FORM_FORMAT)


def blank_forms(visit: Visit, user: User) -> dict:
    """Every core form of the page, unbound, with sensible defaults."""
    tz = user.timezone
    check_in = visit_forms.CheckInForm(formdata=None, prefix="checkin")
    check_out = visit_forms.CheckOutForm(formdata=None, prefix="checkout")
    _time_defaults(check_in, "at", tz)
    _time_defaults(check_out, "at", tz)
    steps = {}
    for step in pinned_steps(visit):
        form = visit_forms.StepForm(formdata=None, prefix=f"step{step['number']}")
        # Charting after check-out: the steps were done before it, not now.
        _time_defaults(form, "performed_at", tz, fixed=visit.checked_out_at)
        steps[step["number"]] = form
    safety = {key: cls(formdata=None, prefix=f"safety-{key}")
              for key, cls in visit_forms.SAFETY_FORMS.items()}
    label_medication_form(safety["medication"], visit)
    return {"check_in_form": check_in, "check_out_form": check_out, "step_forms": steps,
            "safety_forms": safety,
            "sign_form": visit_forms.SignForm(formdata=None, prefix="sign"),
            "addendum_form": visit_forms.AddendumForm(formdata=None, prefix="addendum")}


def label_medication_form(form, visit: Visit) -> None:
    """The medication check shows what the order says beside each box."""
    order = visit.order
    form.drug.label.text = f"Drug: {order.medication}"
    form.dose.label.text = f"Dose: {order.dose:g} {order.dose_unit}"
    form.route.label.text = f"Route: {order.route}"
    form.rate.label.text = (f"Rate: {order.rate_ml_per_hour:g} mL/h" if order.rate_ml_per_hour
                            else f"Rate: over {order.infusion_minutes} min")


def safety_summary(check) -> str:
    detail = check.detail or {}
    names = dict(IDENTIFIERS)
    parts = []
    if detail.get("identifiers"):
        parts.append("Checked: " + ", ".join(names[i] for i in detail["identifiers"]))
    if detail.get("expiry_date"):
        parts.append(f"Expiry {detail['expiry_date']}")
    if detail.get("pump_id"):
        parts.append(f"Pump {detail['pump_id']}")
    if detail.get("problem"):
        parts.append(detail["problem"].capitalize())
    if check.note:
        parts.append(check.note)
    return " · ".join(parts)


def core_context(visit: Visit, user: User) -> dict:
    forms = blank_forms(visit, user)
    recorded = {c.check: c for c in visit.safety_checks}
    steps_done = {s.step_number: s for s in visit.steps}
    may_start, reasons = infusion_may_start(visit)
    is_nurse = user.id == visit.nurse_id
    return {
        "patient": visit.patient, "order": visit.order,
        "order_summary": order_summary(visit.order),
        "timer": timer(visit),
        "check_in_location": location_text(visit, "check_in"),
        "check_out_location": location_text(visit, "check_out"),
        "is_visit_nurse": is_nurse,
        "is_office": user.role in (Role.COORDINATOR, Role.ADMIN),
        "can_document": is_nurse and visit.state in DOCUMENTABLE,
        "read_only": visit.state == VisitState.SIGNED.value,
        "safety_rows": [{"kind": kind, "record": recorded.get(kind.key),
                         "summary": safety_summary(recorded[kind.key]) if kind.key in recorded else ""}
                        for kind in CHECKS],
        "infusion_gate": {"may_start": may_start, "reasons": reasons},
        "step_rows": [{"step": step, "record": steps_done.get(step["number"])}
                      for step in pinned_steps(visit)],
        "signature_missing": signature_missing(visit),
        "billing_lines": sorted(visit.billing_lines, key=lambda line: line.code),
        "addenda": sorted(visit.addenda, key=lambda a: (a.created_at, a.id)),
        "visit_alerts": list(db.session.scalars(select(Alert).where(
            Alert.visit_id == visit.id, Alert.acknowledged_at.is_(None)).order_by(Alert.created_at))),
        **forms,
    }


VISIT_PAGE_CONTEXT.append(core_context)


def render_visit_page(visit: Visit, user: User, *, status: int = 200, replace: dict | None = None,
                      step_form=None, safety_form=None, commit_read: bool = False, **overrides):
    """The whole visit page; pass a failed form to show it as typed.

    `replace` maps a context key to a form, or (key, record id) to one form of a dict of
    forms; step_form=(number, form) and safety_form=(key, form) are shorthands for the
    step and safety-check forms. Other keyword arguments are added to the context.
    """
    loading.load_record(visit)
    replace = dict(replace or {})
    if step_form is not None:
        replace[("step_forms", step_form[0])] = step_form[1]
    if safety_form is not None:
        replace[("safety_forms", safety_form[0])] = safety_form[1]
    context = visit_page_context(visit, user)
    for key, form in replace.items():
        if isinstance(key, tuple):
            name, record_id = key
            context[name] = {**context.get(name, {}), record_id: form}
        else:
            context[key] = form
    context.update(overrides)
    label_medication_form(context["safety_forms"]["medication"], visit)
    if commit_read:  # open_visit's audit row, once everything shown is loaded
        commit_keeping_loaded()
    return render_template("visits/show.html", visit=visit, sections=VISIT_PAGE_SECTIONS,
                           **context), status
