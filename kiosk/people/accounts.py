"""Staff accounts: argon2id password hashes, the password rules, and every change a manager or the
person makes to an account, each in one transaction with its audit row."""
import base64
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

from .. import audit
from ..clock import utcnow
from ..errors import BadInput, NotFound, Refused
from ..transactions import write_transaction
from . import sign_in, two_factor
from .models import ROLES, StaffUser

def hasher():
    """The app's argon2id hasher, set up from its settings when the app starts (see init_app)."""
    return current_app.extensions["password_hasher"]


def init_app(app):
    app.extensions["password_hasher"] = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_KIB"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )


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


def password_problem(password, username="", display_name=""):
    """Why a new password will not do, or None: long enough, not too long, and hard to guess as judged
    by zxcvbn (which sees repeats, sequences, keyboard patterns, common words and the person's names)."""
    config = current_app.config
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        return f"Use at least {config['PASSWORD_MIN_LENGTH']} characters."
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        return f"Use at most {config['PASSWORD_MAX_LENGTH']} characters."
    lowered = password.lower()
    names = [n for n in (username, *(display_name or "").split()) if n]
    # zxcvbn reads at most 72 characters; a password whose first 72 are strong is strong.
    judged = zxcvbn(password[:72], user_inputs=names)
    if (username and username.lower() in lowered) or judged["score"] < config["PASSWORD_MIN_SCORE"]:
        why = judged["feedback"]["warning"]
        return " ".join(filter(None, ["That password is too easy to guess.", why,
                                      "Try three or four unrelated words together."]))
    return None


def needs_two_factor(user):
    return user.role in current_app.config["TWO_FACTOR_ROLES"] and not user.has_two_factor


def setup_code(key):
    """The one-time code the first-run page asks for, printed where the app starts (and by
    `flask setup-code`): whoever can read the app's secret key can make the first manager; someone
    who merely reaches the page over the network, whatever address they claim, cannot."""
    digest = hmac.new(key.encode() if isinstance(key, str) else key, b"first manager", hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode()[:8]
    return f"{letters[:4]}-{letters[4:]}"


def setup_code_matches(typed, key):
    cleaned = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    return hmac.compare_digest(cleaned.encode(), setup_code(key).replace("-", "").encode())


def any_staff():
    """Whether anyone has an account yet (before then, the first-run page makes the first manager)."""
    return StaffUser.select().exists()


def listed():
    """Every account, those who can sign in first, by name."""
    return list(StaffUser.select().order_by(StaffUser.active.desc(), StaffUser.display_name))


def active_user(user_id):
    return StaffUser.get_or_none((StaffUser.id == user_id) & StaffUser.active)


def get_user(user_id):
    user = StaffUser.get_or_none(StaffUser.id == user_id)
    if user is None:
        raise NotFound("There is no such staff account.")
    return user


def _not_self(user, manager, doing):
    if user.id == manager.id:
        raise Refused(f"You cannot {doing} your own account; ask another manager.")


def _checked_password(password, username, display_name=""):
    problem = password_problem(password, username, display_name)
    if problem:
        raise BadInput(problem)


def add_staff(username, display_name, role, password, manager, how=None):
    """A new account with a first password that meets the rules. `how` words the audit row."""
    if StaffUser.get_or_none(StaffUser.username == username.strip().lower()):
        raise BadInput(f"There is already a user called {username}.")
    _checked_password(password, username, display_name)
    with write_transaction():
        user = create_user(username, display_name, role, password)
        audit.record("create staff", user, how or f"{user.username} as {user.role}", staff=manager or user)
    return user


def change_role(user_id, role, manager):
    """Everywhere they are signed in ends: a role is read when they sign in."""
    user = get_user(user_id)
    _not_self(user, manager, "change the role of")
    with write_transaction():
        before, user.role = user.role, role
        user.save(only=[StaffUser.role])
        sign_in.end_all(user)
        audit.record("change role", user, f"{user.username}: {before} to {user.role}", staff=manager)
    return user


def switch_active(user_id, manager):
    """Switch an account off (ending its sign-ins) or back on."""
    user = get_user(user_id)
    _not_self(user, manager, "switch off")
    with write_transaction():
        user.active = not user.active
        user.save(only=[StaffUser.active])
        if not user.active:
            sign_in.end_all(user)
        audit.record("switch on staff" if user.active else "switch off staff", user, user.username, staff=manager)
    return user


def end_sign_ins(user_id, manager):
    """End someone's sign-ins everywhere (a manager ending their own keeps this one). Returns (user, how many)."""
    user = get_user(user_id)
    with write_transaction():
        ended = sign_in.end_all(user, keep_current=user.id == manager.id)
        audit.record("end sessions", user, f"{user.username}: {ended} ended", staff=manager)
    return user, ended


def set_password(user, password, by):
    """A new password for `user`, set by themselves or by a manager.

    Their own change keeps this sign-in and ends the others; a manager's reset ends them all.
    """
    _checked_password(password, user.username, user.display_name)
    own = user.id == by.id
    with write_transaction():
        user.password_hash, user.password_changed_at = hash_password(password), utcnow()
        user.save(only=[StaffUser.password_hash, StaffUser.password_changed_at])
        ended = sign_in.end_all(user, keep_current=own)
        if own:
            audit.record("change password", user, f"ended {ended} other sessions", staff=by)
        else:
            audit.record("reset password", user, user.username, staff=by)
    return ended


def reset_password(user_id, password, manager):
    user = get_user(user_id)
    _not_self(user, manager, "reset the password of")
    set_password(user, password, manager)
    return user


def reset_two_factor(user_id, manager):
    """They set two-factor sign-in up again at their next sign-in; their sign-ins end now."""
    user = get_user(user_id)
    _not_self(user, manager, "reset two-factor sign-in for")
    with write_transaction():
        two_factor.switch_off(user)
        sign_in.end_all(user)
        audit.record("two-factor reset", user, user.username, staff=manager)
    return user
