"""The 2-hour rule: CPT 99601 covers a visit of up to 2 hours."""

from __future__ import annotations

from datetime import timedelta

# Project choice: warn the nurse 15 minutes before the 2-hour limit of CPT 99601.
WARNING_AT = timedelta(hours=1, minutes=45)
# Source: CPT 99601 descriptor — base visit up to 2 hours; beyond it 99602 may apply.
LIMIT = timedelta(hours=2)


def _whole_seconds(td: timedelta) -> timedelta:
    # Same rounding as billing.additional_hours: only whole elapsed seconds count.
    if td < timedelta(0):
        raise ValueError("Duration cannot be negative.")
    return timedelta(seconds=td // timedelta(seconds=1))


def time_status(elapsed: timedelta) -> str:
    """'ok' below 1:45, 'warning' from 1:45 up to and including 2:00, 'over' beyond 2:00."""
    elapsed = _whole_seconds(elapsed)
    if elapsed < WARNING_AT:
        return "ok"
    if elapsed <= LIMIT:
        return "warning"
    return "over"


def format_duration(td: timedelta) -> str:
    """'2 h 05 min' or '45 min'; seconds are dropped (not rounded), like a clock."""
    minutes = _whole_seconds(td) // timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"
