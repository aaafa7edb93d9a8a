"""Reminders (rows are the source of truth; the scheduler only dispatches them) and the
in-app notifications people read in the app."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from tracker.extensions import db
from tracker.models.people import User
from tracker.models.types import UTCDateTime
from tracker.timeutil import utcnow


class ReminderKind(enum.StrEnum):
    PREPARATION = "preparation"  # to the patient, before the visit (offset_hours before)
    RECOVERY = "recovery"  # to the patient, after check-out (offset_hours after)
    NURSE_UPCOMING = "nurse_upcoming"  # to the nurse, before the visit
    NURSE_UNSIGNED = "nurse_unsigned"  # to the nurse, when the visit is still unsigned

    @property
    def audience(self) -> str:
        return "nurse" if self.value.startswith("nurse_") else "patient"


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its time (or for a retry); may be claimed right now
    SENT = "sent"
    FAILED = "failed"  # every attempt failed; an alert was raised
    EXPIRED = "expired"  # came due when it could no longer help (see dispatch.usefulness)
    CANCELLED = "cancelled"  # no longer needed: visit cancelled, missed, started or signed
    SKIPPED = "skipped"  # nobody to send it to (for example no patient account)


class Reminder(db.Model):
    __tablename__ = "reminders"
    __table_args__ = (
        # The dispatcher's query: pending rows whose next attempt is due.
        Index("ix_reminders_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_reminders_visit_kind", "visit_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(10))  # patient | nurse (resolved when sent)
    offset_hours: Mapped[int] = mapped_column(default=0)
    step_key: Mapped[str | None] = mapped_column(String(40))  # recovery step it names
    urgent: Mapped[bool] = mapped_column(default=False)  # urgent ones ignore quiet hours
    # When it should go out (quiet hours applied), and when the dispatcher may try next.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=ReminderStatus.PENDING.value)
    status_reason: Mapped[str] = mapped_column(String(40), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    channels_done: Mapped[list] = mapped_column(JSON, default=list)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    visit = relationship("Visit")
    patient = relationship("Patient")
    recipient = relationship("User")

    @property
    def kind_label(self) -> str:
        labels = {
            "preparation": f"Getting ready, {self.offset_hours} h before",
            "recovery": ("After the visit, at check-out" if self.offset_hours == 0
                         else f"After the visit, {self.offset_hours} h later"),
            "nurse_upcoming": f"Nurse: visit in {self.offset_hours} h",
            "nurse_unsigned": f"Nurse: still unsigned {self.offset_hours} h after check-out",
        }
        return labels.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Reminder {self.id} {self.kind} {self.status}>"


class Notification(db.Model):
    """A message in someone's in-app list: read, then dismissed."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "dismissed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # a path inside the app
    # A reminder is delivered in-app at most once: the database refuses a second row.
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"), unique=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<Notification {self.id}>"


# The unread count in every page's navigation. Deferred: the sign-in loader asks for it with
# the user's own row (one query per request instead of two); elsewhere it loads when read.
User.unread_notification_count = column_property(
    select(func.count(Notification.id))
    .where(Notification.user_id == User.id, Notification.read_at.is_(None),
           Notification.dismissed_at.is_(None))
    .correlate_except(Notification).scalar_subquery(),
    deferred=True)
