"""Reception's live queue: every ticket's actions, walk-ins, the session's check-in, linking tickets to cases,
and the office switch for staff at several offices. Views are thin: forms in, services, render."""
import uuid
from datetime import datetime

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from ...cases import visits
from ...cases.families import search_family
from ...cases.services import keyworkers_at, search_cases
from ...clock import utcnow
from ...dropin import live
from ...dropin.estimates import counters, expected_after_close
from ...dropin.models import AFTER_CLOSE
from ...dropin.queue import check_in, decide_after_close, hand_to, move, set_priority, ticket_by_id
from ...dropin.reads import desk_room, rooms_in_use, session_tickets, waiting
from ...dropin.schedule import schedule
from ...dropin.sessions import (
    close_checkin, close_early, open_extra_session, reopen_checkin, today_bounds, why_closed, working_session,
)
from ...errors import BadInput, Refused
from ...offices.models import current_office_id, offices_of
from ..access import me, staff_required
from ..filters import local_time
from ..respond import done, staff_poll, valid
from ..cases.forms import NewFamilyForm
from .forms import (
    AppointmentMatchForm, CloseEarlyForm, ExtraSessionForm, FamilyTicketForm, LinkForm, TicketActionForm, WalkInForm,
)

bp = Blueprint("reception", __name__, url_prefix="/staff")
QUEUE_FRAGMENT = "reception/_queue.html"


def _back():
    return url_for("desk.desk") if request.form.get("from") == "desk" else url_for("reception.queue")


@bp.route("/")
@staff_required
def home():
    return redirect(url_for("desk.desk" if current_user.role == "keyworker" else "reception.queue"))


def queue_context():
    dropin = live.per_poll_key("working_session", working_session)
    tickets = session_tickets(dropin)
    annotations, alerts = visits.queue_annotations(tickets)
    day_start, day_end = today_bounds()
    appointments = visits.todays_appointments(day_start, day_end)
    now = utcnow()
    expected = visits.expected_besides(appointments, schedule().local_today(now))
    return {
        "annotations": annotations, "alerts": alerts, "appointments": appointments, "expected": expected,
        "shown_cases": visits.cases_named(tickets, annotations, appointments, expected),
        "open_appointments": [a for a in appointments if a.status == "booked"],
        "dropin": dropin, "waiting": waiting(dropin), "now": now, "late": expected_after_close(dropin, now),
        "ended": dropin is not None and now >= dropin.ends_at, "keyworkers": keyworkers_at(current_office_id()),
        "with_staff": [t for t in tickets if t.state in ("called", "in_progress")],
        "finished": [t for t in tickets if not t.is_active],
        "counters": counters(dropin, tickets), "rooms": rooms_in_use(),
        "closed_today": why_closed(now) if dropin is None else None,
    }


@bp.route("/queue")
@staff_required
def queue():
    context = queue_context()
    visits.record_queue_shown(context["shown_cases"])
    return render_template("reception/queue.html", version=live.poll_key(), walk_in=WalkInForm(k=uuid.uuid4().hex),
                           extra=ExtraSessionForm(), my_room=desk_room(context["dropin"], me()), **context)


@bp.route("/queue/live")
def queue_live():
    response = current_app.make_response(staff_poll(QUEUE_FRAGMENT, queue_context, shared=True, keep=cases_kept))
    # the fragment: an unchanged answer shows nothing new, and refusals are 302, 401 or 403
    if response.status_code == 200 and not live.is_unchanged(response):
        visits.record_queue_shown(g.fragment_copy.kept)
    return response


def cases_kept(context):
    """What the queue's copy keeps with it (copies.shared_render): the cases it names, audited as shown to each
    screen's person it is sent to, whichever screen or process drew it."""
    return list(context["shown_cases"])


AFTER_CLOSE_MESSAGES = {
    "seen_late": "{number} will be seen today; their phone says so.",
    "come_back": "{number} is asked to come back; their phone gives the next drop-in.",
    "appointment": "{number} has an appointment instead; their phone says so.",
}
ACTION_MESSAGES = {
    "call": "Called {number} to {room}.",
    "start": "Started with {number}.",
    "finish": "{number} is done.",
    "no_show": "{number} marked as a no-show.",
    "requeue": "{number} is back in the queue.",
    "cancel": "{number} cancelled.",
    "left": "{number} marked as left.",
}


@bp.route("/tickets/<int:ticket_id>", methods=["POST"])
@staff_required
def ticket_action(ticket_id):
    form = valid(TicketActionForm())
    action = form.action.data
    if action.startswith("priority"):
        ticket = set_priority(ticket_id, action == "priority_on", form.expected_state.data)
        return done(f"Ticket {ticket.number} {'is now' if ticket.priority else 'is no longer'} a priority.", _back())
    if action == "hand":
        ticket, worker = hand_to(ticket_id, form.keyworker.data, form.expected_state.data)
        return done(f"{ticket.number} will be called by {worker.display_name}." if worker
                    else f"{ticket.number} can be called by anyone.", _back())
    if action in AFTER_CLOSE:
        ticket = decide_after_close(ticket_id, action, form.expected_state.data)
        return done(AFTER_CLOSE_MESSAGES[action].format(number=ticket.number), _back())
    ticket = move(ticket_id, action, me(), form.expected_state.data, room_id=form.room.data, outcome=form.outcome.data)
    return done(ACTION_MESSAGES[action].format(number=ticket.number,
                                               room=ticket.room.name if ticket.room else "a room"), _back())


