"""Nurses and coordinators see a visit's checklists and add steps for it or for its order."""

from sqlalchemy import select

from tests.checklists.support import schedule, utc
from tracker.checklists import services
from tracker.extensions import db
from tracker.models import AuditEvent, ChecklistItem, OrderChecklistItem


def texts(visit, kind="preparation"):
    db.session.expire_all()
    return [item.text for item in services.checklists_of(visit)[kind].items]


def test_the_nurse_sees_both_lists(make, signed_in):
    nurse = make.nurse()
    visit = schedule(make, utc(2030, 5, 5, 14), nurse=nurse)
    html = signed_in(nurse).get(f"/checklists/visits/{visit.id}").get_data(as_text=True)
    assert "Getting ready" in html and "After the visit" in html
    assert "Check that your medicine and supplies have arrived." in html
    assert "Keep the bandage clean, dry and in place." in html
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "checklists_viewed", AuditEvent.user_id == nurse.id))


def test_a_nurse_adds_a_step_for_this_visit(make, signed_in):
    nurse = make.nurse()
    visit = schedule(make, utc(2030, 5, 5, 14), nurse=nurse)
    response = signed_in(nurse).post(f"/checklists/visits/{visit.id}/items", data={
        "text": "  Have a towel ready  ", "kind": "recovery", "scope": "visit"},
        follow_redirects=True)
    assert "Step added to this visit." in response.get_data(as_text=True)
    assert texts(visit, "recovery")[-1] == "Have a towel ready"
    item = db.session.scalar(select(ChecklistItem).where(ChecklistItem.text == "Have a towel ready"))
    assert (item.source, item.added_by_id) == ("visit", nurse.id)


def test_a_coordinator_adds_a_step_for_every_future_visit_of_the_order(make, signed_in):
    patient = make.patient()
    order = make.order(patient)
    first = schedule(make, utc(2030, 5, 5, 14), patient=patient, order=order)
    second = schedule(make, utc(2030, 5, 12, 14), patient=patient, order=order)
    signed_in(make.coordinator()).post(f"/checklists/visits/{first.id}/items", data={
        "text": "No food after midnight", "kind": "preparation", "scope": "order"})
    assert texts(first)[-1] == texts(second)[-1] == "No food after midnight"
    assert db.session.scalar(select(OrderChecklistItem.text).where(
        OrderChecklistItem.order_id == order.id)) == "No food after midnight"


def test_an_empty_step_is_refused_next_to_the_field(make, signed_in):
    nurse = make.nurse()
    visit = schedule(make, utc(2030, 5, 5, 14), nurse=nurse)
    response = signed_in(nurse).post(f"/checklists/visits/{visit.id}/items", data={
        "text": "   ", "kind": "preparation", "scope": "visit"})
    assert response.status_code == 422
    assert "Write the step." in response.get_data(as_text=True)
    too_long = signed_in(nurse).post(f"/checklists/visits/{visit.id}/items", data={
        "text": "x" * 301, "kind": "preparation", "scope": "visit"})
    assert too_long.status_code == 422
    assert "x" * 301 in too_long.get_data(as_text=True)  # what was typed is kept
    bad_kind = signed_in(nurse).post(f"/checklists/visits/{visit.id}/items", data={
        "text": "Something", "kind": "nonsense", "scope": "visit"})
    assert bad_kind.status_code == 422
    assert len(texts(visit)) == 3


def test_a_staff_step_can_be_removed_but_not_a_record_step(make, signed_in):
    nurse = make.nurse()
    visit = schedule(make, utc(2030, 5, 5, 14), nurse=nurse)
    added = services.add_visit_item(visit, nurse, "preparation", "Have a towel ready")
    browser = signed_in(nurse)
    browser.post(f"/checklists/items/{added.id}/remove")
    assert "Have a towel ready" not in texts(visit)
    record_step = services.checklists_of(visit)["preparation"].items[0]
    page = browser.post(f"/checklists/items/{record_step.id}/remove", follow_redirects=True)
    assert "cannot be removed" in page.get_data(as_text=True)
    assert len(texts(visit)) == 3


def test_staff_outside_the_visit_get_not_found(make, signed_in):
    visit = schedule(make, utc(2030, 5, 5, 14))
    browser = signed_in(make.nurse())
    assert browser.get(f"/checklists/visits/{visit.id}").status_code == 404
    assert browser.post(f"/checklists/visits/{visit.id}/items", data={
        "text": "x", "kind": "preparation", "scope": "visit"}).status_code == 404


def test_patients_cannot_use_the_staff_pages(make, signed_in):
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 5, 14), patient=patient_user.patient)
    assert signed_in(patient_user).get(f"/checklists/visits/{visit.id}").status_code == 403
