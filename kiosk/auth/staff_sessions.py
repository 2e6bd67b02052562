"""Server-side staff sessions: a random token in the signed cookie, its hash in the database.

Signing out, a manager ending someone's sessions, a password change and the
idle and absolute time-outs all end the row, so the cookie stops working at
once, wherever it is.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user

from ..db import select_prepared
from ..models import StaffSession, StaffUser
from ..schedule import utcnow
from ..sites import offices_of

# Refreshing last_seen_at at most this often keeps a busy screen from writing on every click.
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(user):
    """Sign in: a fresh session (nothing carried over from before) with a new server-side row."""
    session.clear()
    token = secrets.token_urlsafe(32)
    StaffSession.create(token_hash=_hash(token), user=user, address=request.remote_addr,
                        user_agent=(request.user_agent.string or "")[:200])
    session["sid"] = token
    session["site_id"] = offices_of(user)[0].id
    login_user(user)


def end():
    token = session.get("sid")
    if token:
        (StaffSession.update(ended_at=utcnow())
         .where((StaffSession.token_hash == _hash(token)) & StaffSession.ended_at.is_null()).execute())
    logout_user()
    session.clear()


def end_all(user, keep_current=False):
    """End every open session of a user (optionally all but this one). Returns how many ended."""
    query = StaffSession.update(ended_at=utcnow()).where((StaffSession.user == user) & StaffSession.ended_at.is_null())
    if keep_current and session.get("sid"):
        query = query.where(StaffSession.token_hash != _hash(session["sid"]))
    return query.execute()


def open_count(user):
    return StaffSession.select().where((StaffSession.user == user) & StaffSession.ended_at.is_null()).count()


def load(user_id):
    """The signed-in user if this browser's server-side session is still open: one query."""
    token = session.get("sid")
    if not token:
        return None
    # Every request of a signed-in screen runs these two, so their SQL is built once.
    rows = select_prepared(StaffSession, "staff-session", _open_session_query, token_hash=_hash(token))
    if not rows or str(rows[0].user_id) != str(user_id):
        return None
    row = rows[0]
    users = select_prepared(StaffUser, "staff-user", _active_user_query, user_id=row.user_id)
    if not users:
        return None
    user = users[0]
    now = utcnow()
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(minutes=config["SESSION_ABSOLUTE_MINUTES"])
    if now - row.created_at > absolute or now - row.last_seen_at > idle:
        StaffSession.update(ended_at=now).where(StaffSession.id == row.id).execute()
        return None
    # A screen refreshing by itself is not a person using it: polls do not keep a session alive.
    if not (request.endpoint or "").endswith("_live") and now - row.last_seen_at > TOUCH_EVERY:
        StaffSession.update(last_seen_at=now).where(StaffSession.id == row.id).execute()
    return user


def _open_session_query(token_hash):
    return (StaffSession.select(StaffSession.id, StaffSession.user, StaffSession.created_at, StaffSession.last_seen_at)
            .where((StaffSession.token_hash == token_hash) & StaffSession.ended_at.is_null()))


def _active_user_query(user_id):
    return StaffUser.select().where((StaffUser.id == user_id) & StaffUser.active)
