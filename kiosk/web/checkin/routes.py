"""The reception tablet: welcome, who the visit is for, needs, name, ticket."""
import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ...clock import utcnow
from ...dropin import devices
from ...dropin.estimates import estimate, wait_words
from ...dropin.models import NEEDS, VISIT_FOR
from ...dropin.queue import check_in, ticket_by_token
from ...dropin.schedule import describe_days, schedule
from ...dropin.sessions import checkin_session, next_opening
from ..access import not_enrolled
from ..limits import kiosk_device_key, kiosk_limit, limiter
from .forms import CheckInForm, VisitSteps

bp = Blueprint("checkin", __name__, url_prefix="/kiosk")


@bp.before_request
def enrolled_kiosk_only():
    """Only the tablet a manager enrolled as a kiosk can take check-ins."""
    if devices.current("kiosk") is None:
        return not_enrolled("kiosk")
    return None


def _steps(*required):
    form = VisitSteps(request.args)
    for name in ("k",) + required:
        field = form[name]
        if not field.validate(form):
            abort(400, field.errors[0])
    if form.needs.data and not form.needs.validate(form):
        abort(400, "Please choose from the help on the screen.")
    return form


@bp.route("/")
def welcome():
    if checkin_session() is None:
        return render_template("checkin/closed.html", next_opening=next_opening(),
                               dropin_days=describe_days(schedule()))
    return render_template("checkin/welcome.html", request_key=uuid.uuid4().hex)


@bp.route("/who")
def who():
    form = _steps()
    return render_template("checkin/who.html", form=form, choices=VISIT_FOR)


@bp.route("/needs")
def needs():
    form = _steps("visit_for")
    return render_template("checkin/needs.html", form=form, choices=NEEDS)


@bp.route("/name")
def name():
    form = _steps("visit_for")
    return render_template("checkin/name.html", steps=form, form=CheckInForm(formdata=None, data=form.data))


@bp.route("/check-in", methods=["POST"])
@limiter.limit(kiosk_limit, key_func=kiosk_device_key, error_message="Too many tickets from this screen just now.")
def submit():
    formdata = request.form
    if formdata.get("skip"):
        # Skip means no name, even if something half-typed is in the box.
        formdata = formdata.copy()
        formdata.poplist("name")
    form = CheckInForm(formdata=formdata)
    if not form.validate():
        if form.name.errors and not (form.k.errors or form.visit_for.errors):
            return render_template("checkin/name.html", steps=form, form=form), 400
        abort(400, next(iter(form.errors.values()))[0])
    ticket = check_in(form.visit_for.data, form.needs.data, form.name.data, request_key=form.k.data)
    return redirect(url_for("checkin.ticket", token=ticket.token), code=303)


@bp.route("/ticket/<token>")
def ticket(token):
    ticket = ticket_by_token(token)
    if ticket is None:
        abort(404)
    now = utcnow()
    est = estimate(ticket, now)
    return render_template("checkin/ticket.html", ticket=ticket, estimate=est,
                           wait=wait_words(est.minutes) if est else None,
                           auto_print=current_app.config["KIOSK_AUTO_PRINT"])

