"""The patient's own pages (phone first, plain words): home, getting ready, after the visit,
reporting a problem, past visits."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.authz import roles_required
from tracker.checklists import patient as services
from tracker.checklists.forms import ProblemForm
from tracker.checklists.routes import bp
from tracker.models import Role

PATIENT = Role.PATIENT.value


def _record(visit) -> dict:
    return visit.procedure_record.content if visit.procedure_record else {}


@bp.route("/my-care")
@roles_required(PATIENT)
def patient_home():
    page = services.home_page(current_user)
    return render_template("patient/home.html", page=page)


@bp.route("/my-care/visits/<int:visit_id>/prepare")
@roles_required(PATIENT)
def patient_prepare(visit_id: int):
    visit, checklists = services.visit_with_checklists(current_user, visit_id, "preparation")
    return render_template("patient/prepare.html", visit=visit, record=_record(visit),
                           checklist=checklists["preparation"])


@bp.route("/my-care/visits/<int:visit_id>/recovery")
@roles_required(PATIENT)
def patient_recovery(visit_id: int):
    visit, checklists = services.visit_with_checklists(current_user, visit_id, "recovery")
    return _recovery_page(visit, checklists["recovery"], ProblemForm())


def _recovery_page(visit, checklist, form, status: int = 200):
    return render_template(
        "patient/recovery.html", visit=visit, record=_record(visit), checklist=checklist,
        form=form, reports=services.reports_for(visit),
        can_report=services.can_report_problem(visit),
        on_call_phone=current_app.config.get("ON_CALL_PHONE")), status


@bp.route("/my-care/visits/<int:visit_id>/problem", methods=["POST"])
@roles_required(PATIENT)
def patient_report_problem(visit_id: int):
    visit, checklists = services.visit_with_checklists(current_user, visit_id, "recovery")
    form = ProblemForm()
    if form.validate_on_submit():
        try:
            services.report_problem(current_user, visit, form.problem.data, form.details.data)
        except services.ProblemReportError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash("Thank you. Your nurse and the care team have been told and will call you. "
                  "If it gets worse or you have trouble breathing, call 911.", "success")
            return redirect(url_for("checklists.patient_recovery", visit_id=visit.id)
                            + "#report-problem")
    return _recovery_page(visit, checklists["recovery"], form, 422)


@bp.route("/my-care/past-visits")
@roles_required(PATIENT)
def patient_past_visits():
    return render_template("patient/past_visits.html",
                           visits=services.past_visits(current_user))
