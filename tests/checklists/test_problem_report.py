"""A problem reported after a visit becomes an urgent alert at once, for the coordinators and
the visit's nurse, with an in-app notification to each."""

import pytest
import time_machine
from sqlalchemy import select

from tests.checklists.support import check_out, schedule, utc
from tracker.alerts import services as alert_services
from tracker.extensions import db
from tracker.models import AuditEvent, Notification, ProblemReport


@pytest.fixture
def after_visit(make):
    with time_machine.travel(utc(2030, 5, 6, 18), tick=False):
        patient = make.patient(first_name="Rosalind", last_name="Quayle")
        patient_user = make.patient_user(patient)
        nurse, other_nurse = make.nurse(), make.nurse()
        coordinators = [make.coordinator(), make.coordinator()]
        visit = schedule(make, utc(2030, 5, 6, 14), patient=patient, nurse=nurse)
        check_out(visit, utc(2030, 5, 6, 16))
    return dict(visit=visit, patient_user=patient_user, nurse=nurse, other_nurse=other_nurse,
                coordinators=coordinators)


def report(signed_in, people, data):
    with time_machine.travel(utc(2030, 5, 6, 21), tick=False):
        browser = signed_in(people["patient_user"])
        return browser.post(f"/my-care/visits/{people['visit'].id}/problem", data=data,
                            page=f"/my-care/visits/{people['visit'].id}/recovery")


def test_a_reported_problem_alerts_the_nurse_and_the_coordinators(after_visit, signed_in):
    people = after_visit
    response = report(signed_in, people, {"problem": "fever", "details": "38.6 tonight"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/recovery#report-problem")

    [saved] = db.session.scalars(select(ProblemReport)).all()
    assert (saved.problem, saved.details, saved.reported_by_id) == (
        "fever", "38.6 tonight", people["patient_user"].id)
    [alert] = [a for a in alert_services.open_alerts(people["nurse"]) if a.kind == "patient_problem"]
    assert alert.severity == "urgent"
    assert alert.nurse_id == people["nurse"].id
    assert alert.visit_id == people["visit"].id
    assert alert.id == saved.alert_id
    assert "Fever or chills" in alert.message and "38.6 tonight" in alert.message
    assert alert.created_at == utc(2030, 5, 6, 21)
    for coordinator in people["coordinators"]:
        assert alert in alert_services.open_alerts(coordinator)
    assert alert_services.open_alerts(people["other_nurse"]) == []

    notified = {n.user_id: n for n in db.session.scalars(select(Notification).where(
        Notification.alert_id == alert.id))}
    assert set(notified) == {people["nurse"].id, *(c.id for c in people["coordinators"])}
    assert notified[people["nurse"].id].title == "Rosalind Quayle reported a problem: fever or chills"
    assert notified[people["nurse"].id].link == "/alerts/"

    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "problem_reported"))
    assert audit.patient_id == people["visit"].patient_id
    assert audit.detail == {"visit_id": people["visit"].id}  # the words stay out of the audit


def test_the_patient_sees_what_they_reported(after_visit, signed_in):
    people = after_visit
    report(signed_in, people, {"problem": "swelling", "details": ""})
    with time_machine.travel(utc(2030, 5, 6, 21, 1), tick=False):
        html = signed_in(people["patient_user"]).get(
            f"/my-care/visits/{people['visit'].id}/recovery").get_data(as_text=True)
    assert "You told us:" in html and "Swelling" in html
    assert "have been told and will call you" in html


def test_choosing_nothing_is_refused_and_the_text_kept(after_visit, signed_in):
    response = report(signed_in, after_visit, {"details": "It hurts a lot"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose what is wrong." in html
    assert "It hurts a lot" in html
    assert db.session.scalars(select(ProblemReport)).all() == []


def test_something_else_needs_words(after_visit, signed_in):
    response = report(signed_in, after_visit, {"problem": "other", "details": "  "})
    assert response.status_code == 422
    assert "Tell us in a few words what is wrong." in response.get_data(as_text=True)
    assert alert_services.open_alerts(after_visit["nurse"]) == []


def test_an_unknown_choice_is_refused(after_visit, signed_in):
    response = report(signed_in, after_visit, {"problem": "anything"})
    assert response.status_code == 422


def test_before_the_visit_there_is_nothing_to_report_yet(make, signed_in):
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 6, 14), patient=patient_user.patient)
    with time_machine.travel(utc(2030, 5, 5, 14), tick=False):
        browser = signed_in(patient_user)
        response = browser.post(f"/my-care/visits/{visit.id}/problem", data={"problem": "pain"},
                                page=f"/my-care/visits/{visit.id}/recovery")
    assert response.status_code == 422
    assert "after your visit" in response.get_data(as_text=True)
