"""The patient's own pages: next visit in their time zone, getting ready, what to expect,
after-visit care with warning signs, past visits; never anybody else's."""

import pytest
import time_machine
from markupsafe import escape

from tests.checklists.support import check_in, check_out, schedule, utc
from tracker.main import home_pages

NOW = utc(2030, 5, 3, 15)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pat(make):
    patient = make.patient(first_name="Rosalind", last_name="Quayle", timezone="America/Chicago")
    return make.patient_user(patient)


def test_the_patient_lands_on_their_care_page(clock, make, pat, signed_in):
    assert home_pages.HOME_ENDPOINTS["patient"] == "checklists.patient_home"
    response = signed_in(pat).get("/home")
    assert response.headers["Location"] == "/my-care"


def test_home_shows_the_next_visit_in_the_patients_own_time_zone(clock, make, pat, signed_in):
    nurse = make.nurse(name="Nadia Brook, RN")
    schedule(make, utc(2030, 5, 9, 14), patient=pat.patient, nurse=nurse)  # later one
    visit = schedule(make, utc(2030, 5, 6, 14, 30), patient=pat.patient, nurse=nurse,
                     planned_minutes=90)
    html = signed_in(pat).get("/my-care").get_data(as_text=True)
    assert "patient-view" in html
    assert "Hello, Rosalind" in html
    assert "Monday 6 May at 09:30" in html  # 14:30 UTC is 09:30 in Chicago
    assert "Nadia Brook, RN" in html
    assert "It takes about 1 h 30 min." in html
    assert f"/my-care/visits/{visit.id}/prepare" in html
    assert "0 of 3 done" in html


def test_home_without_any_visit(clock, pat, signed_in):
    html = signed_in(pat).get("/my-care").get_data(as_text=True)
    assert "No visit is booked right now." in html


def test_the_preparation_page_has_the_list_and_what_to_expect(clock, make, pat, signed_in):
    visit = schedule(make, utc(2030, 5, 6, 14), patient=pat.patient)
    page = signed_in(pat).get(f"/my-care/visits/{visit.id}/prepare")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    record = visit.procedure_record.content
    for step in record["preparation_steps"]:
        assert escape(step["text"]) in html
    assert html.count(">Mark as done</button>") == 3  # one button per step
    for step in record["procedure_steps"]:
        assert escape(step["title"]) in html
    assert escape(record["duration_text"]) in html
    assert escape(record["patient_experience"][0]) in html


def test_after_a_visit_the_recovery_page_shows_steps_and_warning_signs(clock, make, pat, signed_in):
    visit = schedule(make, utc(2030, 5, 2, 14), patient=pat.patient)
    check_in(visit, utc(2030, 5, 2, 14, 5))
    check_out(visit, utc(2030, 5, 2, 15, 50))
    browser = signed_in(pat)
    home = browser.get("/my-care").get_data(as_text=True)
    assert "After your visit on Thursday 2 May at 10:50" in home
    html = browser.get(f"/my-care/visits/{visit.id}/recovery").get_data(as_text=True)
    record = visit.procedure_record.content
    for step in record["recovery_steps"]:
        assert escape(step["text"]) in html
    for sign in record["warning_signs"]:
        assert escape(sign["text"]) in html
        assert escape(sign["what_to_do"]) in html
    assert "Call 911 now if you have trouble breathing" in html
    assert html.count("Call the nurse line") == 4 and html.count(">Call 911<") == 1
    assert "The visit took 1 hour 45 minutes." in html
    assert "Tell us about a problem" in html and "Send to my care team" in html


def test_the_on_call_line_is_shown_when_set(app, clock, make, pat, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "ON_CALL_PHONE", "555 0199")
    visit = schedule(make, utc(2030, 5, 2, 14), patient=pat.patient)
    check_out(visit, utc(2030, 5, 2, 15, 50))
    html = signed_in(pat).get(f"/my-care/visits/{visit.id}/recovery").get_data(as_text=True)
    assert 'href="tel:5550199"' in html


def test_past_visits_show_date_length_and_nurse(clock, make, pat, signed_in):
    nurse = make.nurse(name="Nadia Brook, RN")
    visit = schedule(make, utc(2030, 4, 20, 14), patient=pat.patient, nurse=nurse)
    check_in(visit, utc(2030, 4, 20, 14, 10))
    check_out(visit, utc(2030, 4, 20, 16, 25))
    schedule(make, utc(2030, 5, 6, 14), patient=pat.patient, nurse=nurse)  # not past
    html = signed_in(pat).get("/my-care/past-visits").get_data(as_text=True)
    assert "Saturday 20 April at 09:10" in html
    assert "Length: 2 hours 15 minutes" in html
    assert "Nadia Brook, RN" in html
    assert html.count('class="card"') == 1


def test_a_patient_never_sees_another_patients_visit(clock, make, pat, signed_in):
    other = make.patient(first_name="Theodora", last_name="Whitlock")
    visit = schedule(make, utc(2030, 5, 6, 14), patient=other)
    check_out(visit, utc(2030, 5, 6, 16))
    browser = signed_in(pat)
    for url in (f"/my-care/visits/{visit.id}/prepare", f"/my-care/visits/{visit.id}/recovery"):
        assert browser.get(url).status_code == 404
    assert browser.post(f"/my-care/visits/{visit.id}/problem",
                        data={"problem": "fever"}).status_code == 404
    for url in ("/my-care", "/my-care/past-visits"):
        assert "Theodora" not in browser.get(url).get_data(as_text=True)


def test_staff_do_not_use_the_patient_pages(clock, make, signed_in):
    nurse = make.nurse()
    visit = schedule(make, utc(2030, 5, 6, 14), nurse=nurse)
    assert signed_in(nurse).get(f"/my-care/visits/{visit.id}/prepare").status_code == 403
