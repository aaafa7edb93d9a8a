"""Billing lines are stored at check-out from the visit's length (CPT 99601 + 99602)."""

from datetime import timedelta

import pytest
import time_machine

from tests.visits.conftest import PLACE
from tracker.timeutil import utcnow
from tracker.visits import services


@pytest.mark.parametrize(("length", "expected"), [
    (timedelta(hours=1, minutes=10), [("99601", 1)]),
    (timedelta(hours=2, minutes=30), [("99601", 1)]),
    (timedelta(hours=2, minutes=31), [("99601", 1), ("99602", 1)]),
    (timedelta(hours=3, minutes=30), [("99601", 1), ("99602", 1)]),
    (timedelta(hours=3, minutes=31), [("99601", 1), ("99602", 2)]),
])
def test_billing_lines_at_check_out(schedule, nurse, length, expected):
    visit = schedule()
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        services.check_in(nurse, visit, PLACE)
    with time_machine.travel(start + length, tick=False):
        services.check_out(nurse, visit, PLACE)
    assert sorted((line.code, line.units) for line in visit.billing_lines) == expected


def test_the_threshold_comes_from_the_configuration(schedule, nurse, app):
    visit = schedule()
    start = utcnow().replace(microsecond=0)
    app.config["ADDITIONAL_HOUR_THRESHOLD_MINUTES"] = 15
    try:
        with time_machine.travel(start, tick=False):
            services.check_in(nurse, visit, PLACE)
        with time_machine.travel(start + timedelta(hours=2, minutes=16), tick=False):
            services.check_out(nurse, visit, PLACE)
    finally:
        app.config["ADDITIONAL_HOUR_THRESHOLD_MINUTES"] = 30
    assert sorted((line.code, line.units) for line in visit.billing_lines) == [("99601", 1), ("99602", 1)]
