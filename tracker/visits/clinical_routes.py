"""Vital signs, vascular access and site checks, line care and teaching, administrations
and complications: the visit page's clinical sections and the POST routes behind them.

Each section posts on its own; success redirects to the section's anchor on the visit page,
a refused entry re-renders the page with the messages next to the fields (422).
"""

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from tracker.authz import roles_required
from tracker.extensions import db
from tracker.models import Complication, MedicationAdministration, Role, User, Visit, VisitState
from tracker.visits import clinical_forms as forms
from tracker.visits import clinical_services as services
from tracker.visits.access import VisitStateError, get_visit
from tracker.visits.blueprint import (
    VISIT_PAGE_CONTEXT,
    bp,
)
from tracker.visits.charting.access_site import AccessView, access_site_context
from tracker.visits.charting.common import check_may_chart
from tracker.visits.charting.complications import complication_kinds, complications_context
from tracker.visits.charting.infusion import infusion_context
from tracker.visits.charting.line_care import line_care_context
from tracker.visits.charting.vitals import describe, vitals_context
from tracker.visits.page import render_visit_page

NURSE = Role.NURSE.value
_OPEN_STATES = {VisitState.IN_PROGRESS.value, VisitState.COMPLETED.value}


# --- The visit page: what the clinical sections need -------------------------------------

def may_chart(visit: Visit, user: User) -> bool:
    return user.id == visit.nurse_id and visit.state in _OPEN_STATES


def charting_note(visit: Visit, user: User) -> str:
    """Why the sections show no forms, in one sentence (empty when they do)."""
    if visit.state == VisitState.SIGNED:
        return "This visit is signed: its entries are read-only. Corrections go in an addendum."
    if visit.state == VisitState.SCHEDULED:
        return "Check in to start recording this visit."
    if visit.state not in _OPEN_STATES:
        return f"This visit is {visit.state_label.lower()}: nothing can be recorded."
    if user.id != visit.nurse_id:
        return "Only the nurse of this visit records entries."
    return ""


def blank_forms(visit: Visit) -> dict:
    """The empty forms of every clinical section (formdata=None: never read a request)."""
    order = visit.order
    blank = {"formdata": None}
    running = [a for a in visit.administrations if a.stopped_at is None]
    empty = {
        "vitals_form": forms.VitalsForm(prefix="vitals", **blank),
        "access_form": forms.AccessForm(prefix="access", **blank),
        "site_form": forms.SiteCheckForm(prefix="site", **blank),
        "line_care_form": forms.LineCareForm(prefix="linecare", **blank),
        "teaching_form": forms.TeachingForm(prefix="teaching", **blank),
        "administration_form": forms.AdministrationForm(
            prefix="admin", order=order, data={"dose_unit": order.dose_unit,
                                               "rate_ml_per_hour": order.rate_ml_per_hour},
            **blank),
        "stop_forms": {a.id: forms.StopForm(prefix=f"stop-{a.id}", **blank) for a in running},
        "pause_forms": {a.id: forms.PauseForm(prefix=f"pause-{a.id}", **blank) for a in running},
        "resume_forms": {a.id: forms.ResumeForm(prefix=f"resume-{a.id}", **blank)
                         for a in running},
        "complication_form": forms.ComplicationForm(prefix="complication",
                                                    kinds=complication_kinds(visit), **blank),
        "action_forms": {c.id: forms.ActionForm(prefix=f"action-{c.id}", **blank)
                         for c in visit.complications},
        "outcome_forms": {c.id: forms.OutcomeForm(prefix=f"outcome-{c.id}",
                                                  data={"outcome": c.outcome}, **blank)
                          for c in visit.complications},
    }
    for value in empty.values():
        for form in value.values() if isinstance(value, dict) else [value]:
            forms.fit_to_visit(form, visit)
    return empty


def clinical_page_context(visit: Visit, user: User) -> dict:
    context = {"charting_open": may_chart(visit, user),
               "charting_note": charting_note(visit, user)}
    for part in (vitals_context, access_site_context, line_care_context, infusion_context,
                 complications_context):
        context.update(part(visit))
    context.update(blank_forms(visit))
    return context


