"""When a reminder goes out: offsets on the recipient's own clock, and quiet hours.

Every computation is done in the recipient's zoneinfo local time and then converted to
UTC, so that reminders keep their wall-clock time across daylight-saving changes:
"24 h before" a 10:00 visit is 10:00 the day before, even when that day was 23 or 25 hours
long. Offsets that are not whole days (2 h, 1 h) are elapsed time.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A preparation reminder that quiet hours would push past the visit's start goes out this
# long before quiet hours begin, the evening before, instead of never.
BEFORE_QUIET_MARGIN = timedelta(minutes=15)


def parse_clock(value: str) -> time:
    """'21:00' -> time(21, 0); raises ValueError with the setting's text for a bad value."""
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
        return time(hours, minutes)
    except (TypeError, ValueError):
        raise ValueError(f"expected a time of day as HH:MM, got {value!r}") from None


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (default 21:00-08:00) in which non-urgent reminders are held back."""

    start: time
    end: time

    @classmethod
    def from_config(cls, config) -> "QuietHours":
        return cls(parse_clock(config["QUIET_HOURS_START"]), parse_clock(config["QUIET_HOURS_END"]))

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False  # an empty window: quiet hours are off
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # the window spans midnight

    def end_after(self, local: datetime) -> datetime:
        """The end of the quiet window that `local` (a time inside it) falls in."""
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return _at(day, self.end, local.tzinfo)

    def start_before(self, local: datetime) -> datetime:
        """The start of the quiet window that `local` (a time inside it) falls in."""
        day = local.date() if local.time() >= self.start else local.date() - timedelta(days=1)
        return _at(day, self.start, local.tzinfo)


def _at(day: date, clock: time, tz) -> datetime:
    # Built on the calendar day, so the UTC offset is the one in force on that day.
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def shift(moment: datetime, hours: int, tz_name: str) -> datetime:
    """`moment` moved by `hours` (negative: earlier). Whole days keep the local clock time."""
    if hours % 24 == 0:
        local = moment.astimezone(ZoneInfo(tz_name))
        # Aware arithmetic on a zoneinfo datetime is wall-clock arithmetic; converting back
        # to UTC then applies the offset of the new day (a skipped hour moves forward).
        return (local + timedelta(days=hours // 24)).astimezone(UTC)
    return (moment + timedelta(hours=hours)).astimezone(UTC)


def outside_quiet_hours(moment: datetime, tz_name: str, quiet: QuietHours,
                        deadline: datetime | None = None) -> datetime:
    """Move a moment that falls in the recipient's quiet hours to their end.

    With a deadline (a preparation reminder must arrive before the visit starts), a moment
    that would be pushed to or past it is brought forward to just before quiet hours begin.
    """
    local = moment.astimezone(ZoneInfo(tz_name))
    if not quiet.contains(local.time()):
        return moment.astimezone(UTC)
    later = quiet.end_after(local)
    if deadline is None or later < deadline:
        return later
    return quiet.start_before(local) - BEFORE_QUIET_MARGIN
