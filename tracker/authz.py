"""Who may call which route.

Every view declares its roles with @roles_required(...) or @public. A view without a
declaration is refused to everyone (fail closed), and tests/test_authorization.py walks
the URL map so that such a route cannot ship.
"""

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user

from tracker.models import Role

ALL_SIGNED_IN = tuple(r.value for r in Role)
STAFF = (Role.NURSE.value, Role.COORDINATOR.value, Role.ADMIN.value)
OFFICE = (Role.COORDINATOR.value, Role.ADMIN.value)


def roles_required(*roles: str) -> Callable:
    unknown = set(roles) - set(ALL_SIGNED_IN)
    if unknown:
        raise ValueError(f"unknown roles: {unknown}")

    def decorate(view: Callable) -> Callable:
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def public(view: Callable) -> Callable:
    view.allowed_roles = None
    return view


def declared_roles(view: Callable):
    """The roles a view allows: a frozenset, None for public, or ... when undeclared."""
    target = view
    while target is not None:
        if hasattr(target, "allowed_roles"):
            return target.allowed_roles
        target = getattr(target, "__wrapped__", None)
    return ...


def enforce_declared_roles():
    """before_request hook: anonymous callers go to sign-in; wrong roles get 403."""
    if request.endpoint is None:
        return None  # 404 / 405 follow
    if request.endpoint == "static":
        return None  # stylesheets, scripts and icons hold nothing private
    view = current_app.view_functions.get(request.endpoint)
    roles = declared_roles(view) if view else ...
    if roles is None:
        return None
    if roles is ...:
        current_app.logger.error("route %s declares no roles; refused", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def require_role_in(*roles: str) -> None:
    """Inside a view: a second, finer check (for example a form only coordinators post)."""
    if not current_user.is_authenticated or current_user.role not in roles:
        abort(403)

