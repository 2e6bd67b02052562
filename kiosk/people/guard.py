"""Password guessing, slowed down without handing anyone a switch that locks reception out.

Failed sign-ins are already in the audit log (action "sign-in failed", the account as typed, the
address), so that is what is counted: it is shared by every process and kept with the rest of the
trail. The rules:

- From one address, an account gets LOGIN_FREE_TRIES wrong passwords; after that each further try
  from that address waits, 30 s, then 1, 2, 4 … minutes, at most 15. Signing in fine from there, or
  a day without a wrong one, starts the count again. Other addresses, where the person really is, are not held up.
- When an account collects LOGIN_ATTACK_FAILURES failures in 15 minutes from anywhere, managers are
  told in the audit log ("sign-in attack", once per 15 minutes), and each address gets one free try
  on that account instead of LOGIN_FREE_TRIES: guessing from many addresses slows down too, while
  the right password from a clean address still works first time.
- Each address also has a limit over all accounts (Flask-Limiter, in web/auth), which only ever
  holds up that address.
"""
import math
from datetime import timedelta

from flask import current_app

from .. import audit
from ..audit import AuditEvent
from ..clock import utcnow

WINDOW = timedelta(minutes=15)  # failures from anywhere within this make an attack
MEMORY = timedelta(days=1)  # how far back one address's failures count
FIRST_WAIT = 30  # seconds, doubling with each further failure
LONGEST_WAIT = 15 * 60


def normalised(username):
    """The account as the audit log records a typed username."""
    return (username or "").strip().lower()[:40]


def _failures(username, since):
    return list(AuditEvent.select(AuditEvent.address, AuditEvent.at)
                .where((AuditEvent.at >= since) & (AuditEvent.action == "sign-in failed")
                       & (AuditEvent.username == username)).tuples())


def _last_success(username, address, since):
    row = (AuditEvent.select(AuditEvent.at)
           .where((AuditEvent.at >= since) & (AuditEvent.action == "sign-in") & (AuditEvent.username == username)
                  & (AuditEvent.address == address))
           .order_by(AuditEvent.at.desc()).first())
    return row.at if row else None


def wait_seconds(username, address, now=None):
    """How long this address must wait before trying this account again (0: it may try now)."""
    now = now or utcnow()
    username, since = normalised(username), now - MEMORY
    failures = _failures(username, since)
    if not failures:
        return 0
    config = current_app.config
    ok_at = _last_success(username, address, since)
    mine = [at for where, at in failures if where == address and (ok_at is None or at > ok_at)]
    attacked = sum(1 for _, at in failures if at >= now - WINDOW) >= config["LOGIN_ATTACK_FAILURES"]
    free = 1 if attacked else config["LOGIN_FREE_TRIES"]
    if len(mine) < free:
        return 0
    wait = min(FIRST_WAIT * 2 ** (len(mine) - free), LONGEST_WAIT)
    left = (max(mine) + timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(left))


def failed(username, address, now=None):
    """After a failure has been recorded: tell managers, once per window, when an account is under attack."""
    now = now or utcnow()
    username, since = normalised(username), now - WINDOW
    failures = _failures(username, since)
    if len(failures) < current_app.config["LOGIN_ATTACK_FAILURES"]:
        return
    told = (AuditEvent.select().where((AuditEvent.at >= since) & (AuditEvent.action == "sign-in attack")
                                      & (AuditEvent.username == username)).exists())
    if not told:
        addresses = len({where for where, _ in failures})
        audit.record("sign-in attack", None, f"{len(failures)} failed sign-ins in 15 minutes from "
                     f"{addresses} address{'es' if addresses != 1 else ''}; tries are being slowed down",
                     username=username)


def wait_words(seconds):
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
