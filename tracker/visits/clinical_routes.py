"""Vital signs, vascular access and site checks, line care, administrations, complications."""

from tracker.visits.blueprint import bp  # noqa: F401
