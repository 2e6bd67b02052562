"""Bookings on a case (office appointments and outreach), who is expected in, and the releases list."""
from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for

from ...audit import record_shown
from ...cases import bookings, releases
from ...cases import services as casework
from ...cases.models import APPOINTMENT_STATUSES, BOOKING_KINDS
from ...clock import utcnow
from ...dropin.schedule import schedule
from ...errors import BadInput
from ..access import caseworkers_only, me, staff_required
from ..respond import valid
from .blueprint import bp
from .forms import BookingForm, ExpectedForm, SettleBookingForm


def _today():
    return schedule().local_today(utcnow())


def _booking_form(full):
    form = BookingForm()
    form.keyworker.choices = [(w.id, w.display_name) for w in casework.keyworkers()]
    if not full:  # reception books office appointments; outreach is casework
        form.kind.choices = [("office", BOOKING_KINDS["office"])]
    return form


def case_context(case, full):
    """What the case page's bookings section needs (`full` for caseworkers)."""
    context = {"bookings": bookings.case_bookings(case), "booking_form": _booking_form(full),
               "settle_form": SettleBookingForm(), "attendee_labels": bookings.attendee_labels,
               "booking_kinds": BOOKING_KINDS, "appointment_statuses": APPOINTMENT_STATUSES}
    if full:
        context.update(release_warning=releases.release_warning(case, _today()),
                       expected_form=ExpectedForm(day=case.expected_on))
    return context


def _back(case_id):
    return redirect(url_for("cases.view", case_id=case_id, _anchor="bookings"), code=303)


@bp.route("/<int:case_id>/appointments", methods=["POST"])
@staff_required
def add_appointment(case_id):
    form = valid(_booking_form(me().sees_casework))
    if form.day.data < _today():
        raise BadInput("That date has passed; choose today or a later day.")
    starts = schedule().to_utc(datetime.combine(form.day.data, form.time.data))
    worker = casework.keyworker(form.keyworker.data)
    strip = lambda value: (value or "").strip() or None  # noqa: E731
    bookings.book(case_id, worker, starts, me(), kind=form.kind.data, note=strip(form.note.data),
                  prison=strip(form.prison.data), place=strip(form.place.data), attendees=form.attendees.data or ())
    flash(f"{BOOKING_KINDS[form.kind.data]} booked with {worker.display_name}.")
    return _back(case_id)


@bp.route("/bookings/<int:booking_id>", methods=["POST"])
@staff_required
def settle_booking(booking_id):
    form = valid(SettleBookingForm())
    booking = bookings.settle(booking_id, form.status.data, me(), summary=(form.summary.data or "").strip(),
                              reason=(form.reason.data or "").strip())
    flash({"done": "Done: added to the contact log.", "missed": "Marked as missed.",
           "cancelled": "Cancelled."}[booking.status])
    return _back(booking.case_id)


@bp.route("/<int:case_id>/expected", methods=["POST"])
@caseworkers_only
def mark_expected(case_id):
    form = valid(ExpectedForm())
    day = None if request.form.get("clear") else form.day.data
    if day is not None and day < _today():
        raise BadInput("That date has passed; choose today or a later day.")
    if day is None and not request.form.get("clear"):
        raise BadInput("Choose the day you expect them in.")
    bookings.mark_expected(case_id, day, me())
    flash(f"Expected in on {day:%d/%m/%Y}." if day else "No longer expected.")
    return _back(case_id)


@bp.route("/releases")
@caseworkers_only
def releases_list():
    """Releases in the next 12 weeks with what is planned, and support windows ending in the next 4."""
    today = _today()
    mine = request.args.get("mine") == "1"
    keyworker = me() if mine else None
    upcoming = releases.upcoming_releases(today, keyworker)
    ending = releases.windows_ending(today, keyworker)
    record_shown([case for case, _ in upcoming] + [case for case, _ in ending], "listed in releases")
    return render_template("cases/releases.html", upcoming=upcoming, ending=ending, today=today, mine=mine,
                           warn_within=timedelta(days=releases.RELEASE_WARNING_DAYS))
