"""Brute force: sign-in attempts per account and per address, two-factor codes, kiosk check-ins per tablet."""
import re
from datetime import timedelta

import pyotp

from kiosk.dropin.models import Ticket

from ..factories import PASSWORD, enrol_device, make_staff
from ..pages import text

ACCOUNT_MESSAGE = "Too many sign-in attempts for this account. Please wait a few minutes and try again"
ADDRESS_MESSAGE = "Too many sign-in attempts from here. Please wait a few minutes and try again"
KIOSK_MESSAGE = "Too many tickets from this screen just now."


def attempt(app, username, password="not the password", address="10.0.0.1"):
    """One sign-in from a fresh browser at that address."""
    return app.test_client().post("/login", data={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def assert_limited(response, message):
    assert response.status_code == 429
    assert message in text(response)
    assert int(response.headers["Retry-After"]) > 0


def test_the_defaults(app):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "10 per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "30 per 15 minutes"
    assert app.config["KIOSK_CHECKIN_LIMIT"] == "10 per minute;300 per hour"


def test_ten_wrong_passwords_then_the_account_waits_wherever_they_come_from(app):
    user = make_staff("reception")
    for n in range(10):
        assert attempt(app, user.username, address=f"10.0.0.{n}").status_code == 400
    # Even the right password, from somewhere new, case and spaces changed, waits.
    response = attempt(app, f" {user.username.upper()} ", PASSWORD, address="10.9.9.9")
    assert_limited(response, ACCOUNT_MESSAGE)
    assert int(response.headers["Retry-After"]) <= 15 * 60 + 1


def test_the_lock_lasts_fifteen_minutes_at_most(app, clock):
    user = make_staff("reception")
    for _ in range(10):
        attempt(app, user.username)
    clock.shift(timedelta(minutes=14, seconds=59))
    assert_limited(attempt(app, user.username, PASSWORD, address="10.0.0.2"), ACCOUNT_MESSAGE)
    clock.shift(timedelta(seconds=2))
    assert attempt(app, user.username, PASSWORD, address="10.0.0.2").status_code == 302


def test_another_account_from_the_same_address_works_until_the_address_limit(app):
    target, colleague = make_staff("reception"), make_staff("keyworker")
    for _ in range(10):
        assert attempt(app, target.username).status_code == 400
    assert attempt(app, colleague.username, PASSWORD).status_code == 302  # the 11th from 10.0.0.1

    guesses = [f"guess{n}" for n in range(20)]  # 30 failed attempts from this address in all
    assert [attempt(app, name).status_code for name in guesses] == [400] * 20
    assert_limited(attempt(app, colleague.username, PASSWORD), ADDRESS_MESSAGE)
    assert attempt(app, colleague.username, PASSWORD, address="10.0.0.2").status_code == 302
    assert_limited(attempt(app, target.username, PASSWORD, address="10.0.0.2"), ACCOUNT_MESSAGE)


def test_signing_in_fine_does_not_count_towards_the_limits(app):
    user = make_staff("reception")
    assert [attempt(app, user.username, PASSWORD).status_code for _ in range(12)] == [302] * 12
    assert attempt(app, user.username).status_code == 400


def test_the_limits_are_configurable(app):
    app.config.update(LOGIN_LIMIT_PER_ACCOUNT="2 per hour", LOGIN_LIMIT_PER_ADDRESS="4 per hour")
    user = make_staff("reception")
    assert [attempt(app, user.username).status_code for _ in range(2)] == [400, 400]
    assert_limited(attempt(app, user.username, PASSWORD, address="10.0.0.2"), ACCOUNT_MESSAGE)
    assert [attempt(app, name).status_code for name in ("someone", "anyone")] == [400, 400]
    assert_limited(attempt(app, "someone else"), ADDRESS_MESSAGE)


def test_an_htmx_or_plain_page_gets_the_same_clear_429(app):
    make_staff("reception")  # with no staff at all, sign-in sends people to the first-run page instead
    for _ in range(10):
        attempt(app, "morag")
    response = app.test_client().post("/login", data={"username": "morag", "password": "x"},
                                      headers={"HX-Request": "true"})
    assert response.status_code == 429 and ACCOUNT_MESSAGE in text(response)
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
