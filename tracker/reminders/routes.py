"""Notifications (everyone's own list) and the office's view of reminders."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.authz import ALL_SIGNED_IN, OFFICE, roles_required
from tracker.reminders import notifications, overview

bp = Blueprint("reminders", __name__)


@bp.route("/notifications")
@roles_required(*ALL_SIGNED_IN)
def notifications_list():
    return render_template("reminders/notifications.html",
                           notifications=notifications.list_for(current_user),
                           patient_view=current_user.role == "patient")


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@roles_required(*ALL_SIGNED_IN)
def open_notification(notification_id: int):
    notification = notifications.mark_read(current_user, notification_id)
    if notifications.is_internal_path(notification.link):
        return redirect(notification.link)
    return redirect(url_for("reminders.notifications_list"))


@bp.route("/notifications/<int:notification_id>/dismiss", methods=["POST"])
@roles_required(*ALL_SIGNED_IN)
def dismiss_notification(notification_id: int):
    notifications.dismiss(current_user, notification_id)
    flash("Notification dismissed.", "success")
    return redirect(url_for("reminders.notifications_list"))


@bp.route("/notifications/read-all", methods=["POST"])
@roles_required(*ALL_SIGNED_IN)
def read_all_notifications():
    notifications.mark_all_read(current_user)
    return redirect(url_for("reminders.notifications_list"))


@bp.route("/reminders")
@roles_required(*OFFICE)
def office_overview():
    return render_template("reminders/overview.html", page=overview.office_page())
