"""Forms of the visit pages. They parse what was typed; the services judge it.

CSRFProtect (tracker.extensions.csrf) checks the token of every POST, so these forms do not
add their own: several of them share one page, each under its own prefix, and the page's
single `csrf_token` field serves them all. Each form carries a client_id made when it is
shown, so a double tap or a resent form stores one record.
"""

import uuid
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.forms import no_control_chars, strip_filter
from tracker.visits.orders import DOSE_UNITS, ROUTES
from tracker.visits.safety import IDENTIFIERS
from tracker.visits.timeinput import FORM_FORMAT


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def new_client_id() -> str:
    return str(uuid.uuid4())


class FriendlyFloatField(FloatField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a number, for example 2 or 0.5.") from None


class FriendlyIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number.") from None


class FriendlyDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date, for example 2026-03-31.") from None


class LocalTimeField(DateTimeLocalField):
    """A wall-clock date and time in the viewer's own time zone (the service converts it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", FORM_FORMAT)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date and time, for example 2026-03-31 09:30.") from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VisitForm(FlaskForm):
    class Meta:
        csrf = False  # see the module docstring: CSRFProtect checks every POST

    client_id = HiddenField(default=new_client_id)

    def values(self, *names: str) -> dict:
        return {name: self[name].data for name in names}

    def fail(self, error) -> None:
        """Show a service's refusal next to its field, or above the form."""
        field = self._fields.get(error.field) if getattr(error, "field", None) else None
        if field is not None and not isinstance(field, HiddenField):
            field.errors = [*field.errors, error.message]
        else:
            self.form_errors.append(error.message)


class DefaultsToNow:
    """A time field shown pre-filled with 'now' counts as 'now' at the moment it is sent,
    unless the nurse changed it: its shown value travels in a hidden field beside it."""

    def typed_time(self, name: str) -> datetime | None:
        field, shown = self[name], self[f"{name}_shown"]
        raw = (field.raw_data or [""])[0]
        return None if raw == (shown.data or "") else field.data


def _text(label: str, required: str | None = None, max_length: int = 200, **kwargs):
    validators = [DataRequired(required)] if required else [Optional()]
    return StringField(label, filters=[strip_filter],
                       validators=[*validators, Length(max=max_length), no_control_chars], **kwargs)


class OrderForm(VisitForm):
    medication = _text("Medication", "Enter the medication.")
    dose = FriendlyFloatField("Dose", validators=[DataRequired("Enter the dose.")],
                              render_kw={"step": "any", "inputmode": "decimal"})
    dose_unit = SelectField("Dose unit", choices=choices((u, u) for u in DOSE_UNITS))
    route = SelectField("Route", choices=choices(ROUTES))
    rate_ml_per_hour = FriendlyFloatField("Rate (mL/h)", validators=[Optional()],
                                          render_kw={"step": "any", "inputmode": "decimal"},
                                          description="Give the rate, the infusion time, or both.")
    infusion_minutes = FriendlyIntegerField("Infusion time (minutes)", validators=[Optional()])
    frequency = _text("Frequency", "Enter how often (for example 'Once daily').", 100)
    start_date = FriendlyDateField("Start date", validators=[DataRequired("Enter the start date.")])
    end_date = FriendlyDateField("End date", validators=[Optional()],
                                 description="Leave empty when the prescriber gave no end date.")
    prescriber = _text("Prescriber", "Enter the prescriber.", 120)
    indication = _text("Indication", "Enter the indication.", 200)
    notes = TextAreaField("Notes", filters=[strip_filter], validators=[Optional(), Length(max=4000)])

    FIELDS = ("medication", "dose", "dose_unit", "route", "rate_ml_per_hour", "infusion_minutes",
              "frequency", "start_date", "end_date", "prescriber", "indication", "notes")


class ScheduleForm(VisitForm):
    order_id = SelectField("Therapy order", coerce=int, choices=[])
    nurse_id = SelectField("Nurse", coerce=int, choices=[],
                           description="Nurses with this patient on their caseload.")
    planned_start = LocalTimeField("Starts at", validators=[DataRequired("Enter when the visit starts.")])
    planned_minutes = FriendlyIntegerField("Planned length (minutes)", default=120,
                                           validators=[DataRequired("Enter the planned length.")])


class RescheduleForm(VisitForm):
    nurse_id = SelectField("Nurse", coerce=int, choices=[])
    planned_start = LocalTimeField("Starts at", validators=[DataRequired("Enter when the visit starts.")])
    planned_minutes = FriendlyIntegerField("Planned length (minutes)",
                                           validators=[DataRequired("Enter the planned length.")])


class ReasonForm(VisitForm):
    reason = TextAreaField("Reason", filters=[strip_filter],
                           validators=[DataRequired("Give the reason."), Length(max=2000)])


class EvvForm(VisitForm, DefaultsToNow):
    """Check-in or check-out: the time, and where the nurse is."""

    at = LocalTimeField("Time", validators=[Optional()])
    at_shown = HiddenField()
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy_m = HiddenField()
    address_confirmed = BooleanField("I am at the patient's address")
    location_note = _text("Why the location is not available", max_length=500,
                          description="For example 'location turned off on the tablet'.")

    def service_values(self) -> dict:
        return {"at": self.typed_time("at"), "latitude": self.latitude.data or None,
                "longitude": self.longitude.data or None, "accuracy_m": self.accuracy_m.data or None,
                "address_confirmed": self.address_confirmed.data,
                "location_note": self.location_note.data}


class CheckInForm(EvvForm):
    at = LocalTimeField("Check-in time", validators=[Optional()],
                        description="Now, unless you arrived earlier.")


class CheckOutForm(EvvForm):
    at = LocalTimeField("Check-out time", validators=[Optional()],
                        description="Now, unless you left earlier.")


class StepForm(VisitForm, DefaultsToNow):
    status = HiddenField()  # set by the button pressed: done | not_done
    performed_at = LocalTimeField("Done at", validators=[Optional()])
    performed_at_shown = HiddenField()
    reason = _text("Reason, if not done", max_length=1000)

    def service_values(self, number: int) -> dict:
        return {"step_number": number, "status": self.status.data,
                "performed_at": self.typed_time("performed_at"), "reason": self.reason.data}


class IdentityForm(VisitForm):
    identifiers = MultiCheckboxField("Identifiers checked (choose two)", choices=choices(IDENTIFIERS))
    confirmed = BooleanField("Identity confirmed: both identifiers match")
    note = _text("Note", max_length=1000)

    def service_values(self) -> dict:
        return {"check": "identity", **self.values("identifiers", "confirmed", "note")}


class AllergyForm(VisitForm):
    result = RadioField("Result of the review", validate_choice=False, choices=choices([
        ("no_conflict", "No conflict with the ordered medication"),
        ("conflict", "Possible conflict: do not give")]))
    note = _text("Note", max_length=1000, description="Required when there is a possible conflict.")

    def service_values(self) -> dict:
        return {"check": "allergies", **self.values("result", "note")}


class MedicationForm(VisitForm):
    drug = BooleanField("Drug")
    dose = BooleanField("Dose")
    route = BooleanField("Route")
    rate = BooleanField("Rate")
    expiry_date = FriendlyDateField("Medication expiry date", validators=[Optional()])
    note = _text("Note", max_length=1000, description="Required when something does not match.")

    def service_values(self) -> dict:
        return {"check": "medication",
                **self.values("drug", "dose", "route", "rate", "expiry_date", "note")}


class KitForm(VisitForm):
    present = RadioField("Anaphylaxis kit", validate_choice=False,
                         choices=choices([("yes", "The kit is here"), ("no", "No kit")]))
    expiry_date = FriendlyDateField("Kit expiry date", validators=[Optional()])
    note = _text("Note", max_length=1000)

    def service_values(self) -> dict:
        return {"check": "anaphylaxis_kit", **self.values("present", "expiry_date", "note")}


class PumpForm(VisitForm):
    result = RadioField("Pump check", validate_choice=False, choices=choices([
        ("ok", "Pump works and is set to the ordered rate"), ("problem", "Problem with the pump")]))
    pump_id = _text("Pump number", max_length=100, description="Optional: the number on the pump.")
    note = _text("Note", max_length=1000, description="Required when there is a problem.")

    def service_values(self) -> dict:
        return {"check": "pump", **self.values("result", "pump_id", "note")}


SAFETY_FORMS = {"identity": IdentityForm, "allergies": AllergyForm, "medication": MedicationForm,
                "anaphylaxis_kit": KitForm, "pump": PumpForm}


class SignForm(VisitForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to sign.")],
                             description="Signing confirms this record is complete and true. "
                                         "After signing it cannot be changed, only added to.")


class AddendumForm(VisitForm):
    text = TextAreaField("Addendum", filters=[strip_filter],
                         validators=[DataRequired("Write the correction or addition."),
                                     Length(max=4000)],
                         description="Dated and signed with your name. The original record stays as it is.")


class ScheduleFilterForm(FlaskForm):
    """The schedule page's filters (GET: no CSRF, nothing is changed)."""

    class Meta:
        csrf = False

    day = FriendlyDateField("Day", validators=[Optional()])
    nurse = SelectField("Nurse", coerce=int, choices=[], validators=[Optional()])
