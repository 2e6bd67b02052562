"""The visitor's own view of their ticket, opened from the QR code. Number and state only."""
from flask import Blueprint, abort, current_app, render_template, request, url_for

from ... import i18n
from ...clock import utcnow
from ...dropin import live
from ...dropin.estimates import estimate, wait_words
from ...dropin.reads import ticket_by_token, ticket_pages_since
from ...dropin.sessions import next_opening
from ...offices.models import use_office
from ...offices.timetable import office_facts
from ..qr import qr_svg

bp = Blueprint("ticket", __name__, url_prefix="/t")


def status_url(ticket):
    """The absolute address the QR code carries: the office's address for visitors' phones (PUBLIC_BASE_URL
    by default) when they need another than the kiosk's."""
    base = office_facts(ticket.session.office_id).public_base_url
    if base:
        return base.rstrip("/") + url_for("ticket.status", token=ticket.token)
    return url_for("ticket.status", token=ticket.token, _external=True)


def _ticket_or_404(token):
    ticket = ticket_by_token(token)
    if ticket is None:
        abort(404, "We could not find that ticket. It may be from an earlier day.")
    use_office(ticket.session.office_id)
    # The language chosen at the kiosk, or the one chosen here (carried by the page's own polls).
    i18n.use(request.args.get("lang") or ticket.language)
    return ticket


def _context(ticket):
    now, version = utcnow(), live.version(ticket.session.office_id)  # one read for the figures and the key
    est = estimate(ticket, now, version)
    return {"ticket": ticket, "estimate": est, "wait": wait_words(est.minutes) if est else None,
            "ended": now >= ticket.session.ends_at,
            "next_dropin": next_opening(now) if ticket.after_close == "come_back" else None,
            "closed_early": ticket.session.closed_reason,
            "version": live.poll_key(now, version), "chosen_lang": request.args.get("lang")}


@bp.route("/<token>")
def status(token):
    return render_template("ticket/status.html", **_context(_ticket_or_404(token)))


@bp.route("/<token>/live", endpoint="live")
def live_status(token):
    """The self-refreshing part of the status page; empty when nothing has changed, found through
    the token itself (one read), so a made-up one is a 404 like any unknown ticket."""
    found = live.ticket_version(token, ticket_pages_since())
    if found is None:
        abort(404, "We could not find that ticket. It may be from an earlier day.")
    office_id, version = found
    use_office(office_id)
    return live.answer(lambda key: render_template("ticket/_status.html", **_context(_ticket_or_404(token))),
                       queue_version=version)


@bp.route("/<token>/qr.svg")
def qr(token):
    ticket = _ticket_or_404(token)
    response = current_app.response_class(qr_svg(status_url(ticket)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
