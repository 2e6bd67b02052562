"""Staff sign-in, sign-out and the first-run page that makes the first manager."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from urllib.parse import urlsplit

from ..models import StaffUser
from . import authenticate, create_user
from .forms import FirstManagerForm, LoginForm

bp = Blueprint("auth", __name__)

LOCAL_ADDRESSES = {"127.0.0.1", "::1"}


def _home_for(user):
    return url_for("staff.desk") if user.role == "keyworker" else url_for("staff.queue")


def _safe_next(target):
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return None


@bp.route("/")
def index():
    return render_template("index.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if not StaffUser.select().exists():
        return redirect(url_for("auth.first_run"))
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
        form.password.errors.append("That username and password do not match.")
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
def first_run():
    """Make the first manager. Only while no staff exist, and only from this machine."""
    if StaffUser.select().exists():
        return redirect(url_for("auth.login"))
    if request.remote_addr not in LOCAL_ADDRESSES:
        abort(403, "Open this page on the computer that runs the app to create the first manager.")
    form = FirstManagerForm()
    if form.validate_on_submit():
        user = create_user(form.username.data, form.display_name.data, "manager", form.password.data)
        login_user(user)
        flash("Welcome. You are signed in as the first manager.")
        return redirect(url_for("staff.queue"))
    status = 400 if form.errors else 200
    return render_template("auth/setup.html", form=form), status
