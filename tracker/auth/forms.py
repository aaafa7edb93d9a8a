from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from tracker.forms import strip_filter


class SignInForm(FlaskForm):
    email = EmailField("E-mail", filters=[strip_filter],
                       validators=[DataRequired("Enter your e-mail."), Email("Enter a valid e-mail."),
                                   Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=256)])
    next = HiddenField()
    submit = SubmitField("Sign in")
