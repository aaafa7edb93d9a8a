"""The visit's life: check-in and check-out with EVV, steps, signature, addenda."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from werkzeug.exceptions import Forbidden

from tests.visits.conftest import ADDRESS, PLACE, SAFE, add_vitals, complete_record, soon
from tracker.extensions import db
from tracker.models import Addendum, AuditEvent, VisitStep
from tracker.timeutil import utcnow
from tracker.visits import events, services
from tracker.visits.access import VisitStateError


def test_check_in_records_the_evv_elements_from_the_device(schedule, nurse, patient):
    visit = schedule()
    arrived = (utcnow() - timedelta(minutes=5)).replace(second=0, microsecond=0)
    services.check_in(nurse, visit, {"at": arrived, **PLACE})
    assert visit.state == "in_progress"
    # Service, patient, nurse, date and time, location.
    assert (visit.service_code, visit.patient_id, visit.nurse_id) == ("99601", patient.id, nurse.id)
    assert visit.checked_in_at == arrived
    assert (visit.check_in_latitude, visit.check_in_longitude) == (40.7128, -74.006)
    assert visit.check_in_accuracy_m == 12
    assert visit.check_in_location_method == "gps"


def test_without_a_position_the_address_is_confirmed_with_a_reason(schedule, nurse):
    visit = schedule()
    with pytest.raises(VisitStateError) as refused:
        services.check_in(nurse, visit, {})
    assert refused.value.field == "address_confirmed"
    with pytest.raises(VisitStateError) as refused:
        services.check_in(nurse, visit, {"address_confirmed": True, "location_note": " "})
    assert refused.value.field == "location_note"
    services.check_in(nurse, visit, ADDRESS)
    assert visit.check_in_location_method == "address"
    assert visit.check_in_location_note == "Location turned off on the tablet"
    assert visit.check_in_latitude is None


def test_check_in_time_defaults_to_now_and_naive_times_are_the_nurses_wall_clock(schedule, nurse):
    visit = schedule()
    now = utcnow()
    with time_machine.travel(now, tick=False):
        services.check_in(nurse, visit, PLACE)
        assert visit.checked_in_at == now


def test_check_in_time_cannot_be_in_the_future_or_absurdly_early(schedule, nurse):
    visit = schedule(start=soon(0))
    for at, message in ((utcnow() + timedelta(minutes=10), "cannot be in the future"),
                        (utcnow() - timedelta(hours=13), "more than 12 hours ago")):
        with pytest.raises(VisitStateError, match=message) as refused:
            services.check_in(nurse, visit, {"at": at, **PLACE})
        assert refused.value.field == "at"
    assert visit.state == "scheduled"


def test_check_in_far_from_the_planned_time_asks_for_a_reschedule(schedule, nurse):
    visit = schedule(start=soon(20))
    with pytest.raises(VisitStateError, match="reschedule"):
        services.check_in(nurse, visit, PLACE)


def test_second_check_in_is_refused(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    with pytest.raises(VisitStateError, match="already checked in"):
        services.check_in(nurse, visit, PLACE)


def test_a_nurse_checked_in_elsewhere_must_check_out_first(schedule, make, nurse, office):
    first = schedule(start=soon(0.5))
    other = make.patient()
    make.assign(nurse, other)
    second = services.schedule_visit(office, {"order_id": make.order(other).id, "nurse_id": nurse.id,
                                              "planned_start": soon(3)})
    services.check_in(nurse, first, PLACE)
    with pytest.raises(VisitStateError, match="still checked in at another visit"):
        services.check_in(nurse, second, PLACE)


def test_check_out_before_check_in_is_refused(schedule, nurse):
    visit = schedule()
    with pytest.raises(VisitStateError, match="before checking in"):
        services.check_out(nurse, visit, PLACE)


def test_check_out_records_end_time_and_location(schedule, nurse):
    visit = schedule()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        services.check_in(nurse, visit, PLACE)
    with time_machine.travel(start + timedelta(minutes=75), tick=False):
        with pytest.raises(VisitStateError, match="before the check-in time") as refused:
            services.check_out(nurse, visit, {"at": start - timedelta(minutes=1), **ADDRESS})
        assert refused.value.field == "at"
        services.check_out(nurse, visit, ADDRESS)
    assert visit.state == "completed"
    assert visit.checked_out_at == start + timedelta(minutes=75)
    assert visit.check_out_location_method == "address"
    assert visit.duration == timedelta(minutes=75)
    with pytest.raises(VisitStateError, match="already checked out"):
        services.check_out(nurse, visit, PLACE)


def test_only_the_visits_nurse_documents_it(schedule, make, office):
    visit = schedule()
    for someone in (make.nurse(), office):
        with pytest.raises(Forbidden):
            services.check_in(someone, visit, PLACE)


def test_check_in_and_out_send_their_signals(schedule, nurse):
    visit = schedule()
    seen = []

    def checked_in(sender, **_):
        seen.append(("in", sender.state))

    def checked_out(sender, **_):
        seen.append(("out", sender.state))

    events.visit_checked_in.connect(checked_in)
    events.visit_checked_out.connect(checked_out)
    try:
        services.check_in(nurse, visit, PLACE)
        services.check_out(nurse, visit, PLACE)
    finally:
        events.visit_checked_in.disconnect(checked_in)
        events.visit_checked_out.disconnect(checked_out)
    assert seen == [("in", "in_progress"), ("out", "completed")]


def test_steps_are_done_with_a_time_or_not_done_with_a_reason(schedule, nurse):
    visit = schedule()
    with pytest.raises(VisitStateError, match="the visit is scheduled"):
        services.record_step(nurse, visit, {"step_number": 1, "status": "done"})
    services.check_in(nurse, visit, PLACE)
    step = services.record_step(nurse, visit, {"step_number": 1, "status": "done"})
    assert (step.status, step.step_key) == ("done", "arrive_equipped")
    with pytest.raises(VisitStateError) as refused:
        services.record_step(nurse, visit, {"step_number": 5, "status": "not_done", "reason": ""})
    assert refused.value.field == "reason"
    skipped = services.record_step(nurse, visit, {"step_number": 5, "status": "not_done",
                                                  "reason": "Line stays in for the next dose"})
    assert skipped.reason == "Line stays in for the next dose"
    with pytest.raises(VisitStateError) as refused:
        services.record_step(nurse, visit, {"step_number": 2, "status": "done",
                                            "performed_at": visit.checked_in_at - timedelta(hours=1)})
    assert refused.value.field == "performed_at"
    with pytest.raises(VisitStateError, match="Unknown procedure step"):
        services.record_step(nurse, visit, {"step_number": 7, "status": "done"})


def test_recording_a_step_again_before_signing_replaces_it(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    services.record_step(nurse, visit, {"step_number": 3, "status": "not_done", "reason": "Later"})
    services.record_step(nurse, visit, {"step_number": 3, "status": "done"})
    rows = db.session.query(VisitStep).filter_by(visit_id=visit.id, step_number=3).all()
    assert [(r.status, r.reason) for r in rows] == [("done", "")]


def test_signing_is_refused_listing_everything_missing(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    services.record_safety_check(nurse, visit, SAFE[0])
    services.record_step(nurse, visit, {"step_number": 1, "status": "done"})
    with pytest.raises(services.SignatureRefused) as refused:
        services.sign_visit(nurse, visit, {"password": "correct horse battery"})
    missing = refused.value.missing
    assert missing[0] == "Check out."
    assert [m for m in missing if "safety check" in m] == [
        "Confirm the safety check: allergies reviewed against the order.",
        "Confirm the safety check: medication matches the order.",
        "Confirm the safety check: anaphylaxis kit present and in date.",
        "Confirm the safety check: infusion pump checked."]
    assert "Record at least one set of vital signs." in missing
    assert [m for m in missing if m.startswith("Procedure step")] == [
        f"Procedure step {n} ({title}): tick it or mark it not done." for n, title in
        [(2, "Check-up and skin prep"), (3, "IV and medicine"), (4, "Watching you"),
         (5, "IV out, spot covered"), (6, "Next steps and clean-up")]]
    assert visit.state == "in_progress"


def test_sign_needs_the_nurses_password(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    complete_record(visit, nurse)
    services.check_out(nurse, visit, PLACE)
    with pytest.raises(VisitStateError, match="password is not right") as refused:
        services.sign_visit(nurse, visit, {"password": "wrong password"})
    assert refused.value.field == "password"
    assert visit.state == "completed"
    assert db.session.query(AuditEvent).filter_by(action="visit_sign_refused",
                                                  record_id=str(visit.id)).count() == 1
    services.sign_visit(nurse, visit, {"password": "correct horse battery"})
    assert visit.state == "signed" and visit.signed_by_id == nurse.id and visit.signed_at


def test_a_blocked_infusion_may_be_signed_without_every_check(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    services.record_safety_check(nurse, visit, {"check": "anaphylaxis_kit", "present": "no"})
    add_vitals(visit, nurse)
    for step in services.pinned_steps(visit):
        services.record_step(nurse, visit, {"step_number": step["number"], "status": "not_done",
                                            "reason": "No infusion: no anaphylaxis kit"})
    services.check_out(nurse, visit, PLACE)
    assert services.signature_missing(visit) == []
    services.sign_visit(nurse, visit, {"password": "correct horse battery"})
    assert visit.state == "signed"


@pytest.fixture
def signed(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    complete_record(visit, nurse)
    services.check_out(nurse, visit, PLACE)
    services.sign_visit(nurse, visit, {"password": "correct horse battery"})
    return visit


def test_a_signed_visit_is_read_only(signed, nurse, office):
    attempts = [
        lambda: services.check_in(nurse, signed, PLACE),
        lambda: services.check_out(nurse, signed, PLACE),
        lambda: services.record_step(nurse, signed, {"step_number": 1, "status": "done"}),
        lambda: services.record_safety_check(nurse, signed, SAFE[1]),
        lambda: services.sign_visit(nurse, signed, {"password": "correct horse battery"}),
        lambda: services.cancel_visit(office, signed, {"reason": "x"}),
        lambda: services.reschedule_visit(office, signed, {"planned_start": soon(30)}),
        lambda: services.mark_missed(office, signed, {"reason": "x"}),
    ]
    for attempt in attempts:
        with pytest.raises(VisitStateError, match="signed"):
            attempt()
    assert signed.state == "signed"


def test_addenda_are_dated_by_their_author_and_kept_in_order(signed, nurse, make):
    start = utcnow()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        first = services.add_addendum(nurse, signed, {"text": "Pump number was P-71, not P-17."})
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        second = services.add_addendum(nurse, signed, {"text": "Patient called: no rash."})
    assert [a.id for a in services.addenda_in_order(signed)] == [first.id, second.id]
    assert first.author_id == nurse.id and first.created_at == start + timedelta(minutes=5)
    with pytest.raises(VisitStateError) as refused:
        services.add_addendum(nurse, signed, {"text": "  "})
    assert refused.value.field == "text"
    with pytest.raises(Forbidden):
        services.add_addendum(make.nurse(), signed, {"text": "Not my visit"})


def test_addenda_wait_for_the_signature(schedule, nurse):
    visit = schedule()
    services.check_in(nurse, visit, PLACE)
    with pytest.raises(VisitStateError, match="after signing"):
        services.add_addendum(nurse, visit, {"text": "Too early"})
    assert db.session.query(Addendum).filter_by(visit_id=visit.id).count() == 0


def test_replayed_writes_store_one_record(schedule, nurse):
    visit = schedule()
    client_id = str(uuid.uuid4())
    services.check_in(nurse, visit, PLACE, client_id=client_id)
    again = services.check_in(nurse, visit, PLACE, client_id=client_id)  # no "already checked in"
    assert again.id == visit.id
    step_id = str(uuid.uuid4())
    first = services.record_step(nurse, visit, {"step_number": 1, "status": "done"}, client_id=step_id)
    replay = services.record_step(nurse, visit, {"step_number": 1, "status": "done"}, client_id=step_id)
    assert replay.id == first.id
    assert db.session.query(AuditEvent).filter_by(action="visit_step_recorded").count() == 1


def test_a_client_id_reused_for_another_operation_is_refused(schedule, nurse):
    visit = schedule()
    client_id = str(uuid.uuid4())
    services.check_in(nurse, visit, PLACE, client_id=client_id)
    with pytest.raises(VisitStateError, match="already sent for something else"):
        services.record_step(nurse, visit, {"step_number": 1, "status": "done"}, client_id=client_id)
    assert visit.steps == []
