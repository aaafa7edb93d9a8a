"""A patient's checklists for one visit (getting ready, and recovering), and problems reported.

Items come from the visit's pinned procedure record and from what a nurse or coordinator
adds, for the one visit or for the whole order (order items are copied into every future
visit of that order). Ticks record who and when; the tick/untick history is in the audit.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.types import UTCDateTime
from tracker.timeutil import utcnow


class ChecklistKind(enum.StrEnum):
    PREPARATION = "preparation"
    RECOVERY = "recovery"

    @property
    def label(self) -> str:
        return {"preparation": "Getting ready", "recovery": "After the visit"}[self.value]


class ItemSource(enum.StrEnum):
    RECORD = "record"  # a step of the procedure record
    VISIT = "visit"  # added by staff for this visit only
    ORDER = "order"  # copied from an order-level item


class Checklist(db.Model):
    __tablename__ = "checklists"
    __table_args__ = (UniqueConstraint("visit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit = relationship("Visit")
    all_items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist", order_by="ChecklistItem.position")

    @property
    def items(self) -> list[ChecklistItem]:
        """The items in force (staff-removed items stay stored but are not shown)."""
        return [item for item in self.all_items if item.removed_at is None]

    @property
    def kind_label(self) -> str:
        return ChecklistKind(self.kind).label

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.ticked_at is not None)

    @property
    def open_items(self) -> list[ChecklistItem]:
        return [item for item in self.items if item.ticked_at is None]

    def __repr__(self) -> str:
        return f"<Checklist {self.id} {self.kind}>"


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (Index("ix_checklist_items_checklist_position", "checklist_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"))
    position: Mapped[int]
    source: Mapped[str] = mapped_column(String(10))
    step_key: Mapped[str | None] = mapped_column(String(40))  # the record step it came from
    order_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_checklist_items.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ticked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ticked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Staff-added items can be taken off; they stay in the table for the record.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    checklist: Mapped[Checklist] = relationship(back_populates="all_items")
    ticked_by = relationship("User", foreign_keys=[ticked_by_id])
    added_by = relationship("User", foreign_keys=[added_by_id])

    @property
    def done(self) -> bool:
        return self.ticked_at is not None

    def __repr__(self) -> str:
        return f"<ChecklistItem {self.id}>"


class OrderChecklistItem(db.Model):
    """An item for every visit of an order ("charge the pump"), copied into future visits."""

    __tablename__ = "order_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("therapy_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order = relationship("TherapyOrder")
    added_by = relationship("User", foreign_keys=[added_by_id])

    @property
    def kind_label(self) -> str:
        return ChecklistKind(self.kind).label


class ProblemKind(enum.StrEnum):
    REDNESS = "redness"
    SWELLING = "swelling"
    FEVER = "fever"
    PAIN = "pain"
    BLEEDING = "bleeding"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "redness": "Redness where the IV was",
            "swelling": "Swelling",
            "fever": "Fever or chills",
            "pain": "Pain",
            "bleeding": "Bleeding",
            "other": "Something else",
        }[self.value]


class ProblemReport(db.Model):
    """A problem a patient reported after a visit; it raised an alert at once."""

    __tablename__ = "problem_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    problem: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit = relationship("Visit")

    @property
    def problem_label(self) -> str:
        return ProblemKind(self.problem).label
