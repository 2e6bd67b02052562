"""The keyworker's desk: choose a room, Call next, the visitor with them and their case, who is waiting."""
from flask import Blueprint, render_template, url_for

from ...cases import visits
from ...clock import utcnow
from ...dropin import live
from ...dropin.models import Room
from ...dropin.queue import call_next, choose_room
from ...dropin.reads import current_visitor_and_link, desk_room, rooms_in_use, waiting_at_desk
from ...dropin.schedule import schedule
from ...dropin.sessions import today_bounds, working_session
from ...errors import Refused
from ..access import me, staff_required
from ..respond import done, staff_poll, valid
from .forms import RoomForm

bp = Blueprint("desk", __name__, url_prefix="/staff")
DESK_FRAGMENT = "desk/_desk.html"


def _room_form(**data):
    form = RoomForm(**data)
    form.room.choices = [(r.id, r.name) for r in Room.in_use()]
    return form


def desk_context():
    dropin = live.per_poll_key("working_session", working_session)
    staff = me()
    room = desk_room(dropin, staff)
    current, link = current_visitor_and_link(dropin, staff)
    summary = None
    # A family visitor's ticket shows who they are, never the case's plan or contact log.
    if link is not None and link.case_id and staff.sees_casework:
        summary = visits.desk_summary(link.case, current, staff)
    elif link is not None and link.case_id:
        visits.record_desk_shown(link.case_id)  # the case's reference and name, without its summary
    elif link is not None:  # a family visit: who they are, and the case only while both agree to the link
        visits.record_family_desk_shown(link.family_member)
    now = utcnow()
    queue, waiting_count = waiting_at_desk(dropin, staff)
    mine, expected = [], []
    if staff.sees_casework:  # their own office appointments today, and who else of theirs may come in
        mine = visits.todays_appointments(*today_bounds(), keyworker=staff)
        expected = visits.expected_besides(mine, schedule().local_today(now), keyworker=staff)
        visits.record_expected_shown(visits.cases_named([], {}, mine, expected))
    return {"dropin": dropin, "room": room, "rooms": rooms_in_use(),
            "current": current, "link": link, "summary": summary, "queue": queue, "waiting_count": waiting_count, "now": now,
            "my_appointments": mine, "expected": expected}


@bp.route("/desk")
@staff_required
def desk():
    return render_template("desk/desk.html", version=live.desk_key(me().id), **desk_context())


@bp.route("/desk/live")
def desk_live():
    return staff_poll(DESK_FRAGMENT, desk_context, own=True)


@bp.route("/desk/room", methods=["POST"])
@staff_required
def desk_room_choice():
    form = valid(_room_form())
    dropin = working_session()
    if dropin is None:
        raise Refused("No drop-in session is on now.")
    room = choose_room(dropin, me(), form.room.data)
    return done(f"You are calling people to {room.name}.", url_for("desk.desk"))


@bp.route("/desk/call-next", methods=["POST"])
@staff_required
def desk_call_next():
    ticket = call_next(working_session(), me())
    return done(f"Calling {ticket.number} to {ticket.room.name}.", url_for("desk.desk"))
