"""The keyworker's desk: which room or desk they call people to."""
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired


class RoomForm(FlaskForm):
    room = SelectField("Room or desk", coerce=int, invalid_choice_message="Choose a room or desk.",
                       validators=[DataRequired(message="Choose a room or desk.")])
