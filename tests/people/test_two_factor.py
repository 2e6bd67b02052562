"""Two-factor sign-in: TOTP set up from a QR code, one-time recovery codes, required for managers."""
import re
from datetime import datetime, timedelta

import pyotp
import pytest

from kiosk.people import two_factor
from kiosk.audit import AuditEvent
from kiosk.people.models import SignIn, StaffUser
from kiosk.web.qr import qr_svg

from ..factories import PASSWORD, make_staff, make_ticket
from ..pages import session_cookie, text, unchanged


def sign_in(client, user, password=PASSWORD):
    return client.post("/login", data={"username": user.username, "password": password})


def signed_in(client):
    return client.get("/staff/queue").status_code == 200


def set_up(client):
    """Scan the QR code (read the key off the page) and type the app's code. Returns (secret, recovery codes)."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and "Two-factor sign-in is on" in text(response)
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", response.get_data(as_text=True))
    return secret, codes


def wrong_code(secret):
    """A six-digit code the app would not show in the window either side of now."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(datetime.now(), counter_offset=offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def audit(action):
    return [(e.username, e.detail) for e in AuditEvent.select().where(AuditEvent.action == action)
            .order_by(AuditEvent.id)]


def new_member(app):
    """A keyworker who has just set up two-factor sign-in and signed out. Returns (user, their browser,
    secret, recovery codes)."""
    user = make_staff("keyworker")
    client = app.test_client()
    sign_in(client, user)
    secret, codes = set_up(client)
    client.post("/logout")
    return StaffUser.get_by_id(user.id), client, secret, codes


@pytest.fixture
def member(app, clock):
    """A keyworker who set up two-factor sign-in half a minute ago. Returns (user, secret, recovery codes)."""
    user, _, secret, codes = new_member(app)
    clock.shift(timedelta(seconds=30))  # the code used to set it up has been used
    return user, secret, codes


def test_set_up_by_scanning_the_qr_code(app, client):
    user = make_staff("keyworker")
    sign_in(client, user)
    page = client.get("/account/two-factor")
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.get_data(as_text=True)).group(1)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=app.config["SERVICE_NAME"])
    assert qr_svg.__wrapped__(uri) in page.get_data(as_text=True), "the QR code is the otpauth:// address"
    assert secret in client.get("/account/two-factor").get_data(as_text=True), "the key stays put on reload"
    assert not StaffUser.get_by_id(user.id).has_two_factor

    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", response.get_data(as_text=True))
    assert len(set(codes)) == two_factor.RECOVERY_CODES == 10
    stored = StaffUser.get_by_id(user.id)
    assert stored.has_two_factor and stored.totp_secret == secret
    assert not any(code.replace("-", "") in stored.recovery_codes for code in codes), "only digests are kept"
    assert audit("two-factor on") == [(user.username, None)]
    assert "Two-factor sign-in is on" not in text(client.get("/account/two-factor")), "shown once only"


