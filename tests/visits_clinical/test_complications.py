"""Complications: kinds from the procedure record, alerts by severity, actions and outcome,
and the management steps shown at once for anaphylaxis or a severe complication."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Alert, Complication, ComplicationAction
from tracker.timeutil import utcnow
from tracker.visits.clinical_services import (
    EntryError,
    add_complication_action,
    record_complication,
    record_complication_outcome,
)


def minutes_ago(n):
    return (utcnow() - timedelta(minutes=n)).replace(second=0, microsecond=0)


def complication_alert(visit):
    [alert] = db.session.scalars(select(Alert).where(Alert.visit_id == visit.id,
                                                     Alert.kind == "complication"))
    return alert


@pytest.mark.parametrize(("kind", "severity", "alert_severity"), [
    ("anaphylaxis", "severe", "emergency"),
    ("anaphylaxis", "moderate", "emergency"),
    ("crbsi", "severe", "urgent"),
    ("phlebitis", "severe", "urgent"),
    ("mild_allergic_reaction", "mild", "warning"),
    ("site_infection", "moderate", "warning"),
    ("occlusion", "mild", "warning"),
    ("infiltration_extravasation", "moderate", "warning"),
])
def test_every_complication_alerts_by_severity(visit, nurse, kind, severity, alert_severity):
    row = record_complication(visit, nurse, {"kind": kind, "severity": severity})
    alert = complication_alert(visit)
    assert alert.severity == alert_severity and alert.nurse_id == nurse.id
    assert (alert.trigger_type, alert.trigger_id) == ("Complication", row.id)


def test_other_needs_a_description(visit, nurse):
    with pytest.raises(EntryError) as caught:
        record_complication(visit, nurse, {"kind": "other", "severity": "mild"})
    assert caught.value.errors == {"kind_other": "Describe what happened."}
    row = record_complication(visit, nurse, {"kind": "other", "kind_other": "Fainted",
                                             "severity": "mild"})
    assert row.kind_other == "Fainted"
    assert "Fainted" in complication_alert(visit).message


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "headache", "severity": "mild"}, "kind"),
    ({"kind": "phlebitis", "severity": "awful"}, "severity"),
    ({"kind": "phlebitis", "severity": "mild", "onset_at": "yesterday"}, "onset_at"),
])
def test_complication_refusals(visit, nurse, values, field):
    with pytest.raises(EntryError) as caught:
        record_complication(visit, nurse, values)
    assert field in caught.value.errors


def test_kinds_follow_the_visits_procedure_record(visit, nurse, page):
    html = page(visit, nurse)
    for label in ("Infection where the IV goes in", "Severe allergic reaction (anaphylaxis)",
                  "Catheter-related bloodstream infection", "Blocked line (occlusion)"):
        assert label in html


def test_actions_are_added_after_the_complication_with_their_time(visit, nurse):
    row = record_complication(visit, nurse, {"kind": "mild_allergic_reaction",
                                             "severity": "mild", "onset_at": minutes_ago(10)})
    add_complication_action(visit, nurse, {"complication_id": row.id,
                                           "action": "infusion_stopped",
                                           "taken_at": minutes_ago(9)})
    add_complication_action(visit, nurse, {"complication_id": row.id, "action": "antihistamine",
                                           "note": "Diphenhydramine 25 mg PO"})
    actions = db.session.get(Complication, row.id).actions
    assert [a.action for a in actions] == ["infusion_stopped", "antihistamine"]
    assert actions[0].taken_at == minutes_ago(9)


def test_an_action_before_the_onset_is_refused(visit, nurse):
    row = record_complication(visit, nurse, {"kind": "phlebitis", "severity": "mild",
                                             "onset_at": minutes_ago(5)})
    with pytest.raises(EntryError) as caught:
        add_complication_action(visit, nurse, {"complication_id": row.id,
                                               "action": "physician_notified",
                                               "taken_at": minutes_ago(10)})
    assert "before the complication began" in caught.value.errors["taken_at"]


def test_an_other_action_needs_a_note(visit, nurse):
    row = record_complication(visit, nurse, {"kind": "occlusion", "severity": "mild"})
    with pytest.raises(EntryError) as caught:
        add_complication_action(visit, nurse, {"complication_id": row.id, "action": "other"})
    assert caught.value.errors == {"note": "Describe the action."}


def test_an_unknown_action_is_refused(visit, nurse):
    row = record_complication(visit, nurse, {"kind": "occlusion", "severity": "mild"})
    with pytest.raises(EntryError) as caught:
        add_complication_action(visit, nurse, {"complication_id": row.id, "action": "prayer"})
    assert "action" in caught.value.errors


def test_the_outcome_is_recorded_later(visit, nurse):
    row = record_complication(visit, nurse, {"kind": "occlusion", "severity": "mild"})
    with pytest.raises(EntryError):
        record_complication_outcome(visit, nurse, {"complication_id": row.id, "outcome": ""})
    record_complication_outcome(visit, nurse, {"complication_id": row.id,
                                               "outcome": "Line flushed; resolved."})
    assert db.session.get(Complication, row.id).outcome == "Line flushed; resolved."


def test_a_replayed_action_is_stored_once(visit, nurse):
    row = record_complication(visit, nurse, {"kind": "phlebitis", "severity": "mild"})
    client_id = str(uuid.uuid4())
    values = {"complication_id": row.id, "action": "physician_notified"}
    first = add_complication_action(visit, nurse, values, client_id=client_id)
    assert add_complication_action(visit, nurse, values, client_id=client_id).id == first.id
    assert len(db.session.scalars(select(ComplicationAction)).all()) == 1


def test_a_replayed_complication_is_stored_and_alerted_once(visit, nurse):
    client_id = str(uuid.uuid4())
    values = {"kind": "anaphylaxis", "severity": "severe"}
    first = record_complication(visit, nurse, values, client_id=client_id)
    assert record_complication(visit, nurse, values, client_id=client_id).id == first.id
    assert len(db.session.scalars(select(Complication)).all()) == 1
    complication_alert(visit)  # exactly one


def test_anaphylaxis_shows_the_emergency_steps_at_once(visit, nurse, page):
    record_complication(visit, nurse, {"kind": "anaphylaxis", "severity": "moderate"})
    html = page(visit, nurse)
    assert "Anaphylaxis: what to do now" in html
    assert "Give epinephrine from the anaphylaxis kit" in html
    # The procedure record's own management plan, from the visit's version of the record.
    assert "the nurse stops the medicine right away" in html
    assert "antihistamines (allergy medicine) or steroids" in html


def test_a_severe_complication_shows_the_emergency_steps(visit, nurse, page):
    record_complication(visit, nurse, {"kind": "crbsi", "severity": "severe"})
    html = page(visit, nurse)
    assert "Severe complication: what to do now" in html
    assert "Call the prescriber now for orders" in html
    assert "the nurse stops the medicine right away" in html


def test_a_mild_complication_does_not_raise_the_emergency_panel(visit, nurse, page):
    record_complication(visit, nurse, {"kind": "phlebitis", "severity": "mild"})
    html = page(visit, nurse)
    assert "what to do now" not in html
    assert "Sore, swollen vein (phlebitis)" in html
