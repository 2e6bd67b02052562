"""Forms on the reception queue and the keyworker desk."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from ..models import NEEDS, STATES, VISIT_FOR
from ..queue import ACTIONS

TICKET_ACTIONS = tuple(ACTIONS) + ("priority_on", "priority_off")


class TicketActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired(), AnyOf(TICKET_ACTIONS, message="That action is not recognised.")])
    # The state the screen showed; if the ticket has moved since, the action is refused.
    expected_state = HiddenField(validators=[Optional(), AnyOf(tuple(STATES), message="Reload the page and try again.")])
    room = IntegerField(validators=[Optional(), NumberRange(min=1)])
    outcome = TextAreaField("What was done", validators=[Optional(), Length(max=1000)])


class WalkInForm(FlaskForm):
    name = StringField("First name or initials", validators=[Optional(), Length(max=30)])
    visit_for = RadioField("Visit for", choices=VISIT_FOR, default="self",
                           invalid_choice_message="Choose who the visit is for.",
                           validators=[DataRequired(message="Choose who the visit is for.")])
    needs = SelectMultipleField("Needs", choices=NEEDS, validators=[Optional()])
    priority = BooleanField("Priority")


class RoomForm(FlaskForm):
    room = SelectField("Room or desk", coerce=int, invalid_choice_message="Choose a room or desk.",
                       validators=[DataRequired(message="Choose a room or desk.")])


class ExtraSessionForm(FlaskForm):
    until = TimeField("Open until", validators=[DataRequired(message="Give the time check-in should close.")])
