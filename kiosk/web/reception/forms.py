"""Forms on reception's queue (the ticket actions are the desk's too)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from ...dropin.models import AFTER_CLOSE, NEEDS, STATES, VISIT_FOR
from ...dropin.queue import ACTIONS

TICKET_ACTIONS = tuple(ACTIONS) + ("priority_on", "priority_off", "hand") + tuple(AFTER_CLOSE)


class TicketActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired(), AnyOf(TICKET_ACTIONS, message="That action is not recognised.")])
    # The state the screen showed; if the ticket has moved since, the action is refused.
    expected_state = HiddenField(validators=[Optional(), AnyOf(tuple(STATES), message="Reload the page and try again.")])
    room = IntegerField(validators=[Optional(), NumberRange(min=1)])
    keyworker = IntegerField(validators=[Optional(), NumberRange(min=0)])  # hand to: 0 is anyone
    outcome = TextAreaField("What was done", validators=[Optional(), Length(max=1000)])


class WalkInForm(FlaskForm):
    # A key for this one walk-in, as the kiosk has: a second tap on Add finds the ticket the first made.
    k = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$", message="Reload the page and try again.")])
    name = StringField("First name or initials", validators=[Optional(), Length(max=30)])
    visit_for = RadioField("Visit for", choices=VISIT_FOR, default="self",
                           invalid_choice_message="Choose who the visit is for.",
                           validators=[DataRequired(message="Choose who the visit is for.")])
    needs = SelectMultipleField("Needs", choices=NEEDS, validators=[Optional()])
    priority = BooleanField("Priority")


class ExtraSessionForm(FlaskForm):
    until = TimeField("Open until", validators=[DataRequired(message="Give the time check-in should close.")])


class CloseEarlyForm(FlaskForm):
    until = TimeField("Close at", validators=[DataRequired(message="Give the time the drop-in closes.")])
    reason = StringField("Why (visitors see it: no names)",
                         validators=[DataRequired(message="Say why it is closing early: visitors are told."),
                                     Length(max=120)])


class LinkForm(FlaskForm):
    case = IntegerField(validators=[DataRequired(message="Choose a case.")])


class FamilyTicketForm(FlaskForm):
    family_member = IntegerField(validators=[DataRequired(message="Choose a family record.")])


class AppointmentMatchForm(FlaskForm):
    appointment = IntegerField(validators=[DataRequired(message="Choose the appointment.")])
