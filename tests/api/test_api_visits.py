"""Reading visits through the API: the nurse's own list, one whole visit, in UTC ISO 8601."""

from datetime import UTC, datetime, timedelta

import jsonschema_rs
import pytest
from sqlalchemy import select

from tests.api.conftest import assert_error
from tracker.api.schemas import COMPONENTS
from tracker.clinical.news2 import URGENT_RESPONSE
from tracker.extensions import db
from tracker.models import (
    Addendum,
    AdministrationInterruption,
    AuditEvent,
    Complication,
    ComplicationAction,
    LineCareEntry,
    MedicationAdministration,
    SafetyCheck,
    SiteAssessment,
    TeachingEntry,
    VascularAccess,
    VisitBillingLine,
    VisitStep,
    VitalSigns,
)

MARCH_2 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


def validator(name: str):
    return jsonschema_rs.validator_for({"$ref": f"#/components/schemas/{name}",
                                        "components": {"schemas": COMPONENTS}},
                                       validate_formats=True)


def assert_matches(name: str, body: dict) -> None:
    errors = [str(e) for e in validator(name).iter_errors(body)]
    assert errors == []


def visit_ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert_matches("VisitPage", response.get_json())
    return [v["id"] for v in response.get_json()["visits"]]


@pytest.fixture
def patient(make, nurse):
    patient = make.patient()
    make.assign(nurse, patient)
    return patient


def test_the_list_holds_only_the_nurses_own_visits_in_planned_order(make, nurse, patient, nurse_api):
    later = make.visit(nurse, patient, MARCH_2 + timedelta(days=1))
    earlier = make.visit(nurse, patient, MARCH_2)
    make.visit(make.nurse(), patient, MARCH_2)  # another nurse's visit to the same patient
    response = nurse_api.get("/api/v1/visits")
    assert visit_ids(response) == [earlier.id, later.id]
    first = response.get_json()["visits"][0]
    assert first["planned_start"] == "2026-03-02T15:00:00+00:00"
    assert first["patient"]["last_name"] == patient.last_name
    assert first["medication"] == "Ceftriaxone"
    assert response.get_json()["next_cursor"] is None


def test_days_are_the_nurses_own_days(make, nurse, patient, nurse_api):
    # 22:30 on 1 March in New York is already 2 March in UTC.
    late_evening = make.visit(nurse, patient, datetime(2026, 3, 2, 3, 30, tzinfo=UTC))
    next_morning = make.visit(nurse, patient, MARCH_2)
    assert visit_ids(nurse_api.get("/api/v1/visits?from=2026-03-01&to=2026-03-01")) == [late_evening.id]
    assert visit_ids(nurse_api.get("/api/v1/visits?from=2026-03-02")) == [next_morning.id]
    assert visit_ids(nurse_api.get("/api/v1/visits?to=2026-03-01")) == [late_evening.id]


def test_the_list_filters_by_state(make, nurse, patient, nurse_api):
    make.visit(nurse, patient, MARCH_2)
    missed = make.visit(nurse, patient, MARCH_2 - timedelta(days=1), state="missed")
    assert visit_ids(nurse_api.get("/api/v1/visits?state=missed")) == [missed.id]


def test_pages_follow_the_cursor_without_gaps_or_repeats(make, nurse, patient, nurse_api):
    # Two visits share a start time: the id breaks the tie.
    starts = [MARCH_2, MARCH_2, MARCH_2 + timedelta(hours=3), MARCH_2 + timedelta(days=1),
              MARCH_2 + timedelta(days=2)]
    expected = [make.visit(nurse, patient, start).id for start in starts]
    seen, url, pages = [], "/api/v1/visits?limit=2", 0
    while url:
        response = nurse_api.get(url)
        seen += visit_ids(response)
        pages += 1
        cursor = response.get_json()["next_cursor"]
        url = f"/api/v1/visits?limit=2&cursor={cursor}" if cursor else None
    assert seen == sorted(expected, key=lambda i: (starts[expected.index(i)], i))
    assert pages == 3


