"""Manager forms: the audit filter, staff accounts, device enrolment."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ...people.models import ROLES

ROLE_CHOICES = {role: role.title() for role in ROLES}

ACTIONS = {"": "Any", "view": "View", "create": "Create", "update": "Update", "search": "Search",
           "sign-in": "Sign-in", "sign-in failed": "Failed sign-in",
           "sign-in attack": "Account under attack", "sign-out": "Sign-out",
           "two-factor on": "Two-factor on", "two-factor off": "Two-factor off", "two-factor reset": "Two-factor reset",
           "change password": "Password change", "reset password": "Password reset", "create staff": "Staff added",
           "change role": "Role change", "switch off staff": "Staff switched off", "switch on staff": "Staff switched on",
           "end sessions": "Sessions ended", "enrol device": "Device enrolled", "revoke device": "Device revoked",
           "change partners": "Partner list changed",
           "purge": "Retention purge", "subject_access": "Subject access request", "upload caseload": "Caseload upload",
           "import": "Caseload import", "discard caseload upload": "Caseload upload discarded",
           "ask to erase": "Erasure asked for", "erase": "Erasure", "withdraw erasure": "Erasure withdrawn",
           "anonymise": "Anonymised"}
OBJECT_TYPES = {"": "Any", "Case": "Case", "FamilyMember": "Family record", "StaffUser": "Staff account", "Device": "Device",
                "Partner": "Partner", "CaseloadImport": "Caseload import", "Erasure": "Erasure"}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    username = StringField("Staff username", validators=[Optional(), Length(max=40)])
    action = SelectField("Action", choices=ACTIONS, validators=[Optional()])
    object_type = SelectField("Record", choices=OBJECT_TYPES, validators=[Optional()])
    object_id = IntegerField("Record number", validators=[Optional(), NumberRange(min=1)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To (inclusive)", validators=[Optional()])


class NewStaffForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(message="Enter their name."), Length(max=60)])
    username = StringField("Username", validators=[DataRequired(message="Choose a username."), Length(min=2, max=40),
                                                   Regexp(r"^[A-Za-z0-9._-]+$",
                                                          message="Use letters, numbers, dots, dashes or underscores.")])
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField("First password", validators=[DataRequired(message="Give them a first password."),
                                                           Length(max=256)])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(message="Enter the new password."),
                                                         Length(max=256)])


class EnrolForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Name the device, e.g. Reception tablet."),
                                           Length(max=60)])
    kind = SelectField("Use it as", choices={"kiosk": "Kiosk tablet (check-in)", "display": "Wall display"})
