"""Jinja filters and globals: times in the viewer's zone, navigation per role."""

from datetime import datetime

from flask import Flask, g, request
from flask_login import current_user

from tracker.procedures.services import indication_choices
from tracker.timeutil import local, utcnow


def viewer_timezone() -> str:
    # Asked once per time shown; current_user is a proxy, slow enough to matter on long lists.
    if "viewer_timezone" not in g:
        g.viewer_timezone = _viewer_timezone()
    return g.viewer_timezone


def _viewer_timezone() -> str:
    if current_user.is_authenticated:
        if current_user.patient is not None:
            return current_user.patient.timezone
        return current_user.timezone
    return "UTC"


def format_datetime(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M", tz: str | None = None):
    if value is None:
        return ""
    return local(value, tz or viewer_timezone()).strftime(fmt)


def format_time(value: datetime | None, tz: str | None = None):
    return format_datetime(value, "%H:%M", tz)


def format_date(value, fmt: str = "%d %b %Y"):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return value.strftime(fmt)


def indication_label(patient) -> str:
    if patient.primary_indication == "other":
        return patient.indication_other or "Other"
    return dict(indication_choices()).get(patient.primary_indication, patient.primary_indication)


def nav_links() -> list[tuple[str, str]]:
    """(endpoint, label) pairs for the signed-in role; areas add theirs in NAV."""
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAV if current_user.role in roles]


NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("main.home", "Home", ("nurse", "patient", "coordinator", "admin")),
    ("visits.schedule", "Schedule", ("coordinator", "admin")),
    ("patients.index", "Patients", ("nurse", "coordinator", "admin")),
    ("procedures.record", "About the procedure", ("nurse", "patient", "coordinator", "admin")),
    ("alerts.index", "Alerts", ("nurse", "coordinator", "admin")),
    ("history.dashboard_page", "Today", ("admin",)),
    ("history.visits", "Visit history", ("coordinator", "admin")),
    ("history.reports_page", "Reports", ("coordinator", "admin")),
    ("devices.index", "Devices", ("nurse",)),
    ("admin.users", "Users", ("admin",)),
    ("admin.audit_log", "Audit log", ("coordinator", "admin")),
]


def register(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["viewer_timezone"] = viewer_timezone
    app.jinja_env.globals["now_utc"] = utcnow
    app.jinja_env.globals["indication_label"] = indication_label

    @app.context_processor
    def current_endpoint():
        return {"current_endpoint": request.endpoint or ""}
