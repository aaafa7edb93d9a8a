"""Coordinators create and edit patient records; a refused form keeps everything typed and
answers 422 with the message next to the field; every create and change is audited."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.support import (
    audit_rows,
    data_snapshot,
    field_errors,
    input_value,
    location_path,
    selected_option,
    snapshot_difference,
    text,
    textarea_value,
)
from tracker.extensions import db
from tracker.models import Patient


def patient_form(**overrides) -> dict:
    values = {"mrn": "MRN-1001", "first_name": "Ada", "last_name": "Testperson",
              "date_of_birth": "1956-04-30", "address_line": "1 Test Road", "city": "Testville",
              "state": "NY", "postal_code": "10001", "phone": "555-0100",
              "timezone": "America/Chicago", "emergency_contact_name": "Bo Testperson",
              "emergency_contact_phone": "555-0101", "allergies": "Latex (rash)",
              "primary_indication": "cancer", "indication_other": "", "notes": "Dog in the yard"}
    values.update(overrides)
    return values


def _patient(mrn: str) -> Patient | None:
    db.session.expire_all()
    return db.session.scalar(select(Patient).where(Patient.mrn == mrn))


def _assert_typed_values_kept(page: str, typed: dict):
    for name in ("mrn", "first_name", "last_name", "date_of_birth", "address_line", "city",
                 "state", "postal_code", "phone", "emergency_contact_name",
                 "emergency_contact_phone", "indication_other"):
        assert input_value(page, name) == typed[name].strip(), name
    for name in ("allergies", "notes"):
        assert textarea_value(page, name) == typed[name].strip(), name
    for name in ("timezone", "primary_indication"):
        assert selected_option(page, name) == typed[name], name


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_office_creates_a_patient_record(make, signed_in, role):
    user = make.user(role)
    browser = signed_in(user)
    assert browser.get("/patients/new").status_code == 200
    response = browser.post("/patients/new", patient_form(email_opt_out="y"), page="/patients/new")
    patient = _patient("MRN-1001")
    assert response.status_code == 302 and location_path(response) == f"/patients/{patient.id}"
    assert (patient.first_name, patient.last_name, patient.date_of_birth, patient.timezone,
            patient.primary_indication, patient.email_opt_out) == (
        "Ada", "Testperson", date(1956, 4, 30), "America/Chicago", "cancer", True)
    page = text(browser.get(f"/patients/{patient.id}"))
    assert "Patient record created." in page and "Latex (rash)" in page
    [created] = audit_rows("patient_created", patient_id=patient.id)
    assert (created.user_id, created.record_type, created.record_id, created.ip_address) == (
        user.id, "patient", str(patient.id), "127.0.0.1")


def test_values_are_trimmed_before_they_are_stored(make, signed_in):
    browser = signed_in(make.coordinator())
    browser.post("/patients/new", patient_form(mrn="  MRN-2002 ", first_name=" Ada  "),
                 page="/patients/new")
    assert _patient("MRN-2002").first_name == "Ada"


def test_an_mrn_already_in_use_is_refused_next_to_the_field(make, signed_in):
    make.patient(mrn="MRN-1001")
    browser = signed_in(make.coordinator())
    before = data_snapshot()
    typed = patient_form()
    response = browser.post("/patients/new", typed, page="/patients/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "mrn") == ["Another patient already has this MRN."]
    assert "Please check the highlighted fields." in page
    _assert_typed_values_kept(page, typed)
    assert snapshot_difference(before, data_snapshot()) == []


def test_missing_required_fields_are_named_next_to_each_field(make, signed_in):
    browser = signed_in(make.coordinator())
    typed = patient_form(first_name="", phone="", allergies="", date_of_birth="", city="")
    response = browser.post("/patients/new", typed, page="/patients/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "first_name") == ["Enter the first name."]
    assert field_errors(page, "phone") == ["Enter the phone."]
    assert field_errors(page, "city") == ["Enter the city."]
    assert field_errors(page, "allergies") == ["Enter the allergies, or 'No known allergies'."]
    assert field_errors(page, "date_of_birth")
    assert field_errors(page, "last_name") == []
    _assert_typed_values_kept(page, typed)
    assert _patient("MRN-1001") is None


@pytest.mark.parametrize("overrides, field, message", [
    ({"phone": "call me maybe"}, "phone", "Enter a phone number (digits, spaces, + - ( ) .)."),
    ({"emergency_contact_phone": "n/a"}, "emergency_contact_phone",
     "Enter a phone number (digits, spaces, + - ( ) .)."),
    ({"date_of_birth": (date.today() + timedelta(days=2)).isoformat()}, "date_of_birth",
     "The date of birth cannot be in the future."),
    ({"date_of_birth": "1856-01-01"}, "date_of_birth", "Check the year of birth."),
    ({"date_of_birth": "1956-02-30"}, "date_of_birth",
     "Enter the date of birth (for example 1956-04-30)."),
    ({"mrn": "MRN 10/01"}, "mrn", "Use letters, digits and -."),
    ({"primary_indication": "other"}, "indication_other", "Describe the indication."),
    ({"primary_indication": "magic"}, "primary_indication", "Not a valid choice."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Not a valid choice."),
    ({"first_name": "Ada\x07"}, "first_name", "Remove the special characters from this field."),
    ({"mrn": "M" * 33}, "mrn", "Field cannot be longer than 32 characters."),
])
def test_invalid_values_are_refused_with_what_was_typed_kept(make, signed_in, overrides, field,
                                                             message):
    browser = signed_in(make.coordinator())
    typed = patient_form(**overrides)
    response = browser.post("/patients/new", typed, page="/patients/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_errors(page, field)
    if field not in ("primary_indication", "timezone"):  # a choice off the list is not kept
        _assert_typed_values_kept(page, typed)


def test_a_form_missing_optional_fields_entirely_still_saves(make, signed_in):
    """A client that leaves out the optional inputs (not even empty) gets a record, not a 500."""
    browser = signed_in(make.coordinator())
    typed = patient_form()
    for optional in ("emergency_contact_name", "emergency_contact_phone", "indication_other",
                     "notes"):
        typed.pop(optional)
    response = browser.post("/patients/new", typed, page="/patients/new")
    assert response.status_code == 302
    patient = _patient("MRN-1001")
    assert (patient.notes, patient.emergency_contact_name) == ("", "")


# --- Editing -------------------------------------------------------------------------------

def _form_from_patient(patient: Patient, **overrides) -> dict:
    values = {name: getattr(patient, name) for name in patient_form()}
    values["date_of_birth"] = patient.date_of_birth.isoformat()
    values.update(overrides)
    return values


def test_a_coordinator_edits_a_record_and_the_change_is_audited_without_values(make, signed_in):
    coordinator = make.coordinator()
    patient = make.patient(phone="555-0100", allergies="No known allergies")
    browser = signed_in(coordinator)
    form_page = browser.get(f"/patients/{patient.id}/edit").get_data(as_text=True)
    assert input_value(form_page, "phone") == "555-0100"  # the form opens with the record
    response = browser.post(f"/patients/{patient.id}/edit", _form_from_patient(
        patient, phone="555-0199", allergies="Sulfa drugs"), page=f"/patients/{patient.id}/edit")
    assert response.status_code == 302 and location_path(response) == f"/patients/{patient.id}"
    db.session.refresh(patient)
    assert (patient.phone, patient.allergies) == ("555-0199", "Sulfa drugs")
    [updated] = audit_rows("patient_updated", patient_id=patient.id)
    assert updated.user_id == coordinator.id and updated.ip_address == "127.0.0.1"
    assert updated.record_type == "patient" and updated.record_id == str(patient.id)
    assert updated.detail == {"fields": ["allergies", "phone"]}  # names only, no PHI values
    assert "Sulfa" not in str(updated.detail) and "555" not in str(updated.detail)


def test_saving_without_changes_records_no_change(make, signed_in):
    patient = make.patient()
    browser = signed_in(make.coordinator())
    response = browser.post(f"/patients/{patient.id}/edit", _form_from_patient(patient),
                            page=f"/patients/{patient.id}/edit")
    assert response.status_code == 302
    assert audit_rows("patient_updated", patient_id=patient.id) == []


def test_an_edit_to_an_mrn_in_use_is_refused(make, signed_in):
    make.patient(mrn="TAKEN-1")
    patient = make.patient(mrn="MINE-1")
    browser = signed_in(make.coordinator())
    typed = _form_from_patient(patient, mrn="TAKEN-1", phone="555-0142")
    response = browser.post(f"/patients/{patient.id}/edit", typed, page=f"/patients/{patient.id}/edit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "mrn") == ["Another patient already has this MRN."]
    assert input_value(page, "phone") == "555-0142"
    db.session.refresh(patient)
    assert (patient.mrn, patient.phone) == ("MINE-1", "555-0100")


@pytest.mark.parametrize("role", ["nurse", "patient"])
def test_only_the_office_creates_and_edits(make, signed_in, role):
    user = make.user(role)
    patient = make.patient()
    if role == "nurse":
        make.assign(user, patient)
    browser = signed_in(user)
    token = browser.csrf()
    before = data_snapshot()
    assert browser.get("/patients/new").status_code == 403
    assert browser.client.post("/patients/new", data={**patient_form(), "csrf_token": token}
                               ).status_code == 403
    assert browser.get(f"/patients/{patient.id}/edit").status_code == 403
    assert browser.client.post(f"/patients/{patient.id}/edit", data={
        **_form_from_patient(patient, phone="555-0177"), "csrf_token": token}).status_code == 403
    assert snapshot_difference(before, data_snapshot()) == []
