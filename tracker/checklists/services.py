"""Checklists: generated with the visit, extended by staff, ticked by the patient (or staff).

Generation runs inside the visit service's transaction (signal receiver: no commit);
everything a person does here is its own service call that audits and commits.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    Checklist,
    ChecklistItem,
    ChecklistKind,
    ItemSource,
    OrderChecklistItem,
    User,
    Visit,
    VisitState,
)
from tracker.patients.services import can_see
from tracker.timeutil import utcnow
from tracker.visits.access import get_visit, may_see

RECORD_STEPS = {ChecklistKind.PREPARATION: "preparation_steps",
                ChecklistKind.RECOVERY: "recovery_steps"}
MAX_ITEM_LENGTH = 300
CLOSED_STATES = {VisitState.CANCELLED.value, VisitState.MISSED.value}


class ChecklistError(ValueError):
    """A change that cannot be made; `field` names the form input, `message` is shown as is."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Generation ---------------------------------------------------------------------------------

def checklists_of(visit: Visit) -> dict[str, Checklist]:
    rows = db.session.scalars(select(Checklist).where(Checklist.visit_id == visit.id))
    return {checklist.kind: checklist for checklist in rows}


def checklists_by_visit(visit_ids: list[int]) -> dict[int, dict[str, Checklist]]:
    """The checklists of these visits with their items and who ticked each, in one statement
    (what a page shows of a checklist), by visit id then kind."""
    found: dict[int, dict[str, Checklist]] = {visit_id: {} for visit_id in visit_ids}
    if visit_ids:
        rows = db.session.scalars(select(Checklist).where(Checklist.visit_id.in_(visit_ids))
                                  .options(joinedload(Checklist.all_items)
                                           .joinedload(ChecklistItem.ticked_by))).unique()
        for checklist in rows:
            found[checklist.visit_id][checklist.kind] = checklist
    return found


def checklists_to_show(visit: Visit, existing: dict[str, Checklist] | None = None) -> dict[str, Checklist]:
    """For pages (GET): the visit's checklists, with an empty unsaved one for a kind that
    was never generated. Reading a page never writes; checklists are made at scheduling.
    `existing`: the visit's checklists when already loaded (checklists_by_visit)."""
    if existing is None:
        existing = checklists_by_visit([visit.id])[visit.id]
    return {kind.value: existing.get(kind.value) or Checklist(visit_id=visit.id, kind=kind.value)
            for kind in RECORD_STEPS}


def generate_for_visit(visit: Visit) -> dict[str, Checklist]:
    """The visit's preparation and recovery checklists, created if missing (idempotent).

    Items: the steps of the procedure record pinned on the visit, then the order's items.
    Adds to the caller's transaction; does not commit.
    """
    if visit.id is None:  # a visit service may signal before its first flush
        db.session.flush()
    existing = checklists_of(visit)
    content = visit.procedure_record.content if visit.procedure_record else {}
    created = []
    for kind, record_key in RECORD_STEPS.items():
        if kind.value in existing:
            continue
        checklist = Checklist(visit_id=visit.id, kind=kind.value)
        db.session.add(checklist)
        for step in content.get(record_key) or []:
            _append(checklist, ChecklistItem(source=ItemSource.RECORD.value,
                                             step_key=step.get("key"), text=step["text"]))
        for order_item in active_order_items(visit.order_id, kind.value):
            _append(checklist, _copy_of(order_item))
        existing[kind.value] = checklist
        created.append(kind.value)
    if created:
        db.session.flush()
        audit.record("checklists_created", record_type="visit", record_id=visit.id,
                     patient_id=visit.patient_id, detail={"kinds": created})
    return existing


def _append(checklist: Checklist, item: ChecklistItem) -> ChecklistItem:
    item.position = max((i.position for i in checklist.all_items), default=0) + 1
    checklist.all_items.append(item)
    return item


def _copy_of(order_item: OrderChecklistItem) -> ChecklistItem:
    return ChecklistItem(source=ItemSource.ORDER.value, order_item_id=order_item.id,
                         text=order_item.text, added_by_id=order_item.added_by_id)


