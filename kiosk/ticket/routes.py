"""The visitor's own view of their ticket, opened from the QR code. Number and state only."""
from flask import Blueprint, abort, current_app, render_template, request, url_for

from ..db import select_prepared
from ..estimates import estimate, wait_words
from ..models import DropInSession, QueueState, Ticket
from ..qr import qr_svg
from ..schedule import utcnow
from ..sessions import poll_key
from ..sites import use_site

bp = Blueprint("ticket", __name__, url_prefix="/t")


def status_url(ticket):
    """The absolute address the QR code carries: PUBLIC_BASE_URL when visitors' phones need another."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("ticket.status", token=ticket.token)
    return url_for("ticket.status", token=ticket.token, _external=True)


def _ticket_or_404(token):
    if len(token) > 64:
        abort(404)
    # Every visitor's phone asks for its ticket every few seconds: SQL built once, two indexed reads.
    found = select_prepared(Ticket, "ticket-by-token", _by_token, token=token)
    if not found:
        abort(404, "We could not find that ticket. It may be from an earlier day.")
    ticket = found[0]
    ticket.session = select_prepared(DropInSession, "session-by-id", _session_by_id, session_id=ticket.session_id)[0]
    use_site(ticket.session.site_id)
    return ticket


def _by_token(token):
    return Ticket.select().where(Ticket.token == token)


def _session_by_id(session_id):
    return DropInSession.select().where(DropInSession.id == session_id)


def _context(ticket):
    now, version = utcnow(), QueueState.current(ticket.session.site_id)  # one read for the figures and the key
    est = estimate(ticket, now, version)
    return {"ticket": ticket, "estimate": est, "wait": wait_words(est.minutes) if est else None,
            "version": poll_key(now, version)}


@bp.route("/<token>")
def status(token):
    return render_template("ticket/status.html", **_context(_ticket_or_404(token)))


@bp.route("/<token>/live")
def live(token):
    """The self-refreshing part of the status page; 204 when nothing has changed."""
    site = request.args.get("s", type=int)
    if site:
        use_site(site)  # which office's queue version to compare, before any lookup
    if request.args.get("v") == poll_key():
        return "", 204
    return render_template("ticket/_status.html", **_context(_ticket_or_404(token)))


@bp.route("/<token>/qr.svg")
def qr(token):
    ticket = _ticket_or_404(token)
    response = current_app.response_class(qr_svg(status_url(ticket)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
