"""Staff sign-in (password, then a two-factor code where set up), sign-out, and the first-run page."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests
from flask_login import current_user

from ...people import guard, sign_in, two_factor
from ...people.accounts import (active_user, add_staff, any_staff, authenticate, password_problem,
                                setup_code_matches)
from ..limits import code_account_key, limiter, login_account_limit, login_address_limit
from .forms import CodeForm, FirstManagerForm, LoginForm

bp = Blueprint("auth", __name__)

# How long someone has between the right password and their two-factor code.
PENDING_SECONDS = 300


def failed_attempt(response):
    """Only failed attempts count towards the limits: a person who signs in fine is never held up,
    and a try refused for waiting (429) was not a guess."""
    return response.status_code >= 400 and response.status_code != 429


def address_limit(view):
    """Failed attempts limited per address, over every account (this holds up only that address)."""
    return limiter.limit(login_address_limit, methods=["POST"], error_message="Too many sign-in attempts from here.",
                         deduct_when=failed_attempt)(view)


def code_limit(view):
    """Two-factor codes: whoever reaches this step has the password, so the account itself is limited."""
    return limiter.limit(login_account_limit, key_func=code_account_key, methods=["POST"],
                         error_message="Too many sign-in attempts for this account.",
                         deduct_when=failed_attempt)(address_limit(view))


def _home_for(user):
    return url_for("desk.desk") if user.role == "keyworker" else url_for("reception.queue")


def _safe_next(target):
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/")
def index():
    return render_template("index.html")


def _signed_in(user, how):
    target = session.get("next_after_login")
    sign_in.start(user, how)
    return redirect(_safe_next(target) or _home_for(user))


@bp.route("/login", methods=["GET", "POST"])
@address_limit
def login():
    if not any_staff():
        return redirect(url_for("auth.first_run"))
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        wait = guard.wait_seconds(form.username.data, request.remote_addr)
        if wait:
            # Refused before the password is looked at: a try that must wait is not a guess.
            raise TooManyRequests(f"Too many wrong passwords for this account from here. Please wait "
                                  f"{guard.wait_words(wait)} and try again, or ask a manager.", retry_after=wait)
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            sign_in.failed("wrong username or password", username=form.username.data)
            guard.failed(form.username.data, request.remote_addr)
            form.password.errors.append("That username and password do not match.")
        elif user.has_two_factor:
            session.clear()
            session["pending_user"], session["pending_at"] = user.id, time.time()
            session["next_after_login"] = request.args.get("next")
            return redirect(url_for("auth.code"))
        else:
            session["next_after_login"] = request.args.get("next")
            return _signed_in(user, "password")
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@code_limit
def code():
    pending = session.get("pending_user")
    if not pending or time.time() - session.get("pending_at", 0) > PENDING_SECONDS:
        # Forget only the half-finished sign-in: opening this page must not sign anyone out.
        session.pop("pending_user", None)
        session.pop("pending_at", None)
        if current_user.is_authenticated:
            return redirect(_home_for(current_user))
        flash("Please sign in again.")
        return redirect(url_for("auth.login"))
    user = active_user(pending)
    if user is None:
        abort(403)
    form = CodeForm()
    if form.validate_on_submit():
        how = two_factor.verify(user, form.code.data)
        if how:
            session.pop("pending_user")
            return _signed_in(user, f"password and {how}")
        sign_in.failed("wrong two-factor code", user=user)
        form.code.errors.append("That code is not right. Codes change every 30 seconds.")
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    sign_in.end(current_user._get_current_object() if current_user.is_authenticated else None)
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@address_limit
def first_run():
    """Make the first manager. Only while no staff exist, and only with the set-up code."""
    if any_staff():
        return redirect(url_for("auth.login"))
    form = FirstManagerForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data, form.username.data, form.display_name.data)
        if not setup_code_matches(form.setup_code.data, current_app.secret_key):
            form.setup_code.errors.append("That is not the set-up code. It is printed where the app was started.")
        elif problem:
            form.password.errors.append(problem)
        else:
            user = add_staff(form.username.data, form.display_name.data, "manager", form.password.data, None,
                             how="first manager, from the first-run page")
            session["next_after_login"] = None
            response = _signed_in(user, "first run")
            flash("Welcome. You are signed in as the first manager.")
            return response
    status = 400 if form.errors else 200
    return render_template("auth/setup.html", form=form), status
