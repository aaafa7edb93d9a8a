"""Styled error pages for HTML and JSON bodies for the API; nothing internal leaks."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.extensions import db

MESSAGES = {
    400: ("Something in that request was not right", "Go back, check the form and try again."),
    401: ("Sign-in needed", "Send a valid device token as 'Authorization: Bearer <token>'."),
    403: ("You do not have access to this page", "If you think you should, ask a coordinator."),
    404: ("We could not find that page", "It may have moved, or the record does not exist."),
    405: ("That action is not allowed here", "Use the buttons on the page."),
    409: ("That change conflicts with the record as it is now", "Reload the record and try again."),
    413: ("That upload is too large", "Try a smaller file."),
    415: ("That kind of content is not accepted here", "Send JSON (Content-Type: application/json)."),
    422: ("Some information was not valid", "Check the form and try again."),
    429: ("Too many attempts", "Wait a minute before you try again."),
    500: ("Something went wrong on our side", "Your work up to the last save is kept. "
          "Try again in a moment; if it keeps happening, tell the coordinator."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, description: str | None = None, *, fields: dict | None = None,
                 headers=None):
    """The error page, or for the API a JSON body: {"error": {status, title, detail, fields}}."""
    title, hint = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    if wants_json():
        body = {"status": code, "title": title, "detail": description or hint, "fields": fields or {}}
        return jsonify(error=body), code, headers or []
    return render_template("errors/error.html", code=code, title=title,
                           hint=description or hint), code, headers or []


def _kept_headers(error: HTTPException) -> list[tuple[str, str]]:
    """Headers an HTTP error carries (Allow on 405, Retry-After...), minus its own Content-Type."""
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "The form had expired. Your entries are still on the page: "
                                 "go back, reload it and submit again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (301, 302, 303, 307, 308):
            return error
        custom = error.description if getattr(error, "show_to_user", False) else None
        return render_error(error.code or 500, custom, headers=_kept_headers(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        # A failed flush leaves the session unusable; the page (its header shows who is
        # signed in) may need to read again.
        try:
            db.session.rollback()
        except Exception:
            app.logger.exception("rollback after an unhandled error failed")
        return render_error(InternalServerError.code)
