"""The coordinator's visit record, its print view, and who read or changed it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Browser
from tests.history import builders
from tracker import audit
from tracker.extensions import db
from tracker.history import hooks
from tracker.models import (
    Addendum,
    AuditEvent,
    MedicationAdministration,
    SafetyCheck,
    VisitStep,
)

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def visit(make):
    nurse, patient = make.nurse(name="Rita Nurse"), make.patient(last_name="Record", mrn="REC-1")
    v = builders.finish(make.visit(nurse, patient, planned_start=T0), 151)
    db.session.add_all([
        VisitStep(visit_id=v.id, step_number=1, step_key="arrive_equipped", status="done",
                  performed_at=T0 + timedelta(minutes=1), recorded_by_id=nurse.id),
        SafetyCheck(visit_id=v.id, check="identity", confirmed=True, recorded_by_id=nurse.id,
                    recorded_at=T0 + timedelta(minutes=2)),
        MedicationAdministration(visit_id=v.id, order_id=v.order_id, drug="Ceftriaxone",
                                 lot_number="LOT-7", dose=2.0, dose_unit="g",
                                 started_at=T0 + timedelta(minutes=20),
                                 stopped_at=T0 + timedelta(minutes=50), recorded_by_id=nurse.id),
        Addendum(visit_id=v.id, author_id=nurse.id, text="Late entry: patient ate lunch.",
                 created_at=T0 + timedelta(hours=4)),
    ])
    db.session.commit()
    builders.vitals(v, 5)
    builders.vitals(v, 60, phase="during", heart_rate=118, temperature_c=38.4)
    builders.complication(v, "phlebitis", action="stop_infusion")
    return v


def test_record_shows_everything_in_time_order(visit, office):
    html = office.get(f"/history/visits/{visit.id}").get_data(as_text=True)
    timeline = re.search(r'<ol class="timeline record-timeline">.*?</ol>', html, re.S).group(0)
    titles = re.findall(r"<strong>(.*?)</strong>", timeline)
    assert titles == [
        "Checked in", "Step 1: Nurse arrives", "Safety check: Identity", "Vital signs (before)",
        "Infusion started: Ceftriaxone", "Complication: Sore, swollen vein (phlebitis) (mild)",
        "Action: Stop infusion", "Infusion stopped: Ceftriaxone", "Vital signs (during)",
        "Checked out", "Record signed", "Addendum"]
    # Times are the coordinator's (New York): check-in 10:00, check-out 12:31.
    assert "<time datetime=\"2026-03-10T14:00:00+00:00\">10:00</time>" in timeline
    assert "2 h 31 min" in html and "Over 2 hours" in html


def test_vitals_table_flags_abnormal_values_and_has_charts(visit, office):
    html = office.get(f"/history/visits/{visit.id}").get_data(as_text=True)
    assert '<span class="value-abnormal">118</span>' in html  # NEWS2 scores 118/min
    assert '<span class="value-abnormal">38.4</span>' in html
    assert html.count("<svg viewBox") >= 6  # heart rate, BP, temperature, SpO2, respiration, NEWS2
    assert f'<title id="visit-{visit.id}-hr-title">Heart rate: 2 readings</title>' in html


def test_billing_and_evv(visit, office):
    html = office.get(f"/history/visits/{visit.id}").get_data(as_text=True)
    billing = re.search(r'id="billing".*?</section>', html, re.S).group(0)
    assert re.search(r"<td>99601</td><td class=\"num\">1</td>", billing)
    assert re.search(r"<td>99602</td><td class=\"num\">1</td>", billing)
    evv = re.search(r'id="evv".*?</section>', html, re.S).group(0)
    assert "Rita Nurse" in evv and "MRN REC-1" in evv and "GPS 40.71280, -74.00600 (within 12 m)" in evv
    assert "Tuesday 10 March 2026" in evv and "12:31" in evv
    assert "Missing" not in evv


def test_missing_evv_elements_are_marked(make, office):
    v = make.visit(planned_start=T0)  # never checked in
    evv = re.search(r'id="evv".*?</section>', office.get(f"/history/visits/{v.id}").get_data(as_text=True),
                    re.S).group(0)
    assert evv.count("Missing") == 5  # date, two locations, start and end


def test_reading_the_record_is_audited_and_listed(visit, office, make, app):
    # Someone changed a vital sign earlier (the clinical area names the visit in the detail).
    audit.record("vital_signs_recorded", record_type="vital_signs", record_id=1,
                 patient_id=visit.patient_id, detail={"visit_id": visit.id},
                 user_id=visit.nurse_id)
    audit.record("vital_signs_recorded", record_type="vital_signs", record_id=2,
                 patient_id=visit.patient_id, detail={"visit_id": visit.id + 1000})  # another visit
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make.admin(name="Ada Admin"))
    other.get(f"/history/visits/{visit.id}")
    html = office.get(f"/history/visits/{visit.id}").get_data(as_text=True)
    log = re.search(r'id="access-log".*?</section>', html, re.S).group(0)
    assert log.count("visit record viewed") == 2 and "Ada Admin" in log
    assert log.count("vital signs recorded") == 1 and "Rita Nurse" in log
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "visit_record_viewed",
                                                         AuditEvent.record_id == str(visit.id))).all()
    assert len(events) == 2 and all(e.patient_id == visit.patient_id for e in events)


def test_print_view_has_no_navigation_and_is_audited(visit, office):
    response = office.get(f"/history/visits/{visit.id}/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "main-nav" not in html and "Sign out" not in html
    assert "Home infusion visit record" in html and "MRN REC-1" in html
    assert "Not signed." not in html  # this one is signed
    assert "Who viewed or changed" not in html
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "visit_record_printed"))


def test_print_view_of_an_unsigned_visit_says_it_is_not_final(make, office):
    v = builders.finish(make.visit(planned_start=T0), 60, state="completed")
    html = office.get(f"/history/visits/{v.id}/print").get_data(as_text=True)
    assert "Not signed." in html and "must not be filed" in html


def test_plugged_in_timeline_entries_appear(visit, office):
    def reminders(visit_id):
        return [hooks.TimelineEntry(T0 - timedelta(days=1), "reminder_sent", "Reminder sent",
                                    "e-mail delivered")]

    hooks.provide("visit_timeline", reminders)
    try:
        html = office.get(f"/history/visits/{visit.id}").get_data(as_text=True)
    finally:
        hooks.withdraw("visit_timeline", reminders)
    titles = re.findall(r"<strong>(.*?)</strong>",
                        re.search(r'<ol class="timeline record-timeline">.*?</ol>', html, re.S).group(0))
    assert titles[0] == "Reminder sent"


def test_unknown_visit_is_404(office):
    assert office.get("/history/visits/999999").status_code == 404
    assert office.get("/history/visits/999999/print").status_code == 404
