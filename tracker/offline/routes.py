"""The service worker script, and how a browser gets the API token it syncs with.

/visits/sw.js is served from the nurse's pages' path so that the worker's scope is /visits/
(a worker controls only pages under its own script's path); it is plain, public JavaScript
with no patient data. The two JSON routes use the cookie session, like the pages:

  GET  /visits/offline/session  who is signed in here, with a fresh CSRF token
  POST /visits/offline/token    a token for this browser (CSRF token in X-CSRFToken)

An expired session answers them the usual way (a redirect to sign-in), which the page
reads as "waiting for sign-in": queued entries stay on the tablet until a new token.
"""

from flask import Blueprint, current_app, jsonify, request, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from tracker.api import tokens
from tracker.authz import public, roles_required
from tracker.errors import render_error
from tracker.models import Role
from tracker.offline import capture, services

bp = Blueprint("offline", __name__)

NURSE = Role.NURSE.value
WORKER_SCOPE = "/visits/"
ID_MAX = 2147483647


@bp.route("/visits/sw.js")
@public
def service_worker():
    response = send_from_directory(current_app.static_folder, "js/offline/sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = WORKER_SCOPE
    return response


@bp.route("/visits/offline/session")
@roles_required(NURSE)
def session_state():
    return jsonify(user_id=current_user.id, timezone=current_user.timezone,
                   csrf_token=generate_csrf())


def _replaced_token_id() -> int | None:
    """The token id the browser held before, if it sent a usable one (anything else: none)."""
    value = (request.get_json(silent=True) or {}).get("replaces")
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX:
        return value
    return None


@bp.route("/visits/offline/token", methods=["POST"])
@roles_required(NURSE)
def browser_token():
    if not request.is_json:
        return render_error(415, "Send the request as JSON.")
    try:
        token, raw = services.issue_browser_token(current_user, request.user_agent.string,
                                                  replaces=_replaced_token_id())
    except tokens.TokenError as error:
        return render_error(422, error.message, fields={"token": error.message})
    return jsonify(token=raw, token_id=token.id, name=token.name, user_id=current_user.id), 201


@bp.route("/visits/offline/capture.json")
@public
def capture_map():
    """How each visit page form becomes an API call (see capture.py); no patient data."""
    return jsonify(captures=capture.build(current_app))
