"""The Devices page: a nurse connects a device to the app (a token shown once) or disconnects it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.api import tokens
from tracker.api.forms import NewDeviceForm
from tracker.authz import roles_required
from tracker.models import Role

bp = Blueprint("devices", __name__, url_prefix="/devices")


def _page(form: NewDeviceForm, status: int = 200, new_token: str | None = None,
          new_device=None):
    return render_template("api/devices.html", form=form, new_token=new_token,
                           new_device=new_device, devices=tokens.active_tokens(current_user),
                           revoked=tokens.revoked_tokens(current_user),
                           max_devices=tokens.MAX_ACTIVE_TOKENS), status


@bp.route("/")
@roles_required(Role.NURSE.value)
def index():
    return _page(NewDeviceForm())


@bp.route("/", methods=["POST"])
@roles_required(Role.NURSE.value)
def create():
    form = NewDeviceForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        device, raw = tokens.create_token(current_user, form.name.data)
    except tokens.TokenError as error:
        form.name.errors.append(error.message)
        return _page(form, 422)
    # Shown in this answer only: never stored, never put in the session cookie or a redirect.
    return _page(NewDeviceForm(formdata=None), 201, new_token=raw, new_device=device)


@bp.route("/<int(max=2147483647):token_id>/revoke", methods=["POST"])
@roles_required(Role.NURSE.value)
def revoke(token_id: int):
    device = tokens.revoke_token(current_user, token_id)
    flash(f"“{device.name}” is disconnected: its token no longer works.", "success")
    return redirect(url_for("devices.index"))
