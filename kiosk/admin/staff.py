"""Managers look after staff accounts: add, change role, switch off, reset, end sessions."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import audit
from ..auth import create_user, hash_password, password_problem, roles_required, staff_sessions, two_factor
from ..errors import BadInput, NotFound, Refused
from ..models import StaffUser
from ..schedule import utcnow
from . import bp
from .forms import NewStaffForm, ResetPasswordForm, RoleForm

managers_only = roles_required("manager")


def _user(user_id):
    user = StaffUser.get_or_none(StaffUser.id == user_id)
    if user is None:
        raise NotFound("There is no such staff account.")
    return user


def _not_me(user, doing):
    if user.id == current_user.id:
        raise Refused(f"You cannot {doing} your own account; ask another manager.")


def _form_error(form):
    raise BadInput(next(iter(form.errors.values()))[0])


@bp.route("/staff")
@managers_only
def staff_list():
    users = list(StaffUser.select().order_by(StaffUser.active.desc(), StaffUser.display_name))
    return render_template("admin/staff.html", users=users, form=NewStaffForm(), role_form=RoleForm(),
                           reset_form=ResetPasswordForm(), sessions={u.id: staff_sessions.open_count(u) for u in users})


@bp.route("/staff", methods=["POST"])
@managers_only
def staff_create():
    form = NewStaffForm()
    if not form.validate():
        _form_error(form)
    if StaffUser.get_or_none(StaffUser.username == form.username.data.strip().lower()):
        raise BadInput(f"There is already a user called {form.username.data}.")
    problem = password_problem(form.password.data, form.username.data)
    if problem:
        raise BadInput(problem)
    user = create_user(form.username.data, form.display_name.data, form.role.data, form.password.data)
    audit.record("create staff", user, f"{user.username} as {user.role}")
    flash(f"Added {user.display_name} as {user.role}.")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.route("/staff/<int:user_id>/role", methods=["POST"])
@managers_only
def staff_role(user_id):
    user = _user(user_id)
    _not_me(user, "change the role of")
    form = RoleForm()
    if not form.validate():
        _form_error(form)
    before, user.role = user.role, form.role.data
    user.save(only=[StaffUser.role])
    staff_sessions.end_all(user)
    audit.record("change role", user, f"{user.username}: {before} to {user.role}")
    flash(f"{user.display_name} is now {user.role}; they need to sign in again.")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@managers_only
def staff_active(user_id):
    user = _user(user_id)
    _not_me(user, "switch off")
    user.active = not user.active
    user.save(only=[StaffUser.active])
    if not user.active:
        staff_sessions.end_all(user)
    audit.record("switch on staff" if user.active else "switch off staff", user, user.username)
    flash(f"{user.display_name} can {'now' if user.active else 'no longer'} sign in.")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.route("/staff/<int:user_id>/sessions/end", methods=["POST"])
@managers_only
def staff_end_sessions(user_id):
    user = _user(user_id)
    ended = staff_sessions.end_all(user, keep_current=user.id == current_user.id)
    audit.record("end sessions", user, f"{user.username}: {ended} ended")
    flash(f"Ended {ended} session{'s' if ended != 1 else ''} of {user.display_name}.")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.route("/staff/<int:user_id>/password", methods=["POST"])
@managers_only
def staff_reset_password(user_id):
    user = _user(user_id)
    _not_me(user, "reset the password of")
    form = ResetPasswordForm()
    if not form.validate():
        _form_error(form)
    problem = password_problem(form.password.data, user.username)
    if problem:
        raise BadInput(problem)
    user.password_hash, user.password_changed_at = hash_password(form.password.data), utcnow()
    user.save(only=[StaffUser.password_hash, StaffUser.password_changed_at])
    staff_sessions.end_all(user)
    audit.record("reset password", user, user.username)
    flash(f"New password set for {user.display_name}; their sessions were ended.")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.route("/staff/<int:user_id>/two-factor/reset", methods=["POST"])
@managers_only
def staff_reset_two_factor(user_id):
    user = _user(user_id)
    _not_me(user, "reset two-factor sign-in for")
    two_factor.switch_off(user)
    staff_sessions.end_all(user)
    audit.record("two-factor reset", user, user.username)
    flash(f"Two-factor sign-in reset for {user.display_name}: they set it up again at their next sign-in.")
    return redirect(url_for("admin.staff_list"), code=303)
