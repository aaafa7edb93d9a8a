"""Safety checks gate the infusion; a missing or expired anaphylaxis kit stops it and alerts."""

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests.visits.conftest import PLACE, SAFE, soon
from tracker.extensions import db
from tracker.models import Alert
from tracker.visits import services
from tracker.visits.access import VisitStateError


@pytest.fixture
def visit(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    return visit


def kit_alerts(visit):
    return list(db.session.scalars(select(Alert).where(Alert.visit_id == visit.id,
                                                       Alert.kind == "anaphylaxis_kit")))


def test_the_infusion_waits_for_every_check(schedule, nurse):
    visit = schedule()
    may_start, reasons = services.infusion_may_start(visit)
    assert not may_start and reasons[0] == "Check in first."
    services.check_in(nurse, visit, PLACE)
    for values in SAFE[:-1]:
        services.record_safety_check(nurse, visit, values)
    assert services.infusion_may_start(visit) == (False, ["Infusion pump checked: not checked yet."])
    services.record_safety_check(nurse, visit, SAFE[-1])
    assert services.infusion_may_start(visit) == (True, [])


def test_identity_needs_two_identifiers(visit, nurse):
    with pytest.raises(VisitStateError, match="two identifiers") as refused:
        services.record_safety_check(nurse, visit, {"check": "identity", "identifiers": ["name"],
                                                    "confirmed": True})
    assert refused.value.field == "identifiers"
    with pytest.raises(VisitStateError) as refused:
        services.record_safety_check(nurse, visit, {"check": "identity",
                                                    "identifiers": ["name", "mrn"]})
    assert refused.value.field == "note"  # not ticked: say what did not match
    check = services.record_safety_check(nurse, visit, {"check": "identity", "confirmed": True,
                                                        "identifiers": ["photo", "address"]})
    assert check.confirmed and check.detail["identifiers"] == ["address", "photo"]


def test_medication_must_match_the_order_and_be_in_date(visit, nurse):
    mismatch = {**SAFE[2], "rate": False}
    with pytest.raises(VisitStateError) as refused:
        services.record_safety_check(nurse, visit, mismatch)
    assert refused.value.field == "note"
    check = services.record_safety_check(nurse, visit, {**mismatch, "note": "Bag labelled 50 mL/h"})
    assert not check.confirmed
    assert "rate not matching the order" in visit.infusion_blocked_reason
    expired = services.record_safety_check(nurse, visit, {**SAFE[2], "expiry_date": date(2020, 1, 1)})
    assert not expired.confirmed and "expired on 01 Jan 2020" in visit.infusion_blocked_reason
    services.record_safety_check(nurse, visit, SAFE[2])
    assert visit.infusion_blocked_reason == ""


def test_a_missing_kit_stops_the_infusion_and_alerts_the_coordinator(visit, nurse):
    check = services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit", "present": "no"})
    assert not check.confirmed
    assert visit.infusion_blocked_reason == "Infusion stopped: anaphylaxis kit missing."
    (alert,) = kit_alerts(visit)
    assert (alert.severity, alert.patient_id, alert.nurse_id) == ("urgent", visit.patient_id, nurse.id)
    may_start, reasons = services.infusion_may_start(visit)
    assert not may_start and "Infusion stopped: anaphylaxis kit missing." in reasons
    # Saying it again does not raise a second alert.
    services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit", "present": "no"})
    assert len(kit_alerts(visit)) == 1


def test_an_expired_kit_counts_in_the_patients_own_day(visit, nurse):
    # 02:00 UTC on 1 March is still 28 February in New York: a kit expiring on the 28th is in date.
    with time_machine.travel(datetime(2031, 3, 1, 2, 0), tick=False):
        ok = services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit", "present": "yes",
                                                         "expiry_date": date(2031, 2, 28)})
        assert ok.confirmed
    with time_machine.travel(datetime(2031, 3, 1, 12, 0), tick=False):
        expired = services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit",
                                                              "present": "yes",
                                                              "expiry_date": date(2031, 2, 28)})
    assert not expired.confirmed
    assert visit.infusion_blocked_reason == "Infusion stopped: anaphylaxis kit expired on 28 Feb 2031."
    assert len(kit_alerts(visit)) == 1


def test_a_kit_brought_later_lifts_the_stop(visit, nurse):
    services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit", "present": "no"})
    services.record_safety_check(nurse, visit, SAFE[3])
    assert visit.infusion_blocked_reason == ""


def test_a_present_kit_needs_its_expiry_date(visit, nurse):
    with pytest.raises(VisitStateError) as refused:
        services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit", "present": "yes"})
    assert refused.value.field == "expiry_date"
    assert kit_alerts(visit) == []


def test_allergy_conflict_and_pump_problem_need_a_note(visit, nurse):
    for values in ({"check": "allergies", "result": "conflict"}, {"check": "pump", "result": "problem"}):
        with pytest.raises(VisitStateError) as refused:
            services.record_safety_check(nurse, visit, values)
        assert refused.value.field == "note"
    services.record_safety_check(nurse, visit, {"check": "pump", "result": "problem",
                                                "note": "Occlusion alarm will not clear"})
    assert "pump problem (Occlusion alarm will not clear)" in visit.infusion_blocked_reason


def test_checks_wait_for_check_in(schedule, nurse):
    visit = schedule(start=soon(3))
    with pytest.raises(VisitStateError, match="the visit is scheduled"):
        services.record_safety_check(nurse, visit, SAFE[0])


def test_an_infusion_given_during_the_visit_can_be_charted_after_check_out(visit, nurse):
    for values in SAFE:
        services.record_safety_check(nurse, visit, values)
    services.check_out(nurse, visit, PLACE)
    assert services.infusion_may_start(visit) == (True, [])
