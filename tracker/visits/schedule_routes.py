"""Orders, the coordinator's schedule, scheduling and changing visits, and the nurse's day."""

from datetime import datetime, time, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.services import nurses
from tracker.authz import OFFICE, STAFF, roles_required
from tracker.models import Role, Visit
from tracker.patients import services as patient_services
from tracker.timeutil import local
from tracker.visits import forms as visit_forms
from tracker.visits import orders, queries, scheduling
from tracker.visits.access import VisitStateError, get_visit
from tracker.visits.blueprint import bp
from tracker.visits.page import open_visit
from tracker.visits.timeinput import local_today


def _showing() -> bool:
    """A GET shows the record (an audited read); a POST changes it (audited by the service)."""
    return request.method == "GET"


def _visit(visit_id: int):
    return open_visit(current_user, visit_id) if _showing() else get_visit(current_user, visit_id)


# Nurse -------------------------------------------------------------------------------------

@bp.route("/today")
@roles_required(Role.NURSE.value)
def today():
    day, todays, upcoming, unsigned = queries.nurse_day(current_user)
    return render_template("visits/today.html", day=day, todays=todays, upcoming=upcoming,
                           unsigned=unsigned)


# Orders ------------------------------------------------------------------------------------

@bp.route("/orders/new/<int:patient_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def order_new(patient_id: int):
    patient = patient_services.get_patient(current_user, patient_id, audit_read=_showing())
    form = visit_forms.OrderForm()
    if request.method == "GET":
        form.start_date.data = local_today(current_user.timezone)
    if form.validate_on_submit():
        try:
            orders.create_order(current_user, patient, form.values(*form.FIELDS),
                                client_id=form.client_id.data)
        except VisitStateError as error:
            form.fail(error)
        else:
            flash("Therapy order saved.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id, _anchor="orders"))
    return render_template("visits/order_form.html", form=form, patient=patient, order=None), (
        422 if form.errors else 200)


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def order_edit(order_id: int):
    order = orders.get_order(order_id)
    patient = patient_services.get_patient(current_user, order.patient_id, audit_read=_showing())
    form = visit_forms.OrderForm(obj=order)
    if form.validate_on_submit():
        try:
            orders.update_order(current_user, order, form.values(*form.FIELDS),
                                client_id=form.client_id.data)
        except VisitStateError as error:
            form.fail(error)
        else:
            flash("Therapy order saved.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id, _anchor="orders"))
    return render_template("visits/order_form.html", form=form, patient=patient, order=order,
                           locked=orders.has_started_visits(order)), (422 if form.errors else 200)


@bp.route("/orders/<int:order_id>/stop", methods=["POST"])
@roles_required(*OFFICE)
def order_stop(order_id: int):
    order = orders.get_order(order_id)
    patient_services.get_patient(current_user, order.patient_id, audit_read=False)
    try:
        orders.deactivate_order(current_user, order, client_id=request.form.get("client_id"))
    except VisitStateError as error:
        flash(error.message, "error")
    else:
        flash("Order stopped. Its visits that had not started were cancelled.", "success")
    return redirect(url_for("patients.show", patient_id=order.patient_id, _anchor="orders"))


# Schedule ----------------------------------------------------------------------------------

@bp.route("/schedule")
@roles_required(*OFFICE)
def schedule():
    form = visit_forms.ScheduleFilterForm(request.args)
    form.nurse.choices = visit_forms.choices([(0, "All nurses")] + [(n.id, n.name) for n in nurses()])
    valid = form.validate()
    day = form.day.data if valid else None
    nurse_id = (form.nurse.data or None) if valid else None
    visits = queries.schedule(current_user, day, nurse_id)
    overdue = queries.overdue(nurse_id) if day is None else []
    return render_template("visits/schedule.html", form=form, visits=visits, overdue=overdue,
                           day=day, today=local_today(current_user.timezone))


@bp.route("/new")
@roles_required(*OFFICE)
def pick_patient():
    return render_template("visits/pick_patient.html",
                           patients=orders.patients_with_active_orders())


def _caseload_choices(patient):
    return visit_forms.choices((n.id, n.name) for n in patient_services.caseload_nurses(patient)
                               if n.active)


@bp.route("/new/<int:patient_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new(patient_id: int):
    patient = patient_services.get_patient(current_user, patient_id, audit_read=_showing())
    form = visit_forms.ScheduleForm()
    form.order_id.choices = visit_forms.choices((o.id, orders.order_summary(o))
                                                for o in orders.active_orders(patient.id))
    form.nurse_id.choices = _caseload_choices(patient)
    if request.method == "GET":
        tomorrow = local_today(current_user.timezone) + timedelta(days=1)
        form.planned_start.data = datetime.combine(tomorrow, time(9))
    if form.validate_on_submit():
        values = form.values("order_id", "nurse_id", "planned_start", "planned_minutes")
        try:
            visit = scheduling.schedule_visit(current_user, {**values, "patient_id": patient.id},
                                              client_id=form.client_id.data)
        except VisitStateError as error:
            form.fail(error)
        else:
            return _scheduled(visit, "Visit scheduled")
    return render_template("visits/schedule_form.html", form=form, patient=patient, visit=None), (
        422 if form.errors else 200)


def _scheduled(visit: Visit, message: str):
    when = local(visit.planned_start, current_user.timezone)
    flash(f"{message} for {when:%a %d %b %Y, %H:%M} with {visit.nurse.name}.", "success")
    return redirect(url_for("visits.schedule", day=when.date().isoformat()))


@bp.route("/<int:visit_id>/reschedule", methods=["GET", "POST"])
@roles_required(*OFFICE)
def reschedule(visit_id: int):
    visit = _visit(visit_id)
    form = visit_forms.RescheduleForm(obj=visit)
    form.nurse_id.choices = _caseload_choices(visit.patient)
    if request.method == "GET":
        form.planned_start.data = local(visit.planned_start, current_user.timezone).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            scheduling.reschedule_visit(current_user, visit,
                                        form.values("nurse_id", "planned_start", "planned_minutes"),
                                        client_id=form.client_id.data)
        except VisitStateError as error:
            form.fail(error)
        else:
            return _scheduled(visit, "Visit moved")
    return render_template("visits/schedule_form.html", form=form, patient=visit.patient,
                           visit=visit), (422 if form.errors else 200)


def _reason_page(visit_id: int, service, title: str, explanation: str, done: str):
    visit = _visit(visit_id)
    form = visit_forms.ReasonForm()
    if form.validate_on_submit():
        try:
            service(current_user, visit, {"reason": form.reason.data}, client_id=form.client_id.data)
        except VisitStateError as error:
            form.fail(error)
        else:
            flash(done, "success")
            if current_user.role == Role.NURSE:
                return redirect(url_for("visits.today"))
            return redirect(url_for("visits.schedule"))
    return render_template("visits/reason_form.html", form=form, visit=visit, title=title,
                           explanation=explanation), (422 if form.errors else 200)


@bp.route("/<int:visit_id>/cancel", methods=["GET", "POST"])
@roles_required(*OFFICE)
def cancel(visit_id: int):
    return _reason_page(visit_id, scheduling.cancel_visit, "Cancel visit",
                        "The nurse's and the patient's schedules are freed; reminders are withdrawn.",
                        "Visit cancelled.")


@bp.route("/<int:visit_id>/missed", methods=["GET", "POST"])
@roles_required(*STAFF)
def missed(visit_id: int):
    return _reason_page(visit_id, scheduling.mark_missed, "Mark visit as missed",
                        "For a visit that did not take place (for example, the patient was not at home).",
                        "Visit marked as missed.")


# The patient page shows orders and visits through templates/visits/_patient_panel.html.

@bp.app_template_global()
def patient_visit_panel(patient) -> dict:
    upcoming, past = queries.patient_visits(current_user, patient.id)
    return {"orders": orders.orders_for_patient(patient.id), "upcoming": upcoming, "past": past,
            "summary": orders.order_summary}
