"""User administration (admins) and the audit log (coordinators and admins)."""

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.admin import services
from tracker.admin.forms import AuditFilterForm, ResetPasswordForm, UserForm
from tracker.auth import services as auth_services
from tracker.authz import OFFICE, roles_required
from tracker.extensions import db
from tracker.models import Patient, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _patient_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Patient.id, Patient.mrn, Patient.last_name, Patient.first_name)
                              .order_by(Patient.last_name))
    return [(r.id, f"{r.last_name}, {r.first_name} ({r.mrn})") for r in rows]


@bp.route("/users")
@roles_required("admin")
def users():
    return render_template("admin/users.html", users=auth_services.list_users(),
                           reset_form=ResetPasswordForm())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create_user():
    form = UserForm(patient_choices=_patient_choices())
    if request.method == "GET":
        form.timezone.data = "America/New_York"
    if form.validate_on_submit():
        try:
            auth_services.create_user(
                email=form.email.data, name=form.name.data, role=form.role.data,
                password=form.password.data, timezone=form.timezone.data,
                patient_id=form.patient_id.data or None, created_by=current_user)
        except auth_services.UserError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash("User created.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def set_active(user_id: int):
    user = auth_services.get_user(user_id)
    activate = request.form.get("active") == "1"
    try:
        auth_services.set_active(user, activate, current_user)
        flash(f"{user.name} is now {'active' if activate else 'deactivated'}.", "success")
    except auth_services.UserError as error:
        flash(error.message, "error")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required("admin")
def reset_password(user_id: int):
    user = auth_services.get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            auth_services.reset_password(user, form.password.data, current_user)
        except auth_services.UserError as error:
            form.password.errors.append(error.message)
        else:
            flash(f"Password reset for {user.name}; their open sessions have ended.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/reset_password.html", form=form, user=user), (
        422 if form.errors else 200)


@bp.route("/audit")
@roles_required(*OFFICE)
def audit_log():
    form = AuditFilterForm(request.args)
    form.user_id.choices = [(0, "Anyone")] + [
        (u.id, f"{u.name} ({u.role})") for u in db.session.scalars(select(User).order_by(User.name))]
    form.patient_id.choices = [(0, "Any patient")] + _patient_choices()
    form.action.choices = [("", "Any action")] + [(a, a.replace("_", " "))
                                                  for a in services.known_actions()]
    valid = form.validate()
    date_from, date_to = _parse_date(form.date_from), _parse_date(form.date_to)
    if date_from and date_to and date_to < date_from:
        form.date_to.errors = list(form.date_to.errors) + [
            "The end date must be on or after the start date."]
    if not valid or form.date_from.errors or form.date_to.errors:
        # Never show an unfiltered log as if it were the filtered one.
        return render_template("admin/audit.html", form=form, rows=[], total=0, page=1,
                               page_size=services.PAGE_SIZE, invalid=True), 422
    flt = services.AuditFilter(
        user_id=form.user_id.data or None, patient_id=form.patient_id.data or None,
        action=form.action.data or None, date_from=date_from, date_to=date_to)
    rows, total, page = services.search_audit(flt, current_user.timezone,
                                              request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", form=form, rows=rows, total=total, page=page,
                           page_size=services.PAGE_SIZE, invalid=False)


def _parse_date(field) -> date | None:
    if not field.data:
        return None
    try:
        return date.fromisoformat(field.data)
    except ValueError:
        field.errors = list(field.errors) + ["Use the form YYYY-MM-DD."]
        return None
