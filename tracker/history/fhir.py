"""A patient's visits as a FHIR R4 Bundle (type "collection").

Written against FHIR R4 (4.0.1); the tests validate it with the R4B models of fhir.resources
(4.3.0), which are unchanged from R4 for every resource used here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, subqueryload

from tracker import audit
from tracker.clinical.duration import LIMIT
from tracker.extensions import db
from tracker.history.labels import complication_label, risk_labels
from tracker.models import (
    Complication,
    MedicationAdministration,
    Patient,
    User,
    Visit,
    VitalSigns,
)
from tracker.patients.services import get_patient
from tracker.timeutil import utcnow

CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
LOCATION_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
DEFAULT_IDENTIFIER_SYSTEM = "urn:infusion-tracker"  # the agency replaces it with its own OID/URL
_NAMESPACE = uuid.UUID("9b0f6f7e-3c1a-4b8e-a6a2-6d3f2c1e0b57")

# Units a nurse types for a dose, and their UCUM codes; others go out as text only.
UCUM_DOSE_UNITS = {"g": "g", "mg": "mg", "mcg": "ug", "ug": "ug", "ml": "mL", "l": "L",
                   "units": "[iU]", "iu": "[iU]", "meq": "meq", "mmol": "mmol"}

# (field, LOINC codes with display, UCUM unit); blood pressure is a panel, see _observations.
VITAL_CODES = [
    ("heart_rate", [("8867-4", "Heart rate")], "/min"),
    ("respiratory_rate", [("9279-1", "Respiratory rate")], "/min"),
    ("temperature_c", [("8310-5", "Body temperature")], "Cel"),
    ("spo2", [("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
              ("2708-6", "Oxygen saturation in Arterial blood")], "%"),
    ("weight_kg", [("29463-7", "Body weight")], "kg"),
]
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = [("systolic", "8480-6", "Systolic blood pressure"),
            ("diastolic", "8462-4", "Diastolic blood pressure")]


def full_url(resource_type: str, resource_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{resource_type}/{resource_id}')}"


def ref(resource: dict) -> dict:
    return {"reference": full_url(resource["resourceType"], resource["id"])}


def instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def period(start: datetime | None, end: datetime | None) -> dict:
    return {k: v for k, v in (("start", instant(start)), ("end", instant(end))) if v}


def quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def patient_resource(patient: Patient) -> dict:
    system = current_app.config.get("FHIR_IDENTIFIER_SYSTEM", DEFAULT_IDENTIFIER_SYSTEM)
    return {
        "resourceType": "Patient", "id": f"patient-{patient.id}",
        "identifier": [{"type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR",
                                             "display": "Medical record number"}]},
                        "system": f"{system}:mrn", "value": patient.mrn}],
        "name": [{"family": patient.last_name, "given": [patient.first_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
        "telecom": [{"system": "phone", "value": patient.phone}] if patient.phone else [],
        "address": [{"line": [patient.address_line], "city": patient.city,
                     "state": patient.state, "postalCode": patient.postal_code}],
    }


def practitioner_resource(user: User) -> dict:
    return {"resourceType": "Practitioner", "id": f"practitioner-{user.id}",
            "name": [{"text": user.name}],
            "telecom": [{"system": "email", "value": user.email, "use": "work"}]}


def location_resource(visit: Visit, patient: Patient) -> dict | None:
    """Where the nurse checked in (an EVV element): GPS position or the home address."""
    method = visit.check_in_location_method
    if method not in ("gps", "address"):
        return None
    resource = {"resourceType": "Location", "id": f"visit-{visit.id}-check-in",
                "status": "active", "mode": "instance", "name": "Patient's home",
                "physicalType": {"coding": [{"system": LOCATION_TYPE, "code": "ho",
                                             "display": "House"}]}}
    if method == "gps" and visit.check_in_latitude is not None:
        resource["position"] = {"latitude": visit.check_in_latitude,
                                "longitude": visit.check_in_longitude}
    else:
        resource["address"] = {"line": [patient.address_line], "city": patient.city,
                               "state": patient.state, "postalCode": patient.postal_code}
    return resource


def encounter_resource(visit: Visit, patient_ref: dict, nurse_ref: dict,
                       location: dict | None) -> dict:
    resource = {
        "resourceType": "Encounter", "id": f"encounter-{visit.id}",
        "status": "finished" if visit.checked_out_at else "in-progress",
        "class": {"system": ACT_CODE, "code": "HH", "display": "home health"},
        "type": [{"coding": [{"system": CPT, "code": visit.service_code,
                              "display": "Home infusion/specialty drug administration, per visit"}]}],
        "subject": patient_ref,
        "participant": [{"type": [{"coding": [{"system": PARTICIPATION, "code": "PPRF",
                                               "display": "primary performer"}]}],
                         "individual": nurse_ref}],
        # The EVV times: check-in and check-out.
        "period": period(visit.checked_in_at, visit.checked_out_at),
    }
    if location:
        resource["location"] = [{"location": ref(location)}]
    return resource


def procedure_resources(visit: Visit, patient_ref, encounter_ref, nurse_ref) -> list[dict]:
    """99601 for the visit, and 99602 (partOf it) for the additional hours billed."""
    done = visit.checked_out_at is not None
    base = {"resourceType": "Procedure", "id": f"procedure-{visit.id}-99601",
            "status": "completed" if done else "in-progress",
            "code": {"coding": [{"system": CPT, "code": "99601",
                                 "display": "Home infusion/specialty drug administration, "
                                            "per visit (up to 2 hours)"}]},
            "subject": patient_ref, "encounter": encounter_ref,
            "performedPeriod": period(visit.checked_in_at, visit.checked_out_at),
            "performer": [{"actor": nurse_ref}]}
    resources = [base]
    extra = next((line for line in visit.billing_lines if line.code == "99602"), None)
    if extra and done:
        resources.append({
            "resourceType": "Procedure", "id": f"procedure-{visit.id}-99602",
            "status": "completed", "partOf": [ref(base)],
            "code": {"coding": [{"system": CPT, "code": "99602",
                                 "display": "Home infusion/specialty drug administration, "
                                            "each additional hour"}]},
            "subject": patient_ref, "encounter": encounter_ref,
            "performedPeriod": period(visit.checked_in_at + LIMIT, visit.checked_out_at),
            "performer": [{"actor": nurse_ref}],
            "note": [{"text": f"{extra.units} additional hour(s) billed (99602 x {extra.units})."}]})
    return resources


def administration_resource(m: MedicationAdministration, patient_ref, encounter_ref,
                            performer_ref) -> dict:
    unit = UCUM_DOSE_UNITS.get(m.dose_unit.strip().lower())
    dose = {"value": m.dose, "unit": m.dose_unit}
    if unit:
        dose.update(system=UCUM, code=unit)
    dosage = {"dose": dose}
    if m.visit and m.visit.order:
        dosage["route"] = {"text": m.visit.order.route}
    if m.rate_ml_per_hour:
        dosage["rateQuantity"] = quantity(m.rate_ml_per_hour, "mL/h")
    resource = {
        "resourceType": "MedicationAdministration", "id": f"administration-{m.id}",
        "contained": [{"resourceType": "Medication", "id": "medication", "code": {"text": m.drug},
                       "batch": {"lotNumber": m.lot_number}}],
        "status": "completed" if m.stopped_at else "in-progress",
        "medicationReference": {"reference": "#medication"},
        "subject": patient_ref, "context": encounter_ref,
        "effectivePeriod": period(m.started_at, m.stopped_at),
        "performer": [{"actor": performer_ref}], "dosage": dosage,
    }
    pauses = [f"Paused {instant(i.paused_at)}" + (f" to {instant(i.resumed_at)}" if i.resumed_at else "")
              + f": {i.reason}" for i in m.interruptions]
    if pauses:
        resource["note"] = [{"text": text} for text in pauses]
    return resource


def _observation(obs_id: str, codes, v: VitalSigns, patient_ref, encounter_ref, performer_ref) -> dict:
    return {"resourceType": "Observation", "id": obs_id, "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs",
                                      "display": "Vital Signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": c, "display": d} for c, d in codes]},
            "subject": patient_ref, "encounter": encounter_ref,
            "effectiveDateTime": instant(v.taken_at), "performer": [performer_ref]}


def observation_resources(v: VitalSigns, patient_ref, encounter_ref, performer_ref) -> list[dict]:
    """One vital-signs Observation per measured value, LOINC-coded with UCUM units."""
    resources = []
    for field, codes, unit in VITAL_CODES:
        value = getattr(v, field)
        if value is not None:
            obs = _observation(f"vitals-{v.id}-{field.replace('_', '-')}", codes, v, patient_ref,
                               encounter_ref, performer_ref)
            obs["valueQuantity"] = quantity(value, unit)
            resources.append(obs)
    if v.systolic is not None or v.diastolic is not None:
        obs = _observation(f"vitals-{v.id}-bp", [BP_PANEL], v, patient_ref, encounter_ref,
                           performer_ref)
        obs["component"] = [{"code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                             "valueQuantity": quantity(getattr(v, field), "mm[Hg]")}
                            for field, code, display in BP_PARTS if getattr(v, field) is not None]
        resources.append(obs)
    return resources


def adverse_event_resource(c: Complication, label: str, patient_ref, encounter_ref,
                           recorder_ref, suspects: list[dict]) -> dict:
    # Complications go out as AdverseEvent, not Condition: each one is an event that
    # happened during this encounter's care (an infusion reaction, phlebitis, ...), with
    # its onset time, severity and the suspected administration (suspectEntity). Condition
    # is for problems and diagnoses on the problem list; it cannot name the suspect
    # administration and would mix a one-off reaction into the patient's diagnoses.
    actions = "; ".join(f"{a.action.replace('_', ' ')} at {instant(a.taken_at)}"
                        + (f" ({a.note})" if a.note else "") for a in c.actions)
    outcome = " ".join(x for x in (c.outcome, f"Actions taken: {actions}." if actions else "") if x)
    resource = {
        "resourceType": "AdverseEvent", "id": f"complication-{c.id}", "actuality": "actual",
        "event": {"text": label + (f": {c.description}" if c.description else "")},
        "subject": patient_ref, "encounter": encounter_ref, "date": instant(c.onset_at),
        "recordedDate": instant(c.recorded_at),
        "severity": {"coding": [{"system": AE_SEVERITY, "code": c.severity,
                                 "display": c.severity.capitalize()}]},
        "recorder": recorder_ref,
        "suspectEntity": [{"instance": s} for s in suspects],
    }
    if outcome:
        resource["outcome"] = {"text": outcome}
    if not suspects:
        del resource["suspectEntity"]
    return resource


def _load_visits(patient_id: int) -> list[Visit]:
    """Visits that took place (checked in), with everything exported, one query per table."""
    # subqueryload, not selectinload: selectinload sends one query per 500 visits, and a
    # patient may have thousands; a subquery load is one query per table at any size.
    return list(db.session.scalars(
        select(Visit).where(Visit.patient_id == patient_id, Visit.checked_in_at.is_not(None))
        .options(joinedload(Visit.nurse), joinedload(Visit.order), subqueryload(Visit.vital_signs),
                 subqueryload(Visit.billing_lines),
                 subqueryload(Visit.administrations).subqueryload(MedicationAdministration.interruptions),
                 subqueryload(Visit.complications).subqueryload(Complication.actions))
        .order_by(Visit.checked_in_at, Visit.id)))


def _practitioners(visits: list[Visit]) -> dict[int, dict]:
    ids = {v.nurse_id for v in visits}
    for v in visits:
        ids.update(x.recorded_by_id for x in (*v.vital_signs, *v.administrations, *v.complications))
    ids.discard(None)
    users = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)) if ids else []
    return {u.id: practitioner_resource(u) for u in users}


def build_bundle(patient: Patient, visits: list[Visit]) -> dict:
    patient_res = patient_resource(patient)
    practitioners = _practitioners(visits)
    resources = [patient_res, *practitioners.values()]
    patient_ref = ref(patient_res)
    labels = risk_labels()

    def by(user_id: int | None, fallback: dict) -> dict:
        return ref(practitioners[user_id]) if user_id in practitioners else fallback

    for visit in visits:
        nurse_ref = ref(practitioners[visit.nurse_id])
        location = location_resource(visit, patient)
        encounter = encounter_resource(visit, patient_ref, nurse_ref, location)
        encounter_ref = ref(encounter)
        resources += [r for r in (location, encounter) if r]
        resources += procedure_resources(visit, patient_ref, encounter_ref, nurse_ref)
        administrations = [administration_resource(m, patient_ref, encounter_ref,
                                                   by(m.recorded_by_id, nurse_ref))
                           for m in visit.administrations]
        resources += administrations
        for v in visit.vital_signs:
            resources += observation_resources(v, patient_ref, encounter_ref,
                                               by(v.recorded_by_id, nurse_ref))
        for c in visit.complications:
            resources.append(adverse_event_resource(
                c, complication_label(c.kind, c.kind_other, labels), patient_ref, encounter_ref,
                by(c.recorded_by_id, nurse_ref), [ref(a) for a in administrations]))
    return {
        "resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
        "timestamp": instant(utcnow()),
        "entry": [{"fullUrl": full_url(r["resourceType"], r["id"]), "resource": r}
                  for r in resources],
    }


def export_patient(user: User, patient_id: int) -> dict:
    """The FHIR bundle of one patient; the export is audited."""
    get_patient(user, patient_id, audit_read=False)  # 404 when not visible
    audit.record("fhir_exported", record_type="patient", record_id=patient_id,
                 patient_id=patient_id)
    db.session.commit()
    patient = db.session.get(Patient, patient_id)
    return build_bundle(patient, _load_visits(patient_id))
