"""Forms for case records. Dates come from date inputs (yyyy-mm-dd); impossible ones get a plain message."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.fields import DateTimeLocalField, TimeField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ...cases.bookings import SETTLED
from ...cases.services import CLOSED_ITEM_RATED, CLOSING_NEEDS_RATING, RATING_NEEDED
from ...cases.models import (
    BOOKING_KINDS, CASE_STATUSES, CLOSE_OUTCOMES, CONFERENCE_ATTENDEES, CONTACT_KINDS, CONTACT_PREFERENCES, FLAG_KINDS,
    OPEN_PLAN_STATUSES, PLAN_AREAS, PLAN_STATUSES, RATINGS, REFERRAL_SOURCES,
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


def date_field(label, required=False, **options):
    checks = [DataRequired(message=f"Enter the {label.lower()}.")] if required else [Optional()]
    # A date input sends yyyy-mm-dd; a browser without one lets people type dd/mm/yyyy.
    return DateField(label, validators=[*checks, _in_range], format=["%Y-%m-%d", "%d/%m/%Y"],
                     invalid_value_message=DATE_MESSAGE, **options)


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
    date_of_birth = date_field("Date of birth")
    phone = StringField("Phone", validators=[Optional(), Length(max=40),
                                              Regexp(r"^[0-9 +()-]+$", message="Use digits and spaces only.")])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    contact_preference = SelectField("How they want to be contacted", choices=CONTACT_PREFERENCES)
    establishment = StringField("Establishment", validators=[Optional(), Length(max=100)])
    sentence_under_four_years = RadioField("Sentence under four years", choices=YES_NO, default="",
                                           validators=[Optional()])
    statutory_order = RadioField("Subject to a statutory order", choices=YES_NO, default="", validators=[Optional()])
    release_date = date_field("Release date")
    release_date_confirmed = BooleanField("Release has happened (the date is the actual one)")
    referral_source = SelectField("Referred by", choices=REFERRAL_SOURCES)
    referral_date = date_field("Referral date")
    consent_date = date_field("Consent to support given on")
    status = SelectField("Status", choices=CASE_STATUSES)
    # validate_close_outcome checks the choice: an open case sends none, and WTForms' own check would object.
    close_outcome = RadioField("How the case ended (when closed)", choices=CLOSE_OUTCOMES, validate_choice=False)
    # No Optional(): it would stop the chain on an empty box before validate_closed_reason could object.
    closed_reason = StringField("Note (optional)", validators=[Length(max=200)])
    keyworker = SelectField("Keyworker", coerce=int, validate_choice=True)

    def validate_close_outcome(self, field):
        # Cases closed before outcomes existed have a reason alone: they need an outcome once saved closed again.
        if self.status.data == "closed" and not field.data:
            raise ValidationError("Choose how the case ended.")
        if field.data and field.data not in CLOSE_OUTCOMES:
            raise ValidationError("Choose how the case ended from the list.")

    def validate_closed_reason(self, field):
        if self.status.data == "closed" and self.close_outcome.data == "other" and not (field.data or "").strip():
            raise ValidationError("Say in the note how the case ended.")

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
            elif name == "close_outcome":
                value = value if value and self.status.data == "closed" else None
            data[name] = value
        return data


CASE_FORM_FIELDS = ("name", "preferred_name", "date_of_birth", "phone", "address", "contact_preference",
                    "establishment", "sentence_under_four_years", "statutory_order", "release_date",
                    "release_date_confirmed", "referral_source", "referral_date", "consent_date", "status",
                    "closed_reason", "close_outcome", "keyworker")
TEXT_FIELDS = ("name", "preferred_name", "phone", "address", "establishment", "closed_reason")
CASEWORK_ONLY = ("establishment", "sentence_under_four_years", "statutory_order", "release_date",
                 "release_date_confirmed", "referral_source", "referral_date", "consent_date", "status",
                 "closed_reason", "close_outcome", "keyworker")


class PlanItemForm(FlaskForm):
    version = HiddenField()
    area = SelectField("Area", choices=PLAN_AREAS)
    goal = TextAreaField("Goal", validators=[DataRequired(message="Write the goal."), Length(max=1000)])
    actions = TextAreaField("Agreed actions", validators=[Optional(), Length(max=2000)])
    owner = StringField("Who does them", validators=[Optional(), Length(max=100)])
    status = SelectField("Status", choices=PLAN_STATUSES)
    review_date = date_field("Review date")
    # Asked on the item's own page, when it is saved: needed to close the item, optional at a review.
    rating = RadioField("Where are they now?", choices={str(k): v for k, v in RATINGS.items()},
                        validate_choice=False)
    previous_status = None  # the saved item's status, set by the view: whether this save closes the item

    def validate_rating(self, field):
        if field.data and field.data not in RATING_VALUES:
            raise ValidationError(RATING_NEEDED)
        if self.previous_status is None:
            return  # a new item
        was_open, stays_open = self.previous_status in OPEN_PLAN_STATUSES, self.status.data in OPEN_PLAN_STATUSES
        if was_open and not stays_open and not field.data:
            raise ValidationError(CLOSING_NEEDS_RATING)
        if field.data and not was_open and not stays_open:
            raise ValidationError(CLOSED_ITEM_RATED)

    def item_data(self):
        return {"area": self.area.data, "goal": self.goal.data.strip(), "actions": (self.actions.data or "").strip() or None,
                "owner": (self.owner.data or "").strip() or None, "status": self.status.data,
                "review_date": self.review_date.data}

    def score(self):
        return int(self.rating.data) if self.rating.data else None


RATING_VALUES = [str(k) for k in RATINGS]


class PlanRatingForm(FlaskForm):
    """The quick rating: five submit buttons, each sending its own score."""
    score = StringField(validators=[AnyOf(RATING_VALUES, message=RATING_NEEDED)])


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
    consent_date = date_field("Their consent given on")


class BookingForm(FlaskForm):
    """An office appointment or outreach; which details each kind needs is checked by the service."""
    # Left out, it is an office appointment (reception's form has no choice to make).
    kind = RadioField("What", choices=BOOKING_KINDS, default="office", validate_choice=True,
                      id="booking-kind")
    keyworker = SelectField("With", coerce=int, id="booking-keyworker")
    day = date_field("Date", required=True, id="booking-day")
    time = TimeField("Time", validators=[InputRequired(message="Enter the time.")], id="booking-time")
    prison = StringField("Prison", validators=[Optional(), Length(max=100)], id="booking-prison")
    place = StringField("Where (meeting point or venue)", validators=[Optional(), Length(max=200)],
                        id="booking-place")
    attendees = SelectMultipleField("Who attends", choices=CONFERENCE_ATTENDEES, validators=[Optional()],
                                    invalid_choice_message="Choose who attends from the list.",
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                    id="booking-attendees")
    note = StringField("Note", validators=[Optional(), Length(max=200)], id="booking-note")


class SettleBookingForm(FlaskForm):
    status = SelectField("How it went", choices=SETTLED)
    summary = TextAreaField("What happened (goes in the contact log)", validators=[Optional(), Length(max=4000)])
    reason = StringField("Why", validators=[Optional(), Length(max=200)])


class ExpectedForm(FlaskForm):
    day = date_field("Expected in on", id="expected-day")


class FlagForm(FlaskForm):
    kind = SelectField("Flag", choices=FLAG_KINDS)
    other_reference = StringField("Keep apart from (case reference)", validators=[Optional(), Length(max=20)])
    note = StringField("Note", validators=[Optional(), Length(max=200)])


# --- referrals out and prison-visit travel help (issue 14) ----------------------------------------
# Imported here, not at the top, so these forms stay one block at the end of the module.
from decimal import Decimal, InvalidOperation  # noqa: E402

from ...cases.models import APVS_HELP, PAID_BY, REFERRAL_STATUSES  # noqa: E402

MONEY_MESSAGE = "Enter the cost in pounds, for example 23.40."


def _record_id(value):
    """A record chosen from a list by its id (0 where the list offers "none"); anything else is -1, which
    matches no record, so the service refuses it plainly (a number too big for the database would
    otherwise reach the query)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 <= number < 2**31 else -1


