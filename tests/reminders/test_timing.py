"""Quiet hours and offsets on the recipient's own clock (pure functions)."""

from datetime import time

import pytest

from tests.checklists.support import utc
from tracker.reminders.timing import QuietHours, outside_quiet_hours, parse_clock, shift

NIGHT = QuietHours(time(21), time(8))


@pytest.mark.parametrize(("clock", "quiet"), [
    (time(20, 59), False), (time(21), True), (time(23, 30), True), (time(0), True),
    (time(7, 59), True), (time(8), False), (time(12), False)])
def test_a_window_across_midnight(clock, quiet):
    assert NIGHT.contains(clock) is quiet


def test_a_window_within_one_day_and_an_empty_one():
    siesta = QuietHours(time(13), time(15))
    assert siesta.contains(time(14)) and not siesta.contains(time(16))
    assert not QuietHours(time(21), time(21)).contains(time(23))


def test_settings_are_read_as_hours_and_minutes():
    assert parse_clock(" 21:30 ") == time(21, 30)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock("9pm")


def test_a_quiet_time_moves_to_the_end_of_the_window_in_that_zone():
    # 23:00 in Tokyo (UTC+9) is 14:00 UTC; quiet hours end at 08:00 Tokyo = 23:00 UTC.
    assert outside_quiet_hours(utc(2026, 5, 5, 14), "Asia/Tokyo", NIGHT) == utc(2026, 5, 5, 23)
    # Outside quiet hours nothing moves.
    assert outside_quiet_hours(utc(2026, 5, 5, 3), "Asia/Tokyo", NIGHT) == utc(2026, 5, 5, 3)


def test_a_wall_time_that_does_not_exist_moves_forward():
    # 02:30 on 8 March 2026 does not exist in New York (02:00 -> 03:00).
    day_after = utc(2026, 3, 9, 6, 30)  # 02:30 EDT on 9 March
    assert shift(day_after, -24, "America/New_York") == utc(2026, 3, 8, 7, 30)  # 03:30 EDT


def test_hours_that_are_not_whole_days_are_elapsed_time():
    assert shift(utc(2026, 3, 8, 14), -13, "America/New_York") == utc(2026, 3, 8, 1)
