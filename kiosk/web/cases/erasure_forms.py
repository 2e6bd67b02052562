"""Forms for erasing a person's records and anonymising closed cases."""
import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ...cases.erasure import DETAILS_MAX_LENGTH
from ...cases.erasure_models import ERASURE_REASONS

OUT_OF_DATE = "This form is out of date. Reload the page and try again."
A_NUMBER = re.compile(r"[0-9]{1,18}")  # a record's number, short of what any integer column holds


class ErasureRequestForm(FlaskForm):
    reason = RadioField("Why are the records to be erased?", choices=ERASURE_REASONS,
                        validators=[InputRequired(message="Choose why the records are to be erased.")])
    details = TextAreaField("In your own words (how they asked, and when)", validators=[
        Optional(), Length(max=DETAILS_MAX_LENGTH, message=f"Keep it to {DETAILS_MAX_LENGTH} characters.")])

    def validate_details(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError("Say which reason under Article 17 applies.")


class ErasureDecisionForm(FlaskForm):
    """Confirming or withdrawing one request: the one the manager saw, not whatever waits by the time they press."""
    request = HiddenField(validators=[InputRequired(message=OUT_OF_DATE)])

    def validate_request(self, field):
        if not A_NUMBER.fullmatch(field.data or ""):
            raise ValidationError(OUT_OF_DATE)

    def request_id(self):
        return int(self.request.data)


class AnonymiseForm(FlaskForm):
    cases = SelectMultipleField("Cases", validate_choice=False)
    # "yes" from the confirmation page; anything else shows that page first (anonymising cannot be undone).
    confirm = HiddenField()

    def validate_cases(self, field):
        if not field.data:
            raise ValidationError("Choose at least one case to anonymise.")
        if not all(A_NUMBER.fullmatch(value or "") for value in field.data):
            raise ValidationError("Choose the cases from the list.")

    def case_ids(self):
        return [int(value) for value in self.cases.data]
