"""A nurse documents a whole visit on a 10-inch tablet and signs it."""

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import TABLET, later_today, sign_in
from tests.factories import Factory
from tracker.extensions import db
from tracker.models import Visit, VitalSigns
from tracker.timeutil import utcnow
from tracker.visits import services


def test_nurse_checks_in_confirms_checks_ticks_steps_checks_out_and_signs(live_make, new_page):
    office = live_make.coordinator()
    nurse = live_make.nurse()
    patient = live_make.patient(allergies="Sulfa drugs (hives)")
    live_make.assign(nurse, patient)
    order = live_make.order(patient, start_date=date(2020, 1, 1))
    visit = services.schedule_visit(office, {
        "order_id": order.id, "nurse_id": nurse.id, "planned_minutes": 120,
        "planned_start": later_today(nurse.timezone, minutes=30)})
    visit_id, nurse_id = visit.id, nurse.id
    db.session.rollback()  # no read transaction left open while the server writes

    page = new_page(TABLET)
    sign_in(page, nurse.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    page.get_by_role("link", name="Open and check in").click()
    expect(page.locator(".visit-allergies")).to_contain_text("Sulfa drugs (hives)")

    # No device location in this browser: confirm the patient's address, with the reason.
    check_in = page.locator("#check-in")
    check_in.get_by_label("I am at the patient's address").check()
    check_in.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Say why the location is not available")).to_be_visible()
    check_in = page.locator("#check-in")
    expect(check_in.get_by_label("I am at the patient's address")).to_be_checked()  # kept
    check_in.get_by_label("Why the location is not available").fill("Location turned off on the tablet")
    check_in.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Checked in at")).to_be_visible()
    expect(page.locator(".visit-header .badge")).to_have_text("In progress")
    expect(page.locator("[data-visit-timer]")).to_contain_text("0 min")

    safety = page.locator("#safety")
    identity = safety.locator("#safety-identity")
    identity.get_by_label("Full name").check()
    identity.get_by_label("Date of birth").check()
    identity.get_by_label("Identity confirmed: both identifiers match").check()
    with page.expect_navigation():  # the next field is on the page it loads
        identity.get_by_role("button", name="Save").click()
    page.locator("#safety-allergies").get_by_label("No conflict with the ordered medication").check()
    with page.expect_navigation():  # the next field is on the page it loads
        page.locator("#safety-allergies").get_by_role("button", name="Save").click()
    medication = page.locator("#safety-medication")
    for item in ("Drug: Ceftriaxone", "Dose: 2 g", "Route: IV", "Rate: 100 mL/h"):
        medication.get_by_label(item).check()
    medication.get_by_label("Medication expiry date").fill("2099-06-30")
    with page.expect_navigation():  # the next field is on the page it loads
        medication.get_by_role("button", name="Save").click()
    kit = page.locator("#safety-anaphylaxis_kit")
    kit.get_by_label("The kit is here").check()
    kit.get_by_label("Kit expiry date").fill("2099-01-31")
    with page.expect_navigation():  # the next field is on the page it loads
        kit.get_by_role("button", name="Save").click()
    page.locator("#safety-pump").get_by_label("Pump works and is set to the ordered rate").check()
    with page.expect_navigation():  # the next field is on the page it loads
        page.locator("#safety-pump").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Every safety check is confirmed: the infusion may start.")).to_be_visible()

    # Vital signs are the clinical sections' part of the page; recorded here directly (after
    # ending this session's read snapshot, which the server's writes have overtaken).
    db.session.rollback()
    db.session.add(VitalSigns(visit_id=visit_id, taken_at=utcnow(), phase="before", heart_rate=70,
                              systolic=122, diastolic=78, respiratory_rate=14, spo2=98,
                              temperature_c=36.6, recorded_by_id=nurse_id))
    db.session.commit()

    for number in range(1, 7):
        with page.expect_navigation():  # the next field is on the page it loads
            page.locator(f"#step-{number}").get_by_role("button", name="Done", exact=True).click()
        expect(page.locator(f"#step-{number}")).to_have_class("done")

    check_out = page.locator("#check-out")
    check_out.get_by_label("I am at the patient's address").check()
    check_out.get_by_label("Why the location is not available").fill("Location turned off on the tablet")
    check_out.get_by_role("button", name="Check out").click()
    expect(page.get_by_text("Checked out at")).to_be_visible()
    expect(page.locator("table.billing-lines")).to_contain_text("99601")
    expect(page.get_by_text("The record is complete and ready to sign.")).to_be_visible()

    page.locator("#check-out").get_by_label("Your password").fill(Factory.PASSWORD)
    page.locator("#check-out").get_by_role("button", name="Sign the visit").click()
    expect(page.get_by_text("Visit signed.")).to_be_visible()
    expect(page.locator(".visit-header .badge")).to_have_text("Signed")
    expect(page.get_by_text("This record is read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Check out")).to_have_count(0)
    expect(page.get_by_role("button", name="Done", exact=True)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]



def _scheduled_visit(make):
    office, nurse = make.coordinator(), make.nurse()
    patient = make.patient()
    make.assign(nurse, patient)
    order = make.order(patient, start_date=date(2020, 1, 1))
    visit = services.schedule_visit(office, {
        "order_id": order.id, "nurse_id": nurse.id, "planned_minutes": 120,
        "planned_start": later_today(nurse.timezone)})
    ids = visit.id, nurse.email
    db.session.rollback()
    return ids


def test_the_device_location_is_recorded_when_the_tablet_shares_it(live_make, new_page):
    visit_id, email = _scheduled_visit(live_make)
    page = new_page(TABLET, geolocation={"latitude": 40.7128, "longitude": -74.006, "accuracy": 9},
                    permissions=["geolocation"])
    sign_in(page, email)
    page.goto(f"/visits/{visit_id}")
    expect(page.get_by_text("Location found (within 9 m)")).to_be_visible()
    page.locator("#check-in").get_by_role("button", name="Check in").click()
    expect(page.locator("#check-in")).to_contain_text("Device location 40.71280, -74.00600 (within 9 m)")


def test_the_timer_warns_at_1_h_45_and_marks_the_2_hour_limit(live_make, new_page):
    visit_id, email = _scheduled_visit(live_make)
    visit = db.session.get(Visit, visit_id)
    services.check_in(visit.nurse, visit, {"latitude": 40.7, "longitude": -74.0})
    db.session.rollback()
    page = new_page(TABLET)
    page.clock.install()
    sign_in(page, email)
    page.goto(f"/visits/{visit_id}")
    timer = page.locator("[data-visit-timer]")
    expect(timer).to_have_class(re.compile("timer-ok"))
    page.clock.fast_forward("01:46:00")
    expect(timer).to_have_class(re.compile("timer-warning"))
    expect(timer).to_contain_text("1 h 46 min")
    page.clock.fast_forward("00:15:00")
    expect(timer).to_have_class(re.compile("timer-over"))
    expect(timer).to_contain_text("Over 2 hours")
