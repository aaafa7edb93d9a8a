"""Scheduling, the visit lifecycle, EVV check-in/out, procedure steps, safety checks, signing."""

from tracker.visits.blueprint import bp  # noqa: F401
