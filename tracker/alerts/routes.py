"""Open alerts, and acknowledging one with a note."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.alerts import services
from tracker.alerts.forms import AcknowledgeForm
from tracker.authz import STAFF, roles_required

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.route("/")
@roles_required(*STAFF)
def index():
    return render_template("alerts/index.html", alerts=services.open_alerts(current_user),
                           recent=services.acknowledged_alerts(current_user),
                           form=AcknowledgeForm())


@bp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@roles_required(*STAFF)
def acknowledge(alert_id: int):
    services.visible_alert(alert_id, current_user)  # an unknown or unseen alert is 404 first
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            services.acknowledge(alert_id, current_user, form.note.data)
        except services.AlertError as error:
            flash(error.message, "error")
        else:
            flash("Alert acknowledged.", "success")
            return redirect(url_for("alerts.index"))
    else:
        for message in form.note.errors:
            flash(message, "error")
    # Re-render with the typed note kept next to the alert it belongs to.
    return render_template("alerts/index.html", alerts=services.open_alerts(current_user),
                           recent=services.acknowledged_alerts(current_user), form=form,
                           failed_alert_id=alert_id), 422
