"""How a message reaches a person, behind one small interface.

A channel says whether it can reach a recipient (`accepts`) and delivers (`send`), raising
DeliveryError when it could not; the dispatcher retries. In-app notifications always go
out; e-mail goes through SMTP, or to a local outbox folder when no SMTP server is set (as
under `make run`). A text-message gateway is one more class in CHANNELS.
"""

import logging
import smtplib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from flask import current_app

from tracker.reminders import notifications

LOG = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A channel could not deliver this time (the dispatcher retries with backoff)."""


@dataclass(frozen=True)
class Message:
    """One reminder, written for one person, in the shapes each channel needs.

    Plain values only (no database objects), so that channels talking to the outside world
    run with no database transaction open. The in-app text may name the patient and the
    step (it is read after signing in); the e-mail carries the minimum necessary: a first
    name, a time and a link to sign in.
    """

    recipient_id: int
    recipient_email: str
    email_opt_out: bool  # the patient asked for no e-mail
    kind: str
    title: str
    body: str
    link: str
    email_subject: str
    email_body: str
    reminder_id: int | None = None


class Channel(Protocol):
    name: str
    # True: the channel writes rows in the transaction that records the outcome (so it is
    # delivered exactly when the outcome is stored). False: it talks to the outside world
    # and is called before that transaction, with none open.
    transactional: bool

    def accepts(self, message: Message) -> bool: ...

    def send(self, message: Message) -> None: ...

    # A transactional channel may also offer send_all(messages): the same rows for many
    # messages at once (the dispatcher records a batch's outcomes in one transaction).


class InAppChannel:
    """A row in the recipient's notification list."""

    name = "in_app"
    transactional = True

    def accepts(self, message: Message) -> bool:
        return True

    def send(self, message: Message) -> None:
        notifications.add(message.recipient_id, message.kind, message.title, message.body,
                          message.link, reminder_id=message.reminder_id)

    def send_all(self, messages: list[Message]) -> None:
        notifications.add_many([
            {"user_id": m.recipient_id, "kind": m.kind, "title": m.title, "body": m.body,
             "link": m.link, "reminder_id": m.reminder_id} for m in messages])


class EmailChannel:
    """E-mail to the recipient's sign-in address, unless the patient opted out."""

    name = "email"
    transactional = False

    def accepts(self, message: Message) -> bool:
        return bool(message.recipient_email) and not message.email_opt_out

    def send(self, message: Message) -> None:
        email = build_email(message)
        try:
            transport().deliver(email)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}"[:500]) from error


def build_email(message: Message) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient_email
    email["Subject"] = message.email_subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="infusion-tracker.local")
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a reminder
    if message.reminder_id is not None:
        email["X-Reminder-ID"] = str(message.reminder_id)  # traces a delivery; no PHI
    email.set_content(message.email_body)
    return email


class SmtpTransport:
    def __init__(self, config):
        self.host, self.port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        self.use_tls, self.timeout = config["SMTP_USE_TLS"], config["SMTP_TIMEOUT_SECONDS"]
        self.username, self.password = config["SMTP_USERNAME"], config["SMTP_PASSWORD"]

    def describe(self) -> str:
        return f"SMTP server {self.host}:{self.port}" + (" (STARTTLS)" if self.use_tls else "")

    def deliver(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email)


class OutboxTransport:
    """Development fallback: each e-mail becomes a .eml file a developer can open."""

    def __init__(self, folder: Path):
        self.folder = folder

    def describe(self) -> str:
        return f"the outbox folder {self.folder} (SMTP_HOST is not set; nothing is sent)"

    def deliver(self, email: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(bytes(email))
        partial.replace(self.folder / name)  # a reader never sees a half-written file


def outbox_folder(app=None) -> Path:
    app = app or current_app
    return Path(app.config.get("OUTBOX_DIR") or Path(app.instance_path) / "outbox")


def uses_outbox(app=None) -> bool:
    app = app or current_app
    return not app.config.get("SMTP_HOST")


def transport(app=None):
    app = app or current_app
    if uses_outbox(app):
        return OutboxTransport(outbox_folder(app))
    return SmtpTransport(app.config)


# Every channel a reminder goes out on. The in-app notification is stored with the outcome
# of the first attempt, so it is there even when e-mail has to be retried.
CHANNELS: list[Channel] = [InAppChannel(), EmailChannel()]
