"""Which visit page forms the tablet can save offline, and how each becomes an API request.

The map is built from two declarations that already exist, so that it cannot drift from
either: the HTML form classes (their field names and which time fields mean "now") and the
JSON API's write operations (their body fields and types, tracker.api REGISTRY). The page
scripts read it (GET /visits/offline/capture.json) to turn a form the nurse saved while
offline into the body of the matching API call:

    {"kind": "vitals", "label": "Vital signs",
     "form": "^/visits/(?<visit_id>[0-9]+)/vitals$",        the form's action (a JS RegExp)
     "api": "/api/v1/visits/{visit_id}/vitals",               where the queued entry goes
     "prefix": "vitals-",                                     the form's field name prefix
     "fields": [{"name": "taken_at", "type": "datetime", "now": true, "from": "form"}, ...]}

A field comes from the form (`"from": "form"`, the form's own name after the prefix) or
from the form's URL (`"from": "path:<argument>"`, e.g. a step's number). `now` marks a time
that means "the moment the nurse saved" when left empty or unchanged: offline, the page
fills in that moment (the capture time) rather than leaving it to the server, which would
read it as the time of the sync.
"""

import re
from dataclasses import dataclass, field

from flask import Flask
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from tracker.api.blueprint import REGISTRY
from tracker.visits import clinical_forms, forms

VISIT_PREFIX = "/api/v1/visits/<int:visit_id>/"


@dataclass(frozen=True)
class Capture:
    kind: str
    label: str  # what the nurse sees in the list of entries waiting to sync
    html_endpoint: str  # the visit page form's route
    api_suffix: str  # the API route after /api/v1/visits/<visit_id>/
    form_class: type
    prefix: str  # the form's prefix; {argument} stands for a URL argument
    from_path: dict[str, str] = field(default_factory=dict)  # API field -> URL argument
    renamed: dict[str, str] = field(default_factory=dict)  # API field -> form field
    # API field -> {form value: API value}, where the form asks with words what the API
    # takes as a flag (e.g. "new"/"existing" for is_new).
    values: dict[str, dict] = field(default_factory=dict)


CAPTURES = (
    Capture("check_in", "Check-in", "visits.check_in", "check-in", forms.CheckInForm, "checkin"),
    Capture("check_out", "Check-out", "visits.check_out", "check-out", forms.CheckOutForm,
            "checkout"),
    Capture("step", "Procedure step", "visits.step", "steps", forms.StepForm, "step{number}",
            from_path={"step_number": "number"}),
    Capture("safety_check", "Safety check", "visits.safety_check", "safety-checks",
            forms.IdentityForm, "safety-{check}", from_path={"check": "check"}),
    Capture("vitals", "Vital signs", "visits.record_vitals", "vitals", clinical_forms.VitalsForm,
            "vitals"),
    Capture("access", "Vascular access", "visits.record_access", "vascular-accesses",
            clinical_forms.AccessForm, "access",
            values={"is_new": {"new": True, "existing": False}}),
    Capture("site_check", "Site check", "visits.record_site_check", "site-assessments",
            clinical_forms.SiteCheckForm, "site"),
    Capture("line_care", "Line care", "visits.record_line_care", "line-care",
            clinical_forms.LineCareForm, "linecare"),
    Capture("teaching", "Teaching", "visits.record_teaching", "teaching",
            clinical_forms.TeachingForm, "teaching"),
    Capture("administration", "Infusion started", "visits.start_administration",
            "administrations", clinical_forms.AdministrationForm, "admin"),
    Capture("administration_stop", "Infusion stopped", "visits.stop_administration",
            "administrations/<int:administration_id>/stop", clinical_forms.StopForm,
            "stop-{administration_id}"),
    Capture("administration_pause", "Infusion paused", "visits.pause_administration",
            "administrations/<int:administration_id>/pauses", clinical_forms.PauseForm,
            "pause-{administration_id}"),
    Capture("administration_resume", "Infusion resumed", "visits.resume_administration",
            "administrations/<int:administration_id>/resume", clinical_forms.ResumeForm,
            "resume-{administration_id}"),
    Capture("complication", "Complication", "visits.record_complication", "complications",
            clinical_forms.ComplicationForm, "complication"),
    Capture("complication_action", "Complication action", "visits.add_complication_action",
            "complications/<int:complication_id>/actions", clinical_forms.ActionForm,
            "action-{complication_id}"),
    Capture("complication_outcome", "Complication outcome",
            "visits.record_complication_outcome", "complications/<int:complication_id>/outcome",
            clinical_forms.OutcomeForm, "outcome-{complication_id}"),
    Capture("addendum", "Addendum", "visits.add_addendum", "addenda", forms.AddendumForm,
            "addendum"),
)

