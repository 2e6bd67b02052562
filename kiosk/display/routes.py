"""The waiting-room wall screen: numbers and rooms, never a name."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from .. import devices
from ..auth import signed_in_cheaply
from ..models import Room, Ticket
from ..sessions import poll_key, staff_session

bp = Blueprint("display", __name__, url_prefix="/display")
RECENT_CALLS = 5


def board_context():
    session = staff_session()
    calls, waiting_count = [], 0
    if session is not None and session.id is not None:
        calls = list(Ticket.select(Ticket.id, Ticket.number, Ticket.state, Ticket.called_at,
                                   Ticket.call_count, Room.name)
                     .join(Room)
                     .where((Ticket.session == session) & Ticket.called_at.is_null(False)
                            & Ticket.state.in_(("called", "in_progress", "done")))
                     .order_by(Ticket.called_at.desc()).limit(RECENT_CALLS + 1))
        waiting_count = Ticket.select().where((Ticket.session == session) & (Ticket.state == "waiting")).count()
    now_calling = calls[0] if calls and calls[0].state == "called" else None
    recent = calls[1:] if now_calling else calls[:RECENT_CALLS]
    return {"session": session, "now_calling": now_calling, "recent": recent, "waiting_count": waiting_count}


@bp.route("/")
@devices.required("display", staff_may_view=True)
def board():
    return render_template("display/board.html", version=poll_key(), **board_context())


@bp.route("/live")
def live():
    key = poll_key()
    trusted = devices.recently_checked("display") or signed_in_cheaply()
    if trusted and request.args.get("v") == key:
        return "", 204
    if devices.current("display") is None and not current_user.is_authenticated:
        # Reload the whole page, which then says plainly that this screen is not enrolled.
        return "", 403, {"HX-Refresh": "true"}
    return render_template("display/_board.html", version=key, **board_context())
