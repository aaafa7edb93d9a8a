"""CPT 99601/99602 units at and around every threshold."""

from datetime import timedelta

import pytest

from tracker.clinical.billing import (
    ADDITIONAL_HOUR_THRESHOLD_MINUTES,
    BASE_VISIT_MINUTES,
    BillingLine,
    additional_hours,
    billing_lines,
)


def hms(h=0, m=0, s=0, us=0):
    return timedelta(hours=h, minutes=m, seconds=s, microseconds=us)


def test_defaults():
    assert ADDITIONAL_HOUR_THRESHOLD_MINUTES == 30
    assert BASE_VISIT_MINUTES == 120


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (hms(), 0),
        (hms(1), 0),
        (hms(1, 59), 0),
        (hms(2), 0),
        (hms(2, 30), 0),
        (hms(2, 30, 0, 999_999), 0),  # Partial seconds do not count.
        (hms(2, 30, 1), 1),
        (hms(2, 31), 1),
        (hms(3), 1),
        (hms(3, 30), 1),
        (hms(3, 31), 2),
        (hms(4), 2),
        (hms(4, 30), 2),
        (hms(4, 31), 3),
        (timedelta(days=1), 22),
    ],
)
def test_additional_hours_default_threshold(duration, expected):
    assert additional_hours(duration) == expected


@pytest.mark.parametrize(
    ("duration", "threshold", "expected"),
    [
        (hms(2, 15), 15, 0),
        (hms(2, 15, 1), 15, 1),
        (hms(3, 15), 15, 1),
        (hms(3, 16), 15, 2),
        (hms(2), 0, 0),
        (hms(2, 0, 1), 0, 1),
        (hms(2, 59), 59, 0),
        (hms(2, 59, 1), 59, 1),
    ],
)
def test_additional_hours_custom_threshold(duration, threshold, expected):
    assert additional_hours(duration, threshold_minutes=threshold) == expected


def test_negative_duration_refused():
    with pytest.raises(ValueError):
        additional_hours(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        billing_lines(timedelta(seconds=-1))


@pytest.mark.parametrize("threshold", [-1, 60])
def test_bad_threshold_refused(threshold):
    with pytest.raises(ValueError):
        additional_hours(hms(3), threshold_minutes=threshold)


@pytest.mark.parametrize("duration", [hms(), hms(1, 59), hms(2), hms(2, 30)])
def test_base_visit_only(duration):
    lines = billing_lines(duration)
    assert [(line.code, line.units) for line in lines] == [("99601", 1)]


@pytest.mark.parametrize(
    ("duration", "units"), [(hms(2, 31), 1), (hms(3, 30), 1), (hms(3, 31), 2), (hms(4, 31), 3)]
)
def test_base_visit_plus_additional_hours(duration, units):
    lines = billing_lines(duration)
    assert [(line.code, line.units) for line in lines] == [("99601", 1), ("99602", units)]
    assert all(isinstance(line, BillingLine) and line.description for line in lines)


def test_billing_lines_custom_threshold():
    assert [(x.code, x.units) for x in billing_lines(hms(2, 20), threshold_minutes=15)] == [
        ("99601", 1),
        ("99602", 1),
    ]
