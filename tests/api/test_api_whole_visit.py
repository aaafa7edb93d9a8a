"""One whole visit documented over the API ends exactly as the same visit documented on the
visit page: same entries at the same times, same billing lines, signed by the same nurse.

The visit is described once (what happens, minutes after check-in) and then sent twice:
as the tablet's JSON and as the browser's forms, to two visits of the same patient."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.write_helpers import PASSWORD, body, minute, ok
from tracker.api import serializers
from tracker.extensions import db
from tracker.models import Visit
from tracker.timeutil import utcnow
from tracker.visits import services

NEW_YORK = ZoneInfo("America/New_York")
SAFETY = [
    ("identity", {"identifiers": ["name", "date_of_birth"], "confirmed": True}),
    ("allergies", {"result": "no_conflict"}),
    ("medication", {"drug": True, "dose": True, "route": True, "rate": True,
                    "expiry_date": "2099-01-31"}),
    ("anaphylaxis_kit", {"present": "yes", "expiry_date": "2099-01-31"}),
    ("pump", {"result": "ok", "pump_id": "P-17"}),
]
VITALS_BEFORE = {"phase": "before", "heart_rate": 76, "systolic": 124, "diastolic": 78,
                 "respiratory_rate": 16, "temperature": 36.8, "spo2": 98,
                 "consciousness": "A", "pain": 1}
# The second set scores NEWS2 5 (medium): the alert and the response text must match too.
VITALS_AFTER = {"phase": "after", "heart_rate": 112, "systolic": 118, "diastolic": 76,
                "respiratory_rate": 22, "temperature": 38.4, "spo2": 95,
                "consciousness": "A", "pain": 2}
GIVEN = {"lot_number": "LOT-77", "dose": 2.0, "dose_unit": "g", "volume_ml": 100.0,
         "rate_ml_per_hour": 100.0, "pump": "P-17"}
GPS = {"latitude": 40.7128, "longitude": -74.006, "accuracy_m": 12.0}
CHECK_OUT_AFTER = 170  # minutes: 99601, and 99602 for the 50 minutes past 2 hours


def local_form_time(moment: datetime) -> str:
    """A time as the browser's datetime-local input sends it, in the nurse's zone."""
    return moment.astimezone(NEW_YORK).strftime("%Y-%m-%dT%H:%M")


class OverTheApi:
    def __init__(self, api, visit: Visit):
        self.api, self.base = api, f"/api/v1/visits/{visit.id}"

    def post(self, path: str, answer: tuple[int, str], **fields) -> dict:
        """Send one write; `answer` is the status and the schema of the success expected."""
        return ok(self.api.post(self.base + path, json=body(**fields)), *answer)

    def when(self, moment: datetime) -> str:
        return moment.astimezone(NEW_YORK).isoformat()

    def document(self, start: datetime, steps: list[int]) -> dict:
        t = lambda minutes: self.when(start + timedelta(minutes=minutes))  # noqa: E731
        self.post("/check-in", (200, "Visit"), at=t(0), **GPS)
        for check, values in SAFETY:
            self.post("/safety-checks", (201, "SafetyCheck"), check=check, **values)
        self.post("/vitals", (201, "VitalSigns"), **VITALS_BEFORE, taken_at=t(5))
        for number in steps:
            self.post("/steps", (201, "VisitStep"), step_number=number, status="done",
                      performed_at=t(5 + number))
        given = self.post("/administrations", (201, "Administration"), **GIVEN, started_at=t(15))
        complication = self.post("/complications", (201, "Complication"), kind="phlebitis",
                                 severity="mild", onset_at=t(40), description="Red streak")
        self.post(f"/complications/{complication['id']}/actions", (201, "Complication"),
                  action="physician_notified", taken_at=t(45), note="Dr on call")
        self.post(f"/administrations/{given['id']}/stop", (200, "Administration"), stopped_at=t(75))
        self.post("/vitals", (201, "VitalSigns"), **VITALS_AFTER, taken_at=t(100))
        self.post("/check-out", (200, "Visit"), at=t(CHECK_OUT_AFTER), **GPS)
        return self.post("/sign", (200, "Visit"), password=PASSWORD)


class OnThePage:
    """The same visit, posted as the visit page's forms (each with its prefix)."""

    def __init__(self, browser, visit: Visit):
        self.browser, self.visit, self.base = browser, visit, f"/visits/{visit.id}"

    def post(self, path: str, prefix: str, **fields) -> None:
        token = self.browser.csrf(self.base)
        data = {f"{prefix}-{name}": value for name, value in fields.items()
                if value is not None and value is not False}
        data = {k: ("y" if v is True else v) for k, v in data.items()}
        response = self.browser.post(self.base + path, {**data, f"{prefix}-csrf_token": token,
                                                        "csrf_token": token})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    def document(self, start: datetime, steps: list[int]) -> None:
        t = lambda minutes: local_form_time(start + timedelta(minutes=minutes))  # noqa: E731
        self.post("/check-in", "checkin", at=t(0), at_shown="", **GPS)
        for check, values in SAFETY:
            self.post(f"/safety/{check}", f"safety-{check}", **values)
        self.post("/vitals", "vitals", **VITALS_BEFORE, taken_at=t(5))
        for number in steps:
            self.post(f"/steps/{number}", f"step{number}", status="done",
                      performed_at=t(5 + number), performed_at_shown="")
        self.post("/administrations", "admin", **GIVEN, started_at=t(15))
        db.session.expire_all()
        [given] = self.visit.administrations
        self.post("/complications", "complication", kind="phlebitis", severity="mild",
                  onset_at=t(40), description="Red streak")
        [complication] = self.visit.complications
        self.post(f"/complications/{complication.id}/actions", f"action-{complication.id}",
                  action="physician_notified", taken_at=t(45), note="Dr on call")
        self.post(f"/administrations/{given.id}/stop", f"stop-{given.id}", stopped_at=t(75))
        self.post("/vitals", "vitals", **VITALS_AFTER, taken_at=t(100))
        self.post("/check-out", "checkout", at=t(CHECK_OUT_AFTER), at_shown="", **GPS)
        self.post("/sign", "sign", password=PASSWORD)


