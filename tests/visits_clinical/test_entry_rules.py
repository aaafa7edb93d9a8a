"""Rules every clinical entry follows: a signed visit refuses them all, only the visit's
nurse writes, and each write is audited."""

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.visits import clinical_services as services
from tracker.visits.clinical_services import VisitStateError


def existing_records(visit, nurse):
    """A running, paused administration and a complication, to act on afterwards."""
    administration = services.start_administration(visit, nurse, {
        "lot_number": "L1", "dose": 2, "dose_unit": "g"})
    services.pause_administration(visit, nurse, {"administration_id": administration.id,
                                                 "reason": "Alarm"})
    complication = services.record_complication(visit, nurse, {"kind": "phlebitis",
                                                               "severity": "mild"})
    return administration.id, complication.id


def every_entry(administration_id, complication_id):
    return [
        (services.record_vitals, {"phase": "during", "heart_rate": 80, "consciousness": "A"}),
        (services.record_access, {"device_type": "picc", "site": "Arm", "side": "left",
                                  "is_new": "existing"}),
        (services.record_site_assessment, {"timing": "after", "phlebitis_score": 0,
                                           "vip_score": 0}),
        (services.record_line_care, {"kind": "dressing_change"}),
        (services.record_teaching, {"topic": "Pump", "learner": "patient",
                                    "result": "understood"}),
        (services.resume_administration, {"administration_id": administration_id}),
        (services.pause_administration, {"administration_id": administration_id,
                                         "reason": "Alarm"}),
        (services.stop_administration, {"administration_id": administration_id}),
        (services.start_administration, {"lot_number": "L2", "dose": 2, "dose_unit": "g"}),
        (services.record_complication, {"kind": "occlusion", "severity": "mild"}),
        (services.add_complication_action, {"complication_id": complication_id,
                                            "action": "physician_notified"}),
        (services.record_complication_outcome, {"complication_id": complication_id,
                                                "outcome": "Resolved"}),
    ]


def count(model_name):
    return db.session.scalar(select(func.count()).select_from(
        db.Model.metadata.tables[model_name]))


def test_a_signed_visit_refuses_every_entry(visit, nurse):
    ids = existing_records(visit, nurse)
    visit.state = "signed"
    db.session.commit()
    tables = ("vital_signs", "vascular_accesses", "site_assessments", "line_care_entries",
              "teaching_entries", "medication_administrations", "administration_interruptions",
              "complications", "complication_actions")
    before = {t: count(t) for t in tables}
    for service, values in every_entry(*ids):
        with pytest.raises(VisitStateError) as caught:
            service(visit, nurse, values)
        assert "signed" in caught.value.message, service.__name__
    assert {t: count(t) for t in tables} == before


def test_every_entry_is_refused_to_anyone_but_the_visits_nurse(visit, nurse, make):
    ids = existing_records(visit, nurse)
    other = make.nurse()
    for service, values in every_entry(*ids):
        with pytest.raises(Forbidden):
            service(visit, other, values)


def test_every_entry_is_audited(visit, nurse):
    ids = existing_records(visit, nurse)
    for service, values in every_entry(*ids):
        last = db.session.scalar(select(func.max(AuditEvent.id)))
        service(visit, nurse, values)
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last)).all()
        assert any(e.patient_id == visit.patient_id and e.detail.get("visit_id") == visit.id
                   and e.user_id == nurse.id for e in events), service.__name__
