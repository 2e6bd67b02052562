"""Rate limits (Flask-Limiter): sign-in attempts per address, two-factor codes per account, check-ins per kiosk.
Wrong passwords per account are slowed down by people/guard.py."""
from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..dropin.devices import COOKIES

limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _poll():
    """Screens poll every 2 s and no poll has a limit: skip the limiter's per-request work for them."""
    return request.method == "GET" and (request.endpoint or "").endswith("live")


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
