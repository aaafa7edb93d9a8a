"""Days as each person sees them: a nurse's today is her own, DST days included."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tracker.visits import queries, services
from tracker.visits.access import VisitStateError
from tracker.visits.timeinput import day_bounds

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")


@pytest.fixture
def west(make, office):
    """A nurse and a patient in Los Angeles, and a scheduler for them."""
    nurse = make.nurse(timezone="America/Los_Angeles")
    patient = make.patient(timezone="America/Los_Angeles")
    make.assign(nurse, patient)
    order = make.order(patient, start_date=date(2020, 1, 1))

    def book(start: datetime, minutes: int = 60):
        return services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                                "planned_start": start, "planned_minutes": minutes})

    return nurse, book


def test_the_nurses_today_is_her_own_day_not_utcs(west):
    nurse, book = west
    # 22:00 on 9 May in Los Angeles is already 10 May in UTC.
    with time_machine.travel(datetime(2031, 5, 10, 5, 0, tzinfo=UTC), tick=False):
        late_tonight = book(datetime(2031, 5, 9, 23, 0, tzinfo=LA))
        tomorrow_morning = book(datetime(2031, 5, 10, 9, 0, tzinfo=LA))
        day, today, upcoming, _ = queries.nurse_day(nurse)
    assert day == date(2031, 5, 9)
    assert [v.id for v in today] == [late_tonight.id]
    assert [v.id for v in upcoming] == [tomorrow_morning.id]


@time_machine.travel(datetime(2031, 11, 2, 14, 0, tzinfo=UTC), tick=False)
def test_the_day_clocks_go_back_has_25_hours(make, office, nurse, order):
    start, end = day_bounds(date(2031, 11, 2), "America/New_York")
    assert (end - start).total_seconds() == 25 * 3600
    book = lambda at: services.schedule_visit(office, {  # noqa: E731
        "order_id": order.id, "nurse_id": nurse.id, "planned_start": at, "planned_minutes": 30})
    last_of_the_day = book(datetime(2031, 11, 2, 23, 15, tzinfo=NY))
    first_of_the_next = book(datetime(2031, 11, 3, 0, 15, tzinfo=NY))
    day, today, upcoming, _ = queries.nurse_day(nurse)
    assert day == date(2031, 11, 2)
    assert [v.id for v in today] == [last_of_the_day.id]
    assert first_of_the_next.id in [v.id for v in upcoming]


@time_machine.travel(datetime(2031, 3, 8, 14, 0, tzinfo=UTC), tick=False)
def test_a_wall_clock_time_skipped_by_the_clocks_is_refused(office, nurse, order):
    with pytest.raises(VisitStateError, match="clocks change") as refused:
        services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                         "planned_start": datetime(2031, 3, 9, 2, 30)})
    assert refused.value.field == "planned_start"
    visit = services.schedule_visit(office, {"order_id": order.id, "nurse_id": nurse.id,
                                             "planned_start": datetime(2031, 3, 9, 3, 30)})
    assert visit.planned_start == datetime(2031, 3, 9, 7, 30, tzinfo=UTC)  # EDT, UTC-4


def test_planned_times_are_read_in_the_coordinators_zone(west, make, order, nurse):
    chicago_office = make.coordinator(timezone="America/Chicago")
    with time_machine.travel(datetime(2031, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        visit = services.schedule_visit(chicago_office, {"order_id": order.id, "nurse_id": nurse.id,
                                                         "planned_start": datetime(2031, 6, 2, 9, 0)})
    assert visit.planned_start == datetime(2031, 6, 2, 14, 0, tzinfo=UTC)  # CDT, UTC-5
