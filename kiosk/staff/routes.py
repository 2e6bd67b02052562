"""Reception's live queue and the keyworker's desk. Views are thin: forms in, services, render."""
import secrets
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from htmx_flask import make_response

from .. import casework
from ..auth import htmx_to_sign_in, signed_in_cheaply, staff_required
from ..case_models import TicketLink
from ..cases.forms import AppointmentMatchForm, LinkForm
from ..errors import BadInput, NotFound, Refused
from ..estimates import counters
from ..filters import local_time
from ..models import Room, Ticket
from ..queue import (
    call_next, check_in, choose_room, current_visitor, desk_room, move, session_tickets, set_priority, waiting,
)
from ..schedule import utcnow
from ..sessions import close_checkin, open_extra_session, poll_key, reopen_checkin, staff_session, today_bounds
from ..sites import current_site_id, offices_of
from .forms import ExtraSessionForm, RoomForm, TicketActionForm, WalkInForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _done(message, back):
    """After an action: htmx gets the message and a nudge to refresh; a plain form gets a redirect."""
    if request.htmx:
        response = make_response(render_template("_flash_fragment.html", message=message),
                                 trigger="queue-changed")
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    flash(message)
    return redirect(back, code=303)


def _back():
    return url_for("staff.desk") if request.form.get("from") == "desk" else url_for("staff.queue")


def _refuse_form(form):
    raise BadInput(next(iter(form.errors.values()))[0])


# After each change every reception screen asks for the same queue fragment within one poll.
# It is rendered once per queue version (and office and role), and the other screens get that
# copy with their own CSRF token in it. The version is bumped by every change the queue shows;
# the minutes waited tick on in the browser (staff.js), so a copy is used for a few seconds only.
SHARED_FOR_SECONDS = 5
_CSRF_MARK = "csrf-mark-" + secrets.token_hex(16)


def _shared_render(template, key, context):
    """One copy per template, office and role (a manager's screen and reception's do not take
    turns evicting each other's), used while the version holds and for a few seconds at most."""
    token = generate_csrf()
    cache = current_app.extensions.setdefault("dropin_shared_fragments", {})
    slot = (template, current_site_id(), current_user.role)
    copy = cache.get(slot)
    now = time.monotonic()
    if copy is not None and copy[0] == key and now - copy[1] < SHARED_FOR_SECONDS:
        return copy[2].replace(_CSRF_MARK, token)
    html = render_template(template, version=key, **context())
    cache[slot] = (key, now, html.replace(token, _CSRF_MARK))
    return html


def _live(template, context, shared=False):
    """Polling: 204 for an unchanged version (one query), else the fragment."""
    if not signed_in_cheaply():
        return htmx_to_sign_in()
    key = poll_key()
    if request.args.get("v") == key:
        return "", 204
    if not current_user.is_authenticated:
        return htmx_to_sign_in()
    if shared:
        return _shared_render(template, key, context)
    return render_template(template, version=key, **context())


@bp.route("/")
@staff_required
def home():
    return redirect(url_for("staff.desk" if current_user.role == "keyworker" else "staff.queue"))


def queue_context():
    session = staff_session()
    tickets = session_tickets(session)
    annotations, alerts = casework.queue_annotations(tickets)
    day_start, day_end = today_bounds()
    appointments = casework.todays_appointments(day_start, day_end)
    return {
        "annotations": annotations, "alerts": alerts, "appointments": appointments,
        "open_appointments": [a for a in appointments if a.status == "booked"],
        "session": session, "waiting": waiting(session), "now": utcnow(),
        "with_staff": [t for t in tickets if t.state in ("called", "in_progress")],
        "finished": [t for t in tickets if not t.is_active],
        "counters": counters(session, tickets), "rooms": list(Room.in_use()),
    }


@bp.route("/queue")
@staff_required
def queue():
    return render_template("staff/queue.html", version=poll_key(), walk_in=WalkInForm(),
                           extra=ExtraSessionForm(), **queue_context())


@bp.route("/queue/live")
def queue_live():
    return _live("staff/_queue.html", queue_context, shared=True)


@bp.route("/tickets/<int:ticket_id>", methods=["POST"])
@staff_required
def ticket_action(ticket_id):
    form = TicketActionForm()
    if not form.validate():
        _refuse_form(form)
    action = form.action.data
    if action.startswith("priority"):
        ticket = set_priority(ticket_id, action == "priority_on", form.expected_state.data)
        return _done(f"Ticket {ticket.number} {'is now' if ticket.priority else 'is no longer'} a priority.", _back())
    ticket = move(ticket_id, action, current_user._get_current_object(), form.expected_state.data,
                  room_id=form.room.data, outcome=form.outcome.data)
    messages = {
        "call": f"Called {ticket.number} to {ticket.room.name if ticket.room else 'a room'}.",
        "start": f"Started with {ticket.number}.",
        "finish": f"{ticket.number} is done.",
        "no_show": f"{ticket.number} marked as a no-show.",
        "requeue": f"{ticket.number} is back in the queue.",
        "cancel": f"{ticket.number} cancelled.",
        "left": f"{ticket.number} marked as left.",
    }
    return _done(messages[action], _back())


