"""Forms of the visit page's clinical sections.

The forms parse what the browser sends (numbers, local times) and keep everything typed
for a re-display; the rules live in the services, whose messages are attached back to the
fields (attach_errors). Each form has its own prefix, as several share the page.
"""

import uuid
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from tracker.clinical.site import DEVICE_TYPES, INS_PHLEBITIS, VIP_SCORE
from tracker.clinical.vitals import CONSCIOUSNESS_LEVELS
from tracker.forms import strip_filter
from tracker.templating import viewer_timezone
from tracker.visits.charting.access_site import NEW_OR_EXISTING, SIDES, SITE_TIMINGS
from tracker.visits.charting.common import FORM
from tracker.visits.charting.complications import ACTIONS, SEVERITIES
from tracker.visits.charting.line_care import (
    DRAW_SITES,
    LEARNERS,
    LINE_CARE_KINDS,
    TEACHING_RESULTS,
)
from tracker.visits.charting.vitals import PHASES, TEMPERATURE_UNITS

NOW_HINT = "Leave empty for now (the moment you save)."
CHECKED_OUT_HINT = "Enter when it happened: the visit is checked out."


def _viewer_zone():
    return ZoneInfo(viewer_timezone())


def Time(label: str, description: str = NOW_HINT):  # noqa: N802 (a field factory)
    return DateTimeLocalField(label, validators=[Optional()], format="%Y-%m-%dT%H:%M",
                              tz=_viewer_zone, description=description,
                              invalid_value_message="Enter a date and time, for example "
                                                    "2026-03-05 14:30.")


def Whole(label: str, description: str = ""):  # noqa: N802
    return IntegerField(label, validators=[Optional()], description=description,
                        invalid_value_message="Enter a whole number.")


def Number(label: str, description: str = ""):  # noqa: N802
    return FloatField(label, validators=[Optional()], description=description,
                      invalid_value_message="Enter a number.")


def Text(label: str, description: str = ""):  # noqa: N802
    return StringField(label, filters=[strip_filter], description=description)


def options(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in mapping.items()]


def Choice(label: str, choices: dict, default=None, description: str = ""):  # noqa: N802
    # The service gives the message for a missing or unknown choice.
    return RadioField(label, choices=options(choices), default=default,
                      validate_choice=False, description=description)


def fit_to_visit(form: FlaskForm, visit) -> FlaskForm:
    """After check-out "now" is no longer a time of the visit: ask for the time instead."""
    if visit.checked_out_at is not None:
        for field in form:
            if field.description == NOW_HINT:
                field.description = CHECKED_OUT_HINT
    return form


class EntryForm(FlaskForm):
    """A clinical entry: a client id makes a double tap or a resubmission save once."""

    client_id = HiddenField(default=lambda: str(uuid.uuid4()))

    def values(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "client_id")}

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Put the service's messages next to their fields; the rest above the form."""
        for name, message in errors.items():
            field = self._fields.get(name) if name != FORM else None
            if field is None or name in ("csrf_token", "client_id"):
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]


class VitalsForm(EntryForm):
    phase = Choice("When", PHASES)
    taken_at = Time("Time taken")
    heart_rate = Whole("Heart rate (beats/min)")
    systolic = Whole("Systolic BP (mmHg)", "The top number.")
    diastolic = Whole("Diastolic BP (mmHg)", "The bottom number.")
    respiratory_rate = Whole("Respiratory rate (breaths/min)")
    temperature = Number("Temperature")
    temperature_unit = Choice("Temperature unit", TEMPERATURE_UNITS, default="C")
    spo2 = Whole("Oxygen saturation SpO₂ (%)")
    on_oxygen = BooleanField("On supplemental oxygen")
    consciousness = Choice("Consciousness (ACVPU)",
                           {k: f"{k} — {v}" for k, v in CONSCIOUSNESS_LEVELS.items()},
                           default="A")
    pain = Whole("Pain (0-10)", "0 is no pain, 10 the worst pain imaginable.")
    weight_kg = Number("Weight (kg)", "Optional.")


