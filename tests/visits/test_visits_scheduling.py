"""Scheduling: a visit holds its slot for its nurse and its patient, against an active order."""

import json
import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from werkzeug.exceptions import Forbidden

from tests.visits.conftest import soon
from tracker.extensions import db
from tracker.models import AuditEvent, Visit
from tracker.procedures import services as procedure_services
from tracker.visits import events, services
from tracker.visits.access import VisitStateError


def test_schedule_stores_the_visit_in_utc_and_pins_the_record(schedule, office, nurse, order):
    local_start = datetime(2030, 6, 3, 9, 30)  # naive: the coordinator's wall clock (New York)
    visit = schedule(start=local_start, minutes=90)
    assert visit.state == "scheduled"
    assert visit.planned_start.isoformat() == "2030-06-03T13:30:00+00:00"  # EDT is UTC-4
    assert visit.planned_minutes == 90
    assert visit.patient_id == order.patient_id and visit.nurse_id == nurse.id
    assert visit.procedure_record_id == procedure_services.current_record().id
    assert visit.service_code == "99601"
    assert db.session.query(AuditEvent).filter_by(action="visit_scheduled",
                                                  record_id=str(visit.id)).count() == 1


def test_the_pinned_record_stays_when_a_new_version_is_loaded(schedule, tmp_path, app):
    visit = schedule()
    pinned = visit.procedure_record_id
    data = procedure_services.current_record().content
    changed = {**data, "summary": data["summary"] + " (reworded)"}
    path = tmp_path / "record.json"
    path.write_text(json.dumps({"format": 1, "procedures": [changed]}))
    procedure_services.load_file(path)
    later = schedule(start=soon(5))
    assert visit.procedure_record_id == pinned
    assert later.procedure_record_id != pinned


def test_scheduling_sends_the_signal_inside_the_transaction(schedule):
    seen = []

    def receiver(visit, **extra):
        seen.append((visit.id, visit in db.session))

    events.visit_scheduled.connect(receiver)
    try:
        visit = schedule()
    finally:
        events.visit_scheduled.disconnect(receiver)
    assert seen == [(visit.id, True)]


def test_same_nurse_may_not_overlap_but_may_follow_at_the_exact_boundary(schedule, make, nurse, office):
    start = soon(2)
    schedule(start=start, minutes=120)
    other = make.patient()
    make.assign(nurse, other)
    other_order = make.order(other, start_date=date(2020, 1, 1))

    def book(at, minutes=60):
        return services.schedule_visit(office, {"order_id": other_order.id, "nurse_id": nurse.id,
                                                "planned_start": at, "planned_minutes": minutes})

    with pytest.raises(VisitStateError) as refused:
        book(start + timedelta(minutes=119))
    assert refused.value.field == "planned_start"
    assert nurse.name in refused.value.message and "already has a visit" in refused.value.message
    with pytest.raises(VisitStateError):
        book(start - timedelta(minutes=30), minutes=31)  # ends one minute into the first
    assert book(start + timedelta(minutes=120)).state == "scheduled"  # starts as the first ends
    assert book(start - timedelta(minutes=60), minutes=60).state == "scheduled"  # ends as it starts


def test_same_patient_may_not_have_two_overlapping_visits(schedule, make, patient, order, office):
    start = soon(2)
    schedule(start=start)
    second_nurse = make.nurse()
    make.assign(second_nurse, patient)
    with pytest.raises(VisitStateError, match="This patient already has a visit"):
        services.schedule_visit(office, {"order_id": order.id, "nurse_id": second_nurse.id,
                                         "planned_start": start + timedelta(minutes=60)})
    fine = services.schedule_visit(office, {"order_id": order.id, "nurse_id": second_nurse.id,
                                            "planned_start": start + timedelta(minutes=120)})
    assert fine.nurse_id == second_nurse.id


def test_cancelled_visits_free_their_slot(schedule, office):
    start = soon(2)
    first = schedule(start=start)
    services.cancel_visit(office, first, {"reason": "Patient in hospital"})
    assert schedule(start=start).state == "scheduled"


def test_nurse_must_be_on_the_patients_caseload(make, office, order):
    stranger = make.nurse()
    with pytest.raises(VisitStateError, match="caseload") as refused:
        services.schedule_visit(office, {"order_id": order.id, "nurse_id": stranger.id,
                                         "planned_start": soon()})
    assert refused.value.field == "nurse_id"


def test_inactive_order_is_refused(make, office, nurse, patient):
    stopped = make.order(patient, start_date=date(2020, 1, 1), active=False)
    with pytest.raises(VisitStateError, match="order is stopped") as refused:
        services.schedule_visit(office, {"order_id": stopped.id, "nurse_id": nurse.id,
                                         "planned_start": soon()})
    assert refused.value.field == "order_id"