VISIT_PAGE_CONTEXT.append(clinical_page_context)


def visit_page_url(visit_id: int, anchor: str) -> str:
    try:
        return url_for("visits.show", visit_id=visit_id, _anchor=anchor)
    except BuildError:  # the page view is written alongside; same URL, /visits/<id>
        return f"{bp.url_prefix}/{visit_id}#{anchor}"


# --- Submitting one section -----------------------------------------------------------------

def _submit(visit_id: int, *, form: Callable, service: Callable, anchor: str, slot,
            action: str, saved: Callable | str, extra: dict | None = None):
    visit = get_visit(current_user, visit_id)
    _require_entry_of_visit(visit, extra or {})
    try:
        check_may_chart(visit, current_user, action)
    except VisitStateError as error:
        flash(error.message, "error")
        return redirect(visit_page_url(visit.id, anchor), code=303)
    submitted = forms.fit_to_visit(form(visit), visit)
    if submitted.validate_on_submit():
        try:
            record = service(visit, current_user, {**submitted.values(), **(extra or {})},
                             client_id=submitted.client_id.data)
        except services.EntryError as error:
            submitted.attach_errors(error.errors)
        else:
            message, category = saved(record) if callable(saved) else (saved, "success")
            flash(message, category)
            return redirect(visit_page_url(visit.id, anchor), code=303)
    return render_visit_page(visit, current_user, replace={slot: submitted}, status=422)


# Entries addressed inside a visit's URL: an id that is not part of this visit is a 404,
# whatever the visit's state (checked before anything else, like the visit itself).
_NESTED = {"administration_id": MedicationAdministration, "complication_id": Complication}


def _require_entry_of_visit(visit: Visit, extra: dict) -> None:
    for key, model in _NESTED.items():
        if key in extra:
            row = db.session.get(model, extra[key])
            if row is None or row.visit_id != visit.id:
                abort(404)


def _vitals_saved(row) -> tuple[str, str]:
    summary = describe(row)
    if summary.level is None:
        return f"Vital signs saved. NEWS2 {row.news2_total} ({summary.band_label}).", "success"
    return (f"Vital signs saved. NEWS2 {row.news2_total} ({summary.band_label}). "
            f"{summary.response}", "error" if summary.level == "emergency" else "warning")


@bp.route("/<int:visit_id>/vitals", methods=["POST"])
@roles_required(NURSE)
def record_vitals(visit_id: int):
    return _submit(visit_id, form=lambda v: forms.VitalsForm(prefix="vitals"),
                   service=services.record_vitals, anchor="vitals", slot="vitals_form",
                   action="record vital signs", saved=_vitals_saved)


@bp.route("/<int:visit_id>/access", methods=["POST"])
@roles_required(NURSE)
def record_access(visit_id: int):
    def saved(row):
        if AccessView(row).too_many_attempts:
            return ("Vascular access saved. More insertion attempts than the limit: the office "
                    "has been alerted.", "warning")
        return "Vascular access saved.", "success"

    return _submit(visit_id, form=lambda v: forms.AccessForm(prefix="access"),
                   service=services.record_access, anchor="access", slot="access_form",
                   action="record the vascular access", saved=saved)


@bp.route("/<int:visit_id>/site-checks", methods=["POST"])
@roles_required(NURSE)
def record_site_check(visit_id: int):
    return _submit(visit_id, form=lambda v: forms.SiteCheckForm(prefix="site"),
                   service=services.record_site_assessment, anchor="access", slot="site_form",
                   action="record a site check", saved="Site check saved.")


@bp.route("/<int:visit_id>/line-care", methods=["POST"])
@roles_required(NURSE)
def record_line_care(visit_id: int):
    return _submit(visit_id, form=lambda v: forms.LineCareForm(prefix="linecare"),
                   service=services.record_line_care, anchor="line-care",
                   slot="line_care_form", action="record line care", saved="Line care saved.")


