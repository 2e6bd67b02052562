"""My account: change my password (ending my other sign-ins) and set up two-factor sign-in."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from ...people import accounts, two_factor
from ..access import login_manager, me
from ..qr import qr_svg
from .forms import PasswordChangeForm, TwoFactorForm, TwoFactorOffForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
def signed_in_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.route("/", methods=["GET", "POST"])
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        problem = accounts.password_problem(form.new.data, me().username, me().display_name)
        if not accounts.check_password(me(), form.current.data):
            form.current.errors.append("That is not your current password.")
        elif problem:
            form.new.errors.append(problem)
        else:
            accounts.set_password(me(), form.new.data, me())
            flash("Password changed. You have been signed out everywhere else.")
            return redirect(url_for("account.account"), code=303)
    return render_template("account/account.html", form=form, off_form=TwoFactorOffForm(),
                           must_enrol=accounts.needs_two_factor(me()),
                           codes_left=two_factor.remaining_recovery_codes(me())), 400 if form.errors else 200


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    if me().has_two_factor:
        return redirect(url_for("account.account"))
    secret = two_factor.setup_secret(me(), session.get("sid", ""), current_app.secret_key)
    form = TwoFactorForm()
    if form.validate_on_submit():
        codes = two_factor.confirm(me(), secret, form.code.data)
        if codes:
            session.pop("two_factor_due", None)
            return render_template("account/recovery_codes.html", codes=codes)
        form.code.errors.append("That code does not match. Check the time on your phone and try the newest code.")
    uri = two_factor.provisioning_uri(me(), secret, current_app.config["SERVICE_NAME"])
    return render_template("account/two_factor.html", form=form, secret=secret, qr=qr_svg.__wrapped__(uri)), \
        400 if form.errors else 200


@bp.route("/two-factor/off", methods=["POST"])
def two_factor_off():
    form = TwoFactorOffForm()
    if not form.validate() or not accounts.check_password(me(), form.password.data):
        flash("Two-factor sign-in is still on: that password was not right.")
        return redirect(url_for("account.account"), code=303)
    if me().role in current_app.config["TWO_FACTOR_ROLES"]:
        abort(403, "Your role needs two-factor sign-in, so it cannot be switched off. "
                   "To move it to a new phone, ask another manager to reset it.")
    two_factor.switch_off(me(), by=me())
    flash("Two-factor sign-in is off.")
    return redirect(url_for("account.account"), code=303)
