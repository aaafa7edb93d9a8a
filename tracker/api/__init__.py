"""The JSON API (/api/v1) for the nurse's bedside device, and the Devices page for its tokens.

A request under /api/ is authenticated by its `Authorization: Bearer <token>` header only:
it never reads or writes the cookie session, so a page on another site cannot drive the
API with the nurse's browser session (and CSRF tokens are not needed). Modules:

  auth.py           bearer tokens -> Flask-Login's current_user; 401 with WWW-Authenticate
  tokens.py         creating, listing, revoking and checking device tokens (the service)
  tokens_routes.py  the Devices page (HTML, cookie session, CSRF as everywhere else)
  blueprint.py      the "api" blueprint, its rate limit and the api_route decorator
  fields.py         request parsing against small declared schemas (also used by OpenAPI)
  routes.py         the read endpoints and the OpenAPI document; reads.py their services
  writes.py         the write-endpoint framework: client_id, idempotent replays, 409/422
  visit_writes.py   the visit's life: check-in/out, steps, safety checks, sign, addenda
  charting_writes.py  clinical entries: vitals, access, site, line care, teaching,
                    administrations, complications; bodies.py their request bodies,
                    write_common.py what they share
  serializers.py    plain functions: model -> JSON; schemas.py: their JSON Schemas
  openapi.py        the OpenAPI 3.1 document, built from the route registry
"""

from flask import Flask, request

API_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def is_api_request() -> bool:
    return is_api_path(request.path)


def init_app(app: Flask) -> None:
    """Register the API, the Devices page and the token authentication on the app."""
    from tracker.api import (  # noqa: F401  (the routes modules register on bp)
        auth,
        charting_writes,
        errors,
        routes,
        visit_writes,
    )
    from tracker.api.blueprint import bp
    from tracker.api.tokens_routes import bp as devices_bp
    from tracker.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(devices_bp)
    auth.init_app(app)
    errors.init_app(app)
