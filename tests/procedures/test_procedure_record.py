"""The procedure record is loaded from its version-controlled file: loading is idempotent,
a changed text becomes a new current version (the old ones are kept, visits point at them),
going back to an earlier text makes that version current again; every role can read it."""

import json
import shutil

import pytest
from sqlalchemy import select

from tests.support import audit_rows, text
from tracker.extensions import db
from tracker.models import ProcedureRecord
from tracker.procedures import services


def _versions(code: str = "99601") -> list[tuple[int, bool]]:
    db.session.expire_all()
    return [(r.version, r.is_current) for r in db.session.scalars(
        select(ProcedureRecord).where(ProcedureRecord.code == code)
        .order_by(ProcedureRecord.version))]


@pytest.fixture
def record_file(app, tmp_path):
    """A copy of the shipped file that a test may edit."""
    path = tmp_path / "procedure_record.json"
    shutil.copy(app.config["PROCEDURE_RECORD_FILE"], path)
    return path


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(next(p for p in data["procedures"] if p["code"] == "99601"))
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def test_loading_the_same_file_again_stores_nothing(app, database, record_file):
    before = _versions("99601"), _versions("99602")
    assert before[0] and before[1]
    assert services.load_file(record_file) == []
    assert services.load_file(app.config["PROCEDURE_RECORD_FILE"]) == []
    assert (_versions("99601"), _versions("99602")) == before
    assert len([v for v, current in before[0] if current]) == 1


def test_a_changed_text_is_a_new_current_version_and_the_old_one_is_kept(database, record_file):
    [(first, _)] = _versions("99601")
    original = services.current_record("99601")
    add_on = _versions("99602")
    _edit(record_file, lambda p: p.update(summary="A nurse gives you IV medicine at home."))
    [created] = services.load_file(record_file)
    assert (created.code, created.version) == ("99601", first + 1)
    assert _versions("99601") == [(first, False), (first + 1, True)]
    assert _versions("99602") == add_on  # the unchanged code is left alone
    assert services.current_record("99601")["summary"] == "A nurse gives you IV medicine at home."
    db.session.refresh(original)
    assert original["summary"] != "A nurse gives you IV medicine at home."  # old text kept
    [loaded] = audit_rows("procedure_record_loaded", record_id=str(created.id))
    assert loaded.detail == {"code": "99601", "version": first + 1}


def test_going_back_to_an_earlier_text_makes_that_version_current_again(app, database, record_file):
    [(first, _)] = _versions("99601")
    _edit(record_file, lambda p: p.update(summary="Changed for a while."))
    services.load_file(record_file)
    back = services.load_file(app.config["PROCEDURE_RECORD_FILE"])
    assert [(r.code, r.version) for r in back] == [("99601", first)]
    assert _versions("99601") == [(first, True), (first + 1, False)]  # no third version
    reactivated = audit_rows("procedure_record_reactivated")
    assert [e.detail for e in reactivated] == [{"code": "99601", "version": first}]


def test_the_command_line_says_what_became_current(app, database, record_file):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["procedure", "load", "--file", str(record_file)])
    assert result.exit_code == 0 and "up to date" in result.output
    _edit(record_file, lambda p: p.update(purpose="Changed purpose."))
    result = runner.invoke(args=["procedure", "load", "--file", str(record_file)])
    version = services.current_record("99601").version
    assert f"99601 is now version {version}." in result.output
    result = runner.invoke(args=["procedure", "load"])
    assert f"99601 is now version {version - 1}." in result.output


@pytest.mark.parametrize("role", ["nurse", "patient", "coordinator", "admin"])
def test_every_role_reads_the_procedure_record(make, signed_in, role):
    browser = signed_in(make.user(role))
    response = browser.get("/procedure/")
    assert response.status_code == 200
    page = text(response)
    record = services.current_record("99601")
    assert record["short_name"] in page
    assert f"version {record.version}" in page
    assert "Warning signs" in page and "99602" in page
    if role == "patient":
        assert 'class="patient-view"' in page


def test_the_page_shows_the_current_version(make, signed_in, database, record_file):
    _edit(record_file, lambda p: p.update(summary="Fresh wording for the summary."))
    services.load_file(record_file)
    page = text(signed_in(make.patient_user()).get("/procedure/"))
    assert "Fresh wording for the summary." in page


def test_anonymous_visitors_are_asked_to_sign_in(client):
    response = client.get("/procedure/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
