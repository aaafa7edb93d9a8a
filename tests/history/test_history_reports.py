"""Reports on a hand-built month with known answers (America/New_York days)."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.history import builders
from tracker.history import hooks, reports
from tracker.history.reports import DateRange

NY = ZoneInfo("America/New_York")
MARCH = DateRange.of(date(2026, 3, 1), date(2026, 3, 31), "America/New_York")


def ny(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


@pytest.fixture
def month(make):
    a, b = make.nurse(name="Alma Nurse"), make.nurse(name="Bo Nurse")
    p1 = make.patient(last_name="Aaron", first_name="Pat", mrn="R-1")
    p2 = make.patient(last_name="Baker", first_name="Robin", mrn="R-2")
    v = {}
    v[1] = builders.finish(make.visit(a, p1, planned_start=ny(2)), 90, late_by=5)
    v[2] = builders.finish(make.visit(a, p1, planned_start=ny(3)), 150, late_by=20)
    v[3] = builders.finish(make.visit(a, p2, planned_start=ny(4)), 151, late_by=-20)
    v[4] = builders.finish(make.visit(b, p2, planned_start=ny(5)), 45, late_by=15)
    v[5] = builders.finish(make.visit(b, p1, planned_start=ny(6)), 120)
    v[6] = builders.finish(make.visit(b, p2, planned_start=ny(7)), 215)
    v[7] = make.visit(a, p1, planned_start=ny(8), state="missed")
    v[8] = builders.finish(make.visit(b, p1, planned_start=ny(31, 23, 30)), 100)  # 03:30 UTC on 1 April
    v[9] = make.visit(a, p2, planned_start=ny(20))  # still scheduled: counts nowhere
    outside = builders.finish(make.visit(a, p1, planned_start=ny(28, month=2)), 200)
    builders.complication(v[2], "phlebitis")
    builders.complication(v[3], "phlebitis")
    builders.complication(v[3], "mild_allergic_reaction")
    builders.complication(v[6], "anaphylaxis", "severe")
    builders.complication(outside, "phlebitis")
    return {"a": a, "b": b, "p1": p1, "p2": p2, "v": v}


def test_billing_units_per_patient_and_per_nurse(month):
    by_patient = {r.reference: (r.visits, r.units_99601, r.units_99602)
                  for r in reports.billing_by_patient(MARCH)}
    assert by_patient == {"R-1": (4, 4, 0), "R-2": (3, 3, 3)}
    by_nurse = {r.name: (r.visits, r.units_99601, r.units_99602) for r in reports.billing_by_nurse(MARCH)}
    assert by_nurse == {"Alma Nurse": (3, 3, 1), "Bo Nurse": (4, 4, 2)}


def test_visit_length_buckets_and_share_over_two_hours(month):
    report = reports.visit_lengths(MARCH)
    assert [b.count for b in report.buckets] == [1, 2, 1, 1, 1, 1]
    assert report.visits == 7 and report.over_2h == 3
    assert report.over_2h_share == pytest.approx(3 / 7)
    assert report.average_seconds / 60 == pytest.approx(871 / 7)


def test_complication_rate_per_100_visits_by_type(month):
    report = reports.complication_rates(MARCH)
    assert report.visits == 7 and report.visits_with_any == 3
    rates = {r.kind: (r.count, round(r.per_100, 2)) for r in report.rows}
    assert rates == {"phlebitis": (2, 28.57), "mild_allergic_reaction": (1, 14.29),
                     "anaphylaxis": (1, 14.29)}
    assert round(report.any_per_100, 2) == 42.86


def test_on_time_check_in_within_the_window(month):
    report = reports.on_time(MARCH)
    assert (report.checked_in, report.on_time, report.early, report.late, report.missed) == (7, 5, 1, 1, 1)
    assert report.window_minutes == 15
    assert report.rate == pytest.approx(5 / 7)


def test_the_window_is_a_setting(month, app):
    app.config["ON_TIME_WINDOW_MINUTES"] = 20
    try:
        report = reports.on_time(MARCH)
    finally:
        app.config["ON_TIME_WINDOW_MINUTES"] = 15
    assert (report.on_time, report.early, report.late) == (7, 0, 0)


def test_reports_page_shows_the_figures(month, office):
    html = office.get("/history/reports?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "<strong>42.9%</strong> of 7 visits went over 2 hours" in html
    assert "<strong>71.4%</strong> of 7 check-ins were on time" in html
    assert "Aaron, Pat" in html and "Bo Nurse" in html
    assert "Not available: reminders are not sent by this version yet." in html
    assert "Not available: preparation checklists are not recorded in this version yet." in html


def rows_of(office, name: str) -> list[list[str]]:
    response = office.get(f"/history/reports/{name}.csv?date_from=2026-03-01&date_to=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"{name}-2026-03-01-to-2026-03-31.csv" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_every_report_downloads_as_csv(month, office):
    patients = rows_of(office, "billing-patients")
    assert patients[0] == ["Patient id", "MRN", "Patient", "Visits billed", "99601 units", "99602 units"]
    assert patients[1][1:] == ["R-1", "Aaron, Pat", "4", "4", "0"]
    assert patients[-1] == ["", "", "Total", "7", "7", "3"]
    assert rows_of(office, "billing-nurses")[-1] == ["", "Total", "7", "7", "3"]
    lengths = rows_of(office, "visit-lengths")
    assert lengths[-1] == ["Over 2 hours", "3", "42.9"]
    complications = rows_of(office, "complications")
    assert ["phlebitis", "Sore, swollen vein (phlebitis)", "2", "28.6"] in complications
    on_time = rows_of(office, "on-time")
    assert on_time[2] == ["On time (within 15 min of the planned start)", "5", "71.4"]


def test_reports_of_areas_not_landed_are_not_offered(month, office):
    assert office.get("/history/reports/reminders.csv?date_from=2026-03-01&date_to=2026-03-31"
                      ).status_code == 404
    assert office.get("/history/reports/nonsense.csv?date_from=2026-03-01&date_to=2026-03-31"
                      ).status_code == 404


def test_a_plugged_in_reminder_provider_fills_the_report(month, office):
    seen = []

    def delivery(start, end):
        seen.append((start, end))
        return hooks.Delivery(due=10, delivered=9, failed=1)

    hooks.provide("reminder_delivery", delivery)
    try:
        html = office.get("/history/reports?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
        rows = rows_of(office, "reminders")
    finally:
        hooks.withdraw("reminder_delivery", delivery)
    assert "<strong>90.0%</strong> delivered: 9 delivered, 1 failed, of 10 due." in html
    assert rows[2] == ["Delivered", "9", "90.0"]
    assert seen[0] == (MARCH.start, MARCH.end)


@pytest.mark.parametrize("query, message", [
    ("date_from=2026-03-31&date_to=2026-03-01", "The end date must be on or after the start date."),
    ("date_from=tomorrow&date_to=2026-03-01", "Enter a date like 2026-03-31."),
    ("date_from=2026-03-01", "Enter a date like 2026-03-31."),
])
def test_a_bad_range_is_explained(office, query, message):
    response = office.get(f"/history/reports?{query}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert office.get(f"/history/reports/on-time.csv?{query}").status_code == 422


def test_first_visit_shows_this_month(office):
    response = office.get("/history/reports")
    assert response.status_code == 200
    assert "Billing units per patient" in response.get_data(as_text=True)
