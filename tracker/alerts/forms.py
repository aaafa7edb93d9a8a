from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.forms import strip_filter


class AcknowledgeForm(FlaskForm):
    note = TextAreaField("What was done", filters=[strip_filter],
                         validators=[DataRequired("Write what was done (for example "
                                                  "'called the patient')."), Length(max=2000)])
    submit = SubmitField("Acknowledge")
