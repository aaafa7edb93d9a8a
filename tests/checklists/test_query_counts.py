"""The patient's pages and ticks send the same few SQL statements with a handful of visits or
a thousand (with their checklists, reminders and notifications)."""

from datetime import timedelta

import pytest
import time_machine

from tests import bulk
from tests.checklists.support import check_in, check_out, schedule, utc
from tests.sqlcount import as_served, statements
from tracker.checklists import services
from tracker.extensions import db

NOW = utc(2030, 5, 3, 15)
BUDGET = 10  # statements per request, whatever the data (counted as a server sends them)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def count(browser, method: str, url: str, data: dict | None = None) -> int:
    with statements() as sent:
        response = browser.client.open(url, method=method, data=data)
        response.get_data()
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(as_served(sent))


def counts(browser, upcoming, item, token: str) -> dict[str, int]:
    form = {"csrf_token": token}
    return {
        "GET /my-care": count(browser, "GET", "/my-care"),
        "GET prepare": count(browser, "GET", f"/my-care/visits/{upcoming.id}/prepare"),
        "POST tick": count(browser, "POST", f"/checklists/items/{item.id}/tick", form),
        "POST untick": count(browser, "POST", f"/checklists/items/{item.id}/untick", form),
    }


def test_the_patients_pages_do_not_grow_with_the_data(clock, make, signed_in):
    nurse, patient = make.nurse(), make.patient()
    user, order = make.patient_user(patient), make.order(patient)
    people = {"nurse": nurse, "patient": patient, "order": order}
    upcoming = schedule(make, utc(2030, 5, 6, 14), **people)
    recent = schedule(make, utc(2030, 5, 2, 14), **people)
    check_in(recent, utc(2030, 5, 2, 14, 5))
    check_out(recent, utc(2030, 5, 2, 15, 50))
    first, second = services.checklists_of(upcoming)["preparation"].items[:2]
    services.tick(first, nurse)  # the page names who ticked a step when it was not the patient
    browser = signed_in(user)
    token = browser.csrf("/my-care")
    small = counts(browser, upcoming, second, token)

    # A thousand more visits of the same people: signed ones long ago, scheduled ones missed
    # (still open, in the past), scheduled ones after the next visit; checklists for all,
    # reminders and unread notifications for the scheduled ones.
    signed = bulk.visits(500, first=NOW - timedelta(days=700), step=timedelta(days=1),
                         state="signed", **people)
    missed = bulk.visits(100, first=NOW - timedelta(days=150), step=timedelta(days=1),
                         state="scheduled", minutes=None, **people)
    later = bulk.visits(400, first=utc(2030, 5, 10, 14), step=timedelta(hours=20),
                        state="scheduled", minutes=None, **people)
    bulk.checklists(signed + missed + later, ticked_by_id=user.id, at=NOW - timedelta(days=1))
    bulk.reminders(missed + later, patient_id=patient.id, user_id=user.id, at=NOW - timedelta(days=1))
    db.session.expire_all()
    large = counts(browser, upcoming, second, token)

    assert large == small
    assert max(small.values()) <= BUDGET, small


def test_the_home_page_still_shows_both_cards_and_who_ticked(clock, make, signed_in):
    """What the fewer statements load is what the page shows."""
    nurse, patient = make.nurse(name="Nadia Brook, RN"), make.patient()
    user, order = make.patient_user(patient), make.order(patient)
    people = {"nurse": nurse, "patient": patient, "order": order}
    bulk.visits(3, first=NOW - timedelta(days=30), step=timedelta(days=1), state="scheduled",
                minutes=None, **people)  # missed: never the next visit
    upcoming = schedule(make, utc(2030, 5, 6, 14), **people)
    recent = schedule(make, utc(2030, 5, 2, 14), **people)
    check_in(recent, utc(2030, 5, 2, 14, 5))
    check_out(recent, utc(2030, 5, 2, 15, 50))
    services.tick(services.checklists_of(upcoming)["preparation"].items[0], nurse)
    browser = signed_in(user)
    home = browser.get("/my-care").get_data(as_text=True)
    assert f"/my-care/visits/{upcoming.id}/prepare" in home
    assert "1 of 3 done" in home
    assert f"/my-care/visits/{recent.id}/recovery" in home
    prepare = browser.get(f"/my-care/visits/{upcoming.id}/prepare").get_data(as_text=True)
    assert "ticked by Nadia Brook, RN" in prepare
    assert "Nadia Brook, RN" in prepare
