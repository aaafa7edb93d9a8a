"""GET forms for the history filters and report ranges (bookmarkable, so no CSRF token)."""

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.extensions import db
from tracker.forms import strip_filter
from tracker.history import labels
from tracker.history.filters import VisitFilter
from tracker.models import Patient, Role, User

DATE_MESSAGE = "Enter a date like 2026-03-31."


def patient_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Patient.id, Patient.last_name, Patient.first_name, Patient.mrn)
                              .order_by(Patient.last_name, Patient.first_name, Patient.id))
    return [(r.id, f"{r.last_name}, {r.first_name} ({r.mrn})") for r in rows]


def nurse_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.name).where(User.role == Role.NURSE)
                              .order_by(User.name, User.id))
    return [(r.id, r.name) for r in rows]


class DayField(DateField):
    """A date typed as YYYY-MM-DD, with a message that says how to write it."""

    def __init__(self, label, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


class DateRangeMixin:
    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date must be on or after the start date.")


class VisitFilterForm(DateRangeMixin, FlaskForm):
    class Meta:
        csrf = False

    patient_id = SelectField("Patient", coerce=int, validate_choice=True, default=0)
    nurse_id = SelectField("Nurse", coerce=int, validate_choice=True, default=0)
    date_from = DayField("From", validators=[Optional()])
    date_to = DayField("To", validators=[Optional()])
    state = SelectField("State", default="")
    complication = SelectField("Complication", default="")
    news2_band = SelectField("Worst NEWS2 band", default="")
    over_2h = BooleanField("Only visits over 2 hours", false_values=(False, "", "0", "false"))
    sort = SelectField("Order", choices=[("desc", "Newest first"), ("asc", "Oldest first")],
                       default="desc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient_id.choices = [(0, "Any patient")] + patient_choices()
        self.nurse_id.choices = [(0, "Any nurse")] + nurse_choices()
        self.state.choices = [("", "Any state")] + labels.STATE_CHOICES
        self.complication.choices = [("", "Any or none")] + labels.complication_choices()
        self.news2_band.choices = [("", "Any")] + labels.band_choices()
        for f in (self.patient_id, self.nurse_id, self.state, self.complication,
                  self.news2_band, self.sort):
            f.validators = [Optional()]

    def to_filter(self) -> VisitFilter:
        return VisitFilter(
            patient_id=self.patient_id.data or None, nurse_id=self.nurse_id.data or None,
            date_from=self.date_from.data, date_to=self.date_to.data,
            state=self.state.data or None, complication=self.complication.data or None,
            over_2h=bool(self.over_2h.data), news2_band=self.news2_band.data or None,
            sort=self.sort.data or "desc")


class ReportRangeForm(DateRangeMixin, FlaskForm):
    class Meta:
        csrf = False

    date_from = DayField("From", validators=[DataRequired(DATE_MESSAGE)])
    date_to = DayField("To", validators=[DataRequired(DATE_MESSAGE)])


class DashboardAcknowledgeForm(FlaskForm):
    note = TextAreaField("What was done", filters=[strip_filter],
                         validators=[DataRequired("Write what was done (for example "
                                                  "'called the patient')."), Length(max=2000)])
