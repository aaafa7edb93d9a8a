"""A visit's checklists come from its pinned procedure record and from the order's items."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from tests.checklists.support import schedule, utc
from tracker.checklists import services
from tracker.extensions import db
from tracker.models import AuditEvent, Checklist, OrderChecklistItem, ProcedureRecord
from tracker.visits import events


def texts(checklist):
    return [item.text for item in checklist.items]


def test_scheduling_creates_both_checklists_from_the_record(make):
    visit = schedule(make, utc(2030, 5, 5, 14))
    checklists = services.checklists_of(visit)
    record = visit.procedure_record.content
    assert texts(checklists["preparation"]) == [s["text"] for s in record["preparation_steps"]]
    assert texts(checklists["recovery"]) == [s["text"] for s in record["recovery_steps"]]
    assert [i.step_key for i in checklists["preparation"].items] == [
        "diet_fluids", "medications_supplies", "labs_assessments"]
    assert all(i.ticked_at is None for i in checklists["preparation"].items)
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "checklists_created", AuditEvent.record_id == str(visit.id)))


def test_the_visit_keeps_the_record_version_it_was_scheduled_with(make):
    current = db.session.scalar(select(ProcedureRecord).where(
        ProcedureRecord.code == "99601", ProcedureRecord.is_current.is_(True)))
    older_content = dict(current.content, preparation_steps=[
        {"key": "older_step", "text": "A step from an earlier version of the record."}])
    older = ProcedureRecord(code="99601", version=current.version + 100, content_hash="x" * 64,
                            name=current.name, content=older_content, is_current=False)
    db.session.add(older)
    db.session.commit()
    visit = make.visit(planned_start=utc(2030, 5, 5, 14), procedure_record_id=older.id)
    events.visit_scheduled.send(visit)
    db.session.commit()
    assert texts(services.checklists_of(visit)["preparation"]) == [
        "A step from an earlier version of the record."]


def test_order_items_are_copied_into_the_visits_checklists(make):
    patient = make.patient()
    order = make.order(patient)
    db.session.add_all([
        OrderChecklistItem(order_id=order.id, kind="preparation", text="Charge the pump."),
        OrderChecklistItem(order_id=order.id, kind="preparation", text="No food after midnight."),
        OrderChecklistItem(order_id=order.id, kind="recovery", text="Flush the line at 8 pm."),
    ])
    db.session.commit()
    visit = schedule(make, utc(2030, 5, 5, 14), patient=patient, order=order)
    checklists = services.checklists_of(visit)
    assert texts(checklists["preparation"])[-2:] == ["Charge the pump.", "No food after midnight."]
    assert texts(checklists["recovery"])[-1] == "Flush the line at 8 pm."
    assert {i.source for i in checklists["preparation"].items} == {"record", "order"}


def test_a_repeated_signal_adds_nothing(make):
    visit = schedule(make, utc(2030, 5, 5, 14))
    events.visit_scheduled.send(visit)
    db.session.commit()
    assert len(db.session.scalars(select(Checklist).where(Checklist.visit_id == visit.id)).all()) == 2
    assert len(services.checklists_of(visit)["preparation"].items) == 3


def test_an_order_item_added_later_reaches_future_visits_only(make):
    patient = make.patient()
    order = make.order(patient)
    nurse = make.nurse()
    with time_machine.travel(utc(2030, 5, 1, 12), tick=False):
        past = schedule(make, utc(2030, 4, 28, 14), patient=patient, order=order, nurse=nurse)
        past.state = "completed"
        upcoming = schedule(make, utc(2030, 5, 5, 14), patient=patient, order=order, nurse=nurse)
        later = schedule(make, utc(2030, 5, 12, 14), patient=patient, order=order, nurse=nurse)
        other_order = schedule(make, utc(2030, 5, 6, 14), patient=patient, nurse=nurse)
        services.add_order_item(upcoming, nurse, "preparation", "Charge the pump the night before")
        # A visit scheduled afterwards gets it at scheduling.
        new = schedule(make, utc(2030, 5, 19, 14), patient=patient, order=order, nurse=nurse)
    for visit in (upcoming, later, new):
        assert "Charge the pump the night before" in texts(services.checklists_of(visit)["preparation"])
    for visit in (past, other_order):
        assert "Charge the pump the night before" not in texts(
            services.checklists_of(visit)["preparation"])


def test_stopping_an_order_item_takes_unticked_copies_off_future_visits(make):
    patient, nurse = make.patient(), make.nurse()
    order = make.order(patient)
    with time_machine.travel(utc(2030, 5, 1, 12), tick=False):
        first = schedule(make, utc(2030, 5, 5, 14), patient=patient, order=order, nurse=nurse)
        second = schedule(make, utc(2030, 5, 12, 14), patient=patient, order=order, nurse=nurse)
        order_item = services.add_order_item(first, nurse, "preparation", "Charge the pump")
        ticked = next(i for i in services.checklists_of(first)["preparation"].items
                      if i.order_item_id == order_item.id)
        services.tick(ticked, nurse)
        services.remove_order_item(order_item, nurse)
        db.session.expire_all()
    assert "Charge the pump" in texts(services.checklists_of(first)["preparation"])  # ticked: kept
    assert "Charge the pump" not in texts(services.checklists_of(second)["preparation"])
    third = schedule(make, utc(2030, 5, 19, 14) + timedelta(days=1), patient=patient, order=order)
    assert "Charge the pump" not in texts(services.checklists_of(third)["preparation"])
