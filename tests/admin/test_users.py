"""User administration: admins create (page and `flask users create`), deactivate and reset
accounts; deactivation and reset end the person's sessions at once; nobody else can."""

import pytest
from sqlalchemy import select

from tests.factories import Factory
from tests.support import (
    audit_rows,
    browser_signed_in,
    data_snapshot,
    field_errors,
    input_value,
    location_path,
    new_browser,
    selected_option,
    sign_in_form,
    snapshot_difference,
    text,
)
from tracker.auth.passwords import verify_password
from tracker.extensions import db
from tracker.models import User

NEW_PASSWORD = "a brand new secret"

# A page every signed-in role may open, so it answers 200 while the session lasts.
SIGNED_IN_PAGE = "/procedure/"


def _user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _new_user_form(**overrides) -> dict:
    values = {"name": "Quinn Newhire", "email": "quinn@test.example", "role": "nurse",
              "timezone": "America/Chicago", "patient_id": "0", "password": NEW_PASSWORD}
    values.update(overrides)
    return values


def _assert_sent_to_sign_in(response):
    assert response.status_code == 302 and location_path(response) == "/sign-in"


# --- Creating ------------------------------------------------------------------------------

def test_an_admin_creates_a_user_who_can_then_sign_in(app, make, signed_in):
    admin = make.admin()
    browser = signed_in(admin)
    assert browser.get("/admin/users/new").status_code == 200
    response = browser.post("/admin/users/new", _new_user_form(email="Quinn@Test.example"),
                            page="/admin/users/new")
    assert response.status_code == 302 and location_path(response) == "/admin/users"
    assert "User created." in text(browser.get("/admin/users"))
    user = _user_by_email("quinn@test.example")
    assert (user.name, user.role, user.timezone, user.active) == (
        "Quinn Newhire", "nurse", "America/Chicago", True)
    assert user.password_hash.startswith("$argon2id$")
    [event] = audit_rows("user_created", record_id=str(user.id))
    assert event.user_id == admin.id and event.detail == {"role": "nurse"}
    assert sign_in_form(new_browser(app), "quinn@test.example", NEW_PASSWORD).status_code == 302


def test_a_patient_account_is_linked_to_its_patient_record(make, signed_in):
    patient = make.patient()
    browser = signed_in(make.admin())
    response = browser.post("/admin/users/new", _new_user_form(
        role="patient", patient_id=str(patient.id)), page="/admin/users/new")
    assert response.status_code == 302
    user = _user_by_email("quinn@test.example")
    assert user.patient_id == patient.id
    [event] = audit_rows("user_created", record_id=str(user.id))
    assert event.patient_id == patient.id


@pytest.mark.parametrize("overrides, field, message", [
    ({"email": "taken"}, "email", "An account with this e-mail already exists."),
    ({"password": "short"}, "password", "Use at least 10 characters."),
    ({"role": "patient"}, "patient_id", "A patient account must be linked to a patient record."),
    ({"name": ""}, "name", "Enter the person's name."),
    ({"email": "not-an-email"}, "email", "Enter a valid e-mail."),
    ({"role": "superuser"}, "role", "Not a valid choice."),
])
def test_a_refused_user_form_keeps_what_was_typed(make, signed_in, overrides, field, message):
    existing = make.nurse()
    if overrides.get("email") == "taken":
        overrides["email"] = existing.email.upper()
    browser = signed_in(make.admin())
    before = data_snapshot()
    response = browser.post("/admin/users/new", _new_user_form(**overrides), page="/admin/users/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, field) == [message]
    typed = _new_user_form(**overrides)
    for name in ("name", "email"):
        assert input_value(page, name) == typed[name].strip()
    assert selected_option(page, "timezone") == "America/Chicago"
    assert input_value(page, "password") == ""  # never echoed back
    assert snapshot_difference(before, data_snapshot()) == []


def test_a_patient_record_gets_one_account_only(make, signed_in):
    patient_user = make.patient_user()
    browser = signed_in(make.admin())
    response = browser.post("/admin/users/new", _new_user_form(
        role="patient", patient_id=str(patient_user.patient_id)), page="/admin/users/new")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "patient_id") == [
        "That patient record already has an account."]


def test_the_command_line_creates_users(app, make):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Cli.Nurse@test.example",
                                 "--name", "Cli Nurse", "--role", "coordinator",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    user = _user_by_email("cli.nurse@test.example")
    assert user.role == "coordinator" and user.password_hash.startswith("$argon2id$")
    assert f"Created coordinator account cli.nurse@test.example (id {user.id})." in result.output
    assert audit_rows("user_created", record_id=str(user.id))
    assert sign_in_form(new_browser(app), "cli.nurse@test.example", NEW_PASSWORD).status_code == 302


def test_the_command_line_asks_for_the_password_twice_when_not_given(app, make):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "asked@test.example", "--name",
                                 "Asked", "--role", "admin"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # typed passwords are not echoed
    assert verify_password(_user_by_email("asked@test.example").password_hash, NEW_PASSWORD)


