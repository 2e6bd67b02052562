"""The signed session cookie: Flask's own, marked Secure over HTTPS, and checked once per cookie.

Every open staff screen and display sends the same cookie every two seconds, and checking its
signature and decoding it was most of what an idle poll cost. The outcome for one exact cookie
and key never changes, only the cookie's age does; so the contents of a cookie that passed are
kept (by the Cookie header it came in, with the time it was signed), its age is checked against
the session's lifetime on every request as itsdangerous does, and each request gets its own copy
to change. A cookie that fails is never kept, so made-up ones cannot fill the memory; and what
the session says (who is signed in, which device) is checked by the app as before: this only
saves redoing the cryptography.
"""
import threading
import time
from collections import OrderedDict

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

# Distinct cookies whose checked contents are kept, the one least recently used going first: an office's
# screens poll with a few dozen, twenty offices' with several hundred, and one that drops out is only
# checked afresh. Cookies sent once or twice (a kiosk's, which changes at every step of a check-in) go
# before those a screen sends every two seconds.
KEPT = 4096


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure when configured and whenever the request came over HTTPS."""

    def __init__(self):
        self._serializers = {}
        # (keys, cookie name, Cookie header) -> (signed at, contents), the least recently used first
        self._checked = OrderedDict()
        self._lock = threading.Lock()

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def _keys(self, app):
        return app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ())

    def get_signing_serializer(self, app):
        """Flask's serializer, built once per secret key rather than on every request."""
        if not app.secret_key:
            return None
        keys = self._keys(app)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        header = request.headers.get("Cookie")
        if not header:  # a visitor's phone on the ticket page, which sets no cookie
            return self.session_class()
        held = self.checked(app, header)
        if held is not None:
            return self.session_class(_copy(held))
        name = self.get_cookie_name(app)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        value = request.cookies.get(name)
        if not value:
            return self.session_class()
        try:
            contents, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # expired ones too
            return self.session_class()
        # One Cookie header always holds the same session cookie, so it is kept by the header as it came.
        self._keep((self._keys(app), name, header), int(signed_at.timestamp()), contents)
        return self.session_class(_copy(contents))

    def checked(self, app, header):
        """What the session cookie in this Cookie header (unparsed) holds, when that cookie passed its check
        before and is still within the session's lifetime; else None. The contents kept, not a copy: to read."""
        key = (self._keys(app), self.get_cookie_name(app), header)
        held = self._checked.get(key)
        if held is None:
            return None
        with self._lock:
            if key in self._checked:
                self._checked.move_to_end(key)
        age = int(time.time()) - held[0]
        return held[1] if 0 <= age <= int(app.permanent_session_lifetime.total_seconds()) else None

    def _keep(self, key, signed_at, contents):
        with self._lock:
            self._checked[key] = (signed_at, contents)
            self._checked.move_to_end(key)
            while len(self._checked) > KEPT:
                self._checked.popitem(last=False)

    def save_session(self, app, session, response):
        """A request that changed nothing in the session (every poll) sets no cookie, and skips working
        out the cookie's attributes to find that out."""
        if session.modified or self.should_set_cookie(app, session):
            super().save_session(app, session, response)
        elif session.accessed:
            if "Vary" in response.headers:
                response.vary.add("Cookie")
            else:  # as vary.add would, without parsing and rewriting the header
                response.headers["Vary"] = "Cookie"


def _copy(value):
    """A copy a request may change without changing what is kept (flash() appends to a list in place)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value