def active_order_items(order_id: int, kind: str | None = None) -> list[OrderChecklistItem]:
    query = select(OrderChecklistItem).where(OrderChecklistItem.order_id == order_id,
                                             OrderChecklistItem.removed_at.is_(None))
    if kind:
        query = query.where(OrderChecklistItem.kind == kind)
    return list(db.session.scalars(query.order_by(OrderChecklistItem.id)))


def future_visits_of_order(order_id: int) -> list[Visit]:
    """Scheduled visits of the order that have not begun: they get new order items."""
    return list(db.session.scalars(select(Visit).where(
        Visit.order_id == order_id, Visit.state == VisitState.SCHEDULED.value,
        Visit.planned_start > utcnow()).order_by(Visit.planned_start)))


def copy_into_future_visits(order_item: OrderChecklistItem) -> list[int]:
    """Put an order-level item on every future visit of its order; returns the visit ids."""
    copied_to = []
    for future in future_visits_of_order(order_item.order_id):
        checklist = generate_for_visit(future)[order_item.kind]
        if not any(item.order_item_id == order_item.id for item in checklist.all_items):
            _append(checklist, _copy_of(order_item))
        copied_to.append(future.id)
    return copied_to


# Reading --------------------------------------------------------------------------------------

def get_checklists(user: User, visit_id: int) -> tuple[Visit, dict[str, Checklist]]:
    """A visit's checklists for someone who may see the visit (else 404); audited."""
    visit = get_visit(user, visit_id)
    checklists = checklists_of(visit)
    audit.record("checklists_viewed", record_type="visit", record_id=visit.id,
                 patient_id=visit.patient_id)
    db.session.commit()
    return visit, checklists


def get_item(user: User, item_id: int) -> ChecklistItem:
    """An item of a visit the user may see, or 404 (also for items taken off the list)."""
    # The item with its checklist and visit (for the visibility rule, the audit event and
    # the way back), in one statement.
    item = db.session.scalar(select(ChecklistItem).where(ChecklistItem.id == item_id).options(
        joinedload(ChecklistItem.checklist).joinedload(Checklist.visit)))
    if item is None or item.removed_at is not None or not may_see(user, item.checklist.visit):
        raise NotFound()
    return item


@dataclass
class PreparationStatus:
    """What the nurse sees on the visit page: the patient's preparation, gaps first."""

    checklist: Checklist | None

    @property
    def items(self) -> list[ChecklistItem]:
        if self.checklist is None:
            return []
        return sorted(self.checklist.items, key=lambda item: (item.done, item.position))

    @property
    def total(self) -> int:
        return len(self.checklist.items) if self.checklist else 0

    @property
    def done(self) -> int:
        return self.checklist.done_count if self.checklist else 0

    @property
    def open_count(self) -> int:
        return self.total - self.done

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.open_count == 0


def preparation_status(visit: Visit, user: User | None = None) -> dict:
    """Visit page context provider (tracker.visits.blueprint.VISIT_PAGE_CONTEXT)."""
    checklist = checklists_of(visit).get(ChecklistKind.PREPARATION.value)
    return {"preparation_status": PreparationStatus(checklist)}


# Changes ------------------------------------------------------------------------------------

def _require_open(visit: Visit) -> None:
    if visit.state in CLOSED_STATES:
        raise ChecklistError("text", f"This visit was {VisitState(visit.state).label.lower()}: "
                                     "its checklists can no longer change.")


def _clean_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ChecklistError("text", "Write the step, for example 'Charge the pump the night before'.")
    if len(text) > MAX_ITEM_LENGTH:
        raise ChecklistError("text", f"Keep the step under {MAX_ITEM_LENGTH} characters.")
    return text


def _kind(kind: str) -> ChecklistKind:
    try:
        return ChecklistKind(kind)
    except ValueError:
        raise ChecklistError("kind", "Choose 'Getting ready' or 'After the visit'.") from None


def add_visit_item(visit: Visit, user: User, kind: str, text: str) -> ChecklistItem:
    """Staff add a step to this visit's checklist only."""
    kind, text = _kind(kind), _clean_text(text)
    _require_open(visit)
    checklist = generate_for_visit(visit)[kind.value]
    item = _append(checklist, ChecklistItem(source=ItemSource.VISIT.value, text=text,
                                            added_by_id=user.id))
    db.session.flush()
    audit.record("checklist_item_added", record_type="checklist_item", record_id=item.id,
                 patient_id=visit.patient_id,
                 detail={"visit_id": visit.id, "checklist": kind.value, "scope": "visit"})
    db.session.commit()
    return item


