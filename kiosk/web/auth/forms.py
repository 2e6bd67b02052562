"""Sign-in and first-run forms."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

USERNAME = [DataRequired(), Length(min=2, max=40),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Use letters, numbers, dots, dashes or underscores.")]


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class FirstManagerForm(FlaskForm):
    setup_code = StringField("Set-up code", validators=[DataRequired(message="Enter the set-up code."), Length(max=20)])
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=60)])
    username = StringField("Username", validators=USERNAME)
    password = PasswordField("Password", validators=[DataRequired(), Length(min=12, max=256)])
    confirm = PasswordField("Password again", validators=[EqualTo("password", message="The passwords do not match.")])


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(message="Enter the code."), Length(max=20)])
