"""The audit log view (item 8): office only, filtered by user, patient, action and date."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import Browser
from tracker import audit
from tracker.extensions import db

T_MAR_1 = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
T_MAR_9_LATE = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 9 March, 23:00 in New York
T_MAR_20 = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def log(make):
    nina, omar = make.nurse(name="Nina Nurse"), make.nurse(name="Omar Nurse")
    p1, p2 = make.patient(), make.patient()
    for at, user, patient, action, record in [
            (T_MAR_1, nina, p1, "vital_signs_recorded", ("vital_signs", 1)),
            (T_MAR_9_LATE, nina, p2, "visit_record_viewed", ("visit", 41)),
            (T_MAR_20, omar, p1, "visit_record_viewed", ("visit", 42)),
            (T_MAR_20, omar, p2, "patient_viewed", ("patient", p2.id))]:
        with time_machine.travel(at, tick=False):
            audit.record(action, record_type=record[0], record_id=record[1], patient_id=patient.id,
                         user_id=user.id)
            db.session.commit()  # the event's time is set when it is written
    return {"nina": nina, "omar": omar, "p1": p1, "p2": p2}


def shown(browser, query: str) -> list[tuple[str, str]]:
    """(user, action) of each listed event other than the office's own reads of the log."""
    response = browser.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>\s*<td>([^<]*)</td>",
                      response.get_data(as_text=True))
    return [r for r in rows if r[1] not in ("audit log viewed", "patient list viewed")]


def test_filters_alone_and_together(log, office):
    nina, omar, p1, p2 = log["nina"].id, log["omar"].id, log["p1"].id, log["p2"].id
    assert sorted(shown(office, f"user_id={nina}")) == [("Nina Nurse", "visit record viewed"),
                                                        ("Nina Nurse", "vital signs recorded")]
    assert sorted(shown(office, f"patient_id={p1}")) == [("Nina Nurse", "vital signs recorded"),
                                                         ("Omar Nurse", "visit record viewed")]
    assert shown(office, "action=patient_viewed") == [("Omar Nurse", "patient viewed")]
    assert shown(office, f"user_id={omar}&patient_id={p2}&action=patient_viewed") == [
        ("Omar Nurse", "patient viewed")]
    assert shown(office, f"user_id={nina}&action=patient_viewed") == []


def test_dates_are_whole_days_in_the_viewers_zone(log, office):
    # 03:00 UTC on the 10th is the 9th in New York.
    assert shown(office, "date_from=2026-03-09&date_to=2026-03-09") == [
        ("Nina Nurse", "visit record viewed")]
    assert shown(office, f"date_from=2026-03-10&user_id={log['nina'].id}") == []
    assert len(shown(office, "date_to=2026-03-09")) == 2


def test_visit_events_link_to_the_visit_record(log, office):
    html = office.get("/admin/audit?action=visit_record_viewed").get_data(as_text=True)
    assert '<a href="/history/visits/42">visit 42</a>' in html


@pytest.mark.parametrize("query, message", [
    ("date_from=03/01/2026", "Use the form YYYY-MM-DD."),
    ("date_from=2026-03-20&date_to=2026-03-01", "The end date must be on or after the start date."),
    ("user_id=999999", "Not a valid choice"),
])
def test_a_bad_filter_is_explained_and_lists_nothing(log, office, query, message):
    response = office.get(f"/admin/audit?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "Correct the filter to see events." in html
    assert "vital signs recorded</td>" not in html


def test_office_only(log, make, app, office):
    assert office.get("/admin/audit").status_code == 200
    admin = Browser(app.test_client())
    admin.sign_in(make.admin())
    assert admin.get(f"/admin/audit?patient_id={log['p1'].id}").status_code == 200
    nurse = Browser(app.test_client())
    nurse.sign_in(make.nurse())
    assert nurse.get("/admin/audit").status_code == 403


def test_reading_the_log_is_itself_audited(log, office):
    office.get(f"/admin/audit?patient_id={log['p1'].id}")
    assert ("Test Coordinator" in office.get("/admin/audit?action=audit_log_viewed").get_data(as_text=True))