@bp.route("/<int:visit_id>/teaching", methods=["POST"])
@roles_required(NURSE)
def record_teaching(visit_id: int):
    return _submit(visit_id, form=lambda v: forms.TeachingForm(prefix="teaching"),
                   service=services.record_teaching, anchor="line-care", slot="teaching_form",
                   action="record teaching", saved="Teaching saved.")


@bp.route("/<int:visit_id>/administrations", methods=["POST"])
@roles_required(NURSE)
def start_administration(visit_id: int):
    return _submit(visit_id, form=lambda v: forms.AdministrationForm(prefix="admin", order=v.order),
                   service=services.start_administration, anchor="infusion",
                   slot="administration_form", action="record the infusion",
                   saved="Infusion recorded.")


@bp.route("/<int:visit_id>/administrations/<int:administration_id>/stop", methods=["POST"])
@roles_required(NURSE)
def stop_administration(visit_id: int, administration_id: int):
    return _submit(visit_id, form=lambda v: forms.StopForm(prefix=f"stop-{administration_id}"),
                   service=services.stop_administration, anchor="infusion",
                   slot=("stop_forms", administration_id), action="stop the infusion",
                   saved="Infusion stopped.", extra={"administration_id": administration_id})


@bp.route("/<int:visit_id>/administrations/<int:administration_id>/pause", methods=["POST"])
@roles_required(NURSE)
def pause_administration(visit_id: int, administration_id: int):
    return _submit(visit_id,
                   form=lambda v: forms.PauseForm(prefix=f"pause-{administration_id}"),
                   service=services.pause_administration, anchor="infusion",
                   slot=("pause_forms", administration_id), action="pause the infusion",
                   saved="Pause recorded.", extra={"administration_id": administration_id})


@bp.route("/<int:visit_id>/administrations/<int:administration_id>/resume", methods=["POST"])
@roles_required(NURSE)
def resume_administration(visit_id: int, administration_id: int):
    return _submit(visit_id,
                   form=lambda v: forms.ResumeForm(prefix=f"resume-{administration_id}"),
                   service=services.resume_administration, anchor="infusion",
                   slot=("resume_forms", administration_id), action="resume the infusion",
                   saved="Infusion resumed.", extra={"administration_id": administration_id})


@bp.route("/<int:visit_id>/complications", methods=["POST"])
@roles_required(NURSE)
def record_complication(visit_id: int):
    def saved(row):
        if row.kind == "anaphylaxis" or row.severity == "severe":
            return ("Complication recorded and the office alerted. Follow the emergency steps "
                    "below.", "error")
        return "Complication recorded; the office has been alerted.", "warning"

    return _submit(visit_id,
                   form=lambda v: forms.ComplicationForm(prefix="complication",
                                                         kinds=complication_kinds(v)),
                   service=services.record_complication, anchor="complications",
                   slot="complication_form", action="record a complication", saved=saved)


@bp.route("/<int:visit_id>/complications/<int:complication_id>/actions", methods=["POST"])
@roles_required(NURSE)
def add_complication_action(visit_id: int, complication_id: int):
    return _submit(visit_id,
                   form=lambda v: forms.ActionForm(prefix=f"action-{complication_id}"),
                   service=services.add_complication_action, anchor="complications",
                   slot=("action_forms", complication_id), action="record an action",
                   saved="Action recorded.", extra={"complication_id": complication_id})


@bp.route("/<int:visit_id>/complications/<int:complication_id>/outcome", methods=["POST"])
@roles_required(NURSE)
def record_complication_outcome(visit_id: int, complication_id: int):
    return _submit(visit_id,
                   form=lambda v: forms.OutcomeForm(prefix=f"outcome-{complication_id}"),
                   service=services.record_complication_outcome, anchor="complications",
                   slot=("outcome_forms", complication_id), action="record the outcome",
                   saved="Outcome saved.", extra={"complication_id": complication_id})
