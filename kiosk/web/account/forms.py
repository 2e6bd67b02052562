"""A staff member's own account: password and two-factor sign-in."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(message="Enter your current password."),
                                                            Length(max=256)])
    new = PasswordField("New password", validators=[DataRequired(message="Enter a new password."), Length(max=256)])
    confirm = PasswordField("New password again", validators=[EqualTo("new", message="The new passwords do not match.")])


class TwoFactorForm(FlaskForm):
    code = StringField("Code from the app", validators=[DataRequired(message="Enter the 6-digit code."),
                                                        Length(max=10)])


class TwoFactorOffForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(message="Enter your password."),
                                                          Length(max=256)])
