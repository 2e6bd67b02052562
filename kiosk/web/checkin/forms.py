"""The kiosk's check-in choices. Nothing here asks about offences, sentences or orders."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ...dropin.models import NEEDS, VISIT_FOR

START_AGAIN = _l("Please start again from the welcome screen.")
REQUEST_KEY = [DataRequired(message=START_AGAIN), Regexp(r"^[0-9a-f]{32}$", message=START_AGAIN)]
CHOOSE_VISIT_FOR = _l("Please choose who the visit is for.")
CHOOSE_NEEDS = _l("Please choose from the help on the screen.")


def _visit_for():
    return RadioField(choices=VISIT_FOR, invalid_choice_message=CHOOSE_VISIT_FOR,
                      validators=[DataRequired(message=CHOOSE_VISIT_FOR)])


def _needs():
    return SelectMultipleField(choices=NEEDS, invalid_choice_message=CHOOSE_NEEDS, validators=[Optional()])


class WhoForm(FlaskForm):
    k = HiddenField(validators=REQUEST_KEY)
    visit_for = _visit_for()


class NeedsForm(FlaskForm):
    k = HiddenField(validators=REQUEST_KEY)
    needs = _needs()


class CheckInForm(FlaskForm):
    k = HiddenField(validators=REQUEST_KEY)
    visit_for = _visit_for()
    needs = _needs()
    name = StringField("First name or initials", validators=[
        Optional(), Length(max=30, message=_l("Please use 30 letters or fewer.")),
        Regexp(r"^[^\W\d_](?:[^\W\d_]|[ .'\-])*$", message=_l("Please use letters only."))])
