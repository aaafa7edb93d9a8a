"""The nurse's visit page shows the patient's preparation, with steps not done highlighted."""

import re

from flask import render_template
from flask_login import login_user

from tests.checklists.support import schedule, utc
from tracker.checklists import services
from tracker.visits.blueprint import VISIT_PAGE_CONTEXT, VISIT_PAGE_SECTIONS, visit_page_context


def render_visit_page(app, visit, nurse) -> str:
    """The visit page as visits.show renders it: every section, with the providers' context."""
    with app.test_request_context(f"/visits/{visit.id}"):
        login_user(nurse)
        return render_template("visits/show.html", visit=visit, sections=VISIT_PAGE_SECTIONS,
                               **visit_page_context(visit, nurse))


def test_the_section_and_its_provider_are_installed(app):
    assert services.preparation_status in VISIT_PAGE_CONTEXT
    anchors = [anchor for anchor, _heading, _template in VISIT_PAGE_SECTIONS]
    assert anchors[anchors.index("check-in") + 1] == "preparation"
    assert ("preparation", "Patient's preparation",
            "visits/sections/_preparation.html") in VISIT_PAGE_SECTIONS


def test_the_provider_counts_what_is_done(make):
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 6, 14), patient=patient_user.patient)
    items = services.checklists_of(visit)["preparation"].items
    services.tick(items[1], patient_user)
    status = services.preparation_status(visit, None)["preparation_status"]
    assert (status.total, status.done, status.open_count, status.complete) == (3, 1, 2, False)
    assert [item.done for item in status.items] == [False, False, True]  # gaps first


def test_unticked_steps_are_highlighted_on_the_visit_page(app, make):
    nurse = make.nurse()
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 6, 14), patient=patient_user.patient, nurse=nurse)
    items = services.checklists_of(visit)["preparation"].items
    services.tick(items[0], patient_user)
    html = render_visit_page(app, visit, nurse)
    section = html[html.index('id="preparation"'):]
    assert "Patient&#39;s preparation" in section
    assert "2 of 3 not done" in section
    open_rows = re.findall(r'class="check-row checklist-item is-open"', section)
    done_rows = re.findall(r'class="check-row checklist-item is-done"', section)
    assert (len(open_rows), len(done_rows)) == (2, 1)
    assert f"· {patient_user.name}" in section  # who ticked it
    assert f"/checklists/visits/{visit.id}" in section


def test_all_done_says_so(app, make):
    nurse = make.nurse()
    patient_user = make.patient_user()
    visit = schedule(make, utc(2030, 5, 6, 14), patient=patient_user.patient, nurse=nurse)
    for item in services.checklists_of(visit)["preparation"].items:
        services.tick(item, patient_user)
    assert "All 3 steps done" in render_visit_page(app, visit, nurse)
