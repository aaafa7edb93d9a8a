"""JSON Schemas of the API's response bodies (OpenAPI 3.1 = JSON Schema 2020-12).

Each schema mirrors one function in serializers.py. Objects are closed (no undeclared
properties) and every property is always present, null when empty: the OpenAPI test and
schemathesis then catch any field a serializer adds, drops or types differently.
"""

from tracker.models import VisitState

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time", "description": "ISO 8601 in UTC (+00:00)"}
DATE = {"type": "string", "format": "date"}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def closed(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "additionalProperties": False, "properties": properties,
              "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


STATE = {"type": "string", "enum": [state.value for state in VisitState]}

COMPONENTS: dict[str, dict] = {
    "Error": closed({"error": closed({
        "status": INTEGER, "title": STRING, "detail": STRING,
        "fields": {"type": "object", "additionalProperties": STRING,
                   "description": "A message per request field at fault (empty otherwise)"},
    })}, "Every error answer has this shape."),
    "Person": closed({"id": INTEGER, "name": STRING}),
    "Me": closed({
        "user": closed({"id": INTEGER, "name": STRING, "email": STRING, "role": STRING,
                        "timezone": STRING}),
        "device": closed({"id": INTEGER, "name": STRING, "created_at": DATETIME,
                          "last_used_at": nullable(DATETIME)},
                         "The device token this request was made with."),
    }),
    "PatientSummary": closed({"id": INTEGER, "first_name": STRING, "last_name": STRING,
                              "address": STRING}),
    "PatientAtBedside": closed({
        "id": INTEGER, "mrn": STRING, "first_name": STRING, "last_name": STRING,
        "date_of_birth": DATE, "address": STRING, "phone": STRING, "timezone": STRING,
        "allergies": STRING, "notes": STRING,
        "emergency_contact": closed({"name": STRING, "phone": STRING}),
    }, "What the nurse needs at the bedside: identity, allergies, address and contacts."),
    "TherapyOrder": closed({
        "id": INTEGER, "medication": STRING, "dose": NUMBER, "dose_unit": STRING, "route": STRING,
        "rate_ml_per_hour": nullable(NUMBER), "infusion_minutes": nullable(INTEGER),
        "frequency": STRING, "start_date": DATE, "end_date": nullable(DATE), "prescriber": STRING,
        "indication": STRING, "notes": STRING, "active": BOOLEAN,
    }),
    "EvvPoint": closed({
        "at": DATETIME, "latitude": nullable(NUMBER), "longitude": nullable(NUMBER),
        "accuracy_m": nullable(NUMBER), "method": nullable(STRING), "note": STRING,
    }, "Electronic Visit Verification: when and where the service began or ended."),
    "VisitSummary": closed({
        "id": INTEGER, "state": STATE, "state_label": STRING, "service_code": STRING,
        "planned_start": DATETIME, "planned_minutes": INTEGER, "planned_end": DATETIME,
        "checked_in_at": nullable(DATETIME), "checked_out_at": nullable(DATETIME),
        "medication": STRING, "patient": ref("PatientSummary"),
    }),
    "VisitPage": closed({
        "visits": array(ref("VisitSummary")),
        "next_cursor": {**nullable(STRING),
                        "description": "Pass as `cursor` for the next page; null on the last page."},
    }),
    "VisitStep": closed({
        "step_number": INTEGER, "step_key": STRING, "status": STRING, "performed_at": DATETIME,
        "reason": STRING, "recorded_at": DATETIME,
    }),
    "SafetyCheck": closed({
        "check": STRING, "confirmed": BOOLEAN, "detail": {"type": "object"}, "note": STRING,
        "recorded_at": DATETIME,
    }),
    "News2": closed({
        "total": INTEGER, "band": STRING,
        "response": {**STRING, "description": "What to do at this score (RCP NEWS2, 2017)."},
    }),
    "VitalSigns": closed({
        "id": INTEGER, "taken_at": DATETIME, "phase": STRING, "heart_rate": nullable(INTEGER),
        "systolic": nullable(INTEGER), "diastolic": nullable(INTEGER),
        "respiratory_rate": nullable(INTEGER), "temperature_c": nullable(NUMBER),
        "spo2": nullable(INTEGER), "on_oxygen": BOOLEAN, "consciousness": STRING,
        "pain": nullable(INTEGER), "weight_kg": nullable(NUMBER),
        "news2": nullable(ref("News2")), "recorded_at": DATETIME,
    }),
    "VascularAccess": closed({
        "id": INTEGER, "device_type": STRING, "device_other": STRING, "gauge": STRING,
        "site": STRING, "side": STRING, "is_new": BOOLEAN, "insertion_attempts": INTEGER,
        "recorded_at": DATETIME,
    }),
    "SiteAssessment": closed({
        "id": INTEGER, "timing": STRING, "assessed_at": DATETIME, "phlebitis_score": INTEGER,
        "vip_score": INTEGER, "note": STRING,
    }),
    "LineCare": closed({
        "id": INTEGER, "kind": STRING, "performed_at": DATETIME, "solution": STRING,
        "volume_ml": nullable(NUMBER), "labs": STRING, "draw_site": STRING, "note": STRING,
    }),
    "Teaching": closed({
        "id": INTEGER, "topic": STRING, "learner": STRING, "result": STRING, "reason": STRING,
        "recorded_at": DATETIME,
    }),
    "Interruption": closed({"paused_at": DATETIME, "resumed_at": nullable(DATETIME),
                            "reason": STRING}),
    "Administration": closed({
        "id": INTEGER, "order_id": INTEGER, "drug": STRING, "lot_number": STRING, "dose": NUMBER,
        "dose_unit": STRING, "volume_ml": nullable(NUMBER), "rate_ml_per_hour": nullable(NUMBER),
        "pump": STRING, "started_at": DATETIME, "stopped_at": nullable(DATETIME),
        "interruptions": array(ref("Interruption")),
    }),
    "ComplicationAction": closed({"action": STRING, "taken_at": DATETIME, "note": STRING}),
    "Complication": closed({
        "id": INTEGER, "kind": STRING, "kind_other": STRING, "severity": STRING,
        "onset_at": DATETIME, "description": STRING, "outcome": STRING, "recorded_at": DATETIME,
        "actions": array(ref("ComplicationAction")),
    }),
    "BillingLine": closed({"code": STRING, "units": INTEGER, "description": STRING}),
    "Addendum": closed({"id": INTEGER, "created_at": DATETIME, "author": ref("Person"),
                        "text": STRING}),
    "Visit": closed({
        "id": INTEGER, "state": STATE, "state_label": STRING, "state_reason": STRING,
        "service_code": STRING, "planned_start": DATETIME, "planned_minutes": INTEGER,
        "planned_end": DATETIME,
        "procedure_record": closed({"code": STRING, "version": INTEGER}),
        "patient": ref("PatientAtBedside"), "order": ref("TherapyOrder"),
        "evv": closed({"check_in": nullable(ref("EvvPoint")), "check_out": nullable(ref("EvvPoint")),
                       "duration_minutes": nullable(INTEGER)}),
        "infusion_blocked_reason": STRING,
        "signed_at": nullable(DATETIME), "signed_by": nullable(ref("Person")),
        "steps": array(ref("VisitStep")),
        "safety_checks": array(ref("SafetyCheck")),
        "vital_signs": array(ref("VitalSigns")),
        "vascular_accesses": array(ref("VascularAccess")),
        "site_assessments": array(ref("SiteAssessment")),
        "line_care": array(ref("LineCare")),
        "teaching": array(ref("Teaching")),
        "administrations": array(ref("Administration")),
        "complications": array(ref("Complication")),
        "billing_lines": array(ref("BillingLine")),
        "addenda": array(ref("Addendum")),
        "updated_at": DATETIME,
    }, "The whole visit record, as the nurse's visit page shows it."),
}