@bp.route("/walk-in", methods=["POST"])
@staff_required
def walk_in():
    form = valid(WalkInForm())
    dropin = working_session()
    if dropin is None:
        raise Refused("No drop-in session is on now. Open an extra session first.")
    ticket = check_in(form.visit_for.data, form.needs.data, form.name.data, source="reception",
                      priority=form.priority.data, session=dropin, request_key=form.k.data or None)
    # The message travels in the session cookie, which is signed but readable: a number, never a name.
    return done(f"Added {ticket.number} to the queue.", url_for("reception.queue"))


def _session_on_now():
    dropin = working_session()
    if dropin is None:
        raise Refused("No drop-in session is on now.")
    return dropin


@bp.route("/session/close", methods=["POST"])
@staff_required
def close_session_checkin():
    close_checkin(_session_on_now())
    return done("Check-in is closed. The kiosk now shows the next session.", url_for("reception.queue"))


@bp.route("/session/reopen", methods=["POST"])
@staff_required
def reopen_session_checkin():
    reopen_checkin(_session_on_now())
    return done("Check-in is open again.", url_for("reception.queue"))


@bp.route("/session/extra", methods=["POST"])
@staff_required
def extra_session():
    form = valid(ExtraSessionForm())
    dropin = open_extra_session(form.until.data)
    return done(f"Extra session open; check-in closes at {local_time(dropin.ends_at)}.", url_for("reception.queue"))


@bp.route("/session/close-early", methods=["POST"])
@staff_required
def close_session_early():
    form = valid(CloseEarlyForm())
    sched = schedule()
    until = sched.to_utc(datetime.combine(sched.local_today(utcnow()), form.until.data))
    dropin = close_early(_session_on_now(), until, form.reason.data)
    return done(f"The drop-in now ends at {local_time(dropin.ends_at)}. People waiting are told why on their phones "
                "and the display.", url_for("reception.queue"))


@bp.route("/tickets/<int:ticket_id>/link", methods=["GET", "POST"])
@staff_required
def link_ticket(ticket_id):
    """Find the visitor's case as you type and link the ticket to it, or make a new case. A family visitor's
    ticket is linked to their own family record instead (?to=family or ?to=case when the kiosk's choice was wrong)."""
    ticket = ticket_by_id(ticket_id)
    if request.method == "POST":
        form = valid(LinkForm())
        case = visits.link_ticket(ticket_id, form.case.data, me())
        return done(f"Ticket {ticket.number} is linked to {case.reference}.", url_for("reception.queue"))
    q = request.args.get("q", "")
    if request.args.get("to", "family" if ticket.visit_for == "family" else "case") == "family":
        return _family_link_page(ticket, q)
    return render_template("reception/link.html", ticket=ticket, q=q, results=search_cases(q) if q else [])


def _family_link_page(ticket, q, form=None, status=200):
    results = search_family(q) if q else []
    if request.htmx and not form:  # searching as they type: the results alone
        return render_template("reception/_family_results.html", ticket=ticket, q=q, results=results)
    form = form or NewFamilyForm(formdata=None, name=ticket.name)
    return render_template("reception/link_family.html", ticket=ticket, q=q, results=results, form=form), status


@bp.route("/tickets/<int:ticket_id>/link-family", methods=["POST"])
@staff_required
def link_family(ticket_id):
    ticket = ticket_by_id(ticket_id)
    form = valid(FamilyTicketForm())
    visits.link_family_ticket(ticket.id, form.family_member.data, me())
    return done(f"Ticket {ticket.number} is linked to their family record.", url_for("reception.queue"))


@bp.route("/tickets/<int:ticket_id>/family-record", methods=["POST"])
@staff_required
def family_record_from_ticket(ticket_id):
    ticket = ticket_by_id(ticket_id)
    form = NewFamilyForm()
    if not form.validate():
        return _family_link_page(ticket, "", form=form, status=400)
    visits.family_record_from_ticket(ticket.id, form.family_data(), me())
    return done(f"Family record added and ticket {ticket.number} linked to it.", url_for("reception.queue"))


@bp.route("/tickets/<int:ticket_id>/appointment", methods=["POST"])
@staff_required
def match_appointment(ticket_id):
    form = valid(AppointmentMatchForm())
    case = visits.match_appointment(ticket_id, form.appointment.data, me())
    return done(f"Matched to the appointment for {case.reference}.", url_for("reception.queue"))


@bp.route("/office", methods=["POST"])
@staff_required
def switch_office():
    """Staff who work at several offices choose which one's queue they are working."""
    chosen = request.form.get("office", type=int)
    office = next((o for o in offices_of(me()) if o.id == chosen), None)
    if office is None:
        raise BadInput("Choose one of your offices.")
    session["office_id"] = office.id
    flash(f"You are working at {office.name}.")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("reception.queue"), code=303)


def _same_site(url):
    return bool(url) and url.startswith(request.host_url)
