"""Brute force: wrong passwords slowed per account and address, never locking the person out; attempts per
address; two-factor codes per account; kiosk check-ins per tablet."""
import re
from datetime import timedelta

import pyotp

from kiosk.audit import AuditEvent
from kiosk.dropin.models import Ticket

from ..factories import PASSWORD, enrol_device, make_staff
from ..pages import text

WAIT_MESSAGE = "Too many wrong passwords for this account from here. Please wait"
ADDRESS_MESSAGE = "Too many sign-in attempts from here. Please wait a few minutes and try again"
KIOSK_MESSAGE = "Too many tickets from this screen just now."


def attempt(app, username, password="not the password", address="10.0.0.1"):
    """One sign-in from a fresh browser at that address."""
    return app.test_client().post("/login", data={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def assert_limited(response, message, seconds=None):
    assert response.status_code == 429
    assert message in text(response)
    assert int(response.headers["Retry-After"]) > 0
    if seconds is not None:
        assert int(response.headers["Retry-After"]) == seconds


def attacks():
    return [(e.username, e.detail) for e in AuditEvent.select().where(AuditEvent.action == "sign-in attack")]


def test_the_defaults(app):
    assert app.config["LOGIN_FREE_TRIES"] == 5 and app.config["LOGIN_ATTACK_FAILURES"] == 10
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "10 per 15 minutes"  # two-factor codes
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "30 per 15 minutes"
    assert app.config["KIOSK_CHECKIN_LIMIT"] == "10 per minute;300 per hour"


def test_nobody_can_keep_a_named_person_out(app, clock):
    """Wrong passwords from anywhere else never stop the right one from where the person is."""
    user = make_staff("reception")
    for round_ in range(3):
        for n in range(12):
            attempt(app, user.username, address=f"10.{round_}.0.{n}")
        assert attempt(app, f" {user.username.upper()} ", PASSWORD, address="192.168.1.20").status_code == 302
        clock.shift(timedelta(minutes=5))


def test_from_one_address_each_try_after_five_waits_longer(app, clock):
    user = make_staff("reception")
    assert [attempt(app, user.username).status_code for _ in range(5)] == [400] * 5
    # The sixth waits half a minute, and is refused without the password being looked at.
    assert_limited(attempt(app, user.username, PASSWORD), WAIT_MESSAGE + " 30 seconds", seconds=30)
    clock.shift(timedelta(seconds=29))
    assert_limited(attempt(app, user.username), WAIT_MESSAGE, seconds=1)
    clock.shift(timedelta(seconds=1))
    assert attempt(app, user.username).status_code == 400  # the sixth wrong password: now a minute
    assert_limited(attempt(app, user.username), WAIT_MESSAGE + " 1 minute", seconds=60)
    clock.shift(timedelta(seconds=60))
    assert attempt(app, user.username).status_code == 400
    assert_limited(attempt(app, user.username), WAIT_MESSAGE + " 2 minutes", seconds=120)
    clock.shift(timedelta(seconds=120))
    assert attempt(app, user.username, PASSWORD).status_code == 302  # the person remembered
    assert attempt(app, user.username).status_code == 400, "signing in fine starts the count again"


def test_waits_go_no_longer_than_fifteen_minutes(app, clock):
    app.config.update(LOGIN_ATTACK_FAILURES=1000)
    user = make_staff("reception")
    for _ in range(5):
        attempt(app, user.username)
    waits = []
    for _ in range(7):
        response = attempt(app, user.username)
        waits.append(int(response.headers.get("Retry-After", 0)))
        clock.shift(timedelta(seconds=int(response.headers["Retry-After"])))
        assert attempt(app, user.username).status_code == 400
    assert waits == [30, 60, 120, 240, 480, 900, 900]


def test_managers_are_told_when_an_account_is_under_attack(app, clock):
    user = make_staff("reception")
    for n in range(9):
        attempt(app, user.username, address=f"10.0.0.{n}")
    assert attacks() == []
    attempt(app, user.username, address="10.0.0.99")
    assert attacks() == [(user.username, "10 failed sign-ins in 15 minutes from 10 addresses; "
                                         "tries are being slowed down")]
    for n in range(5):
        attempt(app, user.username, address=f"10.0.1.{n}")
    assert len(attacks()) == 1, "told once, not for every guess"
    clock.shift(timedelta(minutes=16))
    for n in range(10):
        attempt(app, user.username, address=f"10.0.2.{n}")
    assert len(attacks()) == 2


def test_under_attack_each_address_gets_one_try(app):
    user = make_staff("reception")
    for n in range(10):
        attempt(app, user.username, address=f"10.0.0.{n}")
    assert attempt(app, user.username, address="10.0.5.5").status_code == 400
    assert_limited(attempt(app, user.username, address="10.0.5.5"), WAIT_MESSAGE, seconds=30)
    assert attempt(app, user.username, PASSWORD, address="10.0.7.7").status_code == 302, "a clean address gets in"


def test_the_address_limit_holds_up_only_that_address(app):
    colleague = make_staff("keyworker")
    guesses = [f"guess{n}" for n in range(30)]
    assert [attempt(app, name).status_code for name in guesses] == [400] * 30
    assert_limited(attempt(app, colleague.username, PASSWORD), ADDRESS_MESSAGE)
    assert attempt(app, colleague.username, PASSWORD, address="10.0.0.2").status_code == 302


def test_signing_in_fine_does_not_count_towards_the_limits(app):
    user = make_staff("reception")
    assert [attempt(app, user.username, PASSWORD).status_code for _ in range(12)] == [302] * 12
    assert attempt(app, user.username).status_code == 400


def test_the_limits_are_configurable(app):
    app.config.update(LOGIN_FREE_TRIES=2, LOGIN_LIMIT_PER_ADDRESS="4 per hour")
    user = make_staff("reception")
    assert [attempt(app, user.username).status_code for _ in range(2)] == [400, 400]
    assert_limited(attempt(app, user.username), WAIT_MESSAGE)
    assert [attempt(app, name).status_code for name in ("someone", "anyone")] == [400, 400]
    assert_limited(attempt(app, "someone else"), ADDRESS_MESSAGE)


def test_an_htmx_or_plain_page_gets_the_same_clear_429(app):
    make_staff("reception")  # with no staff at all, sign-in sends people to the first-run page instead
    for _ in range(5):
        attempt(app, "morag")
    response = app.test_client().post("/login", data={"username": "morag", "password": "x"},
                                      headers={"HX-Request": "true"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429 and WAIT_MESSAGE in text(response)
    assert response.headers["HX-Retarget"] == "#flash"


def test_two_factor_codes_are_limited_per_account(app, clock):
    user = make_staff("manager")
    setup = app.test_client()
    setup.post("/login", data={"username": user.username, "password": PASSWORD})
    secret = re.search(r'id="totp-secret">(\w+)<', setup.get("/account/two-factor").get_data(as_text=True)).group(1)
    setup.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    clock.shift(timedelta(seconds=30))

    # Someone with the password tries codes from several addresses, a few each time.
    statuses = []
    for n in range(4):
        client = app.test_client()
        env = {"REMOTE_ADDR": f"10.1.0.{n}"}
        assert client.post("/login", data={"username": user.username, "password": PASSWORD},
                           environ_base=env).headers["Location"] == "/login/code"
        statuses += [client.post("/login/code", data={"code": "000000"}, environ_base=env).status_code
                     for _ in range(3)]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]

    client = app.test_client()
    env = {"REMOTE_ADDR": "10.2.0.1"}
    client.post("/login", data={"username": user.username, "password": PASSWORD}, environ_base=env)
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}, environ_base=env)
    assert_limited(response, "Too many sign-in attempts for this account.")
    clock.shift(timedelta(minutes=15, seconds=1))
    client.post("/login", data={"username": user.username, "password": PASSWORD}, environ_base=env)
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}, environ_base=env).status_code == 302


def check_in(client, n):
    return client.post("/kiosk/check-in", data={"k": f"{n:032x}", "visit_for": "self"})


def test_a_kiosk_gives_ten_tickets_a_minute(app, client, clock):
    assert [check_in(client, n).status_code for n in range(10)] == [303] * 10
    response = check_in(client, 10)
    assert response.status_code == 429 and KIOSK_MESSAGE in text(response)
    assert Ticket.select().count() == 10

    other_tablet = app.test_client()
    enrol_device("kiosk", other_tablet, name="Second tablet")
    assert check_in(other_tablet, 100).status_code == 303, "the limit is per tablet"

    clock.shift(timedelta(seconds=61))
    assert check_in(client, 11).status_code == 303


def test_a_kiosk_gives_at_most_300_tickets_an_hour(app, client, clock):
    statuses = []
    for minute in range(31):
        statuses += [check_in(client, minute * 10 + n).status_code for n in range(10)]
        clock.shift(timedelta(seconds=61))
    assert statuses[:300] == [303] * 300 and set(statuses[300:]) == {429}
    clock.shift(timedelta(minutes=40))
    assert check_in(client, 9999).status_code == 303
