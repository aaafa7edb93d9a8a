"""The history's named settings, read from the app config (see config.py)."""

from datetime import timedelta

from flask import current_app


def on_time_window() -> timedelta:
    """A check-in this close to the planned start, before or after it, is on time."""
    return timedelta(minutes=current_app.config.get("ON_TIME_WINDOW_MINUTES", 15))


def signature_due() -> timedelta:
    """A visit checked out this long ago and still unsigned needs the coordinator."""
    return timedelta(hours=current_app.config.get("SIGNATURE_DUE_HOURS", 12))
