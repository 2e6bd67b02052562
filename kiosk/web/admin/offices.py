"""Managers run each office from here: its details, weekly drop-ins, rooms and desks, closures, public
holidays and extra sessions. Every change goes through offices.services (one transaction, audited)."""
import phonenumbers
from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields import TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ...clock import utcnow
from ...dropin.models import Room
from ...dropin.schedule import schedule
from ...offices import services
from ...offices.models import Office, OfficeHours
from ...offices.services import DAY_NAMES
from ...offices.timetable import public_holidays, timetable
from ..access import managers_only, me
from ..cases.forms import date_field
from ..respond import valid
from .blueprint import bp


def _phone(form, field):
    """A UK phone number, written the usual way; anything else gets a plain message."""
    text = (field.data or "").strip()
    if not text:
        return
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(f"{text[:40]} is not a phone number we can ring: write it like 0141 248 1763.")
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _web_address(form, field):
    text = (field.data or "").strip().rstrip("/")
    if text and (not text.startswith(("https://", "http://")) or " " in text or len(text.split("/")) < 3
                 or not text.split("/")[2]):
        raise ValidationError("Write the address visitors' phones use in full, like https://dropin.example.org.")
    field.data = text


class OfficeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the office a name."), Length(max=60)])
    address = StringField("Address", validators=[Optional(), Length(max=120)])
    phone = StringField("Phone number visitors are given", validators=[Optional(), Length(max=30), _phone])
    public_base_url = StringField("Address on QR codes (leave empty to use the kiosk's own)",
                                  validators=[Optional(), Length(max=200), _web_address])
    opens_before_minutes = IntegerField(
        "Check-in opens (minutes before a drop-in)", default=15,
        validators=[InputRequired(message="Say how many minutes before a drop-in check-in opens."),
                    NumberRange(min=0, max=120, message="Check-in opens between 0 and 120 minutes before.")])
    public_holidays = BooleanField("Closed on Scotland's public holidays", default=True)


class NewOfficeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the office a name."), Length(max=60)])


class HoursForm(FlaskForm):
    weekday = SelectField("Day", coerce=int, choices=dict(enumerate(DAY_NAMES)),
                          invalid_choice_message="Choose a day of the week.")
    starts = TimeField("From", validators=[InputRequired(message="Give the time it starts.")])
    ends = TimeField("To", validators=[InputRequired(message="Give the time it ends.")])


class RoomForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the room or desk a name."), Length(max=40)])


class RoomActiveForm(FlaskForm):
    # Says which way, so a second press of the same button changes nothing.
    active = SelectField(choices={"yes": "In use", "no": "Retired"},
                         invalid_choice_message="Say whether the room is in use.")


class ClosureForm(FlaskForm):
    day = date_field("Date", required=True, id="closure-day")
    reason = StringField("Reason (visitors see it: no names)", id="closure-reason",
                         validators=[DataRequired(message="Say why it is closed: visitors are told."),
                                     Length(max=120)])


class ExtraForm(FlaskForm):
    day = date_field("Date", required=True, id="extra-day")
    starts = TimeField("From", id="extra-starts", validators=[InputRequired(message="Give the time it starts.")])
    ends = TimeField("To", id="extra-ends", validators=[InputRequired(message="Give the time it ends.")])
    reason = StringField("Note (optional)", id="extra-reason", validators=[Optional(), Length(max=120)])


class HolidayForm(FlaskForm):
    day = date_field("Date", required=True, id="holiday-day")


def _back(office_id, anchor=None):
    return redirect(url_for("admin.office", office_id=office_id, _anchor=anchor), code=303)


@bp.route("/offices")
@managers_only
def office_list():
    offices = list(Office.select().order_by(Office.name))
    return render_template("admin/offices.html", offices=offices, form=NewOfficeForm(),
                           timetables={o.id: timetable(o.id) for o in offices}, now=utcnow(), clock=schedule())


@bp.route("/offices", methods=["POST"])
@managers_only
def office_add():
    form = valid(NewOfficeForm())
    office = services.add_office(form.name.data, me())
    flash(f"{office.name} added, with the usual drop-in days and rooms: check them below.")
    return _back(office.id)