def test_the_command_line_refuses_bad_accounts(app, make):
    existing = make.nurse()
    runner = app.test_cli_runner()
    duplicate = runner.invoke(args=["users", "create", "--email", existing.email, "--name", "X",
                                    "--role", "nurse", "--password", NEW_PASSWORD])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    unlinked = runner.invoke(args=["users", "create", "--email", "p@test.example", "--name", "P",
                                   "--role", "patient", "--password", NEW_PASSWORD])
    assert unlinked.exit_code != 0 and "linked to a patient record" in unlinked.output
    bad_role = runner.invoke(args=["users", "create", "--email", "r@test.example", "--name", "R",
                                   "--role", "root", "--password", NEW_PASSWORD])
    assert bad_role.exit_code != 0
    assert _user_by_email("p@test.example") is None and _user_by_email("r@test.example") is None


def test_the_command_line_deactivates_and_ends_sessions(app, make):
    nurse = make.nurse()
    nurse_browser = browser_signed_in(app, nurse)
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "--email", nurse.email])
    assert result.exit_code == 0, result.output
    _assert_sent_to_sign_in(nurse_browser.get("/home"))


# --- Deactivating and resetting ------------------------------------------------------------

def test_deactivating_ends_the_users_sessions_at_once(app, make, signed_in):
    admin, nurse = make.admin(), make.nurse()
    nurse_browser = browser_signed_in(app, nurse)
    assert nurse_browser.get(SIGNED_IN_PAGE).status_code == 200
    response = signed_in(admin).post(f"/admin/users/{nurse.id}/active", {"active": "0"})
    assert response.status_code == 302
    _assert_sent_to_sign_in(nurse_browser.get("/home"))
    refused = sign_in_form(new_browser(app), nurse.email, Factory.PASSWORD)
    assert refused.status_code == 422
    [event] = audit_rows("user_deactivated", record_id=str(nurse.id))
    assert event.user_id == admin.id


def test_a_reactivated_user_can_sign_in_again(app, make, signed_in):
    nurse = make.nurse()
    admin_browser = signed_in(make.admin())
    admin_browser.post(f"/admin/users/{nurse.id}/active", {"active": "0"}, page="/admin/users")
    admin_browser.post(f"/admin/users/{nurse.id}/active", {"active": "1"}, page="/admin/users")
    assert _user_by_email(nurse.email).active
    assert sign_in_form(new_browser(app), nurse.email, Factory.PASSWORD).status_code == 302


def test_an_admin_cannot_deactivate_their_own_account(make, signed_in):
    admin = make.admin()
    browser = signed_in(admin)
    response = browser.post(f"/admin/users/{admin.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert "You cannot deactivate your own account." in text(browser.get("/admin/users"))
    assert _user_by_email(admin.email).active


def test_a_password_reset_ends_sessions_and_unlocks(app, make, signed_in):
    admin, nurse = make.admin(), make.nurse()
    nurse.failed_logins, nurse.locked_until = 4, None
    db.session.commit()
    epoch = nurse.auth_epoch
    nurse_browser = browser_signed_in(app, nurse)
    admin_browser = signed_in(admin)
    assert admin_browser.get(f"/admin/users/{nurse.id}/password").status_code == 200
    response = admin_browser.post(f"/admin/users/{nurse.id}/password", {"password": NEW_PASSWORD},
                                  page=f"/admin/users/{nurse.id}/password")
    assert response.status_code == 302
    _assert_sent_to_sign_in(nurse_browser.get("/home"))
    user = _user_by_email(nurse.email)
    assert user.auth_epoch == epoch + 1 and user.failed_logins == 0 and user.locked_until is None
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert sign_in_form(new_browser(app), nurse.email, Factory.PASSWORD).status_code == 422
    assert sign_in_form(new_browser(app), nurse.email, NEW_PASSWORD).status_code == 302
    [event] = audit_rows("password_reset", record_id=str(nurse.id))
    assert event.user_id == admin.id


def test_a_too_short_reset_password_is_refused(make, signed_in):
    nurse = make.nurse()
    browser = signed_in(make.admin())
    response = browser.post(f"/admin/users/{nurse.id}/password", {"password": "short"},
                            page=f"/admin/users/{nurse.id}/password")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "password") == [
        "Use at least 10 characters."]
    assert verify_password(_user_by_email(nurse.email).password_hash, Factory.PASSWORD)


# --- Nobody else ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["nurse", "coordinator", "patient"])
def test_only_admins_manage_users(make, signed_in, role):
    victim = make.nurse()
    browser = signed_in(make.user(role))
    token = browser.csrf()
    before = data_snapshot(include_audit=True)
    post = browser.client.post
    attempts = [
        browser.get("/admin/users"),
        browser.get("/admin/users/new"),
        post("/admin/users/new", data={**_new_user_form(), "csrf_token": token}),
        post(f"/admin/users/{victim.id}/active", data={"active": "0", "csrf_token": token}),
        browser.get(f"/admin/users/{victim.id}/password"),
        post(f"/admin/users/{victim.id}/password",
             data={"password": NEW_PASSWORD, "csrf_token": token}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert snapshot_difference(before, data_snapshot(include_audit=True)) == []
