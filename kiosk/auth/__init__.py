"""Staff sign-in: Flask-Login sessions, argon2id password hashes and role checks."""
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from ..models import ROLES, StaffUser
from ..schedule import utcnow

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "strong"


def htmx_to_sign_in():
    """A 401 that has htmx take the whole page to the sign-in form (a part of a page cannot sign in)."""
    return current_app.response_class("", 401, headers={"HX-Redirect": url_for(login_manager.login_view)})


@login_manager.unauthorized_handler
def signed_out():
    """A plain request goes to the sign-in page; an htmx one tells the page to go there itself."""
    if request.htmx:
        return htmx_to_sign_in()
    flash(login_manager.login_message)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))


@login_manager.user_loader
def load_user(user_id):
    from .staff_sessions import load
    return load(user_id)


def hasher():
    app = current_app._get_current_object()
    if "password_hasher" not in app.extensions:
        app.extensions["password_hasher"] = PasswordHasher(
            time_cost=app.config["ARGON2_TIME_COST"],
            memory_cost=app.config["ARGON2_MEMORY_KIB"],
            parallelism=app.config["ARGON2_PARALLELISM"],
        )
    return app.extensions["password_hasher"]


def hash_password(password):
    return hasher().hash(password)


def check_password(user, password):
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.save(only=[StaffUser.password_hash])
    return True


# A password for users that do not exist, so a wrong username costs the same time as a wrong password.
_DUMMY = {}


def authenticate(username, password):
    user = StaffUser.get_or_none(StaffUser.username == username.strip().lower())
    if user is None or not user.active:
        if "hash" not in _DUMMY:
            _DUMMY["hash"] = hash_password("not a real password")
        try:
            hasher().verify(_DUMMY["hash"], password)
        except VerificationError:
            pass
        return None
    return user if check_password(user, password) else None


def create_user(username, display_name, role, password):
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return StaffUser.create(username=username.strip().lower(), display_name=display_name.strip(),
                            role=role, password_hash=hash_password(password), password_changed_at=utcnow())


def password_problem(password, username=""):
    """Why a new password will not do, or None. Long enough, not too long, not a common one."""
    config = current_app.config
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        return f"Use at least {config['PASSWORD_MIN_LENGTH']} characters."
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        return f"Use at most {config['PASSWORD_MAX_LENGTH']} characters."
    lowered = password.lower()
    if lowered in common_passwords() or (username and username.lower() in lowered):
        return "That password is too easy to guess. Try a few unrelated words together."
    return None


def common_passwords():
    app = current_app._get_current_object()
    if "common_passwords" not in app.extensions:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS
        app.extensions["common_passwords"] = frozenset(FREQUENCY_LISTS["passwords"])
    return app.extensions["common_passwords"]


def needs_two_factor(user):
    return user.role in current_app.config["TWO_FACTOR_ROLES"] and not user.has_two_factor


def roles_required(*roles):
    """Signed-in staff with one of these roles (any role when none are named).

    Someone whose role needs two-factor sign-in and who has not set it up yet
    is sent to set it up before anything else.
    """
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if needs_two_factor(current_user):
                if request.htmx:
                    return current_app.response_class("", 401, headers={"HX-Redirect": url_for("account.two_factor_setup")})
                flash("Your role needs two-factor sign-in. Set it up now to carry on.")
                return redirect(url_for("account.two_factor_setup"))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


staff_required = roles_required()


def signed_in_cheaply():
    """Whether the signed session cookie names a user, without a database read.

    Used only on polling endpoints to answer "nothing changed" with a single
    query; anything that renders data goes through staff_required.
    """
    return bool(session.get("_user_id"))