def test_a_wrong_code_does_not_switch_it_on(app, client):
    user = make_staff("keyworker")
    sign_in(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    for code in (wrong_code(secret), "abcdef", "", "1" * 11):
        response = client.post("/account/two-factor", data={"code": code})
        assert response.status_code == 400, code
    assert "That code does not match." in text(client.post("/account/two-factor", data={"code": wrong_code(secret)}))
    assert not StaffUser.get_by_id(user.id).has_two_factor and audit("two-factor on") == []


def test_sign_in_then_asks_for_the_code(app, member):
    user, secret, _ = member
    client = app.test_client()
    response = sign_in(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not signed_in(client), "the password alone signs nobody in"
    assert SignIn.select().where(SignIn.ended_at.is_null()).count() == 0

    response = client.post("/login/code", data={"code": wrong_code(secret)})
    assert response.status_code == 400 and "That code is not right." in text(response)
    assert not signed_in(client)

    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/desk"
    assert signed_in(client)
    assert audit("sign-in failed") == [(user.username, "wrong two-factor code")]
    assert audit("sign-in")[-1] == (user.username, "password and app")


def test_a_code_from_the_app_works_once(app, member):
    user, secret, _ = member
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    sign_in(first, user)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    sign_in(second, user)
    response = second.post("/login/code", data={"code": code})
    assert response.status_code == 400 and not signed_in(second), "a seen code must not be replayed"


def test_the_next_code_works_thirty_seconds_later(app, member, clock):
    user, secret, _ = member
    client = app.test_client()
    sign_in(client, user)
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    client.post("/logout")
    clock.shift(timedelta(seconds=30))
    sign_in(client, user)
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302


def test_the_code_used_to_set_it_up_cannot_sign_in(app, clock):
    user, client, secret, _ = new_member(app)
    sign_in(client, user)
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 400


def test_recovery_codes_work_once_each(app, member):
    user, secret, codes = member
    client = app.test_client()
    sign_in(client, user)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302
    assert audit("sign-in")[-1] == (user.username, "password and recovery code")
    assert two_factor.remaining_recovery_codes(StaffUser.get_by_id(user.id)) == 9
    client.post("/logout")

    sign_in(client, user)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 400
    assert not signed_in(client)
    # Typed the way people copy them: upper case, spaces, no dash.
    typed = " " + codes[1].upper().replace("-", " ") + " "
    assert client.post("/login/code", data={"code": typed}).status_code == 302
    assert two_factor.remaining_recovery_codes(StaffUser.get_by_id(user.id)) == 8


def test_the_code_step_expires(app, member, clock):
    user, secret, _ = member
    client = app.test_client()
    sign_in(client, user)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_switching_it_off_needs_the_password_and_is_audited(app, member):
    user, _, codes = member
    client = app.test_client()
    sign_in(client, user)
    client.post("/login/code", data={"code": codes[0]})
    client.post("/account/two-factor/off", data={"password": "not my password"})
    assert StaffUser.get_by_id(user.id).has_two_factor
    assert client.post("/account/two-factor/off", data={"password": PASSWORD}).status_code == 303
    assert not StaffUser.get_by_id(user.id).has_two_factor
    assert audit("two-factor off") == [(user.username, None)]


def test_a_manager_resets_someones_two_factor(app, member):
    user, _, codes = member
    desk = app.test_client()
    sign_in(desk, user)
    desk.post("/login/code", data={"code": codes[0]})
    manager = make_staff("manager")
    admin = app.test_client()
    sign_in(admin, manager)
    assert admin.post(f"/admin/staff/{user.id}/two-factor/reset").status_code == 303
    assert not StaffUser.get_by_id(user.id).has_two_factor and not signed_in(desk)
    assert audit("two-factor reset") == [(manager.username, user.username)]


@pytest.fixture
def required_app(make_app):
    return make_app(TWO_FACTOR_ROLES=("manager",))


def test_managers_must_set_it_up_before_anything_else(required_app):
    manager, reception = make_staff("manager"), make_staff("reception")
    client = required_app.test_client()
    assert sign_in(client, manager).status_code == 302
    for page in ("/admin/staff", "/staff/queue", "/cases/"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", page
    htmx = client.post("/staff/walk-in", data={"visit_for": "self"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/account/two-factor"

    set_up(client)
    assert client.get("/admin/staff").status_code == 200
    response = client.post("/account/two-factor/off", data={"password": PASSWORD})
    assert response.status_code == 403 and "cannot be switched off" in text(response)
    assert StaffUser.get_by_id(manager.id).has_two_factor

    other = required_app.test_client()
    sign_in(other, reception)
    assert other.get("/staff/queue").status_code == 200, "reception is not required to by this setting"


def test_other_roles_can_be_required_too(make_app):
    client = make_app(TWO_FACTOR_ROLES=("manager", "reception")).test_client()
    sign_in(client, make_staff("reception"))
    assert client.get("/staff/queue").headers["Location"] == "/account/two-factor"



def test_live_fragments_refuse_until_two_factor_is_set_up(required_app):
    """The queue and desk fragments carry names, needs, case references and keep-apart alerts:
    a poll is a staff page like any other, and neither the fragment nor 'nothing changed' is sent."""
    manager = make_staff("manager")
    make_ticket(name="Zara")
    client = required_app.test_client()
    sign_in(client, manager)
    key = poll_key_now(required_app)
    for path in ("/staff/queue/live", "/staff/desk/live"):
        for version in ("stale", key):
            response = client.get(f"{path}?v={version}", headers={"HX-Request": "true"})
            assert response.status_code == 401 and response.headers["HX-Redirect"] == "/account/two-factor", path
            assert "Zara" not in text(response)
    set_up(client)
    assert "Zara" in text(client.get("/staff/queue/live?v=stale", headers={"HX-Request": "true"}))
    assert unchanged(client.get(f"/staff/queue/live?v={poll_key_now(required_app)}"))


def poll_key_now(app):
    from kiosk.dropin.live import poll_key
    with app.test_request_context():
        return poll_key()


def test_the_secret_being_set_up_never_travels_in_the_cookie(app, client):
    """The session cookie is signed, not encrypted: anyone who sees it can read it."""
    user = make_staff("keyworker")
    sign_in(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert secret in client.get("/account/two-factor").get_data(as_text=True), "the same secret on a reload"
    assert secret not in session_cookie(client)
    assert StaffUser.get_by_id(user.id).totp_secret is None, "nor is it saved before it is confirmed"
