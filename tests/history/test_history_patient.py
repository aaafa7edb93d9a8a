"""A patient's history: every visit, trend charts with their numbers, complications by month."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Browser
from tests.history import builders
from tracker.extensions import db
from tracker.history import hooks
from tracker.models import AuditEvent

T0 = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)


@pytest.fixture
def history(make):
    nurse, patient = make.nurse(name="Tess Nurse"), make.patient(last_name="Trend")
    visits = []
    for i, (hr, temp) in enumerate([(70, 36.8), (96, 37.9), (124, 38.6)]):
        v = builders.finish(make.visit(nurse, patient, planned_start=T0 + timedelta(days=30 * i)), 80)
        builders.vitals(v, heart_rate=hr, temperature_c=temp, systolic=120 + i, diastolic=80 - i)
        visits.append(v)
    builders.complication(visits[1], "phlebitis")
    builders.complication(visits[2], "phlebitis")
    builders.complication(visits[2], "anaphylaxis", "severe")
    visits.append(make.visit(nurse, patient, planned_start=T0 + timedelta(days=100)))  # upcoming
    make.visit(planned_start=T0)  # someone else's visit
    return {"patient": patient, "visits": visits}


def test_every_visit_of_the_patient_is_listed(history, office):
    html = office.get(f"/history/patients/{history['patient'].id}").get_data(as_text=True)
    table = re.search(r'id="visits".*?</section>', html, re.S).group(0)
    linked = re.findall(r'href="/history/visits/(\d+)"', table)
    assert sorted(map(int, linked)) == sorted(v.id for v in history["visits"])
    assert "4 visits" in html


def test_trend_charts_and_their_numbers(history, office):
    pid = history["patient"].id
    html = office.get(f"/history/patients/{pid}").get_data(as_text=True)
    for chart, readings in (("hr", 3), ("bp", 6), ("temp", 3), ("spo2", 3), ("news2", 3)):
        assert re.search(rf'<title id="patient-{pid}-{chart}-title">[^<]*: {readings} readings</title>', html)
    bp = re.search(rf'id="patient-{pid}-bp">.*?</figure>', html, re.S).group(0)
    assert "Systolic" in bp and "Diastolic" in bp and bp.count("<polyline") == 2
    hr = re.search(rf'id="patient-{pid}-hr">.*?</figure>', html, re.S).group(0)
    assert "Heart rate 124 /min at 16 Mar 2026 11:05" in hr  # the tooltip, New York time
    assert 'class="point point-1 value-abnormal"' in hr  # 124/min scores in NEWS2
    assert re.search(r"<text[^>]*>15 Jan</text>", hr)  # dates on the time axis
    numbers = re.search(r'<details class="trend-numbers">.*?</details>', html, re.S).group(0)
    assert "The numbers (3 readings)" in numbers and ">124<" in numbers and ">38.6<" in numbers


def test_complications_over_time(history, office):
    html = office.get(f"/history/patients/{history['patient'].id}").get_data(as_text=True)
    section = re.search(r'id="complications".*?</section>', html, re.S).group(0)
    months = re.findall(r'<th scope="row">(\d{4}-\d{2})</th>(.*?)</tr>', section, re.S)
    assert [m for m, _ in months] == ["2026-02", "2026-03"]
    february, march = ([c.strip() for c in re.findall(r'<td class="num">(.*?)</td>', cells)]
                       for _, cells in months)
    # Columns in kind order: anaphylaxis, phlebitis.
    assert february == ["", "1"] and march == ["1", "1"]


def test_checklists_are_not_available_until_that_area_lands(history, office):
    html = office.get(f"/history/patients/{history['patient'].id}").get_data(as_text=True)
    assert "Not available: preparation checklists are not recorded in this version yet." in html
    assert "<th scope=\"col\">Checklist</th>" not in html


def test_a_plugged_in_checklist_provider_is_shown(history, office):
    def completion(start, end, patient_id):
        return hooks.ChecklistCompletion(visits=3, completed_before=2)

    def by_visit(ids):
        return {ids[0]: "3 of 3 ticked"}

    hooks.provide("checklist_completion", completion)
    hooks.provide("checklist_by_visit", by_visit)
    try:
        html = office.get(f"/history/patients/{history['patient'].id}").get_data(as_text=True)
    finally:
        hooks.withdraw("checklist_completion", completion)
        hooks.withdraw("checklist_by_visit", by_visit)
    assert "2 of 3 checklists were complete before the visit (67%)." in html
    assert "3 of 3 ticked" in html


def test_reading_is_audited_and_office_only(history, office, make, app):
    patient = history["patient"]
    office.get(f"/history/patients/{patient.id}")
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "patient_history_viewed",
                                                         AuditEvent.patient_id == patient.id))
    nurse = make.nurse()
    make.assign(nurse, patient)
    other = Browser(app.test_client())
    other.sign_in(nurse)
    assert other.get(f"/history/patients/{patient.id}").status_code == 403
    assert office.get("/history/patients/99999").status_code == 404


def test_a_patient_without_visits(make, office):
    html = office.get(f"/history/patients/{make.patient().id}").get_data(as_text=True)
    assert "No vital signs recorded yet." in html and "No visits yet." in html


def test_a_long_history_shows_the_latest_visits_and_links_to_the_rest(monkeypatch, history, office):
    from tracker.history import patient_history

    monkeypatch.setattr(patient_history, "VISIT_LIMIT", 2)
    monkeypatch.setattr(patient_history, "VITALS_LIMIT", 2)
    pid = history["patient"].id
    html = office.get(f"/history/patients/{pid}").get_data(as_text=True)
    assert "4 visits" in html
    table = re.search(r'id="visits".*?</section>', html, re.S).group(0)
    linked = sorted(map(int, re.findall(r'href="/history/visits/(\d+)"', table)))
    newest = sorted(v.id for v in history["visits"][-2:])  # the upcoming one and the last finished
    assert linked == newest and "Showing the latest 2 of 4" in table
    assert f'href="/history/visits?patient_id={pid}"' in table
    assert "The latest 2 of 3 sets of vital signs" in html
    numbers = re.search(r'<details class="trend-numbers">.*?</details>', html, re.S).group(0)
    assert ">124<" in numbers and ">96<" in numbers and ">70<" not in numbers
