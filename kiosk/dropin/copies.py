"""Copies of a live fragment, drawn once for each poll key and sent to every screen that asks for that key.

After each change every reception screen asks for the same queue fragment within one poll. It is drawn
once per poll key (and office and role), and the other screens get that copy with their own CSRF token
put in (with_token; csrf_token_of signs one without a request, for web/idle_polls.py). The minutes
waited tick on in the browser (staff.js), so a copy is used for a few seconds only. Copies for every
screen of an office and role are also shared with the deployment's other processes (shared_copies.py),
so each is drawn once per change however many workers serve the office. The poll keys themselves, and
the caches kept per version, are live.py's.
"""
import secrets
import time
from typing import NamedTuple

from flask import current_app, g, render_template
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer

from . import shared_copies

SHARED_FOR_SECONDS = 5
# How long a screen's poll waits for the copy another process is drawing for it, rather than draw it again.
DRAW_WAIT = 0.2
_CSRF_MARK = "csrf-mark-" + secrets.token_hex(16)


class Copy(NamedTuple):
    key: str  # the poll key it was drawn for
    made: float  # time.monotonic() when it was drawn
    parts: list  # its UTF-8 bytes in parts around where each screen's CSRF token goes (with_token)
    kept: object  # what the fragment's route keeps with it (`keep`): the queue, the cases it names
    lasts: float  # seconds it may be sent for


def shared_render(template, key, context, slot, keep=None):
    """One copy per `slot` (copy_slot: template, office and role, so a manager's screen and reception's do
    not take turns evicting each other's; and person, for a screen drawn for one), used while the version
    holds and for a few seconds at most. `keep(context)` says what to keep with the copy (JSON values); the
    copy this screen was sent is `g.fragment_copy` afterwards."""
    token = generate_csrf()

    def draw():
        values = context()
        html = render_template(template, version=key, **values)
        return html.replace(token, _CSRF_MARK).encode().split(_CSRF_MARK.encode()), keep(values) if keep else None

    copy = g.fragment_copy = drawn_once(slot, key, draw)
    return with_token(copy.parts, token).decode()


def drawn_once(slot, key, draw, lasts=SHARED_FOR_SECONDS):
    """The Copy for `slot` and poll key `key`: the one this process holds, or another process's, or (when
    another is drawing it already, once it is there) else `draw()`'s, which gives (parts, kept); kept here,
    and for a slot every screen of an office shares, offered to the other processes, for `lasts` seconds."""
    copy = copy_at_hand(slot, key, lasts, wait=True)
    if copy is None:
        parts, kept = draw()
        copy = _hold(slot, Copy(key, time.monotonic(), parts, kept, lasts))
        if _deployment_wide(slot):
            shared_copies.share(slot, key, parts, kept, lasts)
    return copy


def copy_slot(template, office_id, role, person_id=None):
    """Where a fragment's copy is kept: by office and role, and for a screen drawn for one person, by person."""
    return template, office_id, role, person_id


def copy_at_hand(slot, key, lasts=SHARED_FOR_SECONDS, wait=False):
    """The Copy for `slot` while it is current for poll key `key`: the one this process holds, else one another
    process drew (dropin/shared_copies.py), held here from then on; None when there is neither. With `wait`,
    when another process is drawing it already, its copy once it is there (DRAW_WAIT seconds at most)."""
    copy = current_app.extensions.get("dropin_shared_fragments", {}).get(slot)
    if copy is not None and copy.key == key and time.monotonic() - copy.made < copy.lasts:
        return copy
    if not _deployment_wide(slot):  # one person's: asked for by that person's screen alone
        return None
    found = shared_copies.fetch(slot, key)
    if found is None and wait:
        found = shared_copies.drawn_elsewhere(slot, key, DRAW_WAIT)
    if found is None or found[0] >= lasts:
        return None
    age, parts, kept = found
    return _hold(slot, Copy(key, time.monotonic() - age, parts, kept, lasts))


def _hold(slot, copy):
    current_app.extensions.setdefault("dropin_shared_fragments", {})[slot] = copy
    return copy


def _deployment_wide(slot):
    """Whether a slot's copy goes to the other processes: one for every screen of an office and role does;
    one drawn for a person is asked for by that person's screen alone."""
    return slot[3] is None


def with_token(parts, token):
    """A copy's bytes with this screen's CSRF token in it."""
    return token.encode().join(parts)


# How long a token signed for a session is sent again (csrf_token_of), and for how many sessions at most.
CSRF_REUSE_SECONDS = 600
CSRF_KEPT = 4096


def csrf_token_of(contents):
    """The CSRF token Flask-WTF's generate_csrf would give the session holding `contents`, made without a
    request (web/idle_polls.py); None when the session has no token yet (generate_csrf would add one)."""
    raw = contents.get("csrf_token")
    if not raw:
        return None
    config = current_app.config
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    # Signing was a quarter of what a copy sent from memory cost, and a screen asks every few seconds: a token
    # signed for this session is sent again for CSRF_REUSE_SECONDS (a tenth of the tokens' lifetime when they
    # expire; as configured they do not, and live as long as the sign-in).
    limit = config.get("WTF_CSRF_TIME_LIMIT")
    reuse_for = CSRF_REUSE_SECONDS if limit is None else min(CSRF_REUSE_SECONDS, limit / 10)
    signed = current_app.extensions.setdefault("dropin_csrf_signed", {})
    now = time.monotonic()
    held = signed.get((secret, raw))
    if held is not None and now - held[1] < reuse_for:
        return held[0]
    serializers = current_app.extensions.setdefault("dropin_csrf_serializers", {})
    signer = serializers.get(secret)
    if signer is None:
        signer = serializers[secret] = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    token = signer.dumps(raw)
    if len(signed) >= CSRF_KEPT:
        signed.clear()  # rare: the sessions polling now sign theirs again once
    signed[(secret, raw)] = (token, now)
    return token
