"""Checklists for staff (see and extend a visit's lists) and ticking, for patients and staff."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.authz import ALL_SIGNED_IN, STAFF, roles_required
from tracker.checklists import patient as patient_services
from tracker.checklists import services
from tracker.checklists.forms import AddItemForm
from tracker.models import ChecklistItem, ChecklistKind, Role
from tracker.reminders.messages import visit_page_path
from tracker.visits.access import get_visit

bp = Blueprint("checklists", __name__)


def _staff_page(visit_id: int, form: AddItemForm, status: int = 200):
    visit, checklists = services.get_checklists(current_user, visit_id)
    return render_template(
        "checklists/visit.html", visit=visit, checklists=checklists, form=form,
        kinds=list(ChecklistKind), order_items=services.active_order_items(visit.order_id),
        problem_reports=patient_services.reports_for(visit)), status


@bp.route("/checklists/visits/<int:visit_id>")
@roles_required(*STAFF)
def visit_checklists(visit_id: int):
    return _staff_page(visit_id, AddItemForm())


@bp.route("/checklists/visits/<int:visit_id>/items", methods=["POST"])
@roles_required(*STAFF)
def add_item(visit_id: int):
    visit = get_visit(current_user, visit_id)
    form = AddItemForm()
    if form.validate_on_submit():
        try:
            if form.scope.data == "order":
                services.add_order_item(visit, current_user, form.kind.data, form.text.data)
                flash("Step added to every future visit of this order.", "success")
            else:
                services.add_visit_item(visit, current_user, form.kind.data, form.text.data)
                flash("Step added to this visit.", "success")
        except services.ChecklistError as error:
            getattr(form, error.field, form.text).errors.append(error.message)
        else:
            return redirect(url_for("checklists.visit_checklists", visit_id=visit.id))
    return _staff_page(visit.id, form, 422)


@bp.route("/checklists/items/<int:item_id>/remove", methods=["POST"])
@roles_required(*STAFF)
def remove_item(item_id: int):
    item = services.get_item(current_user, item_id)
    visit_id = item.checklist.visit_id
    try:
        services.remove_item(item, current_user)
    except services.ChecklistError as error:
        flash(error.message, "error")
    else:
        flash("Step removed from this visit.", "success")
    return redirect(url_for("checklists.visit_checklists", visit_id=visit_id))


@bp.route("/checklists/visits/<int:visit_id>/order-items/<int:order_item_id>/remove",
          methods=["POST"])
@roles_required(*STAFF)
def remove_order_item(visit_id: int, order_item_id: int):
    visit = get_visit(current_user, visit_id)
    order_item = services.get_order_item(current_user, order_item_id)
    if order_item.order_id != visit.order_id:
        return redirect(url_for("checklists.visit_checklists", visit_id=visit.id))
    services.remove_order_item(order_item, current_user)
    flash("Step removed from this order's future visits.", "success")
    return redirect(url_for("checklists.visit_checklists", visit_id=visit.id))


@bp.route("/checklists/items/<int:item_id>/tick", methods=["POST"])
@roles_required(*ALL_SIGNED_IN)
def tick(item_id: int):
    return _change_tick(item_id, done=True)


@bp.route("/checklists/items/<int:item_id>/untick", methods=["POST"])
@roles_required(*ALL_SIGNED_IN)
def untick(item_id: int):
    return _change_tick(item_id, done=False)


def _change_tick(item_id: int, *, done: bool):
    item = services.get_item(current_user, item_id)
    back_to = _back_to(item)  # before the service's commit expires what it reads
    try:
        (services.tick if done else services.untick)(item, current_user)
    except services.ChecklistError as error:
        flash(error.message, "error")
    else:
        # The step's text stays out of the flash: flashes travel in the session cookie.
        flash("Marked as done." if done else "No longer marked as done.", "success")
    return redirect(back_to)


def _back_to(item: ChecklistItem) -> str:
    """Back to the page the tick came from; only pages of this visit are possible."""
    visit = item.checklist.visit
    anchor = f"#item-{item.id}"
    if current_user.role == Role.PATIENT:
        endpoint = ("checklists.patient_prepare" if item.checklist.kind == "preparation"
                    else "checklists.patient_recovery")
        return url_for(endpoint, visit_id=visit.id) + anchor
    if request.form.get("return_to") == "visit":
        return visit_page_path(visit) + "#preparation"
    return url_for("checklists.visit_checklists", visit_id=visit.id) + anchor
