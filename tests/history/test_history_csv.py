"""CSV export of the visit history: content, spreadsheet safety, and a streamed large export."""

import csv
import io
import tracemalloc
from datetime import UTC, datetime, timedelta
from types import GeneratorType
from zoneinfo import ZoneInfo

import pytest
from flask_login import login_user

from tests.history import builders
from tracker.history import csv_export
from tracker.history.csv_export import safe_cell
from tracker.history.filters import VisitFilter

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_has_one_row_per_visit_with_its_facts(make, office):
    nurse, patient = make.nurse(name="Nia Nurse"), make.patient(mrn="CSV-1")
    visit = builders.finish(make.visit(nurse, patient, planned_start=T0), 151)
    builders.vitals(visit, respiratory_rate=26, heart_rate=115, spo2=93)
    builders.complication(visit, "phlebitis")
    make.visit(planned_start=T0 + timedelta(days=1))  # another patient's, filtered out below

    response = office.get(f"/history/visits.csv?patient_id={patient.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=visit-history.csv"
    rows = parse(response.get_data(as_text=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Visit id", "Planned start (America/New_York)", "State"]
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Visit id"] == str(visit.id)
    assert row["Planned start (America/New_York)"] == "2026-03-10 10:00"
    assert row["MRN"] == "CSV-1" and row["Nurse"] == "Nia Nurse"
    assert row["Length"] == "2 h 31 min" and row["Over 2 hours"] == "yes"
    assert row["Worst NEWS2 band"] == "high" and row["Complications"] == "phlebitis"
    assert (row["99601 units"], row["99602 units"]) == ("1", "1")
    assert row["Checked out (America/New_York)"] == "2026-03-10 12:31"


def test_export_follows_the_filter_and_the_sort(make, office):
    nurse = make.nurse()
    for day in range(3):
        builders.finish(make.visit(nurse, planned_start=T0 + timedelta(days=day)), 60)
    make.visit(planned_start=T0)  # another nurse
    rows = parse(office.get(f"/history/visits.csv?nurse_id={nurse.id}&sort=asc").get_data(as_text=True))
    starts = [r[1] for r in rows[1:]]
    assert starts == ["2026-03-10 10:00", "2026-03-11 10:00", "2026-03-12 10:00"]


def test_cells_that_a_spreadsheet_would_run_as_formulas_stay_text(make, office):
    patient = make.patient(last_name="=HYPERLINK(\"http://x\")", first_name="+1")
    make.visit(make.nurse(name="@SUM(A1)"), patient, planned_start=T0)
    row = parse(office.get("/history/visits.csv").get_data(as_text=True))[1]
    assert "'=HYPERLINK(\"http://x\"), +1" in row
    assert "'@SUM(A1)" in row
    assert row[0].isdigit()  # numbers are written as numbers


def test_safe_cell_rules():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-2") == "'-2"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("Ann") == "Ann"
    assert safe_cell(-2) == -2  # our own numbers are not user text
    assert safe_cell(None) == ""


def test_five_thousand_visits_stream_out(app, make, coordinator, office):
    patient = make.patient()
    builders.bulk_visits(5000, nurse=make.nurse(), patient=patient, order=make.order(patient),
                         first=T0, step=timedelta(minutes=30))
    with app.test_request_context("/history/visits.csv"):
        login_user(coordinator)
        response = app.view_functions["history.visits_csv"]()
        assert response.is_streamed and "Content-Length" not in response.headers
        assert isinstance(response.response, GeneratorType)  # lines are made as they are sent
        lines = sum(chunk.count("\r\n") for chunk in response.response)
    assert lines == 5001  # the header and every visit
    # And through the whole stack, as a browser gets it:
    body = office.get("/history/visits.csv").get_data(as_text=True)
    assert len(parse(body)) == 5001


def _peak_bytes_while_exporting() -> int:
    tracemalloc.start()
    try:
        for _line in csv_export.visit_history_csv(VisitFilter(), "America/New_York"):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_memory_stays_flat_as_the_history_grows(make):
    patient = make.patient()
    people = dict(nurse=make.nurse(), patient=patient, order=make.order(patient))
    # Two batches of 1,000 rows at least, so that both fetch buffers are full in each run.
    builders.bulk_visits(2000, first=T0, step=timedelta(minutes=30), **people)
    for _line in csv_export.visit_history_csv(VisitFilter(), "America/New_York"):
        pass  # a first run compiles the statement and fills caches
    small = _peak_bytes_while_exporting()
    builders.bulk_visits(4000, first=T0 + timedelta(days=100), step=timedelta(minutes=30), **people)
    large = _peak_bytes_while_exporting()
    # Three times the rows; rows are fetched 1,000 at a time, so the peak barely moves
    # (a list of every row would need about three times the memory).
    assert large < small * 1.5, (small, large)


@pytest.mark.parametrize("tz", ["America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"])
def test_export_times_match_the_zone_through_daylight_saving_changes(tz):
    local_time = csv_export.LocalTimes(tz)
    for start in (datetime(2026, 3, 7, 12), datetime(2026, 4, 4, 12), datetime(2026, 10, 3, 12),
                  datetime(2026, 10, 31, 12)):
        for minute in range(0, 36 * 60, 7):  # every 7 minutes over a day and a half
            value = start + timedelta(minutes=minute)
            expected = value.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
            assert local_time(value) == expected, value
    assert local_time(None) == ""
