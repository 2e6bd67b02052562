"""Enrolled devices: an office's kiosk tablet and wall displays, each known by a long-lived cookie."""
import hashlib
import secrets
from datetime import timedelta

from flask import request, session

from .. import audit
from ..clock import utcnow
from ..errors import NotFound
from ..offices.models import DEFAULT_OFFICE_ID, current_office_id, use_office
from ..transactions import write_transaction
from . import live
from .models import Device

KINDS = {"kiosk": "Kiosk tablet", "display": "Wall display"}
COOKIES = {"kiosk": "kiosk_device", "display": "display_device"}
COOKIE_AGE = 5 * 365 * 24 * 3600
TOUCH_EVERY = timedelta(minutes=5)
# Idle polls trust the signed session cookie for this long after a full check.
RECHECK_EVERY = 300
RECORD_AGAIN_AFTER = 60


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def enrol(name, kind, staff):
    """The browser asking becomes the device at once. Returns (device, cookie token)."""
    token = secrets.token_urlsafe(32)
    with write_transaction():
        device = Device.create(name=name.strip(), kind=kind, token_hash=_hash(token), created_by=staff,
                               office=current_office_id())
        audit.record("enrol device", device, f"{KINDS[kind]} “{device.name}”", staff=staff)
    return device, token


def make_link(name, kind, staff, valid=timedelta(minutes=30)):
    """A device waiting to be claimed by whichever browser opens its one-time link."""
    code = secrets.token_urlsafe(18)
    with write_transaction():
        device = Device.create(name=name.strip(), kind=kind, link_hash=_hash(code),
                               link_expires_at=utcnow() + valid, created_by=staff, office=current_office_id())
        audit.record("enrol device", device, f"link made for {KINDS[kind]} “{device.name}”", staff=staff)
    return device, code


def pending(code):
    """The device an enrolment link is for, if the link is unused and in date."""
    if not code or len(code) > 100:
        return None
    return Device.get_or_none((Device.link_hash == _hash(code)) & (Device.link_expires_at > utcnow())
                              & Device.revoked_at.is_null())


def claim(code):
    """This browser becomes the device; the link stops working. Returns (device, cookie token)."""
    with write_transaction():
        device = pending(code)
        if device is None:
            raise NotFound("This enrolment link has been used, has expired or was revoked. Ask a manager for a new one.")
        token = secrets.token_urlsafe(32)
        device.token_hash, device.link_hash, device.link_expires_at = _hash(token), None, None
        device.save()
        audit.record("enrol device", device, f"link used for {KINDS[device.kind]} “{device.name}”")
    return device, token


def listed():
    """Every device, enrolled ones first, for the managers' page."""
    return list(Device.select().order_by(Device.revoked_at.is_null(False), Device.kind, Device.name))


def revoke(device_id, staff):
    with write_transaction():
        device = Device.get_or_none(Device.id == device_id)
        if device is None:
            raise NotFound("There is no such device.")
        device.revoked_at = device.revoked_at or utcnow()
        device.save()
        audit.record("revoke device", device, f"{KINDS[device.kind]} “{device.name}”", staff=staff)
    return device


def current(kind):
    """The enrolled, unrevoked device this browser is, for that kind, or None."""
    token = request.cookies.get(COOKIES[kind])
    if not token or len(token) > 100:
        return None
    # Every kiosk step and every display poll Flask answers asks: SQL built once per kind.
    found = live.select_prepared(Device, f"current-device-{kind}", lambda token_hash: Device.select().where(
        (Device.token_hash == token_hash) & (Device.kind == kind) & Device.revoked_at.is_null()),
        token_hash=_hash(token))
    device = found[0] if found else None
    if device is not None:
        now = utcnow()
        if device.last_seen_at is None or now - device.last_seen_at > TOUCH_EVERY:
            Device.update(last_seen_at=now).where(Device.id == device.id).execute()
        # Recorded afresh only once it is a little old, so the session cookie (which idle polls are answered by,
        # web/idle_polls.py) does not change on every full check: the recheck can only come sooner for it.
        seen = session.get(f"device_{kind}") or {}
        if (seen.get("id"), seen.get("office")) != (device.id, device.office_id) \
                or now.timestamp() - seen.get("at", 0) > RECORD_AGAIN_AFTER:
            session[f"device_{kind}"] = {"id": device.id, "at": now.timestamp(), "office": device.office_id}
        use_office(device.office_id)
    return device


def idle_poll_check(kind, office_id, token=None, memo=None):
    """For an enrolled screen's poll: (the office's queue version, this device's id if it is still enrolled and
    unrevoked, else None) in one read; (None, None) without its cookie. `token` is the cookie's, where it was read
    without a request (web/idle_polls.py), and `memo` that request's (live.version_and)."""
    token = request.cookies.get(COOKIES[kind]) if token is None else token
    if not token or len(token) > 100:
        return None, None
    return live.version_and(f"device-{kind}", office_id, lambda token_hash: Device.select(Device.id).where(
        (Device.token_hash == token_hash) & (Device.kind == kind) & Device.revoked_at.is_null()),
        memo, token_hash=_hash(token))


def recently_checked(kind):
    """Whether a full check passed lately (signed session), so an idle poll can skip the lookup."""
    office = checked_office(kind, session)
    if office is not None:
        use_office(office)
    return office is not None


def checked_office(kind, contents):
    """The office of the device a full check found lately, by the session's `contents`; else None."""
    seen = contents.get(f"device_{kind}")
    if bool(seen) and utcnow().timestamp() - seen.get("at", 0) < RECHECK_EVERY:
        return seen.get("office", DEFAULT_OFFICE_ID)
    return None
