"""The visit page: check-in and check-out (EVV), safety checks, procedure steps, signing and
addenda. Each section posts on its own and comes back to its anchor; a refused or invalid
form re-renders the whole page (422) with what was typed."""

from flask import flash, redirect, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from tracker.authz import STAFF, roles_required
from tracker.extensions import limiter
from tracker.models import Role
from tracker.timeutil import local
from tracker.visits import forms as visit_forms
from tracker.visits import (
    schedule_routes,  # noqa: F401  (registers the scheduling pages on bp)
    services,
)
from tracker.visits.access import VisitStateError, get_visit
from tracker.visits.blueprint import bp
from tracker.visits.page import open_visit, render_visit_page

NURSE = (Role.NURSE.value,)


@bp.route("/<int:visit_id>")
@roles_required(*STAFF)
def show(visit_id: int):
    return render_visit_page(open_visit(current_user, visit_id), current_user, commit_read=True)


def _submit(visit, form, anchor: str, action, success, **place):
    """Validate the form, run the service, and either go back to the section or show the
    page again with the form as typed and the reason it was refused."""
    if form.validate():
        try:
            result = action()
        except services.SignatureRefused:
            form.form_errors.append("You cannot sign yet: finish the items listed above.")
        except VisitStateError as error:
            form.fail(error)
        else:
            flash(success(result) if callable(success) else success, "success")
            return redirect(url_for("visits.show", visit_id=visit.id, _anchor=anchor))
    return render_visit_page(visit, current_user, status=422, failed_section=anchor, **place)


def _hhmm(value) -> str:
    return local(value, current_user.timezone).strftime("%H:%M")


@bp.route("/<int:visit_id>/check-in", methods=["POST"])
@roles_required(*NURSE)
def check_in(visit_id: int):
    visit = get_visit(current_user, visit_id)
    form = visit_forms.CheckInForm(prefix="checkin")
    return _submit(visit, form, "check-in",
                   lambda: services.check_in(current_user, visit, form.service_values(),
                                             client_id=form.client_id.data),
                   lambda v: f"Checked in at {_hhmm(v.checked_in_at)}.", check_in_form=form)


@bp.route("/<int:visit_id>/check-out", methods=["POST"])
@roles_required(*NURSE)
def check_out(visit_id: int):
    visit = get_visit(current_user, visit_id)
    form = visit_forms.CheckOutForm(prefix="checkout")
    return _submit(visit, form, "check-out",
                   lambda: services.check_out(current_user, visit, form.service_values(),
                                              client_id=form.client_id.data),
                   lambda v: f"Checked out at {_hhmm(v.checked_out_at)}.", check_out_form=form)


@bp.route("/<int:visit_id>/safety/<check>", methods=["POST"])
@roles_required(*NURSE)
def safety_check(visit_id: int, check: str):
    visit = get_visit(current_user, visit_id)
    if check not in visit_forms.SAFETY_FORMS:
        raise NotFound()
    form = visit_forms.SAFETY_FORMS[check](prefix=f"safety-{check}")

    def saved(record):
        return "Safety check saved." if record.confirmed else (
            "Problem recorded: the infusion cannot start.")

    return _submit(visit, form, "safety",
                   lambda: services.record_safety_check(current_user, visit, form.service_values(),
                                                        client_id=form.client_id.data),
                   saved, safety_form=(check, form))


@bp.route("/<int:visit_id>/steps/<int:number>", methods=["POST"])
@roles_required(*NURSE)
def step(visit_id: int, number: int):
    visit = get_visit(current_user, visit_id)
    if number not in {s["number"] for s in services.pinned_steps(visit)}:
        raise NotFound()
    form = visit_forms.StepForm(prefix=f"step{number}")
    return _submit(visit, form, "steps",
                   lambda: services.record_step(current_user, visit, form.service_values(number),
                                                client_id=form.client_id.data),
                   f"Step {number} saved.", step_form=(number, form))


@bp.route("/<int:visit_id>/sign", methods=["POST"])
@roles_required(*NURSE)
@limiter.limit("10 per minute", methods=["POST"])  # the password is checked here too
def sign(visit_id: int):
    visit = get_visit(current_user, visit_id)
    form = visit_forms.SignForm(prefix="sign")
    return _submit(visit, form, "check-out",
                   lambda: services.sign_visit(current_user, visit, {"password": form.password.data},
                                               client_id=form.client_id.data),
                   "Visit signed. The record is now read-only; corrections are added as addenda.",
                   sign_form=form)


@bp.route("/<int:visit_id>/addenda", methods=["POST"])
@roles_required(*NURSE)
def add_addendum(visit_id: int):
    visit = get_visit(current_user, visit_id)
    form = visit_forms.AddendumForm(prefix="addendum")
    return _submit(visit, form, "addenda",
                   lambda: services.add_addendum(current_user, visit, {"text": form.text.data},
                                                 client_id=form.client_id.data),
                   "Addendum added.", addendum_form=form)
