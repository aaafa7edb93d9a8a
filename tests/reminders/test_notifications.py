"""In-app notifications: the unread count in the navigation, a list to read and dismiss."""

import re

import time_machine

from tests.checklists.support import schedule, utc
from tracker.extensions import db
from tracker.models import Notification
from tracker.reminders import notifications
from tracker.reminders.dispatch import dispatch_due

COUNT = re.compile(r'class="badge-count" data-unread="(\d+)"')


def unread_in_nav(html: str) -> int:
    match = COUNT.search(html)
    return int(match.group(1)) if match else 0


def add(user, title="Something to read", link="/my-care"):
    notification = notifications.add(user.id, "test", title, "Body text", link)
    db.session.commit()
    return notification


def test_the_nav_shows_the_unread_count(make, signed_in):
    nurse = make.nurse()
    add(nurse, "First")
    add(nurse, "Second")
    browser = signed_in(nurse)
    html = browser.get("/alerts/").get_data(as_text=True)
    assert unread_in_nav(html) == 2
    assert "Notifications" in html


def test_a_patient_sees_messages_in_plain_words(make, signed_in):
    patient_user = make.patient_user()
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        schedule(make, utc(2026, 5, 5, 14), patient=patient_user.patient)
    with time_machine.travel(utc(2026, 5, 4, 14), tick=False):
        dispatch_due()
    browser = signed_in(patient_user)
    home = browser.get("/my-care").get_data(as_text=True)
    assert unread_in_nav(home) == 1
    page = browser.get("/notifications").get_data(as_text=True)
    assert "My messages" in page
    assert "Your visit is on Tuesday 5 May at 10:00" in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(make, signed_in):
    nurse = make.nurse()
    notification = add(nurse, link="/patients/")
    browser = signed_in(nurse)
    response = browser.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == "/patients/"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    assert unread_in_nav(browser.get("/notifications").get_data(as_text=True)) == 0


def test_dismissing_removes_it_from_the_list(make, signed_in):
    nurse = make.nurse()
    notification = add(nurse, "Please dismiss me")
    browser = signed_in(nurse)
    assert "Please dismiss me" in browser.get("/notifications").get_data(as_text=True)
    response = browser.post(f"/notifications/{notification.id}/dismiss", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Notification dismissed." in html
    assert "Please dismiss me" not in html


def test_mark_all_as_read(make, signed_in):
    nurse = make.nurse()
    add(nurse)
    add(nurse)
    browser = signed_in(nurse)
    browser.post("/notifications/read-all")
    assert unread_in_nav(browser.get("/notifications").get_data(as_text=True)) == 0


def test_someone_elses_notification_is_not_found(make, signed_in):
    other = add(make.nurse(), "Not yours")
    browser = signed_in(make.nurse())
    assert browser.post(f"/notifications/{other.id}/open").status_code == 404
    assert browser.post(f"/notifications/{other.id}/dismiss").status_code == 404
    assert "Not yours" not in browser.get("/notifications").get_data(as_text=True)


def test_a_link_to_another_site_is_never_stored():
    assert not notifications.is_internal_path("https://evil.example/")
    assert not notifications.is_internal_path("//evil.example/")
    assert notifications.is_internal_path("/my-care")