@bp.route("/offices/<int:office_id>")
@managers_only
def office(office_id):
    office = services.get_office(office_id)
    now = utcnow()
    table = timetable(office.id)
    return render_template(
        "admin/office.html", office=office, details=OfficeForm(obj=office), hours_form=HoursForm(),
        room_form=RoomForm(), closure_form=ClosureForm(), extra_form=ExtraForm(),
        hours=list(OfficeHours.select().where(OfficeHours.office == office.id)
                   .order_by(OfficeHours.weekday, OfficeHours.starts)),
        rooms=list(Room.select().where(Room.office == office.id).order_by(Room.active.desc(), Room.position,
                                                                          Room.name)),
        days=services.upcoming_days(office.id, now), table=table, now=now, clock=schedule(), day_names=DAY_NAMES,
        next_slot=table.next_slot(now), today=schedule().local_today(now))


@bp.route("/offices/<int:office_id>", methods=["POST"])
@managers_only
def office_update(office_id):
    form = valid(OfficeForm())
    # Optional() leaves a field of spaces alone, unvalidated, so each is stripped here.
    office = services.update_office(office_id, me(), name=form.name.data.strip(),
                                    address=(form.address.data or "").strip(), phone=(form.phone.data or "").strip(),
                                    public_base_url=(form.public_base_url.data or "").strip(),
                                    opens_before_minutes=form.opens_before_minutes.data,
                                    public_holidays=form.public_holidays.data)
    flash(f"{office.name}'s details are saved.")
    return _back(office.id, "details")


@bp.route("/offices/<int:office_id>/hours", methods=["POST"])
@managers_only
def office_hours_add(office_id):
    form = valid(HoursForm())
    services.add_hours(office_id, form.weekday.data, form.starts.data, form.ends.data, me())
    flash(f"Drop-in added: every {DAY_NAMES[form.weekday.data]}, {form.starts.data:%H:%M} to {form.ends.data:%H:%M}.")
    return _back(office_id, "hours")


@bp.route("/offices/<int:office_id>/hours/<int:hours_id>/remove", methods=["POST"])
@managers_only
def office_hours_remove(office_id, hours_id):
    valid(FlaskForm())
    services.remove_hours(office_id, hours_id, me())
    flash("That weekly drop-in is removed.")
    return _back(office_id, "hours")


@bp.route("/offices/<int:office_id>/rooms", methods=["POST"])
@managers_only
def office_room_add(office_id):
    form = valid(RoomForm())
    room = services.add_room(office_id, form.name.data, me())
    flash(f"{room.name} added: keyworkers can call people to it.")
    return _back(office_id, "rooms")


@bp.route("/offices/<int:office_id>/rooms/<int:room_id>", methods=["POST"])
@managers_only
def office_room_rename(office_id, room_id):
    form = valid(RoomForm())
    room = services.rename_room(office_id, room_id, form.name.data, me())
    flash(f"Renamed to {room.name}.")
    return _back(office_id, "rooms")


@bp.route("/offices/<int:office_id>/rooms/<int:room_id>/active", methods=["POST"])
@managers_only
def office_room_active(office_id, room_id):
    form = valid(RoomActiveForm())
    room = services.set_room_active(office_id, room_id, form.active.data == "yes", me())
    flash(f"{room.name} is {'in use again' if room.active else 'retired: calls already made to it keep its name'}.")
    return _back(office_id, "rooms")


@bp.route("/offices/<int:office_id>/closures", methods=["POST"])
@managers_only
def office_closure_add(office_id):
    form = valid(ClosureForm())
    services.add_closure(office_id, form.day.data, form.reason.data, me())
    today = schedule().local_today(utcnow())
    flash(f"Closed on {form.day.data:%A %-d %B %Y}." + (
        " Anyone waiting is told on their phone and the display; reception decides for each of them."
        if form.day.data == today else ""))
    return _back(office_id, "days")


@bp.route("/offices/<int:office_id>/extra", methods=["POST"])
@managers_only
def office_extra_add(office_id):
    form = valid(ExtraForm())
    services.add_extra_session(office_id, form.day.data, form.starts.data, form.ends.data, form.reason.data, me())
    flash(f"Extra drop-in on {form.day.data:%A %-d %B %Y}, {form.starts.data:%H:%M} to {form.ends.data:%H:%M}.")
    return _back(office_id, "days")


@bp.route("/offices/<int:office_id>/holidays", methods=["POST"])
@managers_only
def office_holiday_open(office_id):
    form = valid(HolidayForm())
    services.keep_holiday_open(office_id, form.day.data, me())
    flash(f"Open as usual on {public_holidays(form.day.data.year)[form.day.data]}.")
    return _back(office_id, "days")


@bp.route("/offices/<int:office_id>/days/<int:day_id>/remove", methods=["POST"])
@managers_only
def office_day_remove(office_id, day_id):
    valid(FlaskForm())
    services.remove_day(office_id, day_id, me())
    flash("Taken back: the usual week applies on that day.")
    return _back(office_id, "days")

