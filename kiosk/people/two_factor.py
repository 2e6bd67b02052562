"""Two-factor sign-in: TOTP (pyotp) enrolled by QR code, and one-time recovery codes."""
import base64
import hashlib
import hmac
import secrets

import pyotp
from pyotp.exceptions import OTPVerificationError

from .. import audit
from ..clock import utcnow
from ..transactions import write_transaction
from .models import StaffUser

RECOVERY_CODES = 10


def _digest(code):
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(user, secret, issuer):
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def _time_step(secret, code):
    """The 30-second step a code from the app belongs to (now, or one either side), or None."""
    code = (code or "").replace(" ", "")
    if not (secret and code.isdigit()):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=1)
    except OTPVerificationError:
        return None


def _use_step(user, step):
    """Mark a code's step used; False if it (or a later one) was used already, so a seen code cannot be replayed."""
    used = (StaffUser.update(totp_last_step=step)
            .where((StaffUser.id == user.id)
                   & (StaffUser.totp_last_step.is_null() | (StaffUser.totp_last_step < step))).execute())
    user.totp_last_step = step
    return used == 1


def setup_secret(user, sign_in_token, key):
    """The secret offered while two-factor is being set up: worked out from the app's key, the account
    and this sign-in, so it is the same on every reload yet kept neither in the cookie nor the database
    until the person confirms it."""
    digest = hmac.new(key.encode() if isinstance(key, str) else key,
                      f"two-factor set-up:{user.id}:{sign_in_token}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def confirm(user, secret, code):
    """Switch two-factor on once the person shows their app gives the right code. Returns recovery codes."""
    step = _time_step(secret, code)
    if step is None:
        return None
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = secret, utcnow(), step
    user.recovery_codes = ",".join(_digest(c) for c in codes)
    with write_transaction():
        user.save(only=[StaffUser.totp_secret, StaffUser.totp_confirmed_at, StaffUser.recovery_codes,
                        StaffUser.totp_last_step])
        audit.record("two-factor on", user, staff=user)
    return codes


def verify(user, code):
    """A current TOTP code not used before, or an unused recovery code (which is then used up)."""
    step = _time_step(user.totp_secret, code)
    if step is not None:
        return "app" if _use_step(user, step) else None
    digests = (user.recovery_codes or "").split(",")
    digest = _digest(code or "")
    if code and digest in digests:
        digests.remove(digest)
        user.recovery_codes = ",".join(digests)
        user.save(only=[StaffUser.recovery_codes])
        return "recovery code"
    return None


def remaining_recovery_codes(user):
    return len([d for d in (user.recovery_codes or "").split(",") if d])


def switch_off(user, by=None):
    """Two-factor off: by the person themselves (`by`, audited here), or inside a manager's reset."""
    user.totp_secret = user.totp_confirmed_at = user.recovery_codes = user.totp_last_step = None
    with write_transaction():
        user.save(only=[StaffUser.totp_secret, StaffUser.totp_confirmed_at, StaffUser.recovery_codes,
                        StaffUser.totp_last_step])
        if by is not None:
            audit.record("two-factor off", user, staff=by)
