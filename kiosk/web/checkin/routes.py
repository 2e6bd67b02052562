"""The reception tablet: welcome, who the visit is for, needs, name, ticket.

One visitor at a time uses a shared tablet, so each visit is its own: Welcome starts it
with a new request key, the answers so far are kept in the tablet's signed session (never
in an address, where the browser's history would keep them), and every step, form and
ticket page checks that it belongs to the visit in progress. A page of an earlier visitor,
reached with Back or sent from a stale form, leads to a fresh Welcome; no kiosk page is
kept in the browser's cache.
"""
import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for

from ... import i18n
from ...clock import utcnow
from ...dropin import devices
from ...dropin.estimates import estimate, wait_words
from ...dropin.queue import check_in
from ...dropin.reads import ticket_by_token
from ...dropin.schedule import describe_week
from ...dropin.sessions import checkin_session, next_opening, why_closed
from ...offices.timetable import timetable
from ..access import not_enrolled
from ..limits import kiosk_device_key, kiosk_limit, limiter
from ..respond import refuse, valid
from .forms import CheckInForm, NeedsForm, WhoForm
from . import words as step_words
from .words import NEED_WORDS, VISIT_FOR_WORDS

bp = Blueprint("checkin", __name__, url_prefix="/kiosk")
VISIT = "kiosk_visit"  # the visit in progress: its request key, the answers so far, then its ticket
LANGUAGE = "kiosk_language"  # the visitor's language, chosen on Welcome; the next visitor starts in English


@bp.before_request
def enrolled_kiosk_only():
    """Only the tablet a manager enrolled as a kiosk can take check-ins."""
    if devices.current("kiosk") is None:
        return not_enrolled("kiosk")
    i18n.use(session.get(LANGUAGE))
    return None


@bp.context_processor
def steps_words():
    """The steps' sentences (words.py): the pages show them, and their Listen buttons read the same."""
    return {"words": step_words}


@bp.after_request
def never_kept(response):
    """Back, or the history, must fetch a kiosk page afresh, so the server decides what it shows."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _visit(*answered):
    """The visit in progress if it has the answers this step needs and no ticket yet, else None."""
    visit = session.get(VISIT)
    if not visit or visit.get("ticket") or any(visit.get(name) is None for name in answered):
        return None
    return visit


def _stale(key):
    """Whether a form comes from a page of an earlier visit (a browser that never opened Welcome has none)."""
    visit = session.get(VISIT)
    return visit is not None and visit.get("k") != key


def _fresh_visit():
    return redirect(url_for("checkin.welcome"), code=303)


def _save(visit, **answers):
    session[VISIT] = {**visit, **answers}


def closed_context():
    """What the closed screen says: why, when there is a reason today, and the next drop-in."""
    return {"why_closed": why_closed(), "next_opening": next_opening(),
            "dropin_days": describe_week(timetable().weekly)}


@bp.route("/")
def welcome():
    session[VISIT] = {"k": uuid.uuid4().hex}  # a new visitor: whatever the last one did is behind us
    session[LANGUAGE] = i18n.use(request.args.get("lang"))  # English unless they chose their own here
    if checkin_session() is None:
        return render_template("checkin/closed.html", **closed_context())
    return render_template("checkin/welcome.html")


@bp.route("/who", methods=["GET", "POST"])
def who():
    visit = _visit()
    if visit is None:
        return _fresh_visit()
    if request.method == "POST":
        form = WhoForm()
        if _stale(form.k.data):
            return _fresh_visit()
        _save(visit, visit_for=valid(form).visit_for.data)
        return redirect(url_for("checkin.name" if form.visit_for.data == "appointment" else "checkin.needs"), code=303)
    return render_template("checkin/who.html", k=visit["k"], choices=VISIT_FOR_WORDS)


@bp.route("/needs", methods=["GET", "POST"])
def needs():
    visit = _visit("visit_for")
    if visit is None:
        return _fresh_visit()
    if request.method == "POST":
        form = NeedsForm()
        if _stale(form.k.data):
            return _fresh_visit()
        _save(visit, needs=valid(form).needs.data or [])
        return redirect(url_for("checkin.name"), code=303)
    return render_template("checkin/needs.html", k=visit["k"], chosen=visit.get("needs") or [], choices=NEED_WORDS)


@bp.route("/name")
def name():
    visit = _visit("visit_for")
    if visit is None:
        return _fresh_visit()
    form = CheckInForm(formdata=None, data={"k": visit["k"], "visit_for": visit["visit_for"],
                                            "needs": visit.get("needs") or []})
    return render_template("checkin/name.html", form=form)


@bp.route("/check-in", methods=["POST"])
@limiter.limit(kiosk_limit, key_func=kiosk_device_key, error_message="Too many tickets from this screen just now.")
def submit():
    formdata = request.form
    if formdata.get("skip"):
        # Skip means no name, even if something half-typed is in the box.
        formdata = formdata.copy()
        formdata.poplist("name")
    form = CheckInForm(formdata=formdata)
    if _stale(form.k.data):
        return _fresh_visit()
    if not form.validate():
        if form.name.errors and not (form.k.errors or form.visit_for.errors):
            return render_template("checkin/name.html", form=form), 400
        refuse(form)
    ticket = check_in(form.visit_for.data, form.needs.data, form.name.data, request_key=form.k.data,
                      language=i18n.use(session.get(LANGUAGE)))
    if VISIT in session:
        # Only the key stays: a double tap finds this ticket, and nothing of the answers lingers.
        session[VISIT] = {"k": form.k.data, "ticket": ticket.token}
    return redirect(url_for("checkin.ticket", token=ticket.token), code=303)


@bp.route("/ticket/<token>")
def ticket(token):
    visit = session.get(VISIT)
    if visit is not None and visit.get("ticket") != token:
        return _fresh_visit()  # an earlier visitor's ticket, reached with Back
    ticket = ticket_by_token(token)
    if ticket is None:
        abort(404)
    now = utcnow()
    est = estimate(ticket, now)
    return render_template("checkin/ticket.html", ticket=ticket, estimate=est,
                           wait=wait_words(est.minutes) if est else None,
                           auto_print=current_app.config["KIOSK_AUTO_PRINT"])


from . import speech  # noqa: E402,F401 - its routes join this blueprint
