"""Sign-in and sign-out."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from tracker.auth import services
from tracker.auth.forms import SignInForm
from tracker.auth.sessions import safe_next, start_session
from tracker.authz import ALL_SIGNED_IN, public, roles_required
from tracker.extensions import limiter

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInRefused as refusal:
            form.password.errors.append(refusal.message)
        else:
            target = safe_next(form.next.data)
            session.clear()  # a fresh session at every sign-in (no session fixation)
            login_user(user, remember=False)
            start_session()
            return redirect(target or url_for("main.home"))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/sign-out", methods=["POST"])
@roles_required(*ALL_SIGNED_IN)
def logout():
    services.sign_out(current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("auth.login"))
