"""Manager forms: filtering the audit log."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

ACTIONS = {"": "Any", "view": "View", "create": "Create", "update": "Update", "search": "Search"}
OBJECT_TYPES = {"": "Any", "Case": "Case"}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    username = StringField("Staff username", validators=[Optional(), Length(max=40)])
    action = SelectField("Action", choices=ACTIONS, validators=[Optional()])
    object_type = SelectField("Record", choices=OBJECT_TYPES, validators=[Optional()])
    object_id = IntegerField("Record number", validators=[Optional(), NumberRange(min=1)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To (inclusive)", validators=[Optional()])
