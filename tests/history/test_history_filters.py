"""Visit history filters, alone and combined; the URL holds ids and codes only."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.history import builders
from tracker.extensions import db
from tracker.history import search
from tracker.history.filters import VisitFilter
from tracker.history.pagination import Cursor

TZ = "America/New_York"
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York


def ids(flt: VisitFilter) -> set[int]:
    return {row.id for row in search.search(flt, TZ, Cursor(), size=100).page.rows}


@pytest.fixture
def world(make):
    """Two nurses, two patients, visits in several states, lengths, bands and complications."""
    ann, ben = make.nurse(name="Ann Nurse"), make.nurse(name="Ben Nurse")
    p1, p2 = make.patient(), make.patient()
    w = {"ann": ann, "ben": ben, "p1": p1, "p2": p2}
    w["short"] = builders.finish(make.visit(ann, p1, planned_start=T0), 90)
    builders.vitals(w["short"], heart_rate=72)  # low band
    w["long"] = builders.finish(make.visit(ann, p2, planned_start=T0 + timedelta(days=1)), 151)
    builders.vitals(w["long"], heart_rate=72)
    builders.vitals(w["long"], 60, respiratory_rate=26, heart_rate=115, spo2=93)  # 3+2+2 = 7: high
    builders.complication(w["long"], "phlebitis")
    w["exact_2h"] = builders.finish(make.visit(ben, p1, planned_start=T0 + timedelta(days=2)), 120)
    builders.vitals(w["exact_2h"], respiratory_rate=26)  # a single 3: low-medium
    builders.complication(w["exact_2h"], "mild_allergic_reaction")
    w["unsigned"] = builders.finish(make.visit(ben, p2, planned_start=T0 + timedelta(days=3)), 60,
                                    state="completed")
    w["missed"] = make.visit(ann, p1, planned_start=T0 + timedelta(days=4), state="missed")
    # 03:00 UTC on the 10th is still the 9th in New York.
    w["late_night"] = make.visit(ben, p1, planned_start=datetime(2026, 3, 10, 3, 0, tzinfo=UTC),
                                 state="cancelled")
    return w


def test_no_filter_shows_every_visit(world):
    assert len(ids(VisitFilter())) == 6


def test_each_filter_alone(world):
    w = world
    assert ids(VisitFilter(patient_id=w["p2"].id)) == {w["long"].id, w["unsigned"].id}
    assert ids(VisitFilter(nurse_id=w["ben"].id)) == {w["exact_2h"].id, w["unsigned"].id,
                                                      w["late_night"].id}
    assert ids(VisitFilter(state="missed")) == {w["missed"].id}
    assert ids(VisitFilter(state="completed")) == {w["unsigned"].id}
    assert ids(VisitFilter(complication="phlebitis")) == {w["long"].id}
    assert ids(VisitFilter(news2_band="high")) == {w["long"].id}
    assert ids(VisitFilter(news2_band="low-medium")) == {w["exact_2h"].id}
    assert ids(VisitFilter(news2_band="low")) == {w["short"].id}


def test_over_two_hours_follows_the_2_hour_rule(world):
    # Exactly 2 h is within the limit (tracker.clinical.duration); 2 h 31 min is over.
    assert ids(VisitFilter(over_2h=True)) == {world["long"].id}


def test_two_hours_and_one_second_is_over(make):
    visit = make.visit(planned_start=T0)
    visit.checked_in_at = T0
    visit.checked_out_at = T0 + timedelta(hours=2, seconds=1)
    visit.state = "completed"
    db.session.commit()
    assert ids(VisitFilter(over_2h=True)) == {visit.id}
    visit.checked_out_at = T0 + timedelta(hours=2, microseconds=999_000)
    db.session.commit()
    assert ids(VisitFilter(over_2h=True)) == set()


def test_date_range_is_whole_days_in_the_viewers_zone(world):
    w = world
    on_the_10th = ids(VisitFilter(date_from=date(2026, 3, 10), date_to=date(2026, 3, 10)))
    assert on_the_10th == {w["short"].id}
    assert ids(VisitFilter(date_to=date(2026, 3, 9))) == {w["late_night"].id}
    assert ids(VisitFilter(date_from=date(2026, 3, 12))) == {w["exact_2h"].id, w["unsigned"].id,
                                                             w["missed"].id}


def test_filters_combine(world):
    w = world
    assert ids(VisitFilter(patient_id=w["p1"].id, nurse_id=w["ann"].id)) == {w["short"].id,
                                                                             w["missed"].id}
    assert ids(VisitFilter(patient_id=w["p1"].id, complication="mild_allergic_reaction",
                           news2_band="low-medium")) == {w["exact_2h"].id}
    assert ids(VisitFilter(nurse_id=w["ann"].id, over_2h=True, state="signed",
                           date_from=date(2026, 3, 11), date_to=date(2026, 3, 11))) == {w["long"].id}
    assert ids(VisitFilter(nurse_id=w["ben"].id, complication="phlebitis")) == set()


def test_sort_by_date_both_ways(world):
    rows = search.search(VisitFilter(sort="asc"), TZ, Cursor(), size=100).page.rows
    starts = [r.visit.planned_start for r in rows]
    assert starts == sorted(starts)
    rows = search.search(VisitFilter(), TZ, Cursor(), size=100).page.rows
    assert [r.visit.planned_start for r in rows] == sorted(starts, reverse=True)


def test_filter_form_puts_only_ids_in_the_url(world, office):
    w = world
    response = office.get(f"/history/visits?patient_id={w['p1'].id}&nurse_id={w['ann'].id}"
                          "&state=signed&sort=asc")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1</strong> visit match" in html
    assert f'href="/history/visits/{w["short"].id}"' in html
    # Every link the page builds for this list carries ids and codes, never a name.
    for href in re.findall(r'href="(/history/visits[^"]*)"', html):
        assert "Ann" not in href and w["p1"].last_name not in href
    csv_link = re.search(r'href="(/history/visits\.csv[^"]*)"', html).group(1)
    assert f"patient_id={w['p1'].id}" in csv_link and "nurse_id=" in csv_link


def test_rows_show_length_band_and_complications(world, office):
    html = office.get("/history/visits?complication=phlebitis").get_data(as_text=True)
    assert "2 h 31 min" in html and "Over 2 h" in html
    assert "Sore, swollen vein (phlebitis)" in html  # the procedure record's label
    assert ">High<" in html


@pytest.mark.parametrize("query, field_message", [
    ("date_from=31-12-2026", "Enter a date like 2026-03-31."),
    ("date_from=2026-03-10&date_to=2026-03-01", "The end date must be on or after the start date."),
    ("patient_id=999999", "Not a valid choice"),
    ("state=exploded", "Not a valid choice"),
    ("news2_band=purple", "Not a valid choice"),
])
def test_bad_filters_are_explained_not_crashed(office, query, field_message):
    response = office.get(f"/history/visits?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_message in html
    assert "visit match" not in html


@pytest.mark.parametrize("role", ["nurse", "patient"])
def test_nurses_and_patients_cannot_open_the_history(make, signed_in, role):
    browser = signed_in(make.user(role))
    for url in ("/history/", "/history/visits", "/history/visits.csv", "/history/reports"):
        assert browser.get(url).status_code == 403
