"""CPT 99601 / 99602 home infusion visit billing units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# Source: CPT 99601 descriptor — the base visit covers up to 2 hours.
BASE_VISIT_MINUTES = 120

# Source: common payer rule for time-based units — an additional hour (99602) is billable
# once MORE than 30 minutes of it has passed. Payers differ, hence the parameter below.
ADDITIONAL_HOUR_THRESHOLD_MINUTES = 30

_HOUR_SECONDS = 3600


@dataclass(frozen=True)
class BillingLine:
    """One claim line: CPT code and number of units."""

    code: str
    units: int
    description: str


def additional_hours(
    duration: timedelta, threshold_minutes: int = ADDITIONAL_HOUR_THRESHOLD_MINUTES
) -> int:
    """Number of 99602 units: each hour after the first two counts once strictly more than
    ``threshold_minutes`` of it has passed. Only whole elapsed seconds count.
    """
    if duration < timedelta(0):
        raise ValueError("Visit duration cannot be negative.")
    if not 0 <= threshold_minutes < 60:
        raise ValueError("Threshold must be between 0 and 59 minutes.")
    # Floor to whole seconds so 2:30:00.9 is still exactly 2:30:00 (not more than 30 min).
    seconds = duration // timedelta(seconds=1)
    beyond = seconds - BASE_VISIT_MINUTES * 60
    if beyond <= 0:
        return 0
    full_hours, remainder = divmod(beyond, _HOUR_SECONDS)
    return full_hours + (1 if remainder > threshold_minutes * 60 else 0)


def billing_lines(
    duration: timedelta, threshold_minutes: int = ADDITIONAL_HOUR_THRESHOLD_MINUTES
) -> list[BillingLine]:
    """99601 x1, plus 99602 x n when n > 0 (99602 is an add-on code, never billed alone)."""
    lines = [
        BillingLine(
            "99601", 1, "Home infusion/specialty drug administration, per visit (up to 2 hours)"
        )
    ]
    extra = additional_hours(duration, threshold_minutes)
    if extra > 0:
        lines.append(
            BillingLine(
                "99602",
                extra,
                "Home infusion/specialty drug administration, each additional hour",
            )
        )
    return lines
