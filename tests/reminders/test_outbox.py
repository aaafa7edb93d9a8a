"""Without SMTP settings e-mails go to a local outbox folder, and the app says so."""

import time_machine

from tests.checklists.support import schedule, utc
from tracker.reminders.dispatch import dispatch_due


def test_without_smtp_emails_are_written_to_the_outbox(make, outbox):
    patient = make.patient(first_name="Ilse")
    user = make.patient_user(patient, email="ilse@mail.example")
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14), patient=patient)
    with time_machine.travel(utc(2026, 5, 4, 14), tick=False):
        dispatch_due()
    [message] = outbox.messages()
    assert message["To"] == user.email
    assert message["Subject"] == "Reminder: your visit is coming up"
    assert message["X-Reminder-ID"]
    assert message.get_content().startswith("Hello Ilse,")
    # A developer can read the files as they are: nothing else in the folder.
    assert [p.suffix for p in outbox.folder.iterdir()] == [".eml"]
    assert visit.id


def test_the_office_reminders_page_says_emails_go_to_the_outbox(make, signed_in, outbox):
    page = signed_in(make.coordinator()).get("/reminders")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "E-mail is not being sent" in html
    assert str(outbox.folder) in html


def test_with_smtp_settings_the_page_names_the_server(app, make, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.agency.example")
    html = signed_in(make.admin()).get("/reminders").get_data(as_text=True)
    assert "E-mail is not being sent" not in html
    assert "smtp.agency.example:587" in html


def test_the_startup_log_says_where_emails_go(app, caplog):
    from tracker.reminders.scheduler import announce_mail_transport

    with caplog.at_level("WARNING"):
        line = announce_mail_transport(app)
    assert "SMTP_HOST is not set" in line
    assert "SMTP_HOST is not set" in caplog.text


def test_nurses_and_patients_cannot_open_the_office_page(make, signed_in):
    assert signed_in(make.nurse()).get("/reminders").status_code == 403


def test_the_office_page_warns_when_reminders_wait_too_long(make, signed_in):
    with time_machine.travel(utc(2030, 5, 1, 12), tick=False):
        schedule(make, utc(2030, 5, 5, 14))
    with time_machine.travel(utc(2030, 5, 4, 13, 59), tick=False) as clock:  # none due yet
        browser = signed_in(make.coordinator())
        assert "may not be running" not in browser.get("/reminders").get_data(as_text=True)
        clock.move_to(utc(2030, 5, 4, 14, 10))  # one came due 10 minutes ago, still pending
        assert "may not be running" in browser.get("/reminders").get_data(as_text=True)
