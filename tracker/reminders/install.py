"""Plugs reminders and notifications into the app (called from register_blueprints)."""

from flask import Flask
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db
from tracker.reminders import receivers  # noqa: F401  (connects the visit signal receivers)
from tracker.reminders.cli import scheduler_group
from tracker.reminders.routes import bp
from tracker.templating import NAV

NAV_ENTRY = ("reminders.office_overview", "Reminders", ("coordinator", "admin"))


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(scheduler_group)
    if NAV_ENTRY not in NAV:
        after = next((i + 1 for i, entry in enumerate(NAV) if entry[0] == "alerts.index"),
                     len(NAV))
        NAV.insert(after, NAV_ENTRY)

    @app.context_processor
    def notification_count():
        """The unread count shown in the navigation of every page."""
        if not current_user.is_authenticated:
            return {}
        try:
            return {"unread_notifications": current_user.unread_notification_count or 0}
        except SQLAlchemyError:
            # Rendering an error page after a failed transaction: show the page without it.
            db.session.rollback()
            return {}
