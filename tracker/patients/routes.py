"""Patient records: coordinators create and edit; nurses read their caseload."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.auth.services import get_user, nurses
from tracker.authz import OFFICE, STAFF, roles_required
from tracker.patients import services
from tracker.patients.forms import AssignNurseForm, PatientForm
from tracker.procedures.services import indication_choices

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.route("/")
@roles_required(*STAFF)
def index():
    return render_template("patients/index.html",
                           patients=services.visible_patients(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def create():
    form = PatientForm(indication_choices=indication_choices())
    if form.validate_on_submit():
        try:
            patient = services.create_patient(form.values())
        except services.PatientError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash("Patient record created.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, patient=None), (
        422 if form.errors else 200)


@bp.route("/<int:patient_id>")
@roles_required(*STAFF)
def show(patient_id: int):
    patient = services.get_patient(current_user, patient_id)
    assign_form = AssignNurseForm()
    assign_form.nurse_id.choices = [(n.id, n.name) for n in nurses()]
    return render_template("patients/show.html", patient=patient, assign_form=assign_form,
                           caseload=services.caseload_nurses(patient))


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def edit(patient_id: int):
    patient = services.get_patient(current_user, patient_id)
    form = PatientForm(obj=patient, indication_choices=indication_choices())
    if form.validate_on_submit():
        try:
            services.update_patient(patient, form.values())
        except services.PatientError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash("Patient record saved.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, patient=patient), (
        422 if form.errors else 200)


@bp.route("/<int:patient_id>/caseload", methods=["POST"])
@roles_required(*OFFICE)
def assign(patient_id: int):
    patient = services.get_patient(current_user, patient_id, audit_read=False)
    form = AssignNurseForm()
    form.nurse_id.choices = [(n.id, n.name) for n in nurses()]
    if form.validate_on_submit():
        try:
            services.assign_nurse(patient, get_user(form.nurse_id.data), current_user)
            flash("Nurse added to the caseload.", "success")
        except services.PatientError as error:
            flash(error.message, "error")
    else:
        flash("Choose a nurse from the list.", "error")
    return redirect(url_for("patients.show", patient_id=patient.id))


@bp.route("/<int:patient_id>/caseload/<int:nurse_id>/remove", methods=["POST"])
@roles_required(*OFFICE)
def unassign(patient_id: int, nurse_id: int):
    patient = services.get_patient(current_user, patient_id, audit_read=False)
    services.unassign_nurse(patient, nurse_id)
    flash("Nurse removed from the caseload.", "success")
    return redirect(url_for("patients.show", patient_id=patient.id))
