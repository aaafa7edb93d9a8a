"""The patient-friendly procedure record page, for every signed-in role."""

from flask import Blueprint, abort, render_template

from tracker.authz import ALL_SIGNED_IN, roles_required
from tracker.procedures import services

bp = Blueprint("procedures", __name__, url_prefix="/procedure")


@bp.route("/")
@roles_required(*ALL_SIGNED_IN)
def record():
    try:
        primary = services.current_record(services.PRIMARY_CODE)
        add_on = services.current_record(services.ADD_ON_CODE)
    except services.ProcedureRecordMissing:
        abort(404)
    return render_template("procedures/record.html", record=primary, add_on=add_on)