@time_machine.travel(datetime(2030, 3, 1, 15, 0), tick=False)
def test_dates_outside_the_order_are_refused(make, office, nurse, patient):
    order = make.order(patient, start_date=date(2030, 3, 5), end_date=date(2030, 3, 20))
    for day in (date(2030, 3, 4), date(2030, 3, 21)):
        with pytest.raises(VisitStateError, match="The order runs from 05 Mar 2030 to 20 Mar 2030"):
            services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                             "planned_start": datetime.combine(day, datetime.min.time())
                                             .replace(hour=10)})
    for day in (date(2030, 3, 5), date(2030, 3, 20)):
        visit = services.schedule_visit(office, {
            "order_id": order.id, "nurse_id": nurse.id,
            "planned_start": datetime.combine(day, datetime.min.time()).replace(hour=10)})
        assert visit.state == "scheduled"


@time_machine.travel(datetime(2030, 3, 10, 15, 0), tick=False)
def test_a_day_that_has_passed_is_refused(office, nurse, order):
    with pytest.raises(VisitStateError, match="That day has passed"):
        services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                         "planned_start": datetime(2030, 3, 9, 10, 0)})


def test_planned_length_is_checked(office, nurse, order):
    for minutes in (5, 600, "abc"):
        with pytest.raises(VisitStateError) as refused:
            services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                             "planned_start": soon(), "planned_minutes": minutes})
        assert refused.value.field == "planned_minutes"


def test_only_the_office_schedules(nurse, order):
    with pytest.raises(Forbidden):
        services.schedule_visit(nurse, {"order_id": order.id, "nurse_id": nurse.id,
                                        "planned_start": soon()})


def test_reschedule_moves_the_visit_and_checks_the_slot_again(schedule, office):
    first = schedule(start=soon(2))
    second = schedule(start=soon(5))
    target = soon(8)
    seen = []

    def receiver(visit, old_start):
        seen.append(old_start)

    events.visit_rescheduled.connect(receiver)
    try:
        with pytest.raises(VisitStateError, match="already has a visit"):
            services.reschedule_visit(office, second, {"planned_start": first.planned_start})
        old = second.planned_start
        moved = services.reschedule_visit(office, second, {"planned_start": target,
                                                           "planned_minutes": 60})
    finally:
        events.visit_rescheduled.disconnect(receiver)
    assert moved.planned_start == target and moved.planned_minutes == 60
    assert seen == [old]
    # The visit's own old slot does not block it: moving by 30 minutes overlaps only itself.
    services.reschedule_visit(office, moved, {"planned_start": target + timedelta(minutes=30)})
    assert moved.planned_start == target + timedelta(minutes=30)


def test_cancel_needs_a_reason_and_only_before_the_visit_starts(schedule, office, nurse):
    visit = schedule()
    with pytest.raises(VisitStateError) as refused:
        services.cancel_visit(office, visit, {"reason": "  "})
    assert refused.value.field == "reason"
    services.cancel_visit(office, visit, {"reason": "Patient admitted to hospital"})
    assert (visit.state, visit.state_reason) == ("cancelled", "Patient admitted to hospital")
    with pytest.raises(VisitStateError, match="the visit is cancelled"):
        services.cancel_visit(office, visit, {"reason": "again"})
    with pytest.raises(VisitStateError, match="cannot check in"):
        services.check_in(nurse, visit, {"latitude": 1, "longitude": 1})


def test_mark_missed_only_once_the_planned_time_has_passed(schedule, office, nurse):
    visit = schedule(start=soon(0.5))
    with pytest.raises(VisitStateError, match="has not started yet"):
        services.mark_missed(office, visit, {"reason": "No answer at the door"})
    with time_machine.travel(visit.planned_start + timedelta(minutes=10), tick=False):
        with pytest.raises(VisitStateError) as refused:
            services.mark_missed(nurse, visit, {"reason": ""})
        assert refused.value.field == "reason"
        services.mark_missed(nurse, visit, {"reason": "No answer at the door"})
    assert (visit.state, visit.state_reason) == ("missed", "No answer at the door")


def test_another_nurse_cannot_mark_a_visit_missed(schedule, make):
    visit = schedule(start=soon(0.5))
    with time_machine.travel(visit.planned_start + timedelta(minutes=10), tick=False), \
            pytest.raises(Forbidden):
        services.mark_missed(make.nurse(), visit, {"reason": "Not mine"})


def test_replaying_a_client_id_schedules_one_visit(office, nurse, order):
    client_id = str(uuid.uuid4())
    values = {"order_id": order.id, "nurse_id": nurse.id, "planned_start": soon()}
    first = services.schedule_visit(office, values, client_id=client_id)
    again = services.schedule_visit(office, values, client_id=client_id)
    assert again.id == first.id
    assert db.session.query(Visit).filter_by(order_id=order.id).count() == 1


def test_a_client_id_that_is_not_a_uuid_is_refused(office, nurse, order):
    with pytest.raises(VisitStateError, match="UUID"):
        services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                         "planned_start": soon()}, client_id="not-a-uuid")
