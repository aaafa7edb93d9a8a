"""Therapy orders, visits and everything a nurse documents during one."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.types import UTCDateTime
from tracker.timeutil import utcnow


class VisitState(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # checked out, not yet signed
    SIGNED = "signed"
    CANCELLED = "cancelled"
    MISSED = "missed"

    @property
    def label(self) -> str:
        return {"in_progress": "In progress", "completed": "Checked out, unsigned"}.get(
            self.value, self.value.capitalize())


class TherapyOrder(db.Model):
    __tablename__ = "therapy_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    medication: Mapped[str] = mapped_column(String(200))
    dose: Mapped[float]
    dose_unit: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(40))
    rate_ml_per_hour: Mapped[float | None]
    infusion_minutes: Mapped[int | None]
    frequency: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    prescriber: Mapped[str] = mapped_column(String(120))
    indication: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    patient = relationship("Patient")


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_nurse_planned", "nurse_id", "planned_start"),
        Index("ix_visits_patient_planned", "patient_id", "planned_start"),
        Index("ix_visits_state_planned", "state", "planned_start"),
        # Visit history: keyset pages ordered by (planned_start, id) over every visit.
        Index("ix_visits_planned_start_id", "planned_start", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    nurse_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("therapy_orders.id"), index=True)
    # The version of the procedure record in force when the visit was scheduled.
    procedure_record_id: Mapped[int] = mapped_column(ForeignKey("procedure_records.id"))
    service_code: Mapped[str] = mapped_column(String(10), default="99601")
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_minutes: Mapped[int] = mapped_column(default=120)
    state: Mapped[str] = mapped_column(String(20), default=VisitState.SCHEDULED.value)
    state_reason: Mapped[str] = mapped_column(Text, default="")

    # Electronic Visit Verification (21st Century Cures Act): service, patient, nurse,
    # date, location, and the times the service began and ended.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_in_latitude: Mapped[float | None]
    check_in_longitude: Mapped[float | None]
    check_in_accuracy_m: Mapped[float | None]
    check_in_location_method: Mapped[str | None] = mapped_column(String(20))  # gps | address
    check_in_location_note: Mapped[str] = mapped_column(Text, default="")
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_out_latitude: Mapped[float | None]
    check_out_longitude: Mapped[float | None]
    check_out_accuracy_m: Mapped[float | None]
    check_out_location_method: Mapped[str | None] = mapped_column(String(20))
    check_out_location_note: Mapped[str] = mapped_column(Text, default="")

    infusion_blocked_reason: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    patient = relationship("Patient")
    nurse = relationship("User", foreign_keys=[nurse_id])
    order: Mapped[TherapyOrder] = relationship()
    procedure_record = relationship("ProcedureRecord")
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    steps: Mapped[list[VisitStep]] = relationship(back_populates="visit", order_by="VisitStep.step_number")
    safety_checks: Mapped[list[SafetyCheck]] = relationship(back_populates="visit")
    vital_signs: Mapped[list[VitalSigns]] = relationship(
        back_populates="visit", order_by="VitalSigns.taken_at")
    administrations: Mapped[list[MedicationAdministration]] = relationship(
        back_populates="visit", order_by="MedicationAdministration.started_at")
    complications: Mapped[list[Complication]] = relationship(
        back_populates="visit", order_by="Complication.onset_at")
    vascular_accesses: Mapped[list[VascularAccess]] = relationship(back_populates="visit")
    site_assessments: Mapped[list[SiteAssessment]] = relationship(
        back_populates="visit", order_by="SiteAssessment.assessed_at")
    line_care: Mapped[list[LineCareEntry]] = relationship(
        back_populates="visit", order_by="LineCareEntry.performed_at")
    teaching: Mapped[list[TeachingEntry]] = relationship(back_populates="visit")
    addenda: Mapped[list[Addendum]] = relationship(back_populates="visit", order_by="Addendum.created_at")
    billing_lines: Mapped[list[VisitBillingLine]] = relationship(back_populates="visit")

    @property
    def planned_end(self) -> datetime:
        return self.planned_start + timedelta(minutes=self.planned_minutes)

    @property
    def duration(self) -> timedelta | None:
        if self.checked_in_at and self.checked_out_at:
            return self.checked_out_at - self.checked_in_at
        return None

    @property
    def state_label(self) -> str:
        return VisitState(self.state).label

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.state}>"


class VisitStep(db.Model):
    """One of the procedure record's steps, done (with its time) or not done (with a reason)."""

    __tablename__ = "visit_steps"
    __table_args__ = (UniqueConstraint("visit_id", "step_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    step_number: Mapped[int]
    step_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # done | not_done
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="steps")


class SafetyCheck(db.Model):
    """Checks before the infusion: identity, allergies, medication, anaphylaxis kit, pump."""

    __tablename__ = "safety_checks"
    __table_args__ = (UniqueConstraint("visit_id", "check"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    check: Mapped[str] = mapped_column(String(30))
    confirmed: Mapped[bool]
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="safety_checks")


class VitalSigns(db.Model):
    __tablename__ = "vital_signs"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    phase: Mapped[str] = mapped_column(String(10))  # before | during | after
    heart_rate: Mapped[int | None]
    systolic: Mapped[int | None]
    diastolic: Mapped[int | None]
    respiratory_rate: Mapped[int | None]
    temperature_c: Mapped[float | None]
    spo2: Mapped[int | None]
    on_oxygen: Mapped[bool] = mapped_column(default=False)
    consciousness: Mapped[str] = mapped_column(String(1), default="A")
    pain: Mapped[int | None]
    weight_kg: Mapped[float | None]
    news2_total: Mapped[int | None]
    news2_band: Mapped[str | None] = mapped_column(String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="vital_signs")


class VascularAccess(db.Model):
    __tablename__ = "vascular_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    device_type: Mapped[str] = mapped_column(String(30))
    device_other: Mapped[str] = mapped_column(String(100), default="")
    gauge: Mapped[str] = mapped_column(String(20), default="")
    site: Mapped[str] = mapped_column(String(60))
    side: Mapped[str] = mapped_column(String(10))  # left | right | n/a
    is_new: Mapped[bool]
    insertion_attempts: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="vascular_accesses")


class SiteAssessment(db.Model):
    __tablename__ = "site_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    timing: Mapped[str] = mapped_column(String(10))  # before | after
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    phlebitis_score: Mapped[int]
    vip_score: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit: Mapped[Visit] = relationship(back_populates="site_assessments")


class LineCareEntry(db.Model):
    """Flushes, dressing and cap changes, and blood drawn for labs."""

    __tablename__ = "line_care_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # flush | dressing_change | cap_change | lab_draw
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    solution: Mapped[str] = mapped_column(String(100), default="")
    volume_ml: Mapped[float | None]
    labs: Mapped[str] = mapped_column(String(200), default="")
    draw_site: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit: Mapped[Visit] = relationship(back_populates="line_care")


class TeachingEntry(db.Model):
    __tablename__ = "teaching_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    learner: Mapped[str] = mapped_column(String(20))  # patient | caregiver
    result: Mapped[str] = mapped_column(String(30))  # understood | needs_reinforcement | not_taught
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="teaching")


