"""The demo seeder: orders, signed past visits with their records, today's visits; twice is once."""

from datetime import UTC, datetime

import time_machine
from sqlalchemy import func, select

from tracker import demo
from tracker.extensions import db
from tracker.models import (
    Complication,
    ComplicationAction,
    TherapyOrder,
    Visit,
    VisitBillingLine,
    VitalSigns,
)
from tracker.visits import queries


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@time_machine.travel(datetime(2031, 5, 14, 15, 0, tzinfo=UTC), tick=False)
def test_demo_visits(app, database):
    demo.seed_demo(app)
    assert count(TherapyOrder) == 3
    past = list(db.session.scalars(select(Visit).where(Visit.planned_start < datetime(2031, 5, 14,
                                                                                        tzinfo=UTC))))
    assert len(past) > 15 and {v.state for v in past} == {"signed"}
    assert all(v.vital_signs and len(v.steps) == 6 and v.billing_lines for v in past)
    extra = list(db.session.scalars(select(VisitBillingLine).where(VisitBillingLine.code == "99602")))
    assert [(line.units, line.visit.duration.total_seconds() // 60) for line in extra] == [(1, 160)]
    (complication,) = db.session.scalars(select(Complication))
    assert count(ComplicationAction) == 2 and complication.visit.state == "signed"

    for email in ("nurse.nora@demo.example", "nurse.ned@demo.example"):
        nurse = demo.demo_user(email)
        day, today, upcoming, unsigned = queries.nurse_day(nurse)
        assert today and {v.state for v in today} == {"scheduled"}
        assert upcoming and not unsigned

    before = (count(Visit), count(TherapyOrder), count(VitalSigns))
    demo.seed_demo(app)
    assert (count(Visit), count(TherapyOrder), count(VitalSigns)) == before