def test_a_cursor_past_the_end_of_time_is_an_empty_page(nurse_api, make, nurse, patient):
    make.visit(nurse, patient, MARCH_2)
    assert visit_ids(nurse_api.get("/api/v1/visits?cursor=999999999999999999-1")) == []


@pytest.mark.parametrize("query, field", [
    ("from=2026-02-30", "from"),
    ("from=02/03/2026", "from"),
    ("to=20260301", "to"),
    ("from=2026-03-02&to=2026-03-01", "to"),
    ("state=finished", "state"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=ten", "limit"),
    ("cursor=abc", "cursor"),
    ("limit=5&limit=6", "limit"),
    ("page=2", "page"),
])
def test_bad_list_parameters_are_422_with_the_field(nurse_api, query, field):
    assert_error(nurse_api.get(f"/api/v1/visits?{query}"), 422, fields=(field,))


def test_another_nurses_visit_is_not_found(make, nurse_api):
    visit = make.visit(make.nurse())
    assert_error(nurse_api.get(f"/api/v1/visits/{visit.id}"), 404)


@pytest.mark.parametrize("visit_id", ["999999", "0", "-1", "99999999999999999999", "abc"])
def test_visits_that_cannot_exist_are_not_found(nurse_api, visit_id):
    assert_error(nurse_api.get(f"/api/v1/visits/{visit_id}"), 404)


def document_everything(visit, nurse):
    """Every kind of entry a visit can hold, inserted directly (the services are elsewhere)."""
    at = visit.planned_start
    visit.state, visit.checked_in_at, visit.checked_out_at = "completed", at, at + timedelta(minutes=155)
    visit.check_in_latitude, visit.check_in_longitude, visit.check_in_accuracy_m = 40.71, -74.0, 12.0
    visit.check_in_location_method = "gps"
    visit.check_out_location_method, visit.check_out_location_note = "address", "No GPS signal indoors"
    administration = MedicationAdministration(
        visit_id=visit.id, order_id=visit.order_id, drug="Ceftriaxone", lot_number="LOT-1",
        dose=2.0, dose_unit="g", volume_ml=100.0, rate_ml_per_hour=100.0, pump="Pump A",
        started_at=at + timedelta(minutes=20), stopped_at=at + timedelta(minutes=80),
        recorded_by_id=nurse.id)
    complication = Complication(visit_id=visit.id, kind="infiltration", severity="mild",
                                onset_at=at + timedelta(minutes=40), description="Swelling",
                                outcome="Resolved", recorded_by_id=nurse.id)
    db.session.add_all([administration, complication])
    db.session.flush()
    db.session.add_all([
        VisitStep(visit_id=visit.id, step_number=1, step_key="hand_hygiene", status="done",
                  performed_at=at, recorded_by_id=nurse.id),
        SafetyCheck(visit_id=visit.id, check="identity", confirmed=True,
                    detail={"identifiers": ["name", "date_of_birth"]}, recorded_by_id=nurse.id),
        VitalSigns(visit_id=visit.id, taken_at=at + timedelta(minutes=5), phase="before",
                   heart_rate=112, systolic=118, diastolic=76, respiratory_rate=22,
                   temperature_c=38.4, spo2=95, consciousness="A", pain=2,
                   news2_total=5, news2_band="medium", recorded_by_id=nurse.id),
        VascularAccess(visit_id=visit.id, device_type="picc", site="Right upper arm", side="right",
                       is_new=False, recorded_by_id=nurse.id),
        SiteAssessment(visit_id=visit.id, timing="before", assessed_at=at, phlebitis_score=0,
                       vip_score=0, recorded_by_id=nurse.id),
        LineCareEntry(visit_id=visit.id, kind="flush", performed_at=at + timedelta(minutes=85),
                      solution="Saline 0.9%", volume_ml=10.0, recorded_by_id=nurse.id),
        TeachingEntry(visit_id=visit.id, topic="Signs of infection", learner="patient",
                      result="understood", recorded_by_id=nurse.id),
        AdministrationInterruption(administration_id=administration.id,
                                   paused_at=at + timedelta(minutes=40),
                                   resumed_at=at + timedelta(minutes=50), reason="Swelling"),
        ComplicationAction(complication_id=complication.id, action="stopped_infusion",
                           taken_at=at + timedelta(minutes=41)),
        VisitBillingLine(visit_id=visit.id, code="99601", units=1, description="First 2 hours"),
        VisitBillingLine(visit_id=visit.id, code="99602", units=1, description="Additional hour"),
        Addendum(visit_id=visit.id, author_id=nurse.id, text="Pump serial corrected."),
    ])
    db.session.commit()


def test_one_visit_comes_whole(make, nurse, patient, nurse_api):
    visit = make.visit(nurse, patient, MARCH_2)
    document_everything(visit, nurse)
    response = nurse_api.get(f"/api/v1/visits/{visit.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert_matches("Visit", body)
    assert body["patient"]["mrn"] == patient.mrn
    assert body["patient"]["allergies"] == "No known allergies"
    assert body["patient"]["date_of_birth"] == "1960-01-01"
    assert body["order"]["medication"] == "Ceftriaxone" and body["order"]["dose"] == 2.0
    assert body["evv"]["check_in"]["at"] == "2026-03-02T15:00:00+00:00"
    assert body["evv"]["check_in"]["method"] == "gps"
    assert body["evv"]["check_out"]["note"] == "No GPS signal indoors"
    assert body["evv"]["duration_minutes"] == 155
    assert body["procedure_record"]["code"] == "99601"
    vitals = body["vital_signs"][0]
    assert vitals["news2"] == {"total": 5, "band": "medium", "response": URGENT_RESPONSE}
    assert vitals["temperature_c"] == 38.4
    given = body["administrations"][0]
    assert given["interruptions"][0]["reason"] == "Swelling"
    assert body["complications"][0]["actions"][0]["action"] == "stopped_infusion"
    assert [(b["code"], b["units"]) for b in body["billing_lines"]] == [("99601", 1), ("99602", 1)]
    assert body["addenda"][0]["author"] == {"id": nurse.id, "name": nurse.name}
    assert body["safety_checks"][0]["detail"] == {"identifiers": ["name", "date_of_birth"]}
    for key in ("steps", "vascular_accesses", "site_assessments", "line_care", "teaching"):
        assert len(body[key]) == 1, key


def test_a_scheduled_visit_has_empty_sections_not_missing_ones(make, nurse, patient, nurse_api):
    visit = make.visit(nurse, patient, MARCH_2)
    body = nurse_api.get(f"/api/v1/visits/{visit.id}").get_json()
    assert_matches("Visit", body)
    assert body["evv"] == {"check_in": None, "check_out": None, "duration_minutes": None}
    assert body["vital_signs"] == [] and body["signed_by"] is None


def test_reads_are_audited_with_the_device(make, nurse, patient, nurse_api):
    visit = make.visit(nurse, patient, MARCH_2)
    nurse_api.get(f"/api/v1/visits/{visit.id}")
    nurse_api.get("/api/v1/visits")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == nurse.id,
                                                         AuditEvent.action.like("visit_%"))
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["visit_viewed", "visit_list_viewed"]
    assert events[0].patient_id == patient.id and events[0].record_id == str(visit.id)
    assert all(e.detail["api_token_id"] for e in events)
    assert events[1].detail["count"] == 1


def test_a_cursor_with_an_id_too_large_to_exist_continues_after_that_time(nurse_api, make, nurse,
                                                                          patient):
    first = make.visit(nurse, patient, MARCH_2)
    second = make.visit(nurse, patient, MARCH_2 + timedelta(hours=1))
    micros = (MARCH_2 - datetime(1, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    ids = visit_ids(nurse_api.get(f"/api/v1/visits?cursor={micros}-9999999999"))
    assert first.id not in ids and ids == [second.id]