class AccessForm(EntryForm):
    device_type = Choice("Device", dict(DEVICE_TYPES))
    device_other = Text("Other device", "Only when the device is 'Other'.")
    gauge = Text("Gauge or size", "For example 22 G, or 4 Fr for a PICC.")
    site = Text("Site", "For example forearm, upper arm, chest.")
    side = Choice("Side", SIDES)
    is_new = Choice("New or existing", NEW_OR_EXISTING)
    insertion_attempts = Whole("Insertion attempts",
                               "Only for a device inserted at this visit, by you.")


def _scale_choices(scale) -> dict:
    return {str(score): f"{score} — {entry.meaning}" for score, entry in scale.items()}


class SiteCheckForm(EntryForm):
    timing = Choice("When", SITE_TIMINGS)
    assessed_at = Time("Time checked")
    phlebitis_score = Choice("INS phlebitis scale", _scale_choices(INS_PHLEBITIS))
    vip_score = Choice("VIP score", _scale_choices(VIP_SCORE))
    note = TextAreaField("Note", filters=[strip_filter], description="Optional.")


class LineCareForm(EntryForm):
    kind = Choice("What was done", LINE_CARE_KINDS)
    performed_at = Time("Time")
    solution = Text("Flush solution", "For example normal saline 0.9%.")
    volume_ml = Number("Flush volume (mL)")
    labs = Text("Tests drawn", "For example CBC, BMP, vancomycin trough.")
    draw_site = Choice("Drawn from", DRAW_SITES)
    note = TextAreaField("Note", filters=[strip_filter], description="Optional.")


class TeachingForm(EntryForm):
    topic = Text("Topic", "For example signs of infection at the IV site.")
    learner = Choice("Taught to", LEARNERS)
    result = Choice("Result", TEACHING_RESULTS)
    reason = TextAreaField("Reason or follow-up", filters=[strip_filter],
                           description="Required when not taught.")


class AdministrationForm(EntryForm):
    lot_number = Text("Lot number")
    dose = Number("Dose given")
    dose_unit = Text("Dose unit")
    volume_ml = Number("Volume (mL)", "Optional.")
    rate_ml_per_hour = Number("Rate (mL/h)", "Optional.")
    pump = Text("Pump", "Model or serial number. Optional.")
    started_at = Time("Start time")
    stopped_at = DateTimeLocalField("Stop time", validators=[Optional()],
                                    format="%Y-%m-%dT%H:%M", tz=_viewer_zone,
                                    description="Only if it has already stopped.",
                                    invalid_value_message="Enter a date and time, for "
                                                          "example 2026-03-05 14:30.")
    confirm_dose = BooleanField("I have checked the order and confirm this dose")

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.dose.description = f"Ordered: {order.dose:g} {order.dose_unit}."


class StopForm(EntryForm):
    stopped_at = Time("Stop time")


class PauseForm(EntryForm):
    paused_at = Time("Pause time")
    reason = Text("Reason for the pause", "For example pump occlusion alarm.")


class ResumeForm(EntryForm):
    resumed_at = Time("Resume time")


class ComplicationForm(EntryForm):
    kind = Choice("What happened", {})
    kind_other = Text("Describe", "Only when 'Other' is chosen.")
    severity = Choice("Severity", SEVERITIES)
    onset_at = Time("Began at")
    description = TextAreaField("What you saw", filters=[strip_filter],
                                description="Optional.")
    outcome = TextAreaField("Outcome so far", filters=[strip_filter],
                            description="Optional: you can add it later.")

    def __init__(self, *args, kinds: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options(kinds)


class ActionForm(EntryForm):
    action = SelectField("Action taken", choices=options({"": "Choose an action", **ACTIONS}),
                         validate_choice=False)
    taken_at = Time("Time")
    note = Text("Note", "Required for 'Other'; for drugs, the name and dose.")


class OutcomeForm(EntryForm):
    outcome = TextAreaField("Outcome", filters=[strip_filter])
