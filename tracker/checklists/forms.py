from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.checklists.patient import MAX_DETAILS
from tracker.checklists.services import MAX_ITEM_LENGTH
from tracker.forms import no_control_chars, strip_filter
from tracker.models import ChecklistKind, ProblemKind


class AddItemForm(FlaskForm):
    """Staff add a step for this visit, or for every future visit of the order."""

    text = TextAreaField("Step for the patient", filters=[strip_filter],
                         description="Plain words the patient understands, for example "
                                     "'Charge the pump the night before'.",
                         validators=[DataRequired("Write the step."),
                                     Length(max=MAX_ITEM_LENGTH), no_control_chars])
    kind = RadioField("Which list", default=ChecklistKind.PREPARATION.value,
                      choices=[SelectChoice(k.value, k.label) for k in ChecklistKind],
                      validators=[InputRequired("Choose a list.")])
    scope = RadioField("For", default="visit",
                       choices=[SelectChoice("visit", "This visit only"),
                                SelectChoice("order", "Every future visit of this order")],
                       validators=[InputRequired("Choose this visit or every future visit.")])
    submit = SubmitField("Add the step")


class ProblemForm(FlaskForm):
    problem = RadioField("What is wrong?", choices=[SelectChoice(k.value, k.label) for k in ProblemKind],
                         validators=[InputRequired("Choose what is wrong.")])
    details = TextAreaField("Tell us more", filters=[strip_filter],
                            description="For example where it is, since when, your temperature.",
                            validators=[Length(max=MAX_DETAILS,
                                               message=f"Please keep it under {MAX_DETAILS} "
                                                       "characters."), no_control_chars])
    submit = SubmitField("Send to my care team")
