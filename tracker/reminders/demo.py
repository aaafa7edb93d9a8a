"""Demo seeder: checklists and reminders for the demo visits that lack them.

Visits scheduled through the visit services get both from the signals already; this covers
visits inserted otherwise. Idempotent, and harmless when there are no visits at all.
"""

from sqlalchemy import exists, select

from tracker.checklists import services as checklist_services
from tracker.extensions import db
from tracker.models import (
    Checklist,
    ChecklistKind,
    OrderChecklistItem,
    Patient,
    Reminder,
    ReminderKind,
    ReminderStatus,
    TherapyOrder,
    Visit,
    VisitState,
)
from tracker.reminders import planning

# One order-level step on the first demo patient's order, to show how they work.
DEMO_ORDER_ITEM = (
    "DEMO-1001", ChecklistKind.PREPARATION.value,
    "Charge the infusion pump the night before, and keep it near where you will sit.")


def seed_checklists_and_reminders(app) -> None:
    _seed_order_item()
    for visit in db.session.scalars(select(Visit).order_by(Visit.id)):
        has_checklists = db.session.scalar(select(exists().where(Checklist.visit_id == visit.id)))
        if not has_checklists:
            checklist_services.generate_for_visit(visit)
        if not db.session.scalar(select(exists().where(Reminder.visit_id == visit.id))):
            _plan_reminders(visit)
    db.session.commit()


def _plan_reminders(visit: Visit) -> None:
    if visit.state == VisitState.SCHEDULED.value:
        planning.plan_for_scheduled(visit)
    elif visit.state in (VisitState.COMPLETED.value, VisitState.SIGNED.value):
        planning.plan_for_checked_out(visit)
        if visit.state == VisitState.SIGNED.value:
            planning.close_pending(visit, status=ReminderStatus.CANCELLED, reason="signed",
                                   kinds=(ReminderKind.NURSE_UNSIGNED.value,))


def _seed_order_item() -> None:
    mrn, kind, text = DEMO_ORDER_ITEM
    order = db.session.scalar(select(TherapyOrder).join(Patient).where(
        Patient.mrn == mrn, TherapyOrder.active.is_(True)).order_by(TherapyOrder.id).limit(1))
    if order is None:
        return
    seeded = db.session.scalar(select(exists().where(
        OrderChecklistItem.order_id == order.id, OrderChecklistItem.text == text)))
    if seeded:
        return
    order_item = OrderChecklistItem(order_id=order.id, kind=kind, text=text)
    db.session.add(order_item)
    db.session.flush()
    checklist_services.copy_into_future_visits(order_item)
