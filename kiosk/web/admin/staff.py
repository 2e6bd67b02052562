"""Managers look after staff accounts: add, change role, switch off, reset, end sign-ins."""
from flask import flash, redirect, render_template, url_for

from ...people import accounts, sign_in
from ..access import managers_only, me
from ..respond import valid
from .blueprint import bp
from .forms import NewStaffForm, ResetPasswordForm, RoleForm


@bp.route("/staff")
@managers_only
def staff_list():
    users = accounts.listed()
    return render_template("admin/staff.html", users=users, form=NewStaffForm(), role_form=RoleForm(),
                           reset_form=ResetPasswordForm(), sessions={u.id: sign_in.open_count(u) for u in users})


def _back():
    return redirect(url_for("admin.staff_list"), code=303)


@bp.route("/staff", methods=["POST"])
@managers_only
def staff_create():
    form = valid(NewStaffForm())
    user = accounts.add_staff(form.username.data, form.display_name.data, form.role.data, form.password.data, me())
    flash(f"Added {user.display_name} as {user.role}.")
    return _back()


@bp.route("/staff/<int:user_id>/role", methods=["POST"])
@managers_only
def staff_role(user_id):
    accounts.get_user(user_id)  # a missing account is a 404 before a bad form is a 400
    form = valid(RoleForm())
    user = accounts.change_role(user_id, form.role.data, me())
    flash(f"{user.display_name} is now {user.role}; they need to sign in again.")
    return _back()


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@managers_only
def staff_active(user_id):
    user = accounts.switch_active(user_id, me())
    flash(f"{user.display_name} can {'now' if user.active else 'no longer'} sign in.")
    return _back()


@bp.route("/staff/<int:user_id>/sessions/end", methods=["POST"])
@managers_only
def staff_end_sessions(user_id):
    user, ended = accounts.end_sign_ins(user_id, me())
    flash(f"Ended {ended} session{'s' if ended != 1 else ''} of {user.display_name}.")
    return _back()


@bp.route("/staff/<int:user_id>/password", methods=["POST"])
@managers_only
def staff_reset_password(user_id):
    accounts.get_user(user_id)
    form = valid(ResetPasswordForm())
    user = accounts.reset_password(user_id, form.password.data, me())
    flash(f"New password set for {user.display_name}; their sessions were ended.")
    return _back()


@bp.route("/staff/<int:user_id>/two-factor/reset", methods=["POST"])
@managers_only
def staff_reset_two_factor(user_id):
    user = accounts.reset_two_factor(user_id, me())
    flash(f"Two-factor sign-in reset for {user.display_name}: they set it up again at their next sign-in.")
    return _back()
