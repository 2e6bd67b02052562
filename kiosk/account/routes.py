"""My account: change my password (ending my other sessions) and set up two-factor sign-in."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from .. import audit
from ..auth import check_password, hash_password, needs_two_factor, password_problem, staff_sessions, two_factor
from ..models import StaffUser
from ..qr import qr_svg
from ..schedule import utcnow
from .forms import PasswordChangeForm, TwoFactorForm, TwoFactorOffForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
def signed_in_only():
    if not current_user.is_authenticated:
        from ..auth import login_manager
        return login_manager.unauthorized()
    return None


def _me():
    return current_user._get_current_object()


@bp.route("/", methods=["GET", "POST"])
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        me = _me()
        problem = password_problem(form.new.data, me.username)
        if not check_password(me, form.current.data):
            form.current.errors.append("That is not your current password.")
        elif problem:
            form.new.errors.append(problem)
        else:
            me.password_hash, me.password_changed_at = hash_password(form.new.data), utcnow()
            me.save(only=[StaffUser.password_hash, StaffUser.password_changed_at])
            ended = staff_sessions.end_all(me, keep_current=True)
            audit.record("change password", me, f"ended {ended} other sessions")
            flash("Password changed. You have been signed out everywhere else.")
            return redirect(url_for("account.account"), code=303)
    return render_template("account/account.html", form=form, off_form=TwoFactorOffForm(),
                           must_enrol=needs_two_factor(_me()),
                           codes_left=two_factor.remaining_recovery_codes(_me())), 400 if form.errors else 200


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    me = _me()
    if me.has_two_factor:
        return redirect(url_for("account.account"))
    secret = session.get("totp_setup") or two_factor.new_secret()
    session["totp_setup"] = secret
    form = TwoFactorForm()
    if form.validate_on_submit():
        codes = two_factor.confirm(me, secret, form.code.data)
        if codes:
            session.pop("totp_setup", None)
            audit.record("two-factor on", me)
            return render_template("account/recovery_codes.html", codes=codes)
        form.code.errors.append("That code does not match. Check the time on your phone and try the newest code.")
    uri = two_factor.provisioning_uri(me, secret, current_app.config["SERVICE_NAME"])
    return render_template("account/two_factor.html", form=form, secret=secret, qr=qr_svg.__wrapped__(uri)), \
        400 if form.errors else 200


@bp.route("/two-factor/off", methods=["POST"])
def two_factor_off():
    me = _me()
    form = TwoFactorOffForm()
    if not form.validate() or not check_password(me, form.password.data):
        flash("Two-factor sign-in is still on: that password was not right.")
        return redirect(url_for("account.account"), code=303)
    if me.role in current_app.config["TWO_FACTOR_ROLES"]:
        abort(403, "Your role needs two-factor sign-in, so it cannot be switched off. "
                   "To move it to a new phone, ask another manager to reset it.")
    two_factor.switch_off(me)
    audit.record("two-factor off", me)
    flash("Two-factor sign-in is off.")
    return redirect(url_for("account.account"), code=303)
