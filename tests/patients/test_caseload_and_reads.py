"""Nurses read their caseload only; coordinators assign and remove nurses; every read of a
patient record leaves an audit row (who, what, which record, which patient, from where)."""

from tests.support import audit_rows, data_snapshot, location_path, snapshot_difference, text
from tracker.extensions import db


def test_a_nurse_lists_and_opens_only_her_caseload(make, signed_in):
    nurse = make.nurse()
    mine, theirs = make.patient(), make.patient()
    make.assign(nurse, mine)
    make.assign(make.nurse(), theirs)
    browser = signed_in(nurse)
    listing = text(browser.get("/patients/"))
    assert "My caseload" in listing
    assert mine.last_name in listing and theirs.last_name not in listing
    assert browser.get(f"/patients/{mine.id}").status_code == 200
    assert browser.get(f"/patients/{theirs.id}").status_code == 404
    [listed] = audit_rows("patient_list_viewed", user_id=nurse.id)
    assert listed.detail == {"count": 1}


def test_a_nurse_caseload_page_shows_only_her_patients(make, signed_in):
    nurse = make.nurse()
    mine, theirs = make.patient(), make.patient()
    make.assign(nurse, mine)
    page = text(signed_in(nurse).get("/patients/"))
    assert mine.last_name in page and theirs.last_name not in page


def test_the_office_sees_every_patient(make, signed_in):
    patients = [make.patient() for _ in range(3)]
    listing = text(signed_in(make.coordinator()).get("/patients/"))
    assert all(p.last_name in listing for p in patients)


def test_every_read_of_a_record_is_audited(make, signed_in):
    nurse = make.nurse()
    patient = make.patient()
    make.assign(nurse, patient)
    coordinator = make.coordinator()
    patient_user = make.patient_user(patient)
    for user, url, action in ((nurse, f"/patients/{patient.id}", "patient_viewed"),
                              (coordinator, f"/patients/{patient.id}", "patient_viewed"),
                              (coordinator, f"/patients/{patient.id}/edit", "patient_viewed"),
                              (patient_user, "/my-care", "patient_home_viewed")):
        browser = signed_in(user)
        before = len(audit_rows(action, patient_id=patient.id))
        assert browser.get(url).status_code == 200
        rows = audit_rows(action, patient_id=patient.id)
        assert len(rows) == before + 1, url
        assert (rows[-1].user_id, rows[-1].record_type, rows[-1].record_id,
                rows[-1].ip_address) == (user.id, "patient", str(patient.id), "127.0.0.1")
        browser.post("/sign-out")


def test_a_refused_read_is_not_a_read(make, signed_in):
    nurse = make.nurse()
    patient = make.patient()
    signed_in(nurse).get(f"/patients/{patient.id}")
    assert audit_rows("patient_viewed", patient_id=patient.id) == []


def test_a_coordinator_assigns_and_removes_a_nurse(make, signed_in, app):
    from tests.support import browser_signed_in

    coordinator, nurse = make.coordinator(), make.nurse()
    patient = make.patient()
    office = signed_in(coordinator)
    nurse_browser = browser_signed_in(app, nurse)
    assert nurse_browser.get(f"/patients/{patient.id}").status_code == 404

    page = f"/patients/{patient.id}"
    response = office.post(f"/patients/{patient.id}/caseload", {"nurse_id": nurse.id}, page=page)
    assert response.status_code == 302 and location_path(response) == page
    shown = text(office.get(page))
    assert "Nurse added to the caseload." in shown and nurse.name in shown
    assert nurse_browser.get(page).status_code == 200
    [assigned] = audit_rows("caseload_assigned", patient_id=patient.id)
    assert assigned.user_id == coordinator.id and assigned.detail == {"nurse_id": nurse.id}

    office.post(f"/patients/{patient.id}/caseload", {"nurse_id": nurse.id}, page=page)
    assert "already has this patient on their caseload" in text(office.get(page))

    office.post(f"/patients/{patient.id}/caseload/{nurse.id}/remove", page=page)
    assert "Nurse removed from the caseload." in text(office.get(page))
    assert nurse_browser.get(page).status_code == 404
    [removed] = audit_rows("caseload_unassigned", patient_id=patient.id)
    assert removed.user_id == coordinator.id


def test_only_active_nurses_can_be_assigned(make, signed_in):
    patient = make.patient()
    not_a_nurse = make.coordinator()
    gone = make.nurse()
    gone.active = False
    db.session.commit()
    office = signed_in(make.coordinator())
    page = f"/patients/{patient.id}"
    token = office.csrf(page)
    before = data_snapshot()
    for user in (not_a_nurse, gone):
        office.client.post(f"/patients/{patient.id}/caseload",
                           data={"nurse_id": user.id, "csrf_token": token})
    assert snapshot_difference(before, data_snapshot()) == []
    assert "Choose a nurse from the list." in text(office.get(page))


def test_removing_a_nurse_who_is_not_assigned_is_not_found(make, signed_in):
    patient, nurse = make.patient(), make.nurse()
    office = signed_in(make.coordinator())
    response = office.post(f"/patients/{patient.id}/caseload/{nurse.id}/remove",
                           page=f"/patients/{patient.id}")
    assert response.status_code == 404
