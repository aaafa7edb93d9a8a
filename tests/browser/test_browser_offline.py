"""Offline capture on the tablet: the nurse's day opens with no connection, what she saves
waits on the tablet, and reaches the server once, with the time she saved it.

Chromium's offline mode (context.set_offline) cuts the page and its service worker off the
network; the live server gives the real http://127.0.0.1 origin service workers need. The
tests wait on what the nurse would see (entries and their states), never on the clock.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import TABLET, later_today, sign_in
from tracker.api import tokens
from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.models import ApiToken, Complication, IdempotencyKey, User, Visit, VitalSigns
from tracker.visits import scheduling, services

# The tablet's clock while offline: the nurse saved her entries this long before they synced.
CAPTURED_EARLIER = timedelta(minutes=20)
API_WRITES = "**/api/v1/visits/**"


@pytest.fixture
def day(live_make):
    """A nurse with one visit about to start; ids only (the server writes meanwhile)."""
    office, nurse = live_make.coordinator(), live_make.nurse()
    patient = live_make.patient(first_name="Odile", last_name="Offline")
    live_make.assign(nurse, patient)
    order = live_make.order(patient, start_date=date(2020, 1, 1))
    visit = services.schedule_visit(office, {
        "order_id": order.id, "nurse_id": nurse.id, "planned_minutes": 120,
        "planned_start": later_today(nurse.timezone)})
    ids = {"visit": visit.id, "nurse": nurse.id, "email": nurse.email, "office": office.id}
    db.session.rollback()  # no read transaction left open while the server writes
    return ids


def fresh():
    """Read what the server holds now (this session's snapshot is older)."""
    db.session.rollback()
    return db.session


def entries(page, state: str | None = None):
    return page.locator(".offline-entry" + (f'[data-state="{state}"]' if state else ""))


def ready(page) -> None:
    """The offline scripts have started: the tablet can save this page's forms."""
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")


def open_the_day(page, email: str) -> None:
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    expect(page.locator("[data-offline-day-status]")).to_have_attribute("data-state", "kept")


def go_offline(page, visit_id: int, *, clock_earlier: bool = False) -> None:
    page.context.set_offline(True)
    if clock_earlier:
        page.clock.set_system_time(datetime.now(UTC) - CAPTURED_EARLIER)
    page.goto(f"/visits/{visit_id}")
    expect(page.locator(".visit-header h1")).to_have_text("Odile Offline")
    ready(page)


def check_in(page) -> None:
    section = page.locator("#check-in")
    section.get_by_label("I am at the patient's address").check()
    section.get_by_label("Why the location is not available").fill("No signal in the house")
    section.get_by_role("button", name="Check in").click()


def check_in_offline(page, day, *, clock_earlier: bool = False) -> None:
    """Sign in, let the tablet keep the day, lose the connection and check in at the visit."""
    open_the_day(page, day["email"])
    go_offline(page, day["visit"], clock_earlier=clock_earlier)
    check_in(page)


def sign_in_and_see_the_check_in_sent(page, day) -> None:
    """A new sign-in gives the tablet a new token, and the queued check-in goes."""
    open_the_day(page, day["email"])
    expect(page.locator("[data-offline-status]")).to_be_hidden()
    assert fresh().get(Visit, day["visit"]).state == "in_progress"


def record_vitals(page, phase: str, heart_rate: str) -> None:
    section = page.locator("#vitals")
    section.get_by_label(phase).check()
    section.get_by_label("Heart rate (beats/min)").fill(heart_rate)
    section.get_by_label("Systolic BP (mmHg)").fill("118")
    section.get_by_label("Diastolic BP (mmHg)").fill("76")
    section.get_by_label("Oxygen saturation SpO₂ (%)").fill("97")
    section.get_by_role("button", name="Save vital signs").click()


def record_complication(page) -> None:
    section = page.locator("#complications")
    section.get_by_label("Infiltration or extravasation").check()
    section.get_by_label("Mild", exact=True).check()
    section.get_by_label("What you saw").fill("Swelling above the cannula")
    section.get_by_role("button", name="Save the complication").click()


def captured_times(page) -> list[datetime]:
    values = entries(page).evaluate_all("items => items.map(i => i.dataset.capturedAt)")
    return [datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values]


def test_a_day_documented_offline_reaches_the_server_once_with_its_capture_times(day, new_page):
    page = new_page(TABLET)
    check_in_offline(page, day, clock_earlier=True)
    expect(entries(page, "queued")).to_have_count(1)
    expect(page.locator("[data-offline-status]")).to_have_text("Offline · 1 entry waiting to sync")
    # A check-in waiting on the tablet opens the visit's other sections, as a real one would.
    expect(page.locator("#check-in form")).to_be_hidden()
    record_vitals(page, "Before the infusion", "72")
    expect(entries(page, "queued")).to_have_count(2)
    record_vitals(page, "During the infusion", "88")
    expect(entries(page, "queued")).to_have_count(3)
    record_complication(page)
    expect(entries(page, "queued")).to_have_count(4)
    expect(entries(page).nth(3)).to_contain_text("Infiltration or extravasation")
    captured = captured_times(page)

    page.reload()  # still offline: the page comes from the tablet, the entries from IndexedDB
    expect(entries(page, "queued")).to_have_count(4)
    expect(entries(page).first).to_contain_text("Waiting to sync")
    assert captured_times(page) == captured
    assert fresh().get(Visit, day["visit"]).state == "scheduled"  # nothing reached the server

    page.context.set_offline(False)
    expect(entries(page, "sent")).to_have_count(4)
    expect(page.locator("[data-offline-status]")).to_be_hidden()
    expect(entries(page).nth(1).locator("[data-entry-result]")).to_contain_text("NEWS2 0 (low risk)")

    session = fresh()
    visit = session.get(Visit, day["visit"])
    vitals = session.scalars(select(VitalSigns).where(VitalSigns.visit_id == visit.id)
                             .order_by(VitalSigns.taken_at)).all()
    complications = session.scalars(select(Complication).where(
        Complication.visit_id == visit.id)).all()
    assert visit.state == "in_progress"
    assert [v.heart_rate for v in vitals] == [72, 88] and len(complications) == 1
    # Stored with the times the tablet captured them, not the time they arrived.
    assert visit.checked_in_at == captured[0]
    assert [v.taken_at for v in vitals] == captured[1:3]
    assert complications[0].onset_at == captured[3]
    assert all(v.recorded_at - v.taken_at >= CAPTURED_EARLIER - timedelta(minutes=1) for v in vitals)


def test_lost_answers_and_a_whole_queue_sent_twice_store_each_entry_once(day, new_page):
    page = new_page(TABLET)
    check_in_offline(page, day)
    record_vitals(page, "Before the infusion", "70")
    record_complication(page)
    expect(entries(page, "queued")).to_have_count(3)

    # The connection returns, but every answer is lost on the way back: the server saved
    # the first entry, the tablet cannot know it, so the entry stays queued.
    delivered = []

    def lose_the_answer(route):
        delivered.append(route.fetch().status)
        route.abort("connectionreset")

    page.route(API_WRITES, lose_the_answer)
    page.context.set_offline(False)
    expect(entries(page).first).to_have_attribute("data-attempts", "1")
    expect(entries(page, "queued")).to_have_count(3)
    expect(page.locator("[data-offline-status]")).to_contain_text("no answer from the server yet")
    assert delivered == [200] and fresh().get(Visit, day["visit"]).state == "in_progress"

    page.unroute(API_WRITES)
    page.reload()  # a page load sends what waits
    expect(entries(page, "sent")).to_have_count(3)
    expect(entries(page).first).to_have_attribute("data-replayed", "true")

    # The whole queue again, as if the tablet had never heard back at all.
    page.evaluate("""async () => {
        for (const e of IVTOffline.entries()) {
            await IVTOffline.store.update(e.seq, s => Object.assign(s, {state: "queued"}));
        }
    }""")
    page.reload()
    expect(entries(page, "sent")).to_have_count(3)
    expect(page.locator('.offline-entry[data-replayed="true"]')).to_have_count(3)

    session = fresh()
    nurse_keys = session.scalar(select(func.count(IdempotencyKey.id)).where(
        IdempotencyKey.user_id == day["nurse"]))
    assert nurse_keys == 3
    assert session.scalar(select(func.count(VitalSigns.id)).where(
        VitalSigns.visit_id == day["visit"])) == 1
    assert session.scalar(select(func.count(Complication.id)).where(
        Complication.visit_id == day["visit"])) == 1


def test_a_visit_cancelled_meanwhile_is_shown_to_the_nurse_not_dropped(day, new_page):
    page = new_page(TABLET)
    check_in_offline(page, day)
    record_vitals(page, "Before the infusion", "76")
    expect(entries(page, "queued")).to_have_count(2)

    session = fresh()
    scheduling.cancel_visit(session.get(User, day["office"]), session.get(Visit, day["visit"]),
                            {"reason": "Patient admitted to hospital"})

    page.context.set_offline(False)
    refused = entries(page, "refused")
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("Not accepted by the server")
    expect(refused.first).to_contain_text("cancelled")
    expect(entries(page).nth(1)).to_contain_text("Held: an entry above was not accepted")
    expect(page.locator("[data-offline-status]")).to_contain_text("1 entry not accepted")

    page.reload()  # still there after a reload: nothing refused is ever dropped
    expect(entries(page, "refused")).to_have_count(1)

    # Discarding is on purpose: it asks first, and "Keep it" keeps it.
    check_in_entry = entries(page).first
    check_in_entry.get_by_role("button", name="Discard it").click()
    check_in_entry.get_by_role("button", name="Keep it").click()
    expect(entries(page)).to_have_count(2)
    check_in_entry.get_by_role("button", name="Discard it").click()
    check_in_entry.get_by_role("button", name="Yes, discard it").click()
    # The vital signs go next, and are refused for the same reason: shown, kept.
    expect(entries(page)).to_have_count(1)
    expect(entries(page, "refused")).to_have_count(1)
    expect(entries(page).first).to_contain_text("Vital signs")
    expect(entries(page).first).to_contain_text("cancelled")
    assert fresh().scalar(select(func.count(VitalSigns.id)).where(
        VitalSigns.visit_id == day["visit"])) == 0


def test_a_refused_entry_is_changed_and_sent_again_with_its_capture_time(day, new_page):
    page = new_page(TABLET)
    check_in_offline(page, day)
    record_vitals(page, "Before the infusion", "400")  # a typing error
    expect(entries(page, "queued")).to_have_count(2)
    captured = captured_times(page)

    page.context.set_offline(False)
    refused = entries(page, "refused")
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("Heart rate (beats/min): ")

    refused.first.get_by_role("button", name="Change it").click()
    vitals = page.locator("#vitals")
    expect(vitals.get_by_text("You are changing the vital signs saved on this tablet")).to_be_visible()
    expect(vitals.get_by_label("Heart rate (beats/min)")).to_have_value("400")
    vitals.get_by_label("Heart rate (beats/min)").fill("80")
    vitals.get_by_role("button", name="Save vital signs").click()
    expect(entries(page, "sent")).to_have_count(2)

    [row] = fresh().scalars(select(VitalSigns).where(VitalSigns.visit_id == day["visit"])).all()
    assert row.heart_rate == 80 and row.taken_at == captured[1]


def test_signing_out_with_entries_not_sent_asks_first_and_keeps_them(day, new_page):
    page = new_page(TABLET)
    check_in_offline(page, day)
    expect(entries(page, "queued")).to_have_count(1)
    page.route(API_WRITES, lambda route: route.abort("connectionrefused"))  # the server is away
    page.context.set_offline(False)
    expect(entries(page, "queued").first).to_have_attribute("data-attempts", "1")

    page.get_by_role("button", name="Sign out").click()
    dialog = page.locator("[data-sign-out-dialog]")
    expect(dialog).to_contain_text("1 entry not sent yet")
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_have_count(0)
    expect(entries(page, "queued")).to_have_count(1)

    page.get_by_role("button", name="Sign out").click()
    page.locator("[data-sign-out-dialog]").get_by_role(
        "button", name="Sign out, keep them on this tablet").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    live = fresh().scalars(select(ApiToken).where(ApiToken.user_id == day["nurse"],
                                                  ApiToken.revoked_at.is_(None))).all()
    assert live == []  # the browser's token stopped at sign-out

    page.unroute(API_WRITES)
    sign_in_and_see_the_check_in_sent(page, day)


def test_signing_out_with_nothing_waiting_clears_the_tablet(day, new_page):
    page = new_page(TABLET)
    open_the_day(page, day["email"])
    expect(page.locator("[data-offline-status]")).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    kept = page.evaluate("""async () => ({
        caches: (await caches.keys()).filter(n => n.startsWith("ivt-pages-")),
        databases: (await indexedDB.databases()).map(d => d.name)
            .filter(n => n.startsWith("ivt-offline-user-")),
    })""")
    assert kept == {"caches": [], "databases": []}


def test_with_the_session_over_and_the_token_revoked_entries_wait_for_sign_in(day, new_page):
    page = new_page(TABLET)
    check_in_offline(page, day)
    expect(entries(page, "queued")).to_have_count(1)

    # Meanwhile the nurse disconnected this browser on another device, which also ended her
    # sessions everywhere.
    session = fresh()
    nurse = session.get(User, day["nurse"])
    for token in tokens.active_tokens(nurse):
        tokens.revoke_token(nurse, token.id)
    auth_services.sign_out(nurse)

    page.context.set_offline(False)
    expect(entries(page).first).to_have_attribute("data-waiting-for", "sign-in")
    expect(entries(page).first).to_contain_text("Waiting for sign-in")
    expect(page.locator("[data-offline-status]")).to_contain_text("sign in to send")
    assert fresh().get(Visit, day["visit"]).state == "scheduled"

    sign_in_and_see_the_check_in_sent(page, day)


def test_a_form_post_the_network_drops_is_kept_by_the_service_worker(day, new_page):
    page = new_page(TABLET)
    open_the_day(page, day["email"])
    page.goto(f"/visits/{day['visit']}")
    ready(page)
    # The tablet believes it is online (a dead Wi-Fi), so the form posts as usual; the
    # service worker gets no answer and keeps the check-in instead of losing it.
    page.evaluate("Object.defineProperty(navigator, 'onLine', {get: () => true})")
    page.context.set_offline(True)
    check_in(page)
    expect(entries(page, "queued")).to_have_count(1)
    expect(entries(page).first).to_contain_text("Check-in")
    page.context.set_offline(False)
    page.reload()
    expect(entries(page, "sent")).to_have_count(1)
    assert fresh().get(Visit, day["visit"]).state == "in_progress"


def test_without_the_service_worker_an_open_page_still_queues_and_syncs(day, new_page):
    page = new_page(TABLET, service_workers="block")
    sign_in(page, day["email"])
    page.goto(f"/visits/{day['visit']}")
    ready(page)
    page.context.set_offline(True)
    check_in(page)
    record_vitals(page, "Before the infusion", "64")
    expect(entries(page, "queued")).to_have_count(2)
    page.context.set_offline(False)
    expect(entries(page, "sent")).to_have_count(2)
    assert fresh().scalar(select(func.count(VitalSigns.id)).where(
        VitalSigns.visit_id == day["visit"])) == 1


def test_without_javascript_the_visit_page_is_the_plain_form(day, new_page):
    page = new_page(TABLET, java_script_enabled=False)
    sign_in(page, day["email"])
    page.goto(f"/visits/{day['visit']}")
    expect(page.locator("#vitals form")).to_be_hidden()  # kept for an offline check-in only
    expect(page.get_by_text("Check in to start recording this visit.").first).to_be_visible()
    check_in(page)
    expect(page.get_by_text("Checked in at")).to_be_visible()
    expect(page.locator("#vitals form")).to_be_visible()


def test_wall_times_become_the_nurses_own_offsets_across_clock_changes(day, new_page):
    page = new_page(TABLET)
    open_the_day(page, day["email"])
    converted = page.evaluate("""() => [
        IVTCapture.wallTimeToIso("2026-03-05T14:30", "America/New_York"),
        IVTCapture.wallTimeToIso("2026-03-08T02:30", "America/New_York"),
        IVTCapture.wallTimeToIso("2026-11-01T01:30", "America/New_York"),
        IVTCapture.wallTimeToIso("2026-07-01T09:05", "Asia/Kolkata"),
    ]""")
    assert converted == ["2026-03-05T14:30:00.000-05:00", None,  # skipped when clocks go forward
                         "2026-11-01T01:30:00.000-04:00",  # the first of the repeated hour
                         "2026-07-01T09:05:00.000+05:30"]


def test_another_nurse_on_the_same_tablet_never_sees_the_first_ones_data(day, live_make, new_page):
    other_email = live_make.nurse().email
    db.session.rollback()
    page = new_page(TABLET)
    check_in_offline(page, day)
    page.route(API_WRITES, lambda route: route.abort("connectionrefused"))
    page.context.set_offline(False)
    # At least one refused send (coming online and the retry timer may both try at once).
    expect(entries(page, "queued").first).to_have_attribute("data-attempts", re.compile(r"^[1-9]\d*$"))
    page.get_by_role("button", name="Sign out").click()
    page.locator("[data-sign-out-dialog]").get_by_role(
        "button", name="Sign out, keep them on this tablet").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    open_the_day(page, other_email)
    expect(page.locator("[data-offline-status]")).to_be_hidden()
    stored = page.evaluate("""async () => ({
        caches: (await caches.keys()).filter(n => n.startsWith("ivt-pages-")),
        databases: (await indexedDB.databases()).map(d => d.name)
            .filter(n => n.startsWith("ivt-offline-user-")),
    })""")
    other_id = page.locator('meta[name="ivt-user"]').get_attribute("content")
    assert stored["caches"] == [f"ivt-pages-user-{other_id}"]  # the first nurse's pages are gone
    # Her entry that never reached the server waits in her own store, not shown here.
    assert f"ivt-offline-user-{day['nurse']}" in stored["databases"]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.unroute(API_WRITES)
    sign_in_and_see_the_check_in_sent(page, day)


def test_a_visit_given_to_another_nurse_meanwhile_is_shown_not_dropped(day, live_make, new_page):
    colleague = live_make.nurse()
    session = fresh()
    visit = session.get(Visit, day["visit"])
    live_make.assign(colleague, visit.patient)
    colleague_id = colleague.id
    db.session.rollback()
    page = new_page(TABLET)
    check_in_offline(page, day)
    expect(entries(page, "queued")).to_have_count(1)

    session = fresh()
    visit = session.get(Visit, day["visit"])
    scheduling.reschedule_visit(session.get(User, day["office"]), visit, {
        "nurse_id": colleague_id, "planned_start": visit.planned_start})

    page.context.set_offline(False)
    expect(entries(page, "refused")).to_have_count(1)
    expect(entries(page).first).to_contain_text("no longer on your list")
    assert fresh().get(Visit, day["visit"]).state == "scheduled"
