"""Forms for case records. Dates come from date inputs (yyyy-mm-dd); impossible ones get a plain message."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField,
)
from wtforms.fields import DateTimeLocalField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ...cases.models import (
    CASE_STATUSES, CONTACT_KINDS, CONTACT_PREFERENCES, FLAG_KINDS, PLAN_AREAS, PLAN_STATUSES, REFERRAL_SOURCES,
)
from ...people.models import StaffUser

YES_NO = {"": "Not known", "yes": "Yes", "no": "No"}
DATE_MESSAGE = "Enter a real date, for example 23/11/2026."


# Any date a case record holds is in these years. A year typed short ("0026" for 2026) or a slip to year
# 9999 is refused here: stored, it would break the support window's arithmetic on every view of the case.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def _in_range(form, field):
    if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(DATE_MESSAGE)


def _date(label, required=False):
    checks = [DataRequired(message=f"Enter the {label.lower()}.")] if required else [Optional()]
    # A date input sends yyyy-mm-dd; a browser without one lets people type dd/mm/yyyy.
    return DateField(label, validators=[*checks, _in_range], format=["%Y-%m-%d", "%d/%m/%Y"],
                     invalid_value_message=DATE_MESSAGE)


def yes_no(value):
    return {"yes": True, "no": False}.get(value)


def yes_no_value(flag):
    return "" if flag is None else ("yes" if flag else "no")


class CaseForm(FlaskForm):
    version = HiddenField()
    reference = StringField("Reference", validators=[
        Optional(), Length(max=20), Regexp(r"^[A-Za-z0-9-]+$", message="Use letters, numbers and dashes.")])
    name = StringField("Full name", validators=[DataRequired(message="Enter the person's name."), Length(max=100)])
    preferred_name = StringField("Preferred name", validators=[Optional(), Length(max=60)])
    date_of_birth = _date("Date of birth")
    phone = StringField("Phone", validators=[Optional(), Length(max=40),
                                              Regexp(r"^[0-9 +()-]+$", message="Use digits and spaces only.")])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    contact_preference = SelectField("How they want to be contacted", choices=CONTACT_PREFERENCES)
    establishment = StringField("Establishment", validators=[Optional(), Length(max=100)])
    sentence_under_four_years = RadioField("Sentence under four years", choices=YES_NO, default="",
                                           validators=[Optional()])
    statutory_order = RadioField("Subject to a statutory order", choices=YES_NO, default="", validators=[Optional()])
    release_date = _date("Release date")
    release_date_confirmed = BooleanField("Release has happened (the date is the actual one)")
    referral_source = SelectField("Referred by", choices=REFERRAL_SOURCES)
    referral_date = _date("Referral date")
    consent_date = _date("Consent to support given on")
    status = SelectField("Status", choices=CASE_STATUSES)
    # No Optional(): it would stop the chain on an empty box before validate_closed_reason could object.
    closed_reason = StringField("Reason for closing", validators=[Length(max=200)])
    keyworker = SelectField("Keyworker", coerce=int, validate_choice=True)

    def validate_closed_reason(self, field):
        if self.status.data == "closed" and not (field.data or "").strip():
            raise ValidationError("Say why the case is closed.")

    def case_data(self):
        """The submitted values as the Case model holds them; fields removed for a role are left out."""
        data = {}
        for name in CASE_FORM_FIELDS:
            if name not in self:
                continue
            value = self[name].data
            if name in TEXT_FIELDS:
                value = (value or "").strip() or None
            elif name in ("sentence_under_four_years", "statutory_order"):
                value = yes_no(value)
            elif name == "keyworker":
                value = StaffUser.get_or_none(StaffUser.id == value) if value else None
            data[name] = value
        return data


CASE_FORM_FIELDS = ("name", "preferred_name", "date_of_birth", "phone", "address", "contact_preference",
                    "establishment", "sentence_under_four_years", "statutory_order", "release_date",
                    "release_date_confirmed", "referral_source", "referral_date", "consent_date", "status",
                    "closed_reason", "keyworker")
TEXT_FIELDS = ("name", "preferred_name", "phone", "address", "establishment", "closed_reason")
CASEWORK_ONLY = ("establishment", "sentence_under_four_years", "statutory_order", "release_date",
                 "release_date_confirmed", "referral_source", "referral_date", "consent_date", "status",
                 "closed_reason", "keyworker")


class PlanItemForm(FlaskForm):
    version = HiddenField()
    area = SelectField("Area", choices=PLAN_AREAS)
    goal = TextAreaField("Goal", validators=[DataRequired(message="Write the goal."), Length(max=1000)])
    actions = TextAreaField("Agreed actions", validators=[Optional(), Length(max=2000)])
    owner = StringField("Who does them", validators=[Optional(), Length(max=100)])
    status = SelectField("Status", choices=PLAN_STATUSES)
    review_date = _date("Review date")

    def item_data(self):
        return {"area": self.area.data, "goal": self.goal.data.strip(), "actions": (self.actions.data or "").strip() or None,
                "owner": (self.owner.data or "").strip() or None, "status": self.status.data,
                "review_date": self.review_date.data}


class ContactForm(FlaskForm):
    kind = SelectField("Type", choices=CONTACT_KINDS)
    happened_at = DateTimeLocalField("When", format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired(message="Enter when it happened.")])
    summary = TextAreaField("Summary", validators=[DataRequired(message="Write a short summary."), Length(max=4000)])


class FamilyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter their name."), Length(max=100)])
    relationship = StringField("Relationship", validators=[DataRequired(message="Say how they are related."),
                                                           Length(max=60)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40),
                                              Regexp(r"^[0-9 +()-]+$", message="Use digits and spaces only.")])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    consent_date = _date("Their consent given on")


class AppointmentForm(FlaskForm):
    keyworker = SelectField("With", coerce=int)
    day = _date("Date", required=True)
    time = TimeField("Time", validators=[InputRequired(message="Enter the time.")])
    note = StringField("Note", validators=[Optional(), Length(max=200)])


class FlagForm(FlaskForm):
    kind = SelectField("Flag", choices=FLAG_KINDS)
    other_reference = StringField("Keep apart from (case reference)", validators=[Optional(), Length(max=20)])
    note = StringField("Note", validators=[Optional(), Length(max=200)])
