"""In-app notifications: added by the reminder dispatcher and by services (a reported
problem), read and dismissed by their owner in the app."""

from sqlalchemy import insert, select, update
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.extensions import db
from tracker.models import Notification, Role, User
from tracker.timeutil import utcnow


def _values(user_id: int, kind: str, title: str, body: str, link: str, *,
            reminder_id: int | None, alert_id: int | None) -> dict:
    return {"user_id": user_id, "kind": kind, "title": title[:200], "body": body,
            "link": link if is_internal_path(link) else "", "reminder_id": reminder_id,
            "alert_id": alert_id}


def add(user_id: int, kind: str, title: str, body: str = "", link: str = "", *,
        reminder_id: int | None = None, alert_id: int | None = None) -> Notification:
    """Add a notification to the caller's transaction (the caller commits)."""
    notification = Notification(**_values(user_id, kind, title, body, link,
                                          reminder_id=reminder_id, alert_id=alert_id))
    db.session.add(notification)
    return notification


def add_many(rows: list[dict]) -> None:
    """Many notifications in one INSERT, in the caller's transaction (the caller commits).
    A Core INSERT of the table (executemany): no ORM objects are made for them.
    Each row has add()'s arguments by name; the same rules apply (title length, inside links)."""
    if rows:
        db.session.execute(insert(Notification.__table__), [
            _values(row["user_id"], row["kind"], row["title"], row.get("body", ""),
                    row.get("link", ""), reminder_id=row.get("reminder_id"),
                    alert_id=row.get("alert_id")) for row in rows])


def notify_office(kind: str, title: str, body: str = "", link: str = "", *,
                  alert_id: int | None = None) -> list[Notification]:
    """The same notification to every active coordinator."""
    coordinators = db.session.scalars(select(User).where(
        User.role == Role.COORDINATOR.value, User.active.is_(True)))
    return [add(user.id, kind, title, body, link, alert_id=alert_id) for user in coordinators]


def is_internal_path(link: str) -> bool:
    """Only paths inside the app: a notification never sends anyone to another site."""
    return bool(link) and link.startswith("/") and not link.startswith("//") and "\\" not in link


def _mine(user: User):
    return select(Notification).where(Notification.user_id == user.id,
                                      Notification.dismissed_at.is_(None))


def list_for(user: User, limit: int = 100) -> list[Notification]:
    notifications = list(db.session.scalars(_mine(user).order_by(
        Notification.read_at.is_not(None), Notification.created_at.desc(),
        Notification.id.desc()).limit(limit)))
    audit.record("notifications_viewed", record_type="notification",
                 detail={"count": len(notifications)})
    db.session.commit()
    return notifications


def get_own(user: User, notification_id: int) -> Notification:
    """The user's own notification, or 404 (someone else's is never revealed)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id or notification.dismissed_at:
        raise NotFound()
    return notification


def mark_read(user: User, notification_id: int) -> Notification:
    notification = get_own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def dismiss(user: User, notification_id: int) -> None:
    notification = get_own(user, notification_id)
    now = utcnow()
    notification.read_at = notification.read_at or now
    notification.dismissed_at = now
    db.session.commit()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0
