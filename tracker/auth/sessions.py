"""Session lifetime: an idle limit and an absolute limit, checked on every request."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from tracker.api import is_api_request
from tracker.auth.services import record_session_expired
from tracker.timeutil import utcnow


def start_session() -> None:
    """Called at sign-in, after the old session was cleared (a fresh session each time)."""
    now = utcnow().timestamp()
    session.permanent = True
    session["signed_in_at"] = now
    session["last_seen"] = now


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target after sign-in.

    Browsers drop tabs and newlines inside URLs (slash, tab, "/evil.example" becomes
    "//evil.example", another site) and a newline cannot go in a header at all, so any
    control character or space refuses the target, as do a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) <= 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def return_path() -> str:
    """The page to come back to after signing in again."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = request.referrer or ""
    host = request.host_url
    if referrer.startswith(host):
        return "/" + referrer[len(host):]
    return request.path


def check_session_limits():
    """before_request hook: end sessions that were idle too long or are too old.

    API requests have no session: a device token authenticates them (tracker/api/auth.py).
    """
    if request.endpoint == "static" or is_api_request() or not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    idle = current_app.config["IDLE_TIMEOUT"]
    absolute = current_app.config["ABSOLUTE_SESSION_LIFETIME"]
    signed_in_at = session.get("signed_in_at", 0)
    last_seen = session.get("last_seen", 0)
    if now - last_seen > idle.total_seconds() or now - signed_in_at > absolute.total_seconds():
        record_session_expired(current_user)
        logout_user()
        session.clear()
        flash("Your session ended for your security. Sign in again to carry on where you were.",
              "info")
        return redirect(url_for("auth.login", next=return_path()))
    session["last_seen"] = now
    return None

