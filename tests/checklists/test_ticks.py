"""Ticking a step records who and when; undoing it is possible; the audit keeps both."""

import time_machine
from sqlalchemy import select

from tests.checklists.support import browser_for, cancel, schedule, utc
from tracker.checklists import services
from tracker.extensions import db
from tracker.models import ChecklistItem


def first_item(visit, kind="preparation"):
    return services.checklists_of(visit)[kind].items[0]


def fresh(item):
    db.session.expire_all()
    return db.session.get(ChecklistItem, item.id)


def test_a_patient_ticks_and_unticks_their_own_step(make, signed_in):
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 5, 14), patient=patient_user.patient)
    item = first_item(visit)
    with time_machine.travel(utc(2030, 5, 4, 19, 5), tick=False) as clock:
        browser = signed_in(patient_user)
        response = browser.post(f"/checklists/items/{item.id}/tick")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/my-care/visits/{visit.id}/prepare#item-{item.id}"
        ticked = fresh(item)
        assert ticked.ticked_at == utc(2030, 5, 4, 19, 5)
        assert ticked.ticked_by_id == patient_user.id

        clock.move_to(utc(2030, 5, 4, 19, 7))
        browser.post(f"/checklists/items/{item.id}/untick")
    assert fresh(item).ticked_at is None and fresh(item).ticked_by_id is None

    history = services.tick_history(item)
    assert [(e.action, e.user_id, e.at) for e in history] == [
        ("checklist_item_ticked", patient_user.id, utc(2030, 5, 4, 19, 5)),
        ("checklist_item_unticked", patient_user.id, utc(2030, 5, 4, 19, 7))]
    assert all(e.patient_id == visit.patient_id for e in history)


def test_a_double_tap_changes_nothing(make):
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 5, 14), patient=patient_user.patient)
    item = first_item(visit)
    assert services.tick(item, patient_user) is True
    assert services.tick(item, patient_user) is False
    assert len(services.tick_history(item)) == 1


def test_the_nurse_can_tick_for_the_patient_and_it_shows_who(app, make, signed_in):
    nurse = make.nurse()
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 5, 14), patient=patient_user.patient, nurse=nurse)
    item = first_item(visit)
    response = signed_in(nurse).post(f"/checklists/items/{item.id}/tick",
                                     data={"return_to": "visit"})
    assert response.headers["Location"].endswith("#preparation")
    assert fresh(item).ticked_by_id == nurse.id
    patient_browser = browser_for(app, patient_user)
    html = patient_browser.get(f"/my-care/visits/{visit.id}/prepare").get_data(as_text=True)
    assert f"ticked by {nurse.name}" in html


def test_another_patients_step_cannot_be_ticked(make, signed_in):
    visit = schedule(make, utc(2030, 5, 5, 14), patient=make.patient())
    item = first_item(visit)
    intruder = signed_in(make.patient_user())
    assert intruder.post(f"/checklists/items/{item.id}/tick").status_code == 404
    assert intruder.post(f"/checklists/items/{item.id}/untick").status_code == 404
    assert fresh(item).ticked_at is None


def test_a_nurse_who_is_not_on_the_visit_cannot_tick(make, signed_in):
    visit = schedule(make, utc(2030, 5, 5, 14))
    item = first_item(visit)
    assert signed_in(make.nurse()).post(f"/checklists/items/{item.id}/tick").status_code == 404


def test_a_cancelled_visits_checklist_is_closed(make, signed_in):
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 5, 14), patient=patient_user.patient)
    cancel(visit)
    item = first_item(visit)
    page = signed_in(patient_user).post(f"/checklists/items/{item.id}/tick", follow_redirects=True)
    assert "can no longer change" in page.get_data(as_text=True)
    assert fresh(item).ticked_at is None


def test_unknown_items_are_not_found(make, signed_in):
    missing = (db.session.scalar(select(ChecklistItem.id).order_by(ChecklistItem.id.desc())) or 0) + 1
    assert signed_in(make.coordinator()).post(f"/checklists/items/{missing}/tick").status_code == 404
