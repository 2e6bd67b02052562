"""Two-factor sign-in: TOTP (pyotp) enrolled by QR code, and one-time recovery codes."""
import hashlib
import secrets

import pyotp

from ..models import StaffUser
from ..schedule import utcnow

RECOVERY_CODES = 10


def _digest(code):
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(user, secret, issuer):
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def code_matches(secret, code):
    code = (code or "").replace(" ", "")
    return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def confirm(user, secret, code):
    """Switch two-factor on once the person shows their app gives the right code. Returns recovery codes."""
    if not code_matches(secret, code):
        return None
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret, user.totp_confirmed_at = secret, utcnow()
    user.recovery_codes = ",".join(_digest(c) for c in codes)
    user.save(only=[StaffUser.totp_secret, StaffUser.totp_confirmed_at, StaffUser.recovery_codes])
    return codes


def verify(user, code):
    """A current TOTP code, or an unused recovery code (which is then used up)."""
    if code_matches(user.totp_secret, code):
        return "app"
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


def switch_off(user):
    user.totp_secret = user.totp_confirmed_at = user.recovery_codes = None
    user.save(only=[StaffUser.totp_secret, StaffUser.totp_confirmed_at, StaffUser.recovery_codes])