IDS = {"id", "order_id"}
RECORDING_TIMES = {"recorded_at", "updated_at", "signed_at", "planned_start", "planned_end"}


def as_documented(record: dict, checked_in: datetime) -> object:
    """The visit as documented: database ids and the moments of saving left out, every
    clinical time as minutes after check-in (the two visits happen hours apart)."""
    if isinstance(record, list):
        return [as_documented(item, checked_in) for item in record]
    if not isinstance(record, dict):
        return record
    kept = {}
    for key, value in record.items():
        if key in IDS or key in RECORDING_TIMES:
            continue
        if isinstance(value, str) and (key.endswith("_at") or key == "at") and value:
            value = (datetime.fromisoformat(value) - checked_in) / timedelta(minutes=1)
        kept[key] = as_documented(value, checked_in)
    return kept


@pytest.fixture
def patient(make, nurse):
    patient = make.patient()
    make.assign(nurse, patient)
    return patient


def test_a_visit_documented_over_the_api_equals_the_same_visit_on_the_page(
        make, nurse, patient, nurse_api, signed_in):
    order = make.order(patient)
    now = minute(utcnow())
    on_page_start, over_api_start = now - timedelta(hours=6), now - timedelta(hours=3)
    on_page = make.visit(nurse, patient, on_page_start, order=order)
    over_api = make.visit(nurse, patient, over_api_start, order=order)
    steps = [s["number"] for s in services.pinned_steps(on_page)]

    OnThePage(signed_in(nurse), on_page).document(on_page_start, steps)
    answered = OverTheApi(nurse_api, over_api).document(over_api_start, steps)

    db.session.expire_all()
    page_visit = serializers.visit(db.session.get(Visit, on_page.id))
    api_visit = serializers.visit(db.session.get(Visit, over_api.id))
    assert answered == {**api_visit, "updated_at": answered["updated_at"]}
    assert api_visit["state"] == page_visit["state"] == "signed"
    assert api_visit["signed_by"] == page_visit["signed_by"] == {"id": nurse.id, "name": nurse.name}
    assert [(b["code"], b["units"]) for b in api_visit["billing_lines"]] == \
        [(b["code"], b["units"]) for b in page_visit["billing_lines"]] == [("99601", 1), ("99602", 1)]
    assert [v["news2"] for v in api_visit["vital_signs"]] == \
        [v["news2"] for v in page_visit["vital_signs"]]
    assert api_visit["vital_signs"][1]["news2"]["band"] == "medium"
    assert (len(api_visit["steps"]), len(api_visit["safety_checks"]), len(api_visit["vital_signs"]),
            len(api_visit["complications"][0]["actions"])) == (len(steps), 5, 2, 1)
    assert api_visit["administrations"][0]["stopped_at"] is not None
    assert as_documented(api_visit, over_api_start) == as_documented(page_visit, on_page_start)
