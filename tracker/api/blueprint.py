"""The "api" blueprint and api_route, the only way an API view is added.

api_route registers the Flask rule, declares the view's roles (tracker.authz) and records
an Operation in REGISTRY, from which openapi.py builds the OpenAPI document. A route added
any other way is missing from the document, and tests/api/test_openapi.py fails.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, current_app

from tracker.api.auth import rate_limit_key
from tracker.api.fields import Field
from tracker.authz import public, roles_required
from tracker.extensions import limiter
from tracker.models import Role

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# One generous limit per token for the whole API (API_RATE_LIMIT; see config.py).
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)

NURSE = (Role.NURSE.value,)
# A database id in a path: larger numbers cannot exist (and would overflow PostgreSQL's integer).
ID_MAX = 2147483647
ID = f"int(min=1, max={ID_MAX})"

# Errors every authenticated operation may answer, besides its own.
COMMON_ERRORS = (401, 403, 429, 500)


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    summary: str
    description: str
    roles: tuple[str, ...] | None  # None: public
    status: int  # the success status
    response: str | None  # name of the success body's schema in schemas.COMPONENTS
    query: tuple[Field, ...] = ()
    body: tuple[Field, ...] | None = None
    errors: tuple[int, ...] = field(default=())
    tag: str = "visits"


# endpoint ("api.<view name>") -> Operation
REGISTRY: dict[str, Operation] = {}


def api_route(rule: str, *, method: str = "GET", summary: str, description: str = "",
              roles: tuple[str, ...] | None = NURSE, status: int = 200, response: str | None,
              query: tuple[Field, ...] = (), body: tuple[Field, ...] | None = None,
              errors: tuple[int, ...] = (), tag: str = "visits",
              blueprint: Blueprint = bp, registry: dict[str, Operation] = REGISTRY) -> Callable:
    """Add an API view: its rule, its roles (None = public) and its description.

    `blueprint` and `registry` are for the framework's own tests; API views use the defaults.
    """

    def decorate(view: Callable) -> Callable:
        declared = public(view) if roles is None else roles_required(*roles)(view)
        endpoint = f"{blueprint.name}.{view.__name__}"
        if endpoint in registry:
            raise ValueError(f"{endpoint} is declared twice")
        all_errors = errors if roles is None else tuple(sorted(set(errors) | set(COMMON_ERRORS)))
        registry[endpoint] = Operation(
            endpoint=endpoint, method=method, summary=summary,
            description=description or (view.__doc__ or "").strip(), roles=roles, status=status,
            response=response, query=query, body=body, errors=all_errors, tag=tag)
        blueprint.add_url_rule(rule, view_func=declared, methods=[method])
        return declared

    return decorate