def add_order_item(visit: Visit, user: User, kind: str, text: str) -> OrderChecklistItem:
    """Staff add a step for every future visit of the visit's order (copied into each)."""
    kind, text = _kind(kind), _clean_text(text)
    order_item = OrderChecklistItem(order_id=visit.order_id, kind=kind.value, text=text,
                                    added_by_id=user.id)
    db.session.add(order_item)
    db.session.flush()
    copied_to = copy_into_future_visits(order_item)
    audit.record("order_checklist_item_added", record_type="order_checklist_item",
                 record_id=order_item.id, patient_id=visit.patient_id,
                 detail={"order_id": visit.order_id, "checklist": kind.value,
                         "copied_to_visits": copied_to})
    db.session.commit()
    return order_item


def remove_item(item: ChecklistItem, user: User) -> None:
    """Take a staff-added step off one visit's list (the procedure record's steps stay)."""
    if item.source == ItemSource.RECORD.value:
        raise ChecklistError("item", "Steps from the procedure record cannot be removed.")
    visit = item.checklist.visit
    _require_open(visit)
    item.removed_at, item.removed_by_id = utcnow(), user.id
    audit.record("checklist_item_removed", record_type="checklist_item", record_id=item.id,
                 patient_id=visit.patient_id, detail={"visit_id": visit.id})
    db.session.commit()


def get_order_item(user: User, order_item_id: int) -> OrderChecklistItem:
    order_item = db.session.get(OrderChecklistItem, order_item_id)
    if (order_item is None or order_item.removed_at is not None
            or not can_see(user, order_item.order.patient_id)):
        raise NotFound()
    return order_item


def remove_order_item(order_item: OrderChecklistItem, user: User) -> None:
    """Stop an order-level step: it leaves future visits (where not ticked yet)."""
    now = utcnow()
    order_item.removed_at, order_item.removed_by_id = now, user.id
    future_ids = [v.id for v in future_visits_of_order(order_item.order_id)]
    copies = db.session.scalars(select(ChecklistItem).join(Checklist).where(
        ChecklistItem.order_item_id == order_item.id, ChecklistItem.removed_at.is_(None),
        ChecklistItem.ticked_at.is_(None), Checklist.visit_id.in_(future_ids or [-1])))
    removed_from = []
    for copy in copies:
        copy.removed_at, copy.removed_by_id = now, user.id
        removed_from.append(copy.checklist.visit_id)
    audit.record("order_checklist_item_removed", record_type="order_checklist_item",
                 record_id=order_item.id, patient_id=order_item.order.patient_id,
                 detail={"order_id": order_item.order_id, "removed_from_visits": removed_from})
    db.session.commit()


def tick(item: ChecklistItem, user: User) -> bool:
    """Mark a step done. Returns False when it already was (a repeated tap changes nothing)."""
    return _set_tick(item, user, done=True)


def untick(item: ChecklistItem, user: User) -> bool:
    """Undo a tick. The audit trail keeps every tick and untick with who and when."""
    return _set_tick(item, user, done=False)


def _set_tick(item: ChecklistItem, user: User, *, done: bool) -> bool:
    visit = item.checklist.visit
    if item.done == done:
        return False
    _require_open(visit)
    if done:
        item.ticked_at, item.ticked_by_id = utcnow(), user.id
    else:
        item.ticked_at, item.ticked_by_id = None, None
    audit.record("checklist_item_ticked" if done else "checklist_item_unticked",
                 record_type="checklist_item", record_id=item.id, patient_id=visit.patient_id,
                 detail={"visit_id": visit.id, "checklist": item.checklist.kind})
    db.session.commit()
    return True


def tick_history(item: ChecklistItem) -> list:
    """Every tick and untick of the item, oldest first (from the audit trail)."""
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "checklist_item", AuditEvent.record_id == str(item.id),
        AuditEvent.action.in_(("checklist_item_ticked", "checklist_item_unticked")))
        .order_by(AuditEvent.at, AuditEvent.id)))
