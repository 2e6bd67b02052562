"""Who may open a page: signed-in staff by role (Flask-Login), and enrolled kiosks and displays."""
from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user

from ..dropin import devices
from ..people import sign_in
from ..people.accounts import needs_two_factor
from ..people.models import CASEWORKERS

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "strong"


def me():
    """The signed-in member of staff, as a model (not Flask-Login's proxy)."""
    return current_user._get_current_object()


def htmx_to_sign_in():
    """A 401 that has htmx take the whole page to the sign-in form (a part of a page cannot sign in)."""
    return _htmx_to(url_for(login_manager.login_view))


def _htmx_to(target):
    return current_app.response_class("", 401, headers={"HX-Redirect": target})


def _part_of_a_page():
    """An htmx request, or a live fragment (which only a page's polling asks for)."""
    return request.htmx or (request.endpoint or "").endswith("_live")


@login_manager.unauthorized_handler
def signed_out():
    """A plain request goes to the sign-in page; an htmx one tells the page to go there itself."""
    if _part_of_a_page():
        return htmx_to_sign_in()
    flash(login_manager.login_message)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))


@login_manager.user_loader
def load_user(user_id):
    return sign_in.load(user_id)


def refusal(roles=()):
    """Why this request may not go on, as the response to send, or None when it may.

    The one check for every staff route, live fragments included: signed in, two-factor set up
    where the role needs it, and one of `roles` (any role when none are named).
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if needs_two_factor(current_user):
        if _part_of_a_page():
            return _htmx_to(url_for("account.two_factor_setup"))
        flash("Your role needs two-factor sign-in. Set it up now to carry on.")
        return redirect(url_for("account.two_factor_setup"))
    if roles and current_user.role not in roles:
        abort(403)
    return None


def roles_required(*roles):
    """Signed-in staff with one of these roles (any role when none are named).

    Someone whose role needs two-factor sign-in and who has not set it up yet
    is sent to set it up before anything else.
    """
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return refusal(roles) or view(*args, **kwargs)
        return wrapped
    return decorator


staff_required = roles_required()
caseworkers_only = roles_required(*CASEWORKERS)
managers_only = roles_required("manager")


def device_required(kind, staff_may_view=False):
    """Only an enrolled device of this kind (or, where allowed, signed-in staff) may use the view."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if devices.current(kind) is None and not (staff_may_view and current_user.is_authenticated):
                return not_enrolled(kind)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def not_enrolled(kind):
    return render_template("not_enrolled.html", kind=devices.KINDS[kind]), 403


def set_device_cookie(response, kind, token):
    """The long-lived cookie that makes this browser the enrolled device."""
    response.set_cookie(devices.COOKIES[kind], token, max_age=devices.COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE", False))
