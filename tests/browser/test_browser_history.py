"""A coordinator's review in Chromium: dashboard, alert, history filter, visit record, patient
trends, print view and reports, on a 10-inch tablet and on a desktop."""

import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, TABLET, sign_in
from tests.history import builders
from tracker.alerts.services import raise_alert
from tracker.extensions import db
from tracker.timeutil import utcnow

SHOTS = os.environ.get("HISTORY_SCREENSHOTS")  # a folder, to look at the pages by eye


def no_sideways_scroll(page, viewport, name: str):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{viewport['width']}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name


@pytest.fixture
def review(live_make):
    """Today: one visit running for 2 h 10 min with an alert, one finished with vitals."""
    make = live_make
    coordinator = make.coordinator()
    nurse = make.nurse()
    patient = make.patient()
    now = utcnow().replace(microsecond=0)
    running = make.visit(nurse, patient, planned_start=now - timedelta(hours=2, minutes=10),
                         state="in_progress", checked_in_at=now - timedelta(hours=2, minutes=10))
    done = builders.finish(make.visit(nurse, patient, planned_start=now - timedelta(days=2)), 95)
    builders.vitals(done, 5)
    builders.vitals(done, 50, phase="during", heart_rate=112, temperature_c=38.3)
    builders.complication(done, "phlebitis", action="stop_infusion")
    earlier = builders.finish(make.visit(nurse, patient, planned_start=now - timedelta(days=9)), 80)
    builders.vitals(earlier, 5, heart_rate=80)
    alert = raise_alert("news2_urgent", "urgent", f"NEWS2 5 for visit {running.id}",
                        patient_id=patient.id, visit_id=running.id)
    db.session.commit()
    return {"coordinator": coordinator, "patient": patient, "running": running, "done": done,
            "alert": alert}


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP], ids=["tablet", "desktop"])
def test_coordinator_reviews_the_day_and_a_visit(review, new_page, viewport):
    patient, done = review["patient"], review["done"]
    page = new_page(viewport)
    sign_in(page, review["coordinator"].email)

    # The dashboard: the running visit is over 2 hours and its alert waits.
    expect(page.get_by_role("heading", level=1)).to_have_text("Care coordination: today")
    running_row = page.locator("#in-progress tr", has_text=patient.last_name)
    expect(running_row).to_contain_text("2 h 10 min")
    expect(running_row).to_contain_text("Over 2 h")
    no_sideways_scroll(page, viewport, "dashboard")
    item = page.locator(f"#alert-{review['alert'].id}")
    item.get_by_label("What was done").fill("Phoned the nurse; rechecking vitals.")
    item.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(page.locator(f"#alert-{review['alert'].id}")).to_have_count(0)

    # The visit history, filtered to the patient: the URL holds ids only.
    page.get_by_role("link", name="Visit history").first.click()
    page.get_by_label("Patient").select_option(str(patient.id))
    page.get_by_role("button", name="Show visits").click()
    assert re.search(rf"patient_id={patient.id}(&|$)", page.url)
    assert patient.last_name not in page.url and patient.mrn not in page.url
    expect(page.get_by_role("status")).to_contain_text("3 visits match")
    no_sideways_scroll(page, viewport, "visits")

    # The finished visit's record: timeline, vitals chart and EVV.
    page.locator(f'a[href="/history/visits/{done.id}"]').click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator(".record-timeline")).to_contain_text("Complication: Sore, swollen vein (phlebitis)")
    expect(page.locator(f"#visit-{done.id}-hr svg")).to_be_visible()
    expect(page.locator("#evv")).to_contain_text("Person providing the service")
    chart_box = page.locator(f"#visit-{done.id}-hr svg").bounding_box()
    assert chart_box["width"] >= 300  # big enough to read on the tablet
    no_sideways_scroll(page, viewport, "record")

    # The print view has no navigation.
    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home infusion visit record")
    expect(page.locator("nav.main-nav")).to_have_count(0)
    page.emulate_media(media="print")
    expect(page.get_by_text("use your browser's Print command")).to_be_hidden()
    page.emulate_media(media="screen")
    no_sideways_scroll(page, viewport, "print")

    # The patient's trends.
    page.get_by_role("link", name="Back to the visit record").click()
    page.get_by_role("link", name="Patient history").click()
    expect(page.locator(f"#patient-{patient.id}-hr svg circle")).to_have_count(3)
    page.get_by_text("The numbers (3 readings)").click()
    expect(page.locator("#trends table")).to_contain_text("112")
    no_sideways_scroll(page, viewport, "patient")

    # Reports for this month.
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Visit length")).to_be_visible()
    expect(page.locator("#reminders")).to_contain_text("Not available")
    no_sideways_scroll(page, viewport, "reports")
