"""The coordinator's dashboard: today's visits by state, open alerts, acknowledging one."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.history import builders
from tracker.alerts.services import raise_alert
from tracker.extensions import db
from tracker.models import Alert

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York (EDT)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(clock, make, signed_in, coordinator):
    return signed_in(coordinator)


@pytest.fixture
def day(make, clock):
    nurse = make.nurse(name="Dee Nurse")
    p = {name: make.patient(last_name=name) for name in
         ("Later", "Latecomer", "Running", "Overtime", "Unsigned", "Missed", "Signed", "Yesterday",
          "Overdue", "Carryover")}
    v = {}
    v["later"] = make.visit(nurse, p["Later"], planned_start=NOW + timedelta(hours=2))
    v["late"] = make.visit(nurse, p["Latecomer"], planned_start=NOW - timedelta(minutes=30))
    v["running"] = make.visit(nurse, p["Running"], planned_start=NOW - timedelta(hours=1),
                              state="in_progress", checked_in_at=NOW - timedelta(hours=1))
    v["overtime"] = make.visit(nurse, p["Overtime"], planned_start=NOW - timedelta(hours=2, minutes=10),
                               state="in_progress", checked_in_at=NOW - timedelta(hours=2, minutes=10))
    v["unsigned"] = builders.finish(make.visit(nurse, p["Unsigned"], planned_start=NOW - timedelta(hours=3)),
                                    60, state="completed")
    v["missed"] = make.visit(nurse, p["Missed"], planned_start=NOW - timedelta(hours=4), state="missed")
    v["signed"] = builders.finish(make.visit(nurse, p["Signed"], planned_start=NOW - timedelta(hours=5)), 50)
    v["yesterday"] = make.visit(nurse, p["Yesterday"], planned_start=NOW - timedelta(days=1))
    v["overdue"] = builders.finish(make.visit(nurse, p["Overdue"], planned_start=NOW - timedelta(hours=21)),
                                   60, state="completed")  # checked out 20 h ago
    v["carryover"] = make.visit(nurse, p["Carryover"], planned_start=NOW - timedelta(days=1, hours=1),
                                state="in_progress", checked_in_at=NOW - timedelta(hours=25))
    return v


def section(html: str, anchor: str) -> str:
    match = re.search(rf'<section class="card" id="{anchor}".*?</section>', html, re.S)
    assert match, anchor
    return match.group(0)


def test_coordinator_lands_on_the_dashboard(desk):
    response = desk.get("/home")
    assert response.status_code == 302 and response.headers["Location"].endswith("/history/")


def test_todays_visits_by_state(day, desk):
    html = desk.get("/history/").get_data(as_text=True)
    scheduled = section(html, "scheduled")
    assert "Later" in scheduled and "Latecomer" in scheduled and "Yesterday" not in scheduled
    assert scheduled.count("Not started") == 1  # 30 min past its start, beyond the 15-minute window
    assert "Unsigned" in section(html, "unsigned")
    assert "Missed" in section(html, "missed")
    assert '<span class="kpi-number">1</span> signed' in html


def test_in_progress_shows_elapsed_time_and_the_two_hour_mark(day, desk):
    running = section(desk.get("/history/").get_data(as_text=True), "in-progress")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr><td>(\w+), .*?</tr>", running, re.S)}
    assert set(rows) == {"Running", "Overtime", "Carryover"}  # yesterday's open visit still shows
    # Checked in at 10:00 New York time: the 2-hour mark is 12:00.
    assert "1 h 00 min" in rows["Running"] and "<td>10:00</td>" in rows["Running"]
    assert "<td>12:00</td>" in rows["Running"]
    assert "2 h 10 min" in rows["Overtime"] and "Over 2 h" in rows["Overtime"]
    assert "Over 2 h" not in rows["Running"]


def test_unsigned_twelve_hours_after_check_out_is_computed_from_the_visits(day, desk):
    overdue = section(desk.get("/history/").get_data(as_text=True), "overdue")
    assert "Overdue" in overdue  # checked out 20 h ago, no alert was ever raised for it
    assert "Unsigned" not in overdue  # checked out today, 2 h ago


def _alerts(day):
    v = day
    alerts = {
        "complication": raise_alert("complication_reported", "urgent", "Complication: phlebitis",
                                    patient_id=v["running"].patient_id, visit_id=v["running"].id),
        "news2": raise_alert("news2_emergency", "emergency", "NEWS2 7 at 10:40",
                             patient_id=v["overtime"].patient_id, visit_id=v["overtime"].id),
        "problem": raise_alert("patient_problem_report", "warning", "Patient reports a swollen arm",
                               patient_id=v["signed"].patient_id),
        "reminder": raise_alert("reminder_failed", "warning", "Reminder e-mail bounced",
                                patient_id=v["later"].patient_id),
        "unsigned": raise_alert("visit_unsigned", "warning", "Visit not signed 12 h after check-out",
                                visit_id=v["overdue"].id),
    }
    db.session.commit()
    return alerts


def test_open_alerts_are_grouped(day, desk):
    _alerts(day)
    alerts = section(desk.get("/history/").get_data(as_text=True), "alerts")
    for heading in ("Complications (1)", "NEWS2 urgent or emergency (1)",
                    "Problems reported by patients (1)", "Reminders that failed (1)",
                    "Visits not signed (1)"):
        assert heading in alerts
    assert "Open alerts (5)" in alerts


def test_acknowledging_an_alert_with_a_note(day, desk):
    alert = _alerts(day)["news2"]
    response = desk.post(f"/history/alerts/{alert.id}/acknowledge",
                         {"note": "Called 911; patient transferred."}, page="/history/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/history/#alerts")
    db.session.expire_all()
    saved = db.session.get(Alert, alert.id)
    assert saved.acknowledged_at == NOW and saved.acknowledgement_note == "Called 911; patient transferred."
    html = desk.get("/history/").get_data(as_text=True)
    assert "Alert acknowledged." in html and "NEWS2 7 at 10:40" not in html


def test_acknowledging_without_a_note_keeps_the_alert_open(day, desk):
    alert = _alerts(day)["complication"]
    response = desk.post(f"/history/alerts/{alert.id}/acknowledge", {"note": "   "}, page="/history/")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    item = re.search(rf'<li class="alert-item[^"]*" id="alert-{alert.id}">.*?</li>', html, re.S).group(0)
    assert "Write what was done" in item and 'class="field-error"' in item
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).acknowledged_at is None


def test_acknowledging_twice_says_so(day, desk):
    alert = _alerts(day)["reminder"]
    desk.post(f"/history/alerts/{alert.id}/acknowledge", {"note": "Phoned the patient."}, page="/history/")
    response = desk.post(f"/history/alerts/{alert.id}/acknowledge", {"note": "Again"}, page="/history/",
                         follow_redirects=True)
    assert "This alert was already acknowledged." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).acknowledgement_note == "Phoned the patient."


def test_unknown_alert_is_404(desk):
    assert desk.post("/history/alerts/424242/acknowledge", {"note": "x"}, page="/history/").status_code == 404


def test_the_dashboard_read_is_audited(day, desk):
    from tracker.models import AuditEvent

    desk.get("/history/")
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "dashboard_viewed"))


def test_a_busy_day_lists_the_first_visits_of_each_state_and_counts_them_all(monkeypatch, make, clock, desk):
    from tracker.history import dashboard

    monkeypatch.setattr(dashboard, "SECTION_LIMIT", 3)
    nurse = make.nurse()
    for n in range(5):
        make.visit(nurse, make.patient(last_name=f"Busy{n}"), planned_start=NOW + timedelta(minutes=10 * n))
    make.visit(nurse, make.patient(last_name="Inside"), planned_start=NOW - timedelta(hours=1),
               state="in_progress", checked_in_at=NOW - timedelta(hours=1))
    html = desk.get("/history/").get_data(as_text=True)
    scheduled = section(html, "scheduled")
    assert "Scheduled (5)" in scheduled
    assert [f"Busy{n}" in scheduled for n in range(5)] == [True, True, True, False, False]
    assert "Showing the first 3 of 5" in scheduled
    link = re.search(r'href="([^"]*/history/visits\?[^"]*)">See them all', scheduled).group(1)
    listing = desk.get(link.replace("&amp;", "&")).get_data(as_text=True)
    table = listing[listing.index("<table"):]
    assert all(f"Busy{n}" in table for n in range(5)) and "Inside" not in table
    in_progress = section(html, "in-progress")
    assert "In progress (1)" in in_progress and "Showing the first" not in in_progress


def test_with_many_open_alerts_the_most_severe_come_first_even_when_older(monkeypatch, clock, make, desk):
    from tracker.history import dashboard

    monkeypatch.setattr(dashboard, "ALERT_LIMIT", 2)
    patient = make.patient()
    raise_alert("news2_emergency", "emergency", "Old emergency", patient_id=patient.id)
    db.session.commit()
    clock.shift(timedelta(minutes=5))
    for n in range(3):
        raise_alert("patient_problem_report", "warning", f"Newer warning {n}", patient_id=patient.id)
    db.session.commit()
    html = section(desk.get("/history/").get_data(as_text=True), "alerts")
    assert "Open alerts (4)" in html
    assert "Old emergency" in html and "Newer warning 2" in html and "Newer warning 0" not in html
    assert "Showing the 2 most severe" in html
