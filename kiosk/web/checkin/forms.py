"""The kiosk's check-in choices. Nothing here asks about offences, sentences or orders."""
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ...dropin.models import NEEDS, VISIT_FOR

REQUEST_KEY = [DataRequired(message="Please start again from the welcome screen."),
               Regexp(r"^[0-9a-f]{32}$", message="Please start again from the welcome screen.")]
CHOOSE_VISIT_FOR = "Please choose who the visit is for."
CHOOSE_NEEDS = "Please choose from the help on the screen."


class VisitSteps(Form):
    """The choices carried from step to step in the address; no CSRF, nothing is saved."""
    k = HiddenField(validators=REQUEST_KEY)
    visit_for = RadioField(choices=VISIT_FOR, invalid_choice_message=CHOOSE_VISIT_FOR,
                           validators=[DataRequired(message=CHOOSE_VISIT_FOR)])
    needs = SelectMultipleField(choices=NEEDS, invalid_choice_message=CHOOSE_NEEDS, validators=[Optional()])


class CheckInForm(FlaskForm):
    k = HiddenField(validators=REQUEST_KEY)
    visit_for = RadioField(choices=VISIT_FOR, invalid_choice_message=CHOOSE_VISIT_FOR,
                           validators=[DataRequired(message=CHOOSE_VISIT_FOR)])
    needs = SelectMultipleField(choices=NEEDS, invalid_choice_message=CHOOSE_NEEDS, validators=[Optional()])
    name = StringField("First name or initials", validators=[
        Optional(), Length(max=30, message="Please use 30 letters or fewer."),
        Regexp(r"^[^\W\d_](?:[^\W\d_]|[ .'\-])*$", message="Please use letters only.")])
