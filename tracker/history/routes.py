"""The office's history pages: dashboard, visit history, visit records, patient history."""

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from tracker import audit
from tracker.alerts import services as alert_services
from tracker.authz import OFFICE, roles_required
from tracker.clinical.duration import format_duration
from tracker.database import streamed_read
from tracker.extensions import db
from tracker.history import csv_export, dashboard, labels, patient_history, record, search
from tracker.history.forms import DashboardAcknowledgeForm, VisitFilterForm
from tracker.history.pagination import Cursor
from tracker.models import VisitState
from tracker.templating import format_datetime, viewer_timezone

bp = Blueprint("history", __name__, url_prefix="/history")


@bp.context_processor
def history_helpers():
    """Helpers for this blueprint's templates only."""
    return {"fmt_duration": format_duration, "band_labels": labels.BAND_LABELS,
            "complication_label": labels.complication_label, "risk_labels": labels.risk_labels,
            "visit_state_label": lambda s: VisitState(s).label}


def _fmt(value, fmt):
    return format_datetime(value, fmt)


def _render_dashboard(form=None, failed_alert_id=None, status=200):
    data = dashboard.build(viewer_timezone(), audit_read=status == 200)
    return render_template("history/dashboard.html", d=data, form=form or DashboardAcknowledgeForm(),
                           failed_alert_id=failed_alert_id), status


@bp.route("/")
@roles_required(*OFFICE)
def dashboard_page():
    return _render_dashboard()


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@roles_required(*OFFICE)
def acknowledge_alert(alert_id: int):
    alert_services.visible_alert(alert_id, current_user)  # 404 before anything else
    form = DashboardAcknowledgeForm()
    if form.validate_on_submit():
        try:
            alert_services.acknowledge(alert_id, current_user, form.note.data)
        except alert_services.AlertError as error:
            # Acknowledged meanwhile (by a colleague): it has left the open list.
            flash(error.message, "error")
            return redirect(url_for("history.dashboard_page") + "#alerts")
        else:
            flash("Alert acknowledged.", "success")
            return redirect(url_for("history.dashboard_page") + "#alerts")
    # The note stays typed, next to the alert it was for.
    return _render_dashboard(form, alert_id, 422)


def _cursor() -> Cursor:
    return Cursor(after=request.args.get("after", type=int),
                  before=request.args.get("before", type=int),
                  last=request.args.get("last") == "1")


def _page_links(flt, page) -> dict[str, str | None]:
    """URLs of the neighbouring pages: the filter plus one cursor (a visit id), nothing else."""
    base = flt.query_args()

    def url(cursor: Cursor | None) -> str | None:
        return None if cursor is None else url_for("history.visits", **base, **cursor.query_args())

    return {"first": url(Cursor()) if page.has_prev else None,
            "prev": url(page.prev_cursor()), "next": url(page.next_cursor()),
            "last": url(Cursor(last=True)) if page.has_next else None,
            "restart": url(Cursor())}


@bp.route("/visits")
@roles_required(*OFFICE)
def visits():
    form = VisitFilterForm(request.args)
    if not form.validate():
        return render_template("history/visits.html", form=form, result=None, flt=None), 422
    flt = form.to_filter()
    result = search.search(flt, viewer_timezone(), _cursor())
    return render_template("history/visits.html", form=form, result=result, flt=flt,
                           links=_page_links(flt, result.page))


@bp.route("/visits.csv")
@roles_required(*OFFICE)
def visits_csv():
    form = VisitFilterForm(request.args)
    if not form.validate():
        return render_template("history/visits.html", form=form, result=None, flt=None), 422
    flt = form.to_filter()
    tz = viewer_timezone()
    audit.record("visit_history_exported", record_type="visit", patient_id=flt.patient_id,
                 detail=flt.audit_detail())
    db.session.commit()
    return Response(stream_with_context(streamed_read(csv_export.visit_history_csv(flt, tz))),
                    mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=visit-history.csv"})


@bp.route("/visits/<int:visit_id>")
@roles_required(*OFFICE)
def visit_record(visit_id: int):
    data = record.build(current_user, visit_id, viewer_timezone(), _fmt)
    return render_template("history/record.html", r=data, v=data.visit)


@bp.route("/visits/<int:visit_id>/print")
@roles_required(*OFFICE)
def visit_print(visit_id: int):
    data = record.build(current_user, visit_id, viewer_timezone(), _fmt, action="visit_record_printed")
    return render_template("history/print.html", r=data, v=data.visit)


@bp.route("/patients/<int:patient_id>")
@roles_required(*OFFICE)
def patient(patient_id: int):
    data = patient_history.build(current_user, patient_id, viewer_timezone())
    return render_template("history/patient.html", h=data, p=data.patient)
