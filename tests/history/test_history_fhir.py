"""The FHIR R4 export of a patient: valid (fhir.resources R4B models) and correctly coded."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from tests.conftest import Browser
from tests.history import builders
from tracker.extensions import db
from tracker.models import AdministrationInterruption, AuditEvent, MedicationAdministration

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
UCUM = "http://unitsofmeasure.org"
CPT = "http://www.ama-assn.org/go/cpt"


@pytest.fixture
def exported(make, office):
    nurse, patient = make.nurse(name="Fern Nurse"), make.patient(mrn="FHIR-1")
    visit = builders.finish(make.visit(nurse, patient, planned_start=T0), 151)
    builders.vitals(visit, 5, weight_kg=70.5, temperature_c=37.2)
    admin = MedicationAdministration(visit_id=visit.id, order_id=visit.order_id, drug="Ceftriaxone",
                                     lot_number="LOT-42", dose=2.0, dose_unit="g", volume_ml=100,
                                     rate_ml_per_hour=100.0, started_at=T0 + timedelta(minutes=20),
                                     stopped_at=T0 + timedelta(minutes=90), recorded_by_id=nurse.id)
    db.session.add(admin)
    db.session.flush()
    db.session.add(AdministrationInterruption(administration_id=admin.id, reason="Line occluded",
                                              paused_at=T0 + timedelta(minutes=40),
                                              resumed_at=T0 + timedelta(minutes=45)))
    db.session.commit()
    builders.complication(visit, "mild_allergic_reaction", "moderate", action="stop_infusion")
    make.visit(nurse, patient, planned_start=T0 + timedelta(days=7))  # not taken place: not exported
    response = office.get(f"/history/patients/{patient.id}/fhir.json")
    return {"response": response, "bundle": json.loads(response.get_data(as_text=True)),
            "visit": visit, "patient": patient, "admin": admin}


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_download_is_a_valid_r4_collection_bundle(exported):
    response = exported["response"]
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    patient_id = exported["patient"].id
    assert response.headers["Content-Disposition"] == f"attachment; filename=patient-{patient_id}-fhir.json"
    bundle = Bundle.model_validate(exported["bundle"])  # raises on any invalid resource
    assert bundle.type == "collection"
    kinds = sorted({e["resource"]["resourceType"] for e in exported["bundle"]["entry"]})
    assert kinds == ["AdverseEvent", "Encounter", "Location", "MedicationAdministration",
                     "Observation", "Patient", "Practitioner", "Procedure"]


def test_every_reference_points_into_the_bundle(exported):
    bundle = exported["bundle"]
    urls = {e["fullUrl"] for e in bundle["entry"]}
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"reference"}:
                refs.append(node["reference"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle["entry"])
    assert refs
    assert all(r in urls or r == "#medication" for r in refs)


def test_patient_and_encounter(exported):
    bundle, visit = exported["bundle"], exported["visit"]
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == "FHIR-1"
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    (encounter,) = resources(bundle, "Encounter")
    assert encounter["class"] == {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                  "code": "HH", "display": "home health"}
    assert encounter["status"] == "finished"
    assert encounter["period"] == {"start": "2026-03-10T14:00:00+00:00",
                                   "end": "2026-03-10T16:31:00+00:00"}
    assert visit.checked_out_at == datetime(2026, 3, 10, 16, 31, tzinfo=UTC)
    (location,) = resources(bundle, "Location")
    assert location["position"] == {"latitude": 40.7128, "longitude": -74.006}
    (practitioner,) = resources(bundle, "Practitioner")
    assert practitioner["name"][0]["text"] == "Fern Nurse"


def test_procedures_are_cpt_coded(exported):
    procedures = {p["code"]["coding"][0]["code"]: p for p in resources(exported["bundle"], "Procedure")}
    assert set(procedures) == {"99601", "99602"}
    assert all(p["code"]["coding"][0]["system"] == CPT for p in procedures.values())
    assert procedures["99601"]["performedPeriod"]["end"] == "2026-03-10T16:31:00+00:00"
    extra = procedures["99602"]
    assert extra["performedPeriod"]["start"] == "2026-03-10T16:00:00+00:00"
    assert extra["note"][0]["text"] == "1 additional hour(s) billed (99602 x 1)."
    assert extra["partOf"][0]["reference"].startswith("urn:uuid:")


def _by_loinc(bundle):
    found = {}
    for obs in resources(bundle, "Observation"):
        assert obs["category"][0]["coding"][0]["code"] == "vital-signs"
        codes = tuple(c["code"] for c in obs["code"]["coding"])
        assert all(c["system"] == "http://loinc.org" for c in obs["code"]["coding"])
        found[codes] = obs
    return found


def test_vital_signs_are_loinc_coded_with_ucum_units(exported):
    found = _by_loinc(exported["bundle"])
    expected = {("8867-4",): (72, "/min"), ("9279-1",): (16, "/min"), ("8310-5",): (37.2, "Cel"),
                ("59408-5", "2708-6"): (97, "%"), ("29463-7",): (70.5, "kg")}
    for codes, (value, unit) in expected.items():
        quantity = found[codes]["valueQuantity"]
        assert quantity == {"value": value, "unit": unit, "system": UCUM, "code": unit}
    panel = found[("85354-9",)]
    assert "valueQuantity" not in panel
    parts = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in panel["component"]}
    assert parts == {"8480-6": {"value": 124, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"},
                     "8462-4": {"value": 78, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}}


def test_administration_and_complication(exported):
    bundle = exported["bundle"]
    (admin,) = resources(bundle, "MedicationAdministration")
    assert admin["status"] == "completed"
    assert admin["contained"][0]["batch"]["lotNumber"] == "LOT-42"
    assert admin["dosage"]["dose"] == {"value": 2.0, "unit": "g", "system": UCUM, "code": "g"}
    assert admin["dosage"]["rateQuantity"]["code"] == "mL/h"
    assert "Line occluded" in admin["note"][0]["text"]
    (event,) = resources(bundle, "AdverseEvent")
    assert event["actuality"] == "actual"
    assert event["severity"]["coding"][0]["code"] == "moderate"
    assert event["event"]["text"].startswith("Mild allergic reaction")
    assert "stop infusion" in event["outcome"]["text"]
    admin_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is admin or
                     e["resource"].get("id") == admin["id"])
    assert event["suspectEntity"] == [{"instance": {"reference": admin_url}}]


def test_the_export_is_audited_and_limited_to_the_office(exported, make, app):
    patient = exported["patient"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "fhir_exported",
                                                         AuditEvent.patient_id == patient.id)).all()
    assert len(events) == 1
    nurse = make.nurse()
    make.assign(nurse, patient)
    other = Browser(app.test_client())  # a second device: the office is signed in on the first
    other.sign_in(nurse)
    assert other.get(f"/history/patients/{patient.id}/fhir.json").status_code == 403


def test_unknown_patient_is_404(office):
    assert office.get("/history/patients/987654/fhir.json").status_code == 404


def test_a_patient_without_visits_exports_just_the_patient(make, office):
    patient = make.patient()
    bundle = json.loads(office.get(f"/history/patients/{patient.id}/fhir.json").get_data(as_text=True))
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
