"""Every write endpoint: it saves and answers with the record, it is audited, the same
client_id twice writes once and answers the same, and it refuses the visits and the
accounts it must refuse (a cancelled or signed visit 409, another nurse's visit 404,
a patient's or coordinator's token 403)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.conftest import assert_error
from tests.api.write_helpers import (
    ADMINISTRATION,
    PASSWORD,
    PLACE,
    VITALS,
    Ready,
    audit_count,
    body,
    complete_for_signature,
    count,
    iso,
    ok,
    ready_visit,
    schedule,
)
from tracker.api.writes import REPLAYED_HEADER
from tracker.extensions import db
from tracker.models import (
    Addendum,
    AdministrationInterruption,
    AuditEvent,
    Complication,
    ComplicationAction,
    IdempotencyKey,
    LineCareEntry,
    MedicationAdministration,
    SafetyCheck,
    SiteAssessment,
    TeachingEntry,
    VascularAccess,
    Visit,
    VisitStep,
    VitalSigns,
)
from tracker.timeutil import utcnow
from tracker.visits import clinical_services, services


@dataclass(frozen=True)
class Case:
    name: str
    state: str  # scheduled | ready | paused | complete (ready to sign) | signed
    path: str  # formatted with the Ready visit's ids
    values: Callable[[Ready], dict]
    status: int
    schema: str
    model: type  # the rows the write adds or changes
    nested: bool = False

    def url(self, ready: Ready) -> str:
        return "/api/v1" + self.path.format(v=ready.visit.id, a=ready.administration_id,
                                            c=ready.complication_id)


def after(minutes: int):
    return lambda r: iso(r.checked_in_at + timedelta(minutes=minutes))


CASES = [
    Case("check-in", "scheduled", "/visits/{v}/check-in",
         lambda r: {"at": iso(utcnow() - timedelta(minutes=5)), **PLACE}, 200, "Visit", Visit),
    Case("check-out", "ready", "/visits/{v}/check-out",
         lambda r: {"at": after(55)(r), **PLACE}, 200, "Visit", Visit),
    Case("steps", "ready", "/visits/{v}/steps",
         lambda r: {"step_number": 1, "status": "done", "performed_at": after(2)(r)}, 201,
         "VisitStep", VisitStep),
    Case("safety-checks", "ready", "/visits/{v}/safety-checks",
         lambda r: {"check": "pump", "result": "ok", "pump_id": "P-2"}, 201, "SafetyCheck",
         SafetyCheck),
    Case("sign", "complete", "/visits/{v}/sign", lambda r: {"password": PASSWORD}, 200, "Visit",
         Visit),
    Case("addenda", "signed", "/visits/{v}/addenda",
         lambda r: {"text": "Pump serial corrected to P-18."}, 201, "Addendum", Addendum),
    Case("vitals", "ready", "/visits/{v}/vitals",
         lambda r: {**VITALS, "taken_at": after(15)(r)}, 201, "VitalSigns", VitalSigns),
    Case("vascular-accesses", "ready", "/visits/{v}/vascular-accesses",
         lambda r: {"device_type": "peripheral_iv", "gauge": "22 G", "site": "Left forearm",
                    "side": "left", "is_new": True, "insertion_attempts": 1}, 201,
         "VascularAccess", VascularAccess),
    Case("site-assessments", "ready", "/visits/{v}/site-assessments",
         lambda r: {"timing": "before", "assessed_at": after(5)(r), "phlebitis_score": 0,
                    "vip_score": 0}, 201, "SiteAssessment", SiteAssessment),
    Case("line-care", "ready", "/visits/{v}/line-care",
         lambda r: {"kind": "flush", "performed_at": after(8)(r),
                    "solution": "Normal saline 0.9%", "volume_ml": 10}, 201, "LineCare",
         LineCareEntry),
    Case("teaching", "ready", "/visits/{v}/teaching",
         lambda r: {"topic": "Signs of infection", "learner": "patient",
                    "result": "understood"}, 201, "Teaching", TeachingEntry),
    # An earlier, finished infusion: the one started at +10 minutes is still running.
    Case("administrations", "ready", "/visits/{v}/administrations",
         lambda r: {**ADMINISTRATION, "started_at": after(1)(r), "stopped_at": after(5)(r)},
         201, "Administration", MedicationAdministration),
    Case("stop", "ready", "/visits/{v}/administrations/{a}/stop",
         lambda r: {"stopped_at": after(40)(r)}, 200, "Administration",
         MedicationAdministration, nested=True),
    Case("pauses", "ready", "/visits/{v}/administrations/{a}/pauses",
         lambda r: {"paused_at": after(30)(r), "reason": "Occlusion alarm"}, 201,
         "Administration", AdministrationInterruption, nested=True),
    Case("resume", "paused", "/visits/{v}/administrations/{a}/resume",
         lambda r: {"resumed_at": after(35)(r)}, 200, "Administration",
         AdministrationInterruption, nested=True),
    Case("complications", "ready", "/visits/{v}/complications",
         lambda r: {"kind": "mild_allergic_reaction", "severity": "mild",
                    "onset_at": after(25)(r)}, 201, "Complication", Complication),
    Case("actions", "ready", "/visits/{v}/complications/{c}/actions",
         lambda r: {"action": "infusion_stopped", "taken_at": after(26)(r)}, 201,
         "Complication", ComplicationAction, nested=True),
    Case("outcome", "ready", "/visits/{v}/complications/{c}/outcome",
         lambda r: {"outcome": "Redness gone after the line was resited."}, 200,
         "Complication", Complication, nested=True),
]
BY_NAME = {case.name: case for case in CASES}
PARAMS = [pytest.param(case, id=case.name) for case in CASES]
CLINICAL = [pytest.param(c, id=c.name) for c in CASES
            if c.state in ("ready", "paused") and c.name not in ("check-out", "steps",
                                                                  "safety-checks")]
ON_VISIT = [pytest.param(c, id=c.name) for c in CASES if not c.nested]
NESTED = [pytest.param(c, id=c.name) for c in CASES if c.nested]


@pytest.fixture
def prepare(make, nurse):
    """prepare(state, nurse=None) -> a Ready visit of that nurse, brought to that state."""

    def bring(state: str, owner=None) -> Ready:
        owner = owner or nurse
        if state == "scheduled":
            return Ready(schedule(make, owner, minutes_ago=10), None, None, None)
        ready = ready_visit(make, owner)
        if state == "paused":
            clinical_services.pause_administration(ready.visit, owner, {
                "administration_id": ready.administration_id, "reason": "Alarm",
                "paused_at": ready.checked_in_at + timedelta(minutes=30)})
        if state in ("complete", "signed"):
            complete_for_signature(owner, ready.visit, ready.checked_in_at)
        if state == "signed":
            services.sign_visit(owner, ready.visit, {"password": PASSWORD})
        return ready

    return bring


@pytest.mark.parametrize("case", PARAMS)
def test_a_write_saves_answers_with_the_record_and_is_audited(case, prepare, nurse_api, nurse):
    ready = prepare(case.state)
    audited = audit_count()
    data = ok(nurse_api.post(case.url(ready), json=body(**case.values(ready))), case.status,
              case.schema)
    new_events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())
                                    .limit(audit_count() - audited)).all()
    assert new_events, "the write was not audited"
    assert all(e.user_id == nurse.id and e.detail.get("api_token_id") for e in new_events)
    if "id" in data and case.schema == case.model.__name__:
        assert db.session.get(case.model, data["id"]) is not None


@pytest.mark.parametrize("case", PARAMS)
def test_the_service_stores_the_client_id_with_its_record(case, prepare, nurse_api, caplog):
    """The key is written by the service in the record's own transaction (so that two racing
    copies cannot both write), not added afterwards by the endpoint."""
    ready = prepare(case.state)
    payload = body(**case.values(ready))
    assert nurse_api.post(case.url(ready), json=payload).status_code == case.status
    assert "did not remember its client_id" not in caplog.text
    key = db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.client_id == payload["client_id"]))
    assert key.record_type == case.model.__name__ and key.record_id is not None
    assert key.response["status"] == case.status


@pytest.mark.parametrize("case", PARAMS)
def test_the_same_client_id_twice_writes_once_and_answers_the_same(case, prepare, nurse_api):
    ready = prepare(case.state)
    payload = body(**case.values(ready))
    first = nurse_api.post(case.url(ready), json=payload)
    assert first.status_code == case.status, first.get_data(as_text=True)[:500]
    rows, audited = count(case.model), audit_count()
    again = nurse_api.post(case.url(ready), json=payload)
    assert again.status_code == case.status
    assert again.get_json() == first.get_json()
    assert again.headers[REPLAYED_HEADER] == "true" and REPLAYED_HEADER not in first.headers
    assert count(case.model) == rows and audit_count() == audited


@pytest.mark.parametrize("case", ON_VISIT)
def test_a_cancelled_visit_is_409_with_the_reason(case, make, nurse, nurse_api):
    visit = schedule(make, nurse, minutes_ago=10)
    services.cancel_visit(make.coordinator(), visit, {"reason": "Patient in hospital"})
    ready = Ready(visit, None, None, utcnow() - timedelta(minutes=60))
    audited = audit_count()
    error = assert_error(nurse_api.post(case.url(ready), json=body(**case.values(ready))), 409)
    assert "the visit is cancelled" in error["detail"]
    assert audit_count() == audited


@pytest.mark.parametrize("case", CLINICAL + [pytest.param(BY_NAME["steps"], id="steps"),
                                             pytest.param(BY_NAME["safety-checks"],
                                                          id="safety-checks"),
                                             pytest.param(BY_NAME["check-out"], id="check-out"),
                                             pytest.param(BY_NAME["check-in"], id="check-in")])
def test_a_signed_visit_is_409(case, prepare, nurse_api):
    ready = prepare("signed")
    rows = count(case.model)
    error = assert_error(nurse_api.post(case.url(ready), json=body(**case.values(ready))), 409)
    assert "signed" in error["detail"]
    assert count(case.model) == rows


@pytest.mark.parametrize("case", PARAMS)
def test_another_nurses_visit_is_404(case, prepare, make, nurse_api):
    theirs = prepare(case.state, owner=make.nurse())
    rows = count(case.model)
    error = assert_error(nurse_api.post(case.url(theirs), json=body(**case.values(theirs))), 404)
    assert "not among yours" in error["detail"]
    assert count(case.model) == rows


@pytest.mark.parametrize("case", NESTED)
def test_an_id_of_another_visits_record_is_404(case, prepare, make, nurse_api):
    mine, other = prepare(case.state), prepare(case.state, owner=make.nurse())
    mixed = Ready(mine.visit, other.administration_id, other.complication_id, mine.checked_in_at)
    rows = count(case.model)
    error = assert_error(nurse_api.post(case.url(mixed), json=body(**case.values(mine))), 404)
    assert "This visit has no" in error["detail"]
    assert count(case.model) == rows


@pytest.mark.parametrize("role", ["patient_user", "coordinator", "admin"])
@pytest.mark.parametrize("case", PARAMS)
def test_only_nurses_write(case, role, prepare, make, api_as):
    ready = prepare(case.state)
    rows = count(case.model)
    assert_error(api_as(getattr(make, role)()).post(case.url(ready),
                                                    json=body(**case.values(ready))), 403)
    assert count(case.model) == rows


@pytest.mark.parametrize("case", PARAMS)
def test_without_a_token_it_is_401(case, prepare, client):
    ready = prepare(case.state)
    assert_error(client.post(case.url(ready), json=body(**case.values(ready))), 401)


@pytest.mark.parametrize("case", PARAMS)
def test_out_of_reach_is_404_whatever_the_body(case, prepare, make, nurse_api):
    """The visit is looked up before the body is read: not found, not 'send JSON'."""
    theirs = prepare(case.state, owner=make.nurse())
    assert_error(nurse_api.post(case.url(theirs), data="not json"), 404)


def test_a_lone_surrogate_in_text_is_422_not_a_server_error(prepare, nurse_api):
    ready = prepare("ready")
    teaching = {**BY_NAME["teaching"].values(ready), "topic": "Pump \ud800 alarms"}
    assert_error(nurse_api.post(BY_NAME["teaching"].url(ready), json=body(**teaching)), 422,
                 fields=("topic",))
    assert count(TeachingEntry) == 0
