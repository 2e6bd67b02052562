"""Polls answered before Flask takes the request, when nothing changed or a copy is at hand.

Nearly every request an office makes is a screen asking whether anything changed (reception's queue,
the keyworkers' desks, the wall displays, visitors' phones), and nearly always nothing has. Answered
through Flask, each of those paid for a request context, the URL map, the session, every extension's
hooks and the response object: several times what the one database read costs. This WSGI layer in
front of the app answers them itself, making exactly the checks the live endpoints make on an idle
poll (dropin/live.py's `cheap` checks):

- a staff screen: the signed session cookie, checked as Flask checks it (web/session_cookie.py keeps the
  outcome for a cookie it has checked, with its age), names an open sign-in of an active account with
  no two-factor set-up outstanding, read in the same query as the office's queue version;
- a wall display: its device cookie names an enrolled, unrevoked display, in the same query;
- a visitor's ticket page: its token names a ticket still shown, in the same query.

When the screen is behind, the copy made for this poll key is sent if there is one (dropin/copies.py:
the queue's per office and role, with this session's CSRF token put in and only when its
cases are already audited as shown to this person today; the desk's per person; the board's per office),
whether this process drew it or, for the queue and the board, another (dropin/shared_copies.py).

Anything it is not sure of goes to Flask, which answers as before: a cookie not seen yet or run out,
a refused check, no copy, a query string other than the poll's own, a NUL anywhere. It never writes
and never sets a cookie, and its answer carries the headers every response gets.
"""
import re

from flask import current_app, has_app_context
from werkzeug.http import parse_cookie

from ..clock import utcnow
from ..dropin import copies, devices, live
from ..dropin.reads import ticket_pages_since
from ..offices.models import DEFAULT_OFFICE_ID
from .. import audit
from ..cases import visits
from ..people import sign_in
from . import EVERY_RESPONSE, NOT_KEPT, OVER_HTTPS, nul_as_sent
from .access import login_manager
from .desk.routes import DESK_FRAGMENT
from .display.routes import board_copy
from .reception.routes import QUEUE_FRAGMENT

# A poll's own query string: the key it holds (none when a screen catches up), and on a visitor's ticket page
# the language chosen.
_POLL_QUERY = re.compile(r"(?:v=([0-9A-Za-z-]{1,80})(?:&lang=[A-Za-z-]{0,20})?)?")
# The live endpoints answered here, by the kind of screen.
SCREENS = {"reception.queue_live": "staff", "desk.desk_live": "staff", "display.live": "display",
           "ticket.live": "ticket"}
HTML = ("Content-Type", "text/html; charset=utf-8")
# Sessions and browsers whose match (_same_browser) is kept: twenty offices' screens are under a thousand.
BROWSERS_KEPT = 4096


