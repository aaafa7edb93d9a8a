from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from tracker.forms import no_control_chars, strip_filter
from tracker.models import Role
from tracker.timeutil import timezone_choices


class UserForm(FlaskForm):
    name = StringField("Full name", filters=[strip_filter],
                       validators=[DataRequired("Enter the person's name."), Length(max=120),
                                   no_control_chars])
    email = EmailField("E-mail", filters=[strip_filter],
                       validators=[DataRequired("Enter an e-mail."), Email("Enter a valid e-mail."),
                                   Length(max=254)])
    role = SelectField("Role", choices=[(r.value, r.label) for r in Role])
    patient_id = SelectField("Linked patient record (patients only)", coerce=int, choices=[],
                             validators=[Optional()])
    timezone = SelectField("Time zone", choices=[])
    password = PasswordField("Temporary password", description="At least 10 characters. "
                             "Give it to the person in a safe way.",
                             validators=[DataRequired("Enter a temporary password."),
                                         Length(max=256)])
    submit = SubmitField("Create user")

    def __init__(self, *args, patient_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
        self.patient_id.choices = [(0, "Not a patient")] + list(patient_choices)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New temporary password",
                             validators=[DataRequired("Enter a new password."), Length(max=256)])
    submit = SubmitField("Reset password")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, bookmarkable

    user_id = SelectField("User", coerce=int, choices=[], validators=[Optional()])
    patient_id = SelectField("Patient", coerce=int, choices=[], validators=[Optional()])
    action = SelectField("Action", choices=[], validators=[Optional()])
    date_from = StringField("From (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
    date_to = StringField("To (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
