from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from tracker.forms import no_control_chars, strip_filter
from tracker.timeutil import timezone_choices

PHONE = Regexp(r"^[0-9+()\-. ]{7,25}$", message="Enter a phone number (digits, spaces, + - ( ) .).")


def _required(label: str):
    return DataRequired(f"Enter the {label}.")


def not_in_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError("The date of birth cannot be in the future.")
    if field.data and field.data.year < 1900:
        raise ValidationError("Check the year of birth.")


class PatientForm(FlaskForm):
    mrn = StringField("Medical record number (MRN)", filters=[strip_filter],
                      validators=[_required("MRN"), Length(max=32),
                                  Regexp(r"^[A-Za-z0-9-]+$", message="Use letters, digits and -.")])
    first_name = StringField("First name", filters=[strip_filter],
                             validators=[_required("first name"), Length(max=80), no_control_chars])
    last_name = StringField("Last name", filters=[strip_filter],
                            validators=[_required("last name"), Length(max=80), no_control_chars])
    date_of_birth = DateField("Date of birth", validators=[
        DataRequired("Enter the date of birth (for example 1956-04-30)."), not_in_future])
    address_line = StringField("Street address", filters=[strip_filter],
                               validators=[_required("street address"), Length(max=200)])
    city = StringField("City", filters=[strip_filter], validators=[_required("city"),
                                                                   Length(max=100)])
    state = StringField("State", filters=[strip_filter], validators=[_required("state"),
                                                                     Length(max=40)])
    postal_code = StringField("ZIP code", filters=[strip_filter],
                              validators=[_required("ZIP code"), Length(max=20)])
    phone = StringField("Phone", filters=[strip_filter], validators=[_required("phone"), PHONE])
    timezone = SelectField("Time zone", choices=[])
    emergency_contact_name = StringField("Emergency contact", filters=[strip_filter],
                                         validators=[Optional(), Length(max=120)])
    emergency_contact_phone = StringField("Emergency contact phone", filters=[strip_filter],
                                          validators=[Optional(), PHONE])
    allergies = TextAreaField("Allergies", filters=[strip_filter],
                              description="Write 'No known allergies' if there are none.",
                              validators=[_required("allergies, or 'No known allergies'"),
                                          Length(max=2000)])
    primary_indication = SelectField("Primary indication", choices=[])
    indication_other = StringField("Other indication", filters=[strip_filter],
                                   validators=[Optional(), Length(max=200)])
    notes = TextAreaField("Notes", filters=[strip_filter], validators=[Optional(),
                                                                       Length(max=4000)])
    email_opt_out = BooleanField("Patient does not want e-mail reminders")
    submit = SubmitField("Save patient")

    def __init__(self, *args, indication_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
        self.primary_indication.choices = list(indication_choices)

    def values(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("submit", "csrf_token")}


class AssignNurseForm(FlaskForm):
    nurse_id = SelectField("Nurse", coerce=int, choices=[])
    submit = SubmitField("Add to caseload")

