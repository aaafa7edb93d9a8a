"""The audit trail is append-only (the ORM and the database both refuse changes), and the
audit log page lets the office search it (itself an audited read)."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import delete, update
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from tests.support import audit_rows, field_errors
from tests.support import text as page_text
from tracker import audit
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.models.audit import AuditTrailIsAppendOnly


@pytest.fixture
def event(make):
    patient = make.patient()
    row = audit.record("patient_viewed", record_type="patient", record_id=patient.id,
                       patient_id=patient.id)
    db.session.commit()
    return row


def _unchanged(event_id: int, action: str):
    db.session.expire_all()
    row = db.session.get(AuditEvent, event_id)
    assert row is not None and row.action == action


def test_the_orm_refuses_to_change_an_audit_event(database, event):
    event.action = "tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    _unchanged(event.id, "patient_viewed")


def test_the_orm_refuses_to_delete_an_audit_event(database, event):
    db.session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    _unchanged(event.id, "patient_viewed")


@pytest.mark.parametrize("statement", [
    lambda e: update(AuditEvent).where(AuditEvent.id == e.id).values(action="tampered"),
    lambda e: delete(AuditEvent).where(AuditEvent.id == e.id),
    lambda e: sql(f"UPDATE audit_events SET action = 'tampered' WHERE id = {e.id}"),
    lambda e: sql(f"DELETE FROM audit_events WHERE id = {e.id}"),
    lambda e: sql("DELETE FROM audit_events"),
], ids=["orm-bulk-update", "orm-bulk-delete", "sql-update", "sql-delete", "sql-delete-all"])
def test_the_database_itself_refuses_updates_and_deletes(database, event, statement):
    """Statements that bypass the ORM's unit of work meet the database triggers."""
    event_id = event.id
    with pytest.raises(DBAPIError) as refused:  # noqa: SIM117  (the savepoint must end first)
        with db.session.begin_nested():
            db.session.execute(statement(event))
    assert "append-only" in str(refused.value)
    _unchanged(event_id, "patient_viewed")


# --- The audit log page --------------------------------------------------------------------

def test_the_office_searches_the_audit_log_by_patient(make, signed_in):
    patient, other = make.patient(), make.patient()
    coordinator = make.coordinator()
    browser = signed_in(coordinator)
    browser.get(f"/patients/{patient.id}")
    browser.get(f"/patients/{other.id}")
    response = browser.get("/admin/audit", query_string={"patient_id": patient.id})
    assert response.status_code == 200
    rows = page_text(response).split("<tbody>")[1]
    # The other patient's read is filtered out; the log's own read is listed with this patient.
    assert rows.count("<tr>") == 2 and rows.count("patient viewed") == 1 and coordinator.name in rows
    assert "audit log viewed" in rows
    [viewed] = audit_rows("audit_log_viewed", user_id=coordinator.id, patient_id=patient.id)
    assert viewed.ip_address == "127.0.0.1"


def test_audit_log_dates_are_checked(make, signed_in):
    browser = signed_in(make.coordinator())
    response = browser.get("/admin/audit", query_string={"date_from": "2026-02-31"})
    assert response.status_code == 422  # shown with the message, never as an unfiltered log
    assert field_errors(response.get_data(as_text=True), "date_from") == ["Use the form YYYY-MM-DD."]


def test_audit_log_dates_are_days_in_the_viewers_zone(make, signed_in):
    coordinator = make.coordinator(timezone="America/New_York")
    patient = make.patient()
    # 02:00 UTC on 3 March is still 2 March in New York.
    with time_machine.travel(datetime(2026, 3, 3, 2, 0, tzinfo=UTC), tick=False):
        audit.record("patient_viewed", record_type="patient", record_id=patient.id,
                     patient_id=patient.id, user_id=coordinator.id)
        db.session.commit()
    browser = signed_in(coordinator)

    def count(day):
        response = browser.get("/admin/audit", query_string={
            "patient_id": patient.id, "date_from": day, "date_to": day})
        return page_text(response).split("<tbody>")[1].count("<tr>")

    assert count("2026-03-02") == 1
    assert count("2026-03-03") == 0


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999999", "5"])
def test_any_page_number_shows_a_page(make, signed_in, page):
    browser = signed_in(make.admin())
    response = browser.get("/admin/audit", query_string={"page": page})
    assert response.status_code == 200
    assert "event" in page_text(response)


def test_the_audit_log_pages_through_long_results(make, signed_in):
    patient = make.patient()
    for _ in range(60):
        audit.record("patient_viewed", record_type="patient", record_id=patient.id,
                     patient_id=patient.id)
    db.session.commit()
    browser = signed_in(make.coordinator())
    query = {"patient_id": patient.id, "action": "patient_viewed"}
    first = page_text(browser.get("/admin/audit", query_string=query))
    assert "60 events." in first
    assert first.split("<tbody>")[1].count("<tr>") == 50
    assert ">Older</a>" in first and ">Newer</a>" not in first
    second = page_text(browser.get("/admin/audit", query_string={**query, "page": 2}))
    assert second.split("<tbody>")[1].count("<tr>") == 10
    assert ">Newer</a>" in second and ">Older</a>" not in second
