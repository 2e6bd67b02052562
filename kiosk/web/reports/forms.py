"""The report's choices: a period, an office and whose version."""
from flask_wtf import FlaskForm
from wtforms import SelectField

from ...reports.periods import PERIODS
from ...reports.report import VIEWS
from ..cases.forms import date_field

LONGEST_DAYS = 3 * 366


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET report changes nothing

    period = SelectField("Period", choices=PERIODS, default="last_quarter",
                         invalid_choice_message="Choose a period from the list.")
    first = date_field("From")
    last = date_field("To (inclusive)")
    office = SelectField("Office", choices=[], default="", invalid_choice_message="Choose an office from the list.")
    view = SelectField("Version", choices=VIEWS, default="managers", invalid_choice_message="Choose a version.")

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.period.data != "range":
            return True
        if self.first.data is None or self.last.data is None:
            (self.first if self.first.data is None else self.last).errors = ["Enter both dates of the range."]
            return False
        if self.first.data > self.last.data:
            self.last.errors = ["The range ends before it starts."]
            return False
        if (self.last.data - self.first.data).days >= LONGEST_DAYS:
            self.last.errors = ["Choose a range of three years or less."]
            return False
        return True
