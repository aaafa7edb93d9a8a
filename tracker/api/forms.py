"""The Devices page's form."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.api.tokens import NAME_MAX_LENGTH
from tracker.forms import no_control_chars, strip_filter


class NewDeviceForm(FlaskForm):
    name = StringField(
        "Device name", filters=[strip_filter],
        description="A name you will recognise, for example 'Blue tablet'.",
        validators=[DataRequired("Name the device, for example 'Blue tablet'."),
                    Length(max=NAME_MAX_LENGTH, message=f"Use at most {NAME_MAX_LENGTH} characters."),
                    no_control_chars])
