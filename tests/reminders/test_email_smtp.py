"""E-mail reaches a real SMTP server (aiosmtpd on localhost) with the right recipient,
subject and body, and carries no protected health information."""

import socket
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from tests.checklists.support import check_in, check_out, schedule, utc
from tracker.reminders.dispatch import dispatch_due

VISIT_START = utc(2026, 5, 5, 14)  # Tuesday 5 May 2026, 10:00 in New York


class Inbox:
    """aiosmtpd handler: keeps every envelope it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [(env.rcpt_tos, message_from_bytes(env.content, policy=policy.default))
                for env in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "Care team <reminders@agency.example>")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://care.agency.example")
    yield inbox
    controller.stop()


@pytest.fixture
def visit(make):
    patient = make.patient(first_name="Marguerite", last_name="Oakhurst",
                           address_line="41 Juniper Hollow", city="Brackenfield",
                           postal_code="10777", primary_indication="autoimmune")
    patient_user = make.patient_user(patient, email="marguerite@mail.example")
    nurse = make.nurse(name="Nadia Brook, RN", email="nadia@agency.example")
    order = make.order(patient, medication="Immune globulin (IVIG) 10%",
                       indication="Chronic inflammatory demyelinating polyneuropathy")
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, VISIT_START, patient=patient, nurse=nurse, order=order)
    return visit, patient, patient_user, nurse, order


def forbidden_words(patient, order):
    """Nothing beyond first name, time and link: no last name, address, drug or diagnosis."""
    return [patient.last_name, patient.address_line, patient.city, patient.postal_code,
            patient.phone, patient.mrn, "IVIG", "globulin", order.indication, "demyelinating",
            "immune system", "autoimmune", "infusion", "IV "]


def test_preparation_email_reaches_the_smtp_server(smtp_server, visit):
    visit, patient, patient_user, _nurse, order = visit
    with time_machine.travel(utc(2026, 5, 4, 14), tick=False):
        assert dispatch_due().outcomes == {"sent": 1}
    [(recipients, message)] = smtp_server.messages()
    assert recipients == ["marguerite@mail.example"]
    assert message["To"] == "marguerite@mail.example"
    assert message["From"] == "Care team <reminders@agency.example>"
    assert message["Subject"] == "Reminder: your visit is coming up"
    body = message.get_content()
    assert body.startswith("Hello Marguerite,")
    assert "Tuesday 5 May at 10:00" in body
    assert "https://care.agency.example/sign-in" in body
    text = (message["Subject"] + body).lower()
    for word in forbidden_words(patient, order):
        assert word.lower() not in text, word


def test_recovery_email_names_no_care_step(smtp_server, visit):
    visit, patient, _patient_user, _nurse, order = visit
    with time_machine.travel(utc(2026, 5, 5, 16), tick=False):
        check_in(visit, VISIT_START)
        check_out(visit, utc(2026, 5, 5, 16))
        dispatch_due()
    [(recipients, message)] = [m for m in smtp_server.messages()
                               if m[0] == ["marguerite@mail.example"]]
    body = message.get_content()
    assert message["Subject"] == "Reminder: looking after yourself after your visit"
    assert "Tuesday 5 May at 12:00" in body
    assert "bandage" not in body.lower()
    for word in forbidden_words(patient, order):
        assert word.lower() not in (message["Subject"] + body).lower(), word


def test_nurse_email_names_no_patient(smtp_server, visit):
    visit, patient, _patient_user, nurse, order = visit
    with time_machine.travel(utc(2026, 5, 5, 13), tick=False):
        dispatch_due()
    [(recipients, message)] = [m for m in smtp_server.messages()
                               if m[0] == ["nadia@agency.example"]]
    body = message.get_content()
    assert body.startswith("Hello Nadia,")
    assert "Tuesday 5 May at 10:00" in body
    for word in forbidden_words(patient, order) + [patient.first_name]:
        assert word.lower() not in (message["Subject"] + body).lower(), word