class PoundsField(StringField):
    """Money typed in pounds (23.40, £23.40, 1,200), held in `pence`; the box keeps what was typed."""
    pence = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.pence = None
        text = (self.data or "").replace("£", "").replace(",", "").strip()
        if not text:
            return
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(MONEY_MESSAGE) from None
        if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= 10**9:
            raise ValueError(MONEY_MESSAGE)
        self.pence = int(amount * 100)


def _required_date(label, id):
    """date_field(), with an id of its own: the case page holds many forms, and a label must find its box."""
    field = date_field(label, required=True)
    field.kwargs["id"] = id
    return field


class ReferralForm(FlaskForm):
    # The service says plainly when a partner is unknown or no longer taking referrals.
    partner = SelectField("Partner", coerce=_record_id, validate_choice=False, id="referral-partner")
    area = SelectField("Action plan area", choices={"": "The partner's own area", **PLAN_AREAS},
                       validate_choice=False, id="referral-area")
    made_on = _required_date("Date made", "referral-made-on")
    note = StringField("Note", validators=[Optional(), Length(max=200)], id="referral-note")


class ReferralStatusForm(FlaskForm):
    status = SelectField("Status", choices=REFERRAL_STATUSES, validate_choice=False)


class TravelHelpForm(FlaskForm):
    family_member = SelectField("Who is visiting", coerce=_record_id, validate_choice=False, id="travel-who")
    prison = StringField("Prison", validators=[DataRequired(message="Enter the prison being visited."),
                                               Length(max=100)], id="travel-prison")
    visit_date = _required_date("Visit date", "travel-visit-date")
    apvs = SelectField("Assisted Prison Visits Scheme", choices=APVS_HELP, validate_choice=False, id="travel-apvs")
    travel = StringField("Travel arranged", validators=[Optional(), Length(max=200)], id="travel-arranged")
    cost = PoundsField("Cost in pounds", validators=[Optional(), Length(max=20)], id="travel-cost")
    paid_by = SelectField("Paid by", choices={"": "Nobody yet, or not known", **PAID_BY}, validate_choice=False,
                          id="travel-paid-by")

    def travel_data(self):
        # The family record's own form has no "who": it is theirs.
        chosen = self.family_member.data if "family_member" in self else None
        return {"family_member_id": chosen or None, "prison": self.prison.data,
                "visit_date": self.visit_date.data, "apvs": self.apvs.data, "travel": self.travel.data,
                "cost_pence": self.cost.pence, "paid_by": self.paid_by.data or None}


