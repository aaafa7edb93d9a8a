"""Flushes, dressing and cap changes, lab draws, and teaching."""

import pytest

from tracker.extensions import db
from tracker.models import LineCareEntry, TeachingEntry
from tracker.visits.clinical_services import EntryError, record_line_care, record_teaching


def line_care_errors(visit, nurse, values):
    with pytest.raises(EntryError) as caught:
        record_line_care(visit, nurse, values)
    return caught.value.errors


def test_a_flush_keeps_its_solution_and_volume(visit, nurse):
    row = record_line_care(visit, nurse, {"kind": "flush", "solution": "Normal saline 0.9%",
                                          "volume_ml": "10"})
    stored = db.session.get(LineCareEntry, row.id)
    assert (stored.kind, stored.solution, stored.volume_ml) == ("flush", "Normal saline 0.9%", 10)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"kind": "flush", "volume_ml": 10}, "solution", "flush solution"),
    ({"kind": "flush", "solution": "NS"}, "volume_ml", "flush volume in mL"),
    ({"kind": "flush", "solution": "NS", "volume_ml": 0}, "volume_ml", "more than 0"),
    ({"kind": "flush", "solution": "NS", "volume_ml": 1000}, "volume_ml", "at most 100 mL"),
    ({"kind": "flush", "solution": "NS", "volume_ml": "ten"}, "volume_ml", "Enter a number"),
    ({"kind": "lab_draw", "draw_site": "line"}, "labs", "which tests"),
    ({"kind": "lab_draw", "labs": "CBC"}, "draw_site", "drawn from"),
    ({"kind": "lab_draw", "labs": "CBC", "draw_site": "arm"}, "draw_site", "drawn from"),
    ({"kind": "hand_washing"}, "kind", "what was done"),
])
def test_line_care_refusals(visit, nurse, values, field, message):
    assert message in line_care_errors(visit, nurse, values)[field]


def test_a_lab_draw_keeps_the_tests_and_where_from(visit, nurse):
    row = record_line_care(visit, nurse, {"kind": "lab_draw", "labs": "CBC, BMP",
                                          "draw_site": "peripheral"})
    assert (row.labs, row.draw_site) == ("CBC, BMP", "peripheral")


@pytest.mark.parametrize("kind", ["dressing_change", "cap_change"])
def test_dressing_and_cap_changes_need_only_their_kind(visit, nurse, kind):
    row = record_line_care(visit, nurse, {"kind": kind, "note": "Site clean",
                                          "solution": "ignored", "volume_ml": 10})
    assert row.kind == kind and row.solution == "" and row.volume_ml is None


def test_the_page_lists_line_care(visit, nurse, page):
    record_line_care(visit, nurse, {"kind": "lab_draw", "labs": "Vancomycin trough",
                                    "draw_site": "line"})
    html = page(visit, nurse)
    assert "Blood drawn for labs" in html and "Vancomycin trough · From the line" in html


def test_teaching_is_recorded(visit, nurse):
    row = record_teaching(visit, nurse, {"topic": "Signs of infection", "learner": "caregiver",
                                         "result": "needs_reinforcement"})
    stored = db.session.get(TeachingEntry, row.id)
    assert (stored.topic, stored.learner, stored.result) == (
        "Signs of infection", "caregiver", "needs_reinforcement")


def test_not_taught_needs_a_reason(visit, nurse):
    values = {"topic": "Pump alarms", "learner": "patient", "result": "not_taught"}
    with pytest.raises(EntryError) as caught:
        record_teaching(visit, nurse, values)
    assert caught.value.errors == {"reason": "Say why it was not taught."}
    row = record_teaching(visit, nurse, {**values, "reason": "Patient too tired"})
    assert row.reason == "Patient too tired"


@pytest.mark.parametrize(("changes", "field"), [
    ({"topic": ""}, "topic"), ({"learner": "neighbour"}, "learner"), ({"result": "ok"}, "result"),
])
def test_teaching_refusals(visit, nurse, changes, field):
    values = {"topic": "Line care", "learner": "patient", "result": "understood", **changes}
    with pytest.raises(EntryError) as caught:
        record_teaching(visit, nurse, values)
    assert field in caught.value.errors
