"""Staff sign-ins, held on the server: a random token in the signed cookie, its hash in the database.

Signing out, a manager ending someone's sessions, a password change and the
idle and absolute time-outs all end the row, so the cookie stops working at
once, wherever it is.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user

from .. import audit
from ..clock import utcnow
from ..dropin import live
from ..dropin.live import select_prepared
from ..offices.models import offices_of
from ..transactions import write_transaction
from .models import SignIn, StaffUser

# Refreshing last_seen_at at most this often keeps a busy screen from writing on every click.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(user, how):
    """Sign in: a fresh cookie session (nothing carried over from before) with a new server-side row.
    `how` says in the audit log how they proved who they are."""
    session.clear()
    token = secrets.token_urlsafe(32)
    with write_transaction():
        SignIn.create(token_hash=_hash(token), user=user, address=request.remote_addr,
                      user_agent=(request.user_agent.string or "")[:200])
        audit.record("sign-in", user, how, staff=user)
    session["sid"] = token
    session["office_id"] = offices_of(user)[0].id
    if user.role in current_app.config["TWO_FACTOR_ROLES"] and not user.has_two_factor:
        session["two_factor_due"] = True  # read by the polls' cheap check; cleared when it is set up
    login_user(user)


def failed(why, user=None, username=None):
    """A failed attempt, in the audit log: the account tried (as typed, when there is none) and why."""
    audit.record("sign-in failed", user, why, staff=user, username=None if user else (username or "").strip().lower()[:40])


def end(user=None):
    """Sign out this browser: its row ends, so the cookie is no good anywhere."""
    token = session.get("sid")
    with write_transaction():
        if user is not None:
            audit.record("sign-out", user, staff=user)
        if token:
            (SignIn.update(ended_at=utcnow())
             .where((SignIn.token_hash == _hash(token)) & SignIn.ended_at.is_null()).execute())
    logout_user()
    session.clear()


def end_all(user, keep_current=False):
    """End every open sign-in of a user (optionally all but this one). Returns how many ended."""
    query = SignIn.update(ended_at=utcnow()).where((SignIn.user == user) & SignIn.ended_at.is_null())
    if keep_current and session.get("sid"):
        query = query.where(SignIn.token_hash != _hash(session["sid"]))
    return query.execute()


def open_count(user):
    return SignIn.select().where((SignIn.user == user) & SignIn.ended_at.is_null()).count()


def load(user_id):
    """The signed-in user if this browser's sign-in is still open."""
    token = session.get("sid")
    if not token:
        return None
    # Every request of a signed-in screen runs this: one read of the sign-in and its account, SQL built once.
    rows = select_prepared(SignIn, "sign-in-and-user", _open_sign_in_query, token_hash=_hash(token))
    if not rows or str(rows[0].user_id) != str(user_id):
        return None
    row = rows[0]
    user = row.user
    now = utcnow()
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(minutes=config["SESSION_ABSOLUTE_MINUTES"])
    if now - row.created_at > absolute or now - row.last_seen_at > idle:
        SignIn.update(ended_at=now).where(SignIn.id == row.id).execute()
        return None
    # A screen refreshing by itself is not a person using it: polls do not keep a session alive.
    if not (request.endpoint or "").endswith("_live") and now - row.last_seen_at > TOUCH_EVERY:
        SignIn.update(last_seen_at=now).where(SignIn.id == row.id).execute()
    return user


def idle_poll_check(office_id, contents=None, memo=None, desk=False):
    """For a staff screen's poll: (the office's queue version, the role of this browser's account if its sign-in
    is still open, within its idle and absolute time-outs, and the account active; else None) in one read.
    (None, None) when the cookie names no sign-in, or two-factor is still to be set up. Either way the poll
    then goes the full way (web.access.refusal), which ends a timed-out row. `contents` is the session's,
    where it was read without a request (web/idle_polls.py), and `memo` that request's (live.version_and).
    For a keyworker's `desk`, a third part: what that account's desk shows (live.desk_part), in the same read."""
    contents = session if contents is None else contents
    token, user_id = contents.get("sid"), contents.get("_user_id")
    if not token or not str(user_id or "").isdigit() or contents.get("two_factor_due"):
        return (None, None, None) if desk else (None, None)
    now = utcnow()
    # To the next whole second, so the same request asks the same (live.version_and's memo); a second
    # early at most, when the full way then decides.
    now = now.replace(microsecond=0) + timedelta(seconds=1 if now.microsecond else 0)
    idle_since, started_since = _open_since(now, current_app.config)
    values = dict(token_hash=_hash(token), user_id=int(user_id), idle_since=idle_since, started_since=started_since)
    if desk:
        return live.desk_versions_and("sign-in", office_id, _still_open_query, int(user_id), memo, **values)
    return live.version_and("sign-in", office_id, _still_open_query, memo, **values)


# The time-outs' bounds for the second last asked about: every screen polling in that second asks the same.
_bounds = [None]


def _open_since(now, config):
    """(last seen since, started since): how recent a sign-in's last use and its start must be at `now`."""
    asked = (now, config["SESSION_IDLE_MINUTES"], config["SESSION_ABSOLUTE_MINUTES"])
    held = _bounds[0]
    if held is None or held[0] != asked:
        held = _bounds[0] = (asked, (now - timedelta(minutes=asked[1]), now - timedelta(minutes=asked[2])))
    return held[1]


def _still_open_query(token_hash, user_id, idle_since, started_since):
    return (SignIn.select(StaffUser.role).join(StaffUser)
            .where((SignIn.token_hash == token_hash) & SignIn.ended_at.is_null() & (SignIn.user == user_id)
                   & (SignIn.last_seen_at >= idle_since) & (SignIn.created_at >= started_since) & StaffUser.active))


def _open_sign_in_query(token_hash):
    """The open sign-in with this token, and its account when that is active (no row otherwise)."""
    return (SignIn.select(SignIn.id, SignIn.user, SignIn.created_at, SignIn.last_seen_at, StaffUser)
            .join(StaffUser, on=(SignIn.user == StaffUser.id), attr="user")
            .where((SignIn.token_hash == token_hash) & SignIn.ended_at.is_null() & StaffUser.active))
