"""Times typed in a person's own time zone, and days as they see them.

Everything is stored in UTC; forms show and accept wall-clock times in the viewer's zone.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.timeutil import as_utc, utcnow

FORM_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and expects


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward."""


def local_to_utc(naive: datetime, tz_name: str) -> datetime:
    """A wall-clock time in `tz_name` as aware UTC.

    A time in the hour skipped when clocks go forward is refused, rather than silently
    moved; in the repeated hour when clocks go back, the first occurrence is taken.
    """
    zone = ZoneInfo(tz_name)
    aware = naive.replace(tzinfo=zone, fold=0)
    try:
        roundtrip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # year 1 or 9999 shifted out of range
        raise NonexistentLocalTime("Check the year of that date.") from None
    if roundtrip != naive.replace(fold=0):
        raise NonexistentLocalTime(
            "That time does not exist on this day because the clocks change. Choose another time.")
    return aware.astimezone(UTC)


def to_utc(value: datetime, tz_name: str) -> datetime:
    """Aware values are converted; naive ones are read as wall-clock time in `tz_name`."""
    if value.tzinfo is None:
        return local_to_utc(value, tz_name)
    return as_utc(value)


def local_today(tz_name: str, now: datetime | None = None) -> date:
    return as_utc(now or utcnow()).astimezone(ZoneInfo(tz_name)).date()


def local_date(value: datetime, tz_name: str) -> date:
    return as_utc(value).astimezone(ZoneInfo(tz_name)).date()


def day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC instants where `day` starts and ends in `tz_name` (23 or 25 hours on DST days)."""
    zone = ZoneInfo(tz_name)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def form_value(value: datetime | None, tz_name: str) -> str:
    """A stored time as the value of a datetime-local input in `tz_name`."""
    if value is None:
        return ""
    return as_utc(value).astimezone(ZoneInfo(tz_name)).strftime(FORM_FORMAT)


def now_local_naive(tz_name: str) -> datetime:
    """Now, as a wall-clock time (to the minute) in `tz_name`: the default of time fields."""
    return utcnow().astimezone(ZoneInfo(tz_name)).replace(second=0, microsecond=0, tzinfo=None)
