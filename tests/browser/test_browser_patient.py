"""A patient on a phone ticks and unticks a preparation step, and reports a problem after a
visit; the care team gets the alert."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import PHONE, sign_in
from tracker.extensions import db
from tracker.models import Alert, ChecklistItem, Notification
from tracker.timeutil import utcnow
from tracker.visits import events

STEP = "Check that your medicine and supplies have arrived. Keep them where the nurse can find them."


def schedule(make, patient, nurse, start):
    visit = make.visit(patient=patient, nurse=nurse, planned_start=start)
    events.visit_scheduled.send(visit)
    db.session.commit()
    return visit


def test_patient_ticks_unticks_and_reports_a_problem_on_a_phone(live_make, new_page):
    patient = live_make.patient(first_name="Winifred")
    user = live_make.patient_user(patient)
    nurse = live_make.nurse(name="Nadia Brook, RN")
    past = schedule(live_make, patient, nurse, utcnow() - timedelta(days=1, hours=2))
    past.state, past.checked_in_at = "in_progress", utcnow() - timedelta(days=1, hours=2)
    events.visit_checked_in.send(past)
    past.state, past.checked_out_at = "completed", utcnow() - timedelta(days=1)
    events.visit_checked_out.send(past)
    db.session.commit()
    upcoming = schedule(live_make, patient, nurse, utcnow() + timedelta(days=2))

    page = new_page(PHONE)
    sign_in(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Winifred")
    expect(page.get_by_text("Your nurse: Nadia Brook, RN")).to_be_visible()

    page.get_by_role("link", name=re.compile("Get ready for this visit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get ready for your visit")
    page.get_by_role("button", name=f"Mark as done: {STEP}").click()
    expect(page.get_by_role("status")).to_have_text("Marked as done.")
    undo = page.get_by_role("button", name=f"Undo: {STEP}")
    expect(undo).to_be_visible()
    expect(page.get_by_text("So far: 1 of 3 done.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Touch targets stay at least 44 px tall on the phone.
    assert undo.bounding_box()["height"] >= 44

    undo.click()
    expect(page.get_by_role("status")).to_have_text("No longer marked as done.")
    expect(page.get_by_role("button", name=f"Mark as done: {STEP}")).to_be_visible()
    db.session.rollback()  # end the test's read snapshot: the server committed since
    item = db.session.scalar(select(ChecklistItem).where(ChecklistItem.text == STEP)
                             .where(ChecklistItem.checklist.has(visit_id=upcoming.id)))
    assert item.ticked_at is None

    page.get_by_role("link", name="Back to my care").click()
    page.get_by_role("link", name="Report a problem").click()
    expect(page.get_by_role("heading", name="Tell us about a problem")).to_be_visible()
    page.get_by_label("Redness where the IV was").check()
    page.get_by_label("Tell us more").fill("Red and warm around the spot since this morning")
    page.get_by_role("button", name="Send to my care team").click()
    expect(page.get_by_role("status")).to_contain_text("Your nurse and the care team have been told")
    expect(page.get_by_text("You told us:")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    db.session.rollback()
    [alert] = db.session.scalars(select(Alert).where(Alert.visit_id == past.id)).all()
    assert (alert.kind, alert.severity, alert.nurse_id) == ("patient_problem", "urgent", nurse.id)
    assert db.session.scalar(select(Notification.id).where(
        Notification.user_id == nurse.id, Notification.alert_id == alert.id))


def test_a_patient_cannot_open_another_patients_checklist(live_make, new_page):
    other = live_make.patient(first_name="Octavia")
    visit = schedule(live_make, other, live_make.nurse(), utcnow() + timedelta(days=3))
    user = live_make.patient_user()
    page = new_page(PHONE)
    sign_in(page, user.email)
    response = page.goto(f"/my-care/visits/{visit.id}/prepare")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(page.get_by_text("Octavia")).to_have_count(0)
