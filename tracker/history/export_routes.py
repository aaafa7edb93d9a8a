"""Reports with their CSV files, and the FHIR export of a patient."""

import json

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from tracker import audit
from tracker.authz import OFFICE, roles_required
from tracker.database import streamed_read
from tracker.extensions import db
from tracker.history import fhir, report_csv, reports
from tracker.history.csv_export import csv_lines
from tracker.history.forms import ReportRangeForm
from tracker.history.routes import bp
from tracker.templating import viewer_timezone
from tracker.timeutil import local, utcnow


def _range_form() -> ReportRangeForm:
    form = ReportRangeForm(request.args)
    if not request.args:  # first visit: this month so far
        today = local(utcnow(), viewer_timezone()).date()
        form.date_from.data, form.date_to.data = today.replace(day=1), today
    return form


@bp.route("/reports")
@roles_required(*OFFICE)
def reports_page():
    form = _range_form()
    if request.args and not form.validate():
        return render_template("history/reports.html", form=form, r=None), 422
    rng = reports.DateRange.of(form.date_from.data, form.date_to.data, viewer_timezone())
    audit.record("reports_viewed", record_type="report",
                 detail={"from": rng.date_from.isoformat(), "to": rng.date_to.isoformat()})
    db.session.commit()
    return render_template("history/reports.html", form=form, r=reports.build(rng),
                           args={"date_from": rng.date_from.isoformat(),
                                 "date_to": rng.date_to.isoformat()})


@bp.route("/reports/<name>.csv")
@roles_required(*OFFICE)
def report_csv_file(name: str):
    if name not in report_csv.TABLES:
        abort(404)
    form = ReportRangeForm(request.args)
    if not form.validate():
        return render_template("history/reports.html", form=form, r=None), 422
    rng = reports.DateRange.of(form.date_from.data, form.date_to.data, viewer_timezone())
    try:
        header, rows = report_csv.TABLES[name][1](rng)
    except report_csv.NotAvailable:
        abort(404)
    audit.record("report_exported", record_type="report",
                 detail={"report": name, "from": rng.date_from.isoformat(),
                         "to": rng.date_to.isoformat()})
    db.session.commit()
    filename = f"{name}-{rng.date_from.isoformat()}-to-{rng.date_to.isoformat()}.csv"
    return Response(stream_with_context(streamed_read(csv_lines(header, rows))), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/patients/<int:patient_id>/fhir.json")
@roles_required(*OFFICE)
def patient_fhir(patient_id: int):
    bundle = fhir.export_patient(current_user, patient_id)
    return Response(json.dumps(bundle, ensure_ascii=False, indent=1),
                    mimetype="application/fhir+json",
                    headers={"Content-Disposition":
                             f"attachment; filename=patient-{patient_id}-fhir.json"})
