"""Token authentication for /api/: the bearer token's user becomes Flask-Login's current_user.

The API ignores the cookie session entirely: under /api/ the session is opened empty and
never saved, so Flask-Login finds no session user and asks the request loader, which
reads only the Authorization header. Views keep declaring roles with roles_required, and
tracker.authz answers 401 (no valid token) or 403 (wrong role) for them.
"""

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

from tracker.api import is_api_path, is_api_request, tokens
from tracker.extensions import client_ip, login_manager

REALM = "infusion-tracker-api"
# Longer values are not tokens this app issued; refuse them without a database lookup.
MAX_TOKEN_LENGTH = 128


class CookieSessionOutsideApi(SecureCookieSessionInterface):
    """The usual signed-cookie session, except under /api/: there it is empty and never saved."""

    def open_session(self, app, request):
        if is_api_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if is_api_request():
            return  # never set, refresh or delete the browser's cookie from an API response
        super().save_session(app, session, response)


def bearer_token() -> str | None:
    """The token in `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def load_user_from_request(req):
    """Flask-Login's request loader; only API requests may authenticate with a token."""
    if not is_api_request():
        return None
    raw = bearer_token()
    if raw is None:
        return None
    token = tokens.authenticate(raw) if len(raw) <= MAX_TOKEN_LENGTH else None
    if token is None:
        g.api_token_rejected = True
        return None
    g.api_token = token
    return token.user


def current_token():
    """The device token of this API request (set once current_user was loaded)."""
    return g.get("api_token")


def rate_limit_key() -> str:
    """Per token (hashed, so the limiter's storage never holds a usable token); else per address."""
    raw = bearer_token()
    if raw:
        return "api-token:" + tokens.hash_token(raw[:MAX_TOKEN_LENGTH])
    return "api-ip:" + client_ip()


def add_www_authenticate(response):
    """RFC 6750: a 401 names the scheme, and says invalid_token when one was sent but refused."""
    if response.status_code == 401 and is_api_request():
        challenge = f'Bearer realm="{REALM}"'
        if g.get("api_token_rejected"):
            challenge += (', error="invalid_token", '
                          'error_description="The token is unknown, revoked or its account inactive"')
        response.headers["WWW-Authenticate"] = challenge
    return response


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionOutsideApi()
    login_manager.request_loader(load_user_from_request)
    # Anonymous API callers get 401 (JSON), not a redirect to the sign-in page.
    login_manager.blueprint_login_views["api"] = None
    app.after_request(add_www_authenticate)
