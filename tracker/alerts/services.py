"""Alerts: raised by the services when something needs a coordinator's (or nurse's) action."""

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.extensions import db
from tracker.models import Alert, Role, User
from tracker.timeutil import utcnow

SEVERITY_ORDER = {"emergency": 0, "urgent": 1, "warning": 2, "info": 3}


class AlertError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def raise_alert(kind: str, severity: str, message: str, *, patient_id: int | None = None,
                visit_id: int | None = None, nurse_id: int | None = None,
                trigger=None) -> Alert:
    """Add an alert to the current transaction (the calling service commits).

    `message` is shown to staff only; it names the finding, not the diagnosis.
    """
    if severity not in SEVERITY_ORDER:
        raise ValueError(f"unknown severity {severity}")
    alert = Alert(kind=kind, severity=severity, message=message, patient_id=patient_id,
                  visit_id=visit_id, nurse_id=nurse_id,
                  trigger_type=type(trigger).__name__ if trigger is not None else None,
                  trigger_id=getattr(trigger, "id", None))
    db.session.add(alert)
    db.session.flush()
    audit.record("alert_raised", record_type="alert", record_id=alert.id, patient_id=patient_id,
                 detail={"kind": kind, "severity": severity})
    return alert


def _visible(query, user: User):
    if user.role == Role.NURSE:
        return query.where(Alert.nurse_id == user.id)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return query
    return query.where(False)


def open_alerts(user: User, limit: int = 200) -> list[Alert]:
    query = _visible(select(Alert).where(Alert.acknowledged_at.is_(None)), user)
    alerts = list(db.session.scalars(query.order_by(Alert.created_at.desc()).limit(limit)))
    alerts.sort(key=lambda a: (SEVERITY_ORDER[a.severity], -a.created_at.timestamp()))
    if alerts:
        audit.record("alerts_viewed", record_type="alert", detail={"count": len(alerts)})
        db.session.commit()
    return alerts


def open_count(user: User) -> int:
    query = _visible(select(func.count(Alert.id)).where(Alert.acknowledged_at.is_(None)), user)
    return db.session.scalar(query) or 0


def acknowledged_alerts(user: User, limit: int = 50) -> list[Alert]:
    query = _visible(select(Alert).where(Alert.acknowledged_at.is_not(None)), user)
    return list(db.session.scalars(query.order_by(Alert.acknowledged_at.desc()).limit(limit)))


def visible_alert(alert_id: int, user: User) -> Alert:
    """The alert if the user may see it, else 404 (whatever else the request carries)."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or db.session.scalar(_visible(select(Alert.id).where(Alert.id == alert_id),
                                                   user)) is None:
        raise NotFound()
    return alert


def acknowledge(alert_id: int, user: User, note: str) -> Alert:
    alert = visible_alert(alert_id, user)
    if alert.acknowledged_at is not None:
        raise AlertError("note", "This alert was already acknowledged.")
    note = (note or "").strip()
    if not note:
        raise AlertError("note", "Write what was done (for example 'called the patient').")
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = user.id
    alert.acknowledgement_note = note
    audit.record("alert_acknowledged", record_type="alert", record_id=alert.id,
                 patient_id=alert.patient_id)
    db.session.commit()
    return alert


def alerts_for_visit(visit_id: int) -> list[Alert]:
    return list(db.session.scalars(select(Alert).where(Alert.visit_id == visit_id)
                                   .order_by(Alert.created_at)))