# --- families as clients in their own right (issue 14) ---------------------------------------------
from ...cases.models import FAMILY_CONTACT_KINDS  # noqa: E402
from ...clock import utcnow  # noqa: E402
from ...dropin.schedule import schedule  # noqa: E402


def _not_to_come(form, field):
    if field.data is not None and field.data > schedule().local_today(utcnow()):
        raise ValidationError("That date is still to come: enter the day it happened.")


def _past_date(label):
    """date_field(), refusing a day still to come: consent is recorded once given."""
    field = date_field(label)
    field.kwargs["validators"] = [*field.kwargs["validators"], _not_to_come]
    return field


def _family_text(form, names):
    return {name: (form[name].data or "").strip() or None for name in names}


class CaseFamilyForm(FamilyForm):
    """A family member added from the person's case page; reception's form has no say for the person."""
    consent_date = _past_date("Their consent given on")
    link_consent_family = BooleanField("They agree to their record being linked to this case")
    link_consent_person = BooleanField("The person in custody agrees to the link too")

    def family_data(self):
        data = {**_family_text(self, ("name", "relationship", "phone", "address")),
                "consent_date": self.consent_date.data, "link_consent_family": self.link_consent_family.data}
        if "link_consent_person" in self:
            data["link_consent_person"] = self.link_consent_person.data
        return data


class NewFamilyForm(FamilyForm):
    """A family record for someone who came in on their own: who they support is in their own words."""
    consent_date = _past_date("Their consent given on")
    in_custody = StringField("Who they support in custody", validators=[Optional(), Length(max=100)])
    prison = StringField("Prison", validators=[Optional(), Length(max=100)])

    def family_data(self):
        return {**_family_text(self, ("name", "relationship", "phone", "address", "in_custody", "prison")),
                "consent_date": self.consent_date.data}


FAMILY_CONSENT_CHANGES = {"given": "Consent given", "withdrawn": "Consent withdrawn",
                          "family_agrees": "They agree to the link", "family_disagrees": "They do not agree to the link"}


class FamilyConsentForm(FlaskForm):
    change = SelectField(choices=FAMILY_CONSENT_CHANGES, invalid_choice_message="Choose what to record.")
    on = DateField("On", validators=[Optional(), _in_range, _not_to_come], format=["%Y-%m-%d", "%d/%m/%Y"],
                   invalid_value_message=DATE_MESSAGE)

    def validate(self, extra_validators=None):
        # Not an inline validate_on: Optional() stops the chain on an empty box before it would run.
        if not super().validate(extra_validators):
            return False
        if self.change.data in ("given", "withdrawn") and self.on.data is None:
            self.on.errors = ["Enter the date."]
            return False
        return True


class FamilyLinkForm(FlaskForm):
    """The person in custody's say on the link, with their case's reference when it is not known yet."""
    change = SelectField(choices={"agrees": "Agrees", "disagrees": "Does not agree"},
                         invalid_choice_message="Choose what to record.")
    reference = StringField("Their case reference", validators=[Optional(), Length(max=20)])


class FamilyContactForm(ContactForm):
    kind = SelectField("Type", choices=FAMILY_CONTACT_KINDS)