class IdlePolls:
    """WSGI middleware: `app.wsgi_app = IdlePolls(app, app.wsgi_app)`."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.paths = {}  # path -> endpoint
        self.ticket_path = None  # (prefix, suffix) of the ticket page's live part
        self.browsers = {}  # what _same_browser found, by what it depends on
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "ticket.live":
                self.ticket_path = tuple(rule.rule.split("<token>"))
            elif rule.endpoint in SCREENS:
                self.paths[rule.rule] = rule.endpoint

    def __call__(self, environ, start_response):
        answer = self._answer(environ) if environ.get("REQUEST_METHOD") == "GET" else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _answer(self, environ):
        """(status, headers, body) for a poll answered here; None for anything else."""
        path = environ.get("PATH_INFO", "")
        endpoint, token = self.paths.get(path), None
        if endpoint is None and self.ticket_path and path.startswith(self.ticket_path[0]) \
                and path.endswith(self.ticket_path[1]):
            endpoint, token = "ticket.live", path[len(self.ticket_path[0]):-len(self.ticket_path[1])]
            if not token or "/" in token:
                return None
        if endpoint is None:
            return None
        asked = _POLL_QUERY.fullmatch(environ.get("QUERY_STRING", ""))
        if asked is None or nul_as_sent(environ):
            return None
        answer = getattr(self, "_" + SCREENS[endpoint])
        if has_app_context() and current_app._get_current_object() is self.app:
            # As Flask does for a request: the app's context already open (a test, a command) is used as it is,
            # and its database connection is left to it.
            return answer(environ, endpoint, asked.group(1), token)
        with self.app.app_context():  # its end gives the database connection back, as after any request
            return answer(environ, endpoint, asked.group(1), token)

    def _staff(self, environ, endpoint, asked, _token):
        """Reception's queue or a keyworker's desk: unchanged, or the copy made for this office and role
        (the queue) or this person (the desk), when one is current."""
        contents = self._session(environ)
        if contents is None:
            return None
        office = contents.get("office_id", DEFAULT_OFFICE_ID)
        queue = endpoint == "reception.queue_live"
        if queue:
            version, role = sign_in.idle_poll_check(office, contents, _memo(environ))
            desk = None
        else:  # the desk's key holds what that keyworker's desk shows
            version, role, desk = sign_in.idle_poll_check(office, contents, _memo(environ), desk=True)
        if role is None:
            return None
        key = live.poll_key(queue_version=version, office_id=office, desk=desk)
        if asked == key:
            return self._unchanged(environ, True)
        if not self._same_browser(environ, contents):
            return None
        person = int(contents["_user_id"])
        copy = copies.copy_at_hand(copies.copy_slot(QUEUE_FRAGMENT, office, role) if queue
                                 else copies.copy_slot(DESK_FRAGMENT, office, role, person), key)
        csrf = copies.csrf_token_of(contents)
        if copy is None or csrf is None:
            return None
        # The cases the queue's copy names are audited as shown to this person once a day: here only when they are.
        if queue and not audit.shown_today_already(person, copy.kept, visits.QUEUE_SHOWN):
            return None
        return self._fragment(environ, copies.with_token(copy.parts, csrf), True)

    def _display(self, environ, endpoint, asked, token):
        """A wall display (or staff looking at the board): unchanged, or the board's copy for this key."""
        contents = self._session(environ)
        if contents is None:
            return None
        office, device_token = devices.checked_office("display", contents), None
        if office is None:  # a signed-in member of staff looking at the board, or a display due its full check
            office = contents.get("office_id", DEFAULT_OFFICE_ID)
            version, allowed = sign_in.idle_poll_check(office, contents, _memo(environ))
        else:
            device_token = parse_cookie(environ).get(devices.COOKIES["display"])
            if not device_token:
                return None
            version, allowed = devices.idle_poll_check("display", office, device_token, _memo(environ))
        if allowed is None:
            return None
        key = live.poll_key(queue_version=version, office_id=office)
        if asked == key:
            return self._unchanged(environ, True)
        board = board_copy(office, key)
        if board is None or (device_token is None and not self._same_browser(environ, contents)):
            return None
        return self._fragment(environ, board, True)

    def _ticket(self, environ, endpoint, asked, token):
        """A visitor's ticket page: unchanged (its fragment is drawn for the one ticket, by Flask)."""
        now = utcnow()
        found = live.ticket_version(token, ticket_pages_since(now))
        if found is None or asked is None:
            return None
        office, version = found
        return self._unchanged(environ, False) if asked == live.poll_key(now, version, office_id=office) else None

    def _same_browser(self, environ, contents):
        """Whether the signed-in session comes from the browser it was signed in on, as Flask-Login's strong
        session protection checks before a fragment is sent the full way (its address and user agent); when
        not, Flask decides. Asked only before a copy is sent: an unchanged answer shows nothing.

        Flask-Login works its identifier out from the address (X-Forwarded-For, else the peer's) and the
        user agent alone, so the answer is kept by those and the session's identifier: a screen sends the
        same every time, and a request context is made for it once rather than for every copy."""
        asked = (contents.get("_id"), environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"),
                 environ.get("HTTP_USER_AGENT"))
        same = self.browsers.get(asked)
        if same is None:
            with self.app.request_context(environ):
                same = contents.get("_id") == login_manager._session_identifier_generator()
            if len(self.browsers) >= BROWSERS_KEPT:
                self.browsers.clear()  # rare: the screens polling now are kept again at their next copy
            self.browsers[asked] = same
        return same

    def _session(self, environ):
        header = environ.get("HTTP_COOKIE")
        # The app itself rather than current_app: the same app (see _answer), without a proxy at every turn.
        return self.app.session_interface.checked(self.app, header) if header else None

    def _unchanged(self, environ, read_session):
        return live.UNCHANGED[0], self._headers(environ, list(live.UNCHANGED[1]), read_session), b""

    def _fragment(self, environ, body, read_session):
        return "200 OK", self._headers(environ, [HTML, ("Content-Length", str(len(body)))], read_session), body

    def _headers(self, environ, headers, read_session):
        """An answer's own headers, with those web/__init__.py gives every response and what Flask adds."""
        headers += EVERY_RESPONSE + NOT_KEPT
        if environ.get("wsgi.url_scheme") == "https":
            headers += OVER_HTTPS
        if read_session:
            headers.append(("Vary", "Cookie"))
        return headers


def _memo(environ):
    """What this request's checks read, for Flask's endpoint when the poll goes on to it (live.version_and)."""
    return environ.setdefault(live.CHECKED, {})
