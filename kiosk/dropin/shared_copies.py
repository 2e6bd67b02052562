"""Live fragments drawn once per change for the whole deployment, not once per process.

Under several gunicorn workers (or machines) every process drew reception's queue and the wall
display's board for itself after each change: with four workers, four renders of the same fragment
for the same poll key. When the limits are counted in Redis (RATELIMIT_STORAGE_URI is a redis:// or
rediss:// address), the process that draws a copy first also puts it there, and the others take it
from there instead of drawing it again. Without Redis (one process, the default) nothing is shared
and each process keeps its own copies, as before.

A copy is stored under its slot (fragment, office, role) and the poll key it was drawn for, which
holds everything the fragment shows: a copy found for the same key is as current as a fresh render.
It lives in Redis for a few seconds only (the caller says how long). The queue's copy names the people
waiting, so Redis must be kept as private as the database (README, "Several offices").

Should Redis stop answering, each process draws its own copies and asks Redis again RETRY_AFTER
seconds later: a screen never waits on it for more than the short timeouts below.
"""
import hashlib
import json
import logging
import time

from flask import current_app

RETRY_AFTER = 10
TIMEOUT = 0.25
# How long a process that claimed a drawing holds the claim, and how often the others look for its copy.
CLAIM_SECONDS = 2
WAIT_STEP = 0.01
STATE = "dropin_shared_copies"

log = logging.getLogger(__name__)


def fetch(slot, key):
    """(seconds since it was drawn, its UTF-8 parts around the CSRF token, what was kept with it) for the copy
    another process drew for `slot` and poll key `key`; None when there is none, or no Redis."""
    client, state = _client()
    if client is None:
        return None
    try:
        raw = client.get(_name(state, slot, key))
    except state["errors"] as error:
        _down(state, error)
        return None
    if raw is None:
        return None
    try:
        head, body = raw.split(b"\n", 1)
        data = json.loads(head)
        age = max(0.0, time.time() - float(data["made"]))
        parts, start = [], 0
        for length in data["lengths"]:
            parts.append(body[start:start + length])
            start += length
        if start != len(body):
            return None
        return age, parts, data.get("kept")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # not a copy this code wrote: draw it afresh


def share(slot, key, parts, kept, seconds):
    """Offer the copy just drawn to the other processes for `seconds` (the first one stored stays)."""
    client, state = _client()
    if client is None:
        return
    # A line of JSON saying when it was drawn, what was kept with it and how long each part is, then the parts'
    # bytes as they are: a copy of reception's queue is tens of kilobytes, which every other process takes once
    # per change without decoding it.
    head = json.dumps({"made": time.time(), "kept": kept, "lengths": [len(part) for part in parts]})
    value = head.encode() + b"\n" + b"".join(parts)
    try:
        client.set(_name(state, slot, key), value, ex=max(1, int(seconds)), nx=True)
    except state["errors"] as error:
        _down(state, error)


def drawn_elsewhere(slot, key, wait):
    """When another process is drawing the copy for `slot` and poll key `key` already, that copy as fetch gives
    it, once it is there (waiting `wait` seconds at most); else None, and this process draws it.

    After a change the screens of an office ask within moments of each other, and every process that found no
    copy drew one: the first to ask claims the drawing for a moment (or draws it anyway, without Redis), and the
    others wait for its copy rather than draw the same again."""
    client, state = _client()
    if client is None:
        return None
    try:
        if client.set(_name(state, slot, key) + "|drawing", b"1", nx=True, ex=CLAIM_SECONDS):
            return None  # this process draws it
    except state["errors"] as error:
        _down(state, error)
        return None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        found = fetch(slot, key)
        if found is not None:
            return found
    return None  # the other is slow or gone: draw it here


def _client():
    """(the Redis client, or None when there is no Redis or it is resting after a failure; this app's state)."""
    state = current_app.extensions.get(STATE)
    if state is None:
        config = current_app.config
        uri = config.get("RATELIMIT_STORAGE_URI") or ""
        client, errors = None, ()
        if uri.startswith(("redis://", "rediss://")):
            import redis  # noqa: PLC0415 - installed with the postgres extra; a one-process deployment has no Redis

            client, errors = redis.Redis.from_url(uri, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT), \
                redis.RedisError
        # The deployment's own names: its key prefix, and a digest of its secret key and database, so two
        # deployments (or test runs) sharing one Redis never take each other's copies.
        own = hashlib.sha256(f"{config.get('SECRET_KEY')}|{config.get('DATABASE_URL')}|{config.get('SQLITE_PATH')}"
                             .encode()).hexdigest()[:16]
        state = current_app.extensions[STATE] = {
            "client": client, "errors": errors, "resting_until": 0.0,
            "prefix": f"{config.get('RATELIMIT_KEY_PREFIX') or 'dropin'}:copy:{own}:"}
    if state["client"] is None or time.monotonic() < state["resting_until"]:
        return None, state
    return state["client"], state


def _name(state, slot, key):
    return state["prefix"] + "|".join(str(part) for part in slot) + "|" + key


def _down(state, error):
    state["resting_until"] = time.monotonic() + RETRY_AFTER
    log.warning("Redis did not answer for a shared copy (%s); each process draws its own for %s s.",
                error, RETRY_AFTER)