class MedicationAdministration(db.Model):
    __tablename__ = "medication_administrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("therapy_orders.id"))
    drug: Mapped[str] = mapped_column(String(200))
    lot_number: Mapped[str] = mapped_column(String(60))
    dose: Mapped[float]
    dose_unit: Mapped[str] = mapped_column(String(20))
    volume_ml: Mapped[float | None]
    rate_ml_per_hour: Mapped[float | None]
    pump: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit: Mapped[Visit] = relationship(back_populates="administrations")
    interruptions: Mapped[list[AdministrationInterruption]] = relationship(
        back_populates="administration", order_by="AdministrationInterruption.paused_at")


class AdministrationInterruption(db.Model):
    __tablename__ = "administration_interruptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("medication_administrations.id"), index=True)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)

    administration: Mapped[MedicationAdministration] = relationship(back_populates="interruptions")


class Complication(db.Model):
    __tablename__ = "complications"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    kind_other: Mapped[str] = mapped_column(String(120), default="")
    severity: Mapped[str] = mapped_column(String(10))  # mild | moderate | severe
    onset_at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="complications")
    actions: Mapped[list[ComplicationAction]] = relationship(
        back_populates="complication", order_by="ComplicationAction.taken_at")


class ComplicationAction(db.Model):
    __tablename__ = "complication_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    complication_id: Mapped[int] = mapped_column(ForeignKey("complications.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")

    complication: Mapped[Complication] = relationship(back_populates="actions")


class Addendum(db.Model):
    """A dated correction to a signed visit, by its author. Nothing in a visit is deleted."""

    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="addenda")
    author = relationship("User")


class VisitBillingLine(db.Model):
    """99601 x 1 and 99602 x n, computed at check-out from the visit's length."""

    __tablename__ = "visit_billing_lines"
    __table_args__ = (UniqueConstraint("visit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    units: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))

    visit: Mapped[Visit] = relationship(back_populates="billing_lines")


class Alert(db.Model):
    """Something a coordinator (and sometimes the nurse) must act on; acknowledged with a note."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_open", "acknowledged_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))  # info | warning | urgent | emergency
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    nurse_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the nurse to tell too
    message: Mapped[str] = mapped_column(Text)
    trigger_type: Mapped[str | None] = mapped_column(String(40))
    trigger_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement_note: Mapped[str] = mapped_column(Text, default="")

    patient = relationship("Patient")
    visit = relationship("Visit")
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])


class ApiToken(db.Model):
    """A per-device token a nurse creates for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")


class IdempotencyKey(db.Model):
    """A client-generated id seen once: a replay of the same write returns the first result."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[str] = mapped_column(String(36))
    operation: Mapped[str] = mapped_column(String(60))
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None]
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
