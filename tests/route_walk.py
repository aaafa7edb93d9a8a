"""Walking app.url_map: every route, with ids of real records, as any role.

Used by tests/test_authorization.py and tests/test_security.py. Nothing here names a
route, so routes added later are walked too. Ids for <int:...> arguments come from
`World`: the names below map to records a nurse and her patient may see (`visible`) and
to records they may not see (`hidden`). Any other `<name>_id` is looked up generically:
the table the name points at (visit_step_id -> visit_steps, addendum_id -> Addendum ...),
preferring a row of the world's visit or patient; when no such row exists the id is
MISSING_ID, which must then give 404 (never 500). An area whose routes need a row to get
past the lookup can add a builder to WORLD_EXTRAS: fn(world, make) -> None that creates
rows for world.visit / world.patient.
"""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.routing import Rule

from tests.conftest import Browser
from tests.support import new_browser
from tracker.alerts.services import raise_alert
from tracker.api.tokens import hash_token
from tracker.authz import declared_roles
from tracker.extensions import csrf, db
from tracker.models import ApiToken

ROLES = ("nurse", "patient", "coordinator", "admin")
MISSING_ID = 2**31 - 1  # the largest id the database stores; no row has it
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

WORLD_EXTRAS: list[Callable] = []


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> User signing in for that role
    visible: dict = field(default_factory=dict)  # argument name -> id the world's users may see
    hidden: dict = field(default_factory=dict)  # argument name -> id the nurse / patient may not see
    patient: object = None
    visit: object = None


def build_world(make) -> World:
    """A nurse with one patient on her caseload (who has an account), a visit, an order and an
    alert of hers; and the same for another nurse and patient, out of the first ones' reach."""
    nurse, other_nurse = make.nurse(), make.nurse()
    patient, other_patient = make.patient(), make.patient()
    make.assign(nurse, patient)
    make.assign(other_nurse, other_patient)
    patient_user = make.patient_user(patient)
    make.patient_user(other_patient)
    bystander = make.nurse()  # the account the admin routes act on
    visit = make.visit(nurse=nurse, patient=patient)
    other_visit = make.visit(nurse=other_nurse, patient=other_patient)
    alert = raise_alert("test", "warning", "Synthetic test alert", patient_id=patient.id,
                        nurse_id=nurse.id)
    other_alert = raise_alert("test", "warning", "Synthetic test alert",
                              patient_id=other_patient.id, nurse_id=other_nurse.id)
    db.session.commit()
    world = World(
        users={"nurse": nurse, "patient": patient_user, "coordinator": make.coordinator(),
               "admin": make.admin()},
        visible={"patient_id": patient.id, "nurse_id": nurse.id, "user_id": bystander.id,
                 "visit_id": visit.id, "order_id": visit.order_id, "alert_id": alert.id},
        hidden={"patient_id": other_patient.id, "visit_id": other_visit.id,
                "order_id": other_visit.order_id, "alert_id": other_alert.id},
        patient=patient, visit=visit)
    for extra in WORLD_EXTRAS:
        extra(world, make)
    return world


def walked_rules(app) -> list[Rule]:
    """Every rule but static files, in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"
             and not r.endpoint.endswith(".static")]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def roles_of(app, rule: Rule):
    return declared_roles(app.view_functions[rule.endpoint])


def allows(app, rule: Rule, who: str) -> bool:
    roles = roles_of(app, rule)
    return roles is None or (roles is not ... and who in roles)


def methods_of(rule: Rule) -> list[str]:
    """GET if the route has it, and its first write method if it has one."""
    methods = [m for m in ("GET",) if m in rule.methods]
    methods += [m for m in WRITE_METHODS if m in rule.methods][:1]
    return methods


def method_of(rule: Rule) -> str:
    for method in ("GET",) + WRITE_METHODS:
        if method in rule.methods:
            return method
    raise AssertionError(f"{rule.rule} answers no method the walk knows")


def csrf_exempt(app, rule: Rule) -> bool:
    view = app.view_functions[rule.endpoint]
    blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
    return (f"{view.__module__}.{view.__name__}" in csrf._exempt_views
            or blueprint in csrf._exempt_blueprints)


def int_arguments(rule: Rule) -> list[str]:
    return sorted(name for name, conv in rule._converters.items()
                  if type(conv).__name__.lower().startswith(("integer", "recordid")))


def _model_for(argument: str):
    stem = argument.removesuffix("_id")
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        table = getattr(cls, "__tablename__", "")
        if cls.__name__.lower() == stem.replace("_", "") or table in (stem + "s", stem + "es") \
                or table.endswith(("_" + stem + "s", "_" + stem + "es")):
            return cls
    return None


def _id_near_world(argument: str, world: World) -> int:
    model = _model_for(argument)
    if model is None or "id" not in model.__table__.c:
        return MISSING_ID
    columns = model.__table__.c
    query = select(columns.id).order_by(columns.id.desc()).limit(1)
    if "visit_id" in columns:
        query = query.where(columns.visit_id == world.visit.id)
    elif "patient_id" in columns:
        query = query.where(columns.patient_id == world.patient.id)
    return db.session.scalar(query) or MISSING_ID


def url_for_rule(rule: Rule, world: World, overrides: dict | None = None) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.lower()
        if name in (overrides or {}):
            values[name] = overrides[name]
        elif kind.startswith(("integer", "recordid")):
            values[name] = world.visible.get(name) or _id_near_world(name, world)
        elif kind.startswith("uuid"):
            values[name] = uuid.uuid4()
        else:
            values[name] = "no-such-thing"
    _domain, path = rule.build(values, append_unknown=False)
    return path


class Visitor:
    """One person walking the routes: anonymous or signed in as a role, signing in again when
    a route signed them out, with a CSRF token for write methods."""

    def __init__(self, app, user=None):
        self.app = app
        self.user = user
        self.browser: Browser = new_browser(app)
        self._token = None
        self._bearer = None
        if user is not None:
            self.browser.sign_in(user)
            self.bearer()  # made now, so that no walked request is the one that creates it

    def token(self) -> str:
        if self._token is None:
            self._token = self.browser.csrf("/sign-in" if self.user is None else "/home")
        return self._token

    def bearer(self) -> str:
        """The JSON API takes a device token, never the cookie session."""
        if self._bearer is None:
            raw = "walk-" + secrets.token_urlsafe(24)
            db.session.add(ApiToken(user_id=self.user.id, name="Route walk",
                                    token_hash=hash_token(raw)))
            db.session.commit()
            self._bearer = raw
        return self._bearer

    def request(self, method: str, url: str, *, with_token: bool = True, **kwargs):
        if url.startswith("/api/"):
            if self.user is not None and with_token:
                kwargs.setdefault("headers", {"Authorization": f"Bearer {self.bearer()}"})
            return self.browser.client.open(url, method=method, **kwargs)
        if method != "GET" and with_token:
            kwargs.setdefault("data", {"csrf_token": self.token()})
            kwargs.setdefault("headers", {"X-CSRFToken": self.token()})
        response = self.browser.client.open(url, method=method, **kwargs)
        self._sign_in_again_if_needed()
        return response

    def _sign_in_again_if_needed(self):
        if self.user is None:
            return
        with self.browser.client.session_transaction() as session:
            signed_in = "_user_id" in session
        if not signed_in:
            db.session.refresh(self.user)
            self.browser.sign_in(self.user)
            self._token = None
