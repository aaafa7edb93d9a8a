"""Home (each role lands on its own page) and the health check."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from tracker.authz import ALL_SIGNED_IN, public, roles_required
from tracker.main import home_pages

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@roles_required(*ALL_SIGNED_IN)
def home():
    endpoint = home_pages.home_endpoint(current_user.role)
    if endpoint:
        return redirect(url_for(endpoint))
    return render_template(f"main/home_{current_user.role}.html",
                           **home_pages.context_for(current_user))


@bp.route("/healthz")
@public
def healthz():
    return {"status": "ok"}
