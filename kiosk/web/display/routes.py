"""The waiting-room wall screen: numbers and rooms, never a name."""
from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from ... import speech as read_aloud
from ...clock import utcnow
from ...dropin import copies, devices, live
from ...dropin.reads import board
from ...dropin.sessions import why_closed, working_session
from ...offices.models import current_office_id
from ...people import sign_in
from ..access import device_required

bp = Blueprint("display", __name__, url_prefix="/display")
BOARD_FRAGMENT = "display/_board.html"
# How long a board drawn for a poll key is sent for (the key keeps it current).
BOARD_KEPT_SECONDS = 60


def board_context():
    dropin = live.per_poll_key("working_session", working_session)
    # Why the drop-in closed early, or why the office is closed today: the room is told, never who.
    notice = dropin.closed_reason if dropin is not None else why_closed()
    return {"dropin": dropin, "ended": dropin is not None and utcnow() >= dropin.ends_at, "notice": notice,
            **board(dropin)}


@bp.route("/", endpoint="board")
@device_required("display", staff_may_view=True)
def board_page():
    return render_template("display/board.html", version=live.poll_key(), **board_context())


def _not_a_display():
    if devices.current("display") is None and not current_user.is_authenticated:
        # Reload the whole page, which then says plainly that this screen is not enrolled.
        return "", 403, {"HX-Refresh": "true"}
    return None


def board_for(key):
    """The board as every display at this office shows it for poll key `key`: made once per key, by whichever
    process of the deployment is asked first (copies.drawn_once), then the same copy for each of them. The key
    already holds everything the board shows (the queue's version, the slot the clock is in, the timetable's
    changes), which is why an unchanged key may be answered that nothing changed; so a copy for the same key
    is as current as a fresh render, and kept for a minute."""
    copy = copies.drawn_once(_slot(current_office_id()), key, lambda: (
        [render_template(BOARD_FRAGMENT, version=key, **board_context()).encode()], None), BOARD_KEPT_SECONDS)
    return copy.parts[0].decode()


def board_copy(office_id, key):
    """The board made for this office and poll key `key`, by this process or another, as bytes; else None."""
    copy = copies.copy_at_hand(_slot(office_id), key, BOARD_KEPT_SECONDS)
    return copy.parts[0] if copy is not None else None


def _slot(office_id):
    return copies.copy_slot(BOARD_FRAGMENT, office_id, "board")


@bp.route("/live", endpoint="live")
def live_board():
    # A display (its office known from its last full check) or staff looking at the board: either way the
    # version and whether they are still allowed come in one read.
    if devices.recently_checked("display"):
        queue_version, allowed = devices.idle_poll_check("display", current_office_id())
    else:
        queue_version, allowed = sign_in.idle_poll_check(current_office_id())
    return live.answer(board_for, cheap=lambda: allowed, full=_not_a_display, queue_version=queue_version)


@bp.route("/speech/<int:number>.wav", endpoint="speech")
@device_required("display", staff_may_view=True)
def speech(number):
    """ "Number 14, Room 2", read after the chime when DISPLAY_SPEAKS is on: only a number on this office's
    board, and only its room's name from the database, so no address can make the screen say anything else."""
    if not current_app.config["DISPLAY_SPEAKS"]:
        abort(404)
    shown = board(working_session())
    called = next((t for t in [shown["now_calling"], *shown["recent"]] if t is not None and t.number == number), None)
    if called is None:
        abort(404)
    response = read_aloud.answer(f"Number {called.number}, {called.room.name}.", "en")
    response.headers["Cache-Control"] = "no-store"
    return response