# Safety checks share one route; each check has its own form class (and fields).
SAFETY_FORM_CLASSES = forms.SAFETY_FORMS


class CaptureMapError(LookupError):
    """A capture names a route or field that does not exist (a bug: the tests catch it)."""


def form_fields(form_class: type) -> dict[str, UnboundField]:
    """The fields a WTForms class declares (its own and inherited), by name."""
    return {name: value for name in dir(form_class)
            if isinstance(value := getattr(form_class, name, None), UnboundField)}


def means_now(form_class: type, name: str) -> bool:
    """A time left empty, or left at the 'now' the page pre-filled, means the moment of saving."""
    fields = form_fields(form_class)
    unbound = fields.get(name)
    if unbound is None:
        return False
    return f"{name}_shown" in fields or \
        unbound.kwargs.get("description") == clinical_forms.NOW_HINT


def _rule(app: Flask, endpoint: str) -> Rule:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods]
    if len(rules) != 1:
        raise CaptureMapError(f"{endpoint}: expected one POST route, found {len(rules)}")
    return rules[0]


def _api_rule(app: Flask, suffix: str) -> Rule | None:
    wanted = VISIT_PREFIX + suffix
    for rule in app.url_map.iter_rules():
        if _normalised(rule.rule) == _normalised(wanted) and "POST" in rule.methods:
            return rule
    return None


def _normalised(rule: str) -> str:
    """A rule with its arguments' converters left out: <int(min=1):visit_id> -> <visit_id>."""
    return re.sub(r"<[^<>]*?([a-zA-Z_][a-zA-Z0-9_]*)>", r"<\1>", rule)


def _pattern(rule: Rule) -> str:
    """The rule as a JavaScript regular expression with a named group per argument."""
    parts, last = [], 0
    for match in re.finditer(r"<([^<>]*)>", rule.rule):
        parts.append(re.escape(rule.rule[last:match.start()]))
        name = match.group(1).split(":")[-1]
        converter = rule._converters.get(name)  # werkzeug has no public accessor for it
        digits = converter is not None and converter.regex.startswith(r"\d")
        parts.append(f"(?<{name}>{'[0-9]+' if digits else '[^/]+'})")
        last = match.end()
    parts.append(re.escape(rule.rule[last:]))
    return "^" + "".join(parts).replace("\\-", "-").replace("\\/", "/") + "$"


def _api_path(rule: Rule) -> str:
    return re.sub(r"<[^<>]*?([a-zA-Z_][a-zA-Z0-9_]*)>", r"{\1}", rule.rule)


def _field_entry(capture: Capture, api_field, form_classes: list[type]) -> dict:
    name = api_field.name
    if name in capture.from_path:
        return {"name": name, "type": api_field.kind, "from": "path:" + capture.from_path[name]}
    form_name = capture.renamed.get(name, name)
    owners = [cls for cls in form_classes if form_name in form_fields(cls)]
    if not owners:
        return {"name": name, "type": api_field.kind, "from": "none"}
    entry = {"name": name, "form": form_name, "type": api_field.kind, "from": "form",
             "now": any(means_now(cls, form_name) for cls in owners)}
    if name in capture.values:
        entry["values"] = capture.values[name]
    return entry


def build(app: Flask) -> list[dict]:
    """The map the page scripts use; captures whose API route is missing are left out."""
    captured = []
    for capture in CAPTURES:
        api_rule = _api_rule(app, capture.api_suffix)
        if api_rule is None:
            continue
        operation = REGISTRY.get(api_rule.endpoint)
        if operation is None or operation.body is None:
            raise CaptureMapError(f"{api_rule.endpoint} has no declared body")
        form_classes = (list(SAFETY_FORM_CLASSES.values()) if capture.kind == "safety_check"
                        else [capture.form_class])
        body = [f for f in operation.body if f.name != "client_id"]
        captured.append({
            "kind": capture.kind, "label": capture.label,
            "form": _pattern(_rule(app, capture.html_endpoint)),
            "api": _api_path(api_rule),
            "prefix": capture.prefix + "-",
            "fields": [_field_entry(capture, f, form_classes) for f in body],
        })
    return captured
