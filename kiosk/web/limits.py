"""Rate limits (Flask-Limiter): sign-in attempts per address, two-factor codes per account, check-ins per kiosk.
Wrong passwords per account are slowed down by people/guard.py."""
from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..dropin.devices import COOKIES


class _Limiter(Limiter):
    """Flask-Limiter, which leaves polls alone: screens poll every 2 s and no poll has a limit.

    A request filter would still have each poll resolve which limits apply before it runs, so the
    check every request goes through returns at once for a poll instead. Limits on a view of
    their own (sign-in, check-in) are checked by the view's decorator, which this does not touch.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and _poll():
            return None
        return super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


def _poll():
    return request.method == "GET" and (request.endpoint or "").endswith("live")


limiter = _Limiter(key_func=get_remote_address)


def code_account_key():
    """Two-factor codes tried against one account, from anywhere: the account waiting for its code."""
    return "code-account:" + str(session.get("pending_user", ""))


def login_account_limit():
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def login_address_limit():
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def kiosk_device_key():
    return "device:" + (request.cookies.get(COOKIES["kiosk"]) or get_remote_address())[:64]


def kiosk_limit():
    return current_app.config["KIOSK_CHECKIN_LIMIT"]
