"""The waiting-room wall screen: numbers and rooms, never a name."""
from flask import Blueprint, render_template
from flask_login import current_user

from ...clock import utcnow
from ...dropin import devices, live
from ...dropin.queue import board
from ...dropin.sessions import working_session
from ..access import device_required, signed_in_cheaply

bp = Blueprint("display", __name__, url_prefix="/display")


def board_context():
    dropin = working_session()
    return {"dropin": dropin, "ended": dropin is not None and utcnow() >= dropin.ends_at, **board(dropin)}


@bp.route("/", endpoint="board")
@device_required("display", staff_may_view=True)
def board_page():
    return render_template("display/board.html", version=live.poll_key(), **board_context())


def _not_a_display():
    if devices.current("display") is None and not current_user.is_authenticated:
        # Reload the whole page, which then says plainly that this screen is not enrolled.
        return "", 403, {"HX-Refresh": "true"}
    return None


@bp.route("/live", endpoint="live")
def live_board():
    return live.answer(lambda key: render_template("display/_board.html", version=key, **board_context()),
                       cheap=lambda: devices.recently_checked("display") or signed_in_cheaply(),
                       full=_not_a_display)
