"""The 2-hour rule: status boundaries and duration formatting."""

from datetime import timedelta

import pytest

from tracker.clinical.duration import LIMIT, WARNING_AT, format_duration, time_status


def hms(h=0, m=0, s=0, us=0):
    return timedelta(hours=h, minutes=m, seconds=s, microseconds=us)


def test_constants():
    assert hms(1, 45) == WARNING_AT
    assert hms(2) == LIMIT


@pytest.mark.parametrize(
    ("elapsed", "status"),
    [
        (hms(), "ok"),
        (hms(1, 44, 59), "ok"),
        (hms(1, 44, 59, 999_999), "ok"),
        (hms(1, 45), "warning"),
        (hms(1, 59, 59), "warning"),
        (hms(2), "warning"),
        (hms(2, 0, 0, 999_999), "warning"),  # Whole seconds only, as in billing.
        (hms(2, 0, 1), "over"),
        (hms(3), "over"),
    ],
)
def test_time_status(elapsed, status):
    assert time_status(elapsed) == status


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (hms(), "0 min"),
        (hms(0, 0, 59), "0 min"),
        (hms(0, 45), "45 min"),
        (hms(0, 59, 59), "59 min"),
        (hms(1), "1 h 00 min"),
        (hms(2, 5), "2 h 05 min"),
        (hms(2, 5, 59), "2 h 05 min"),
        (hms(12, 34), "12 h 34 min"),
        (timedelta(days=1, hours=1), "25 h 00 min"),
    ],
)
def test_format_duration(td, text):
    assert format_duration(td) == text


def test_negative_refused():
    with pytest.raises(ValueError):
        time_status(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        format_duration(timedelta(seconds=-1))
