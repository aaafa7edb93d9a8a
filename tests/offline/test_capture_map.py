"""The map from visit page forms to API calls (tracker/offline/capture.py) is complete: every
form the tablet may save offline reaches an API write, nothing the nurse types is left out
of the body, and every time the API needs is filled in at capture."""

import re

import pytest
from flask import url_for

from tracker.api.blueprint import REGISTRY
from tracker.offline import capture


@pytest.fixture
def captures(app):
    with app.test_request_context():
        return {c["kind"]: c for c in capture.build(app)}


def _declared(kind: str) -> capture.Capture:
    return next(c for c in capture.CAPTURES if c.kind == kind)


def _form_classes(kind: str) -> list[type]:
    if kind == "safety_check":
        return list(capture.SAFETY_FORM_CLASSES.values())
    return [_declared(kind).form_class]


def test_every_form_the_tablet_saves_reaches_an_api_write(captures):
    assert set(captures) == {c.kind for c in capture.CAPTURES}
    for entry in captures.values():
        assert entry["api"].startswith("/api/v1/visits/{visit_id}/"), entry["kind"]


def test_signing_is_never_saved_offline(captures):
    # The password is checked by the server, now: a signature cannot wait on a tablet.
    assert not any(re.search(c["form"].replace("(?<", "(?P<"), "/visits/1/sign")
                   for c in captures.values())


def test_each_api_field_has_a_source(app, captures):
    for entry in captures.values():
        body = _api_body(app, entry)
        sources = {f["name"]: f["from"] for f in entry["fields"]}
        assert set(sources) == {f.name for f in body}, entry["kind"]
        missing = [f.name for f in body if f.required and sources[f.name] == "none"]
        assert missing == [], f"{entry['kind']}: required and never filled in: {missing}"


def test_nothing_typed_in_a_form_is_left_out_of_the_body(captures):
    for kind, entry in captures.items():
        sent = {f["form"] for f in entry["fields"] if f["from"] == "form"}
        for form_class in _form_classes(kind):
            typed = {name for name in capture.form_fields(form_class)
                     if name != "client_id" and not name.endswith("_shown")}
            assert typed <= sent, f"{kind}: {sorted(typed - sent)} would be lost offline"


def test_every_time_the_api_requires_is_the_capture_time_when_left_as_now(app, captures):
    for entry in captures.values():
        required = {f.name for f in _api_body(app, entry) if f.required and f.kind == "datetime"}
        for field in entry["fields"]:
            if field["name"] in required:
                assert field["now"], f"{entry['kind']}.{field['name']} has no capture time"


def test_the_patterns_match_the_forms_own_urls(app, captures):
    urls = {
        "check_in": ("visits.check_in", {}), "vitals": ("visits.record_vitals", {}),
        "step": ("visits.step", {"number": 3}),
        "safety_check": ("visits.safety_check", {"check": "anaphylaxis_kit"}),
        "administration_stop": ("visits.stop_administration", {"administration_id": 12}),
        "complication_action": ("visits.add_complication_action", {"complication_id": 5}),
    }
    with app.test_request_context():
        for kind, (endpoint, args) in urls.items():
            url = url_for(endpoint, visit_id=41, **args)
            match = re.fullmatch(captures[kind]["form"].replace("(?<", "(?P<"), url)
            assert match and match["visit_id"] == "41", (kind, url)
            assert {k: str(v) for k, v in args.items()} == {
                k: v for k, v in match.groupdict().items() if k != "visit_id"}


def test_a_choice_in_words_becomes_the_flag_the_api_takes(captures):
    [is_new] = [f for f in captures["access"]["fields"] if f["name"] == "is_new"]
    assert is_new["values"] == {"new": True, "existing": False}


def _api_body(app, entry):
    rule_path = entry["api"]
    for rule in app.url_map.iter_rules():
        if re.sub(r"<[^<>]*?([a-z_]+)>", r"{\1}", rule.rule) == rule_path and "POST" in rule.methods:
            return [f for f in REGISTRY[rule.endpoint].body if f.name != "client_id"]
    raise AssertionError(f"no API route {rule_path}")
