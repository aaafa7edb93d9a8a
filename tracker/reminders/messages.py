"""What each reminder says, in plain words, per channel.

E-mails carry the minimum necessary: the recipient's first name, a time and a link to sign
in. Never a last name, diagnosis, drug, address or the care step: those are read in the
app after signing in.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from werkzeug.routing import BuildError

from tracker.checklists.services import checklists_of
from tracker.models import Checklist, ChecklistKind, Patient, Reminder, ReminderKind, User, Visit
from tracker.reminders.channels import Message

SIGN_OFF = "Your care team\n\n(This message was sent automatically. Please do not reply to it.)\n"


def _url_adapter():
    """One bound URL adapter per app and root: binding costs as much as building a path,
    and the dispatcher builds two paths per reminder."""
    root = current_app.config.get("APPLICATION_ROOT", "/")
    cache = current_app.extensions.setdefault("reminder_url_adapters", {})
    adapter = cache.get(root)
    if adapter is None:
        adapter = cache[root] = current_app.url_map.bind("localhost", script_name=root)
    return adapter


def app_path(endpoint: str, **values) -> str:
    """A path inside the app, also outside a request (the dispatcher has none)."""
    return _url_adapter().build(endpoint, values)


def visit_page_path(visit: Visit) -> str:
    """The nurse's visit page; the checklist page when the visit page is not installed."""
    try:
        return app_path("visits.show", visit_id=visit.id)
    except BuildError:
        return app_path("checklists.visit_checklists", visit_id=visit.id)


def sign_in_url() -> str:
    """The same for every message: built once per base URL (each e-mail body names it)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    cache = current_app.extensions.setdefault("reminder_sign_in_urls", {})
    key = (base, current_app.config.get("APPLICATION_ROOT", "/"))
    if key not in cache:
        cache[key] = base + app_path("auth.login")
    return cache[key]


def friendly_time(moment: datetime, tz_name: str) -> str:
    """'Tuesday 3 March at 10:00' on the reader's own clock."""
    local = moment.astimezone(ZoneInfo(tz_name))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def first_name(user: User, patient: Patient | None) -> str:
    if patient is not None:
        return patient.first_name
    return user.name.split(",")[0].split()[0] if user.name.strip() else "there"


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return f"about {hours} hour{'s' if hours != 1 else ''}"
    if hours == 0:
        return f"about {minutes} minutes"
    return f"about {hours} h {rest} min"


def length_text(length: timedelta) -> str:
    """How long a visit took: '1 hour 45 minutes'."""
    hours, minutes = divmod(int(length.total_seconds() // 60), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def record_step(visit: Visit, step_key: str | None, steps_key: str = "recovery_steps") -> str:
    content = visit.procedure_record.content if visit.procedure_record else {}
    for step in content.get(steps_key) or []:
        if step.get("key") == step_key:
            return step["text"]
    return "Follow the care steps your nurse gave you."


def build(reminder: Reminder, recipient: User,
          checklists: dict[str, Checklist] | None = None) -> Message:
    """The message; `checklists` are the visit's checklists by kind when the caller loaded
    them already (the dispatcher loads a whole batch's at once), else they are read here."""
    builder = {
        ReminderKind.PREPARATION.value: _preparation,
        ReminderKind.RECOVERY.value: _recovery,
        ReminderKind.NURSE_UPCOMING.value: _nurse_upcoming,
        ReminderKind.NURSE_UNSIGNED.value: _nurse_unsigned,
    }[reminder.kind]
    patient = reminder.visit.patient if reminder.audience == "patient" else None
    return builder(reminder, recipient, patient, checklists)


def _message(reminder, recipient, patient, *, title, body, link, subject, lines) -> Message:
    greeting = f"Hello {first_name(recipient, patient)},\n\n"
    email_body = greeting + "\n".join(lines) + f"\n\n{sign_in_url()}\n\n" + SIGN_OFF
    return Message(recipient_id=recipient.id, recipient_email=recipient.email,
                   email_opt_out=bool(patient is not None and patient.email_opt_out),
                   kind=f"reminder_{reminder.kind}", title=title, body=body, link=link,
                   email_subject=subject, email_body=email_body, reminder_id=reminder.id)


def _checklists(visit: Visit, loaded: dict[str, Checklist] | None) -> dict[str, Checklist]:
    return loaded if loaded is not None else checklists_of(visit)


def _preparation(reminder: Reminder, recipient: User, patient: Patient, checklists=None) -> Message:
    visit = reminder.visit
    when = friendly_time(visit.planned_start, patient.timezone)
    checklist = _checklists(visit, checklists).get(ChecklistKind.PREPARATION.value)
    left = len(checklist.open_items) if checklist else 0
    to_do = (f"{left} step{'s' if left != 1 else ''} on your list still to do."
             if left else "Everything on your list is done. Thank you!")
    return _message(
        reminder, recipient, patient,
        title=f"Your visit is on {when}",
        body=f"{visit.nurse.name} will come for {duration_text(visit.planned_minutes)}. {to_do}",
        link=app_path("checklists.patient_prepare", visit_id=visit.id),
        subject="Reminder: your visit is coming up",
        lines=[f"This is a reminder about your visit on {when} (your time).",
               "Please sign in to see how to get ready:"])


def _recovery(reminder: Reminder, recipient: User, patient: Patient, _checklists=None) -> Message:
    visit = reminder.visit
    when = friendly_time(visit.checked_out_at, patient.timezone)
    return _message(
        reminder, recipient, patient,
        title="After your visit: today's care step",
        body=(f"{record_step(visit, reminder.step_key)} "
              "If something worries you, check the warning signs and call us."),
        link=app_path("checklists.patient_recovery", visit_id=visit.id),
        subject="Reminder: looking after yourself after your visit",
        lines=[f"This is a reminder about looking after yourself after your visit on {when}.",
               "Please sign in to read today's care step:"])


def _nurse_upcoming(reminder: Reminder, nurse: User, _patient, checklists=None) -> Message:
    visit = reminder.visit
    when = friendly_time(visit.planned_start, nurse.timezone)
    checklist = _checklists(visit, checklists).get(ChecklistKind.PREPARATION.value)
    if checklist and checklist.items:
        status = f"Patient's preparation: {checklist.done_count} of {len(checklist.items)} done."
    else:
        status = "The patient has no preparation checklist."
    return _message(
        reminder, nurse, None,
        title=f"Visit with {visit.patient.full_name} on {when}",
        body=status, link=visit_page_path(visit),
        subject="Reminder: you have a visit coming up",
        lines=[f"You have a visit on {when} (your time).", "Sign in to see it:"])


def _nurse_unsigned(reminder: Reminder, nurse: User, _patient, _checklists=None) -> Message:
    visit = reminder.visit
    when = friendly_time(visit.checked_out_at, nurse.timezone)
    return _message(
        reminder, nurse, None,
        title=f"Visit with {visit.patient.full_name} is not signed yet",
        body=f"You checked out on {when}. Please review the record and sign it.",
        link=visit_page_path(visit),
        subject="Reminder: a visit is waiting for your signature",
        lines=[f"A visit you checked out on {when} (your time) is not signed yet.",
               "Sign in to review and sign it:"])