@bp.route("/walk-in", methods=["POST"])
@staff_required
def walk_in():
    form = WalkInForm()
    if not form.validate():
        _refuse_form(form)
    session = staff_session()
    if session is None:
        raise Refused("No drop-in session is on now. Open an extra session first.")
    ticket = check_in(form.visit_for.data, form.needs.data, form.name.data, source="reception",
                      priority=form.priority.data, session=session)
    return _done(f"Added {ticket.number}{' for ' + ticket.name if ticket.name else ''}.", url_for("staff.queue"))


@bp.route("/session/close", methods=["POST"])
@staff_required
def close_session_checkin():
    session = staff_session()
    if session is None:
        raise Refused("No drop-in session is on now.")
    close_checkin(session)
    return _done("Check-in is closed. The kiosk now shows the next session.", url_for("staff.queue"))


@bp.route("/session/reopen", methods=["POST"])
@staff_required
def reopen_session_checkin():
    session = staff_session()
    if session is None:
        raise Refused("No drop-in session is on now.")
    reopen_checkin(session)
    return _done("Check-in is open again.", url_for("staff.queue"))


@bp.route("/session/extra", methods=["POST"])
@staff_required
def extra_session():
    form = ExtraSessionForm()
    if not form.validate():
        _refuse_form(form)
    session = open_extra_session(form.until.data)
    return _done(f"Extra session open; check-in closes at {local_time(session.ends_at)}.", url_for("staff.queue"))


def desk_context():
    session = staff_session()
    staff = current_user._get_current_object()
    room = desk_room(session, staff)
    current = current_visitor(session, staff)
    link = TicketLink.get_or_none(TicketLink.ticket == current.id) if current else None
    form = RoomForm(formdata=None, room=room.id if room else None)
    form.room.choices = [(r.id, r.name) for r in Room.in_use()]
    queue = waiting(session, staff)
    summary = None
    # A family visitor's ticket shows who they are, never the case's plan or contact log.
    if link is not None and not link.family_member_id and staff.role in ("keyworker", "manager"):
        summary = casework.case_summary(link.case)
        casework.audit_desk_view(link.case, current, staff)
    return {"session": session, "room": room, "room_form": form, "current": current, "link": link,
            "summary": summary, "queue": queue, "now": utcnow()}


@bp.route("/desk")
@staff_required
def desk():
    return render_template("staff/desk.html", version=poll_key(), **desk_context())


@bp.route("/desk/live")
def desk_live():
    return _live("staff/_desk.html", desk_context)


@bp.route("/desk/room", methods=["POST"])
@staff_required
def desk_room_choice():
    form = RoomForm()
    form.room.choices = [(r.id, r.name) for r in Room.in_use()]
    if not form.validate():
        _refuse_form(form)
    session = staff_session()
    if session is None:
        raise Refused("No drop-in session is on now.")
    room = choose_room(session, current_user._get_current_object(), form.room.data)
    return _done(f"You are calling people to {room.name}.", url_for("staff.desk"))


@bp.route("/desk/call-next", methods=["POST"])
@staff_required
def desk_call_next():
    ticket = call_next(staff_session(), current_user._get_current_object())
    return _done(f"Calling {ticket.number} to {ticket.room.name}.", url_for("staff.desk"))


@bp.route("/tickets/<int:ticket_id>/link", methods=["GET", "POST"])
@staff_required
def link_ticket(ticket_id):
    """Find the visitor's case as you type and link the ticket to it, or make a new case."""
    ticket = Ticket.get_or_none(Ticket.id == ticket_id)
    if ticket is None:
        raise NotFound("That ticket no longer exists.")
    form = LinkForm()
    if request.method == "POST":
        if not form.validate():
            _refuse_form(form)
        case = casework.link_ticket(ticket_id, form.case.data, current_user._get_current_object(),
                                    family_member_id=form.family_member.data)
        return _done(f"Ticket {ticket.number} is linked to {case.reference}.", url_for("staff.queue"))
    q = request.args.get("q", "")
    return render_template("staff/link.html", ticket=ticket, q=q,
                           results=casework.search_cases(q) if q else [])


@bp.route("/tickets/<int:ticket_id>/appointment", methods=["POST"])
@staff_required
def match_appointment(ticket_id):
    form = AppointmentMatchForm()
    if not form.validate():
        _refuse_form(form)
    case = casework.match_appointment(ticket_id, form.appointment.data, current_user._get_current_object())
    return _done(f"Matched to the appointment for {case.reference}.", url_for("staff.queue"))


@bp.route("/office", methods=["POST"])
@staff_required
def switch_office():
    """Staff who work at several offices choose which one's queue they are working."""
    chosen = request.form.get("office", type=int)
    office = next((o for o in offices_of(current_user._get_current_object()) if o.id == chosen), None)
    if office is None:
        raise BadInput("Choose one of your offices.")
    session["site_id"] = office.id
    flash(f"You are working at {office.name}.")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("staff.queue"), code=303)


def _same_site(url):
    return bool(url) and url.startswith(request.host_url)
