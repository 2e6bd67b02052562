"""Staff sessions held on the server: new at sign-in, time-outs, sign-out everywhere; password rules and hashing."""
import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from config import Config, ProductionConfig
from kiosk import create_app
from kiosk.people.accounts import password_problem
from kiosk.audit import AuditEvent
from kiosk.people.models import SignIn, StaffUser

from ..factories import PASSWORD, make_staff
from ..pages import text

NEW_PASSWORD = "plum tractor lantern"
HTMX = {"HX-Request": "true"}


def sign_in(client, user, password=PASSWORD):
    return client.post("/login", data={"username": user.username, "password": password})


def signed_in(client):
    response = client.get("/staff/queue")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def browser(app, user=None):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code == 302
    return client


def session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def open_rows(user):
    return list(SignIn.select().where((SignIn.user == user) & SignIn.ended_at.is_null()))


def audit_actions():
    return [(e.action, e.username) for e in AuditEvent.select().order_by(AuditEvent.id)]


def test_signing_in_starts_a_new_session(app):
    user = make_staff("reception")
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as before:
        before["sid"], before["planted"] = "chosen-by-an-attacker", "x"
    planted_cookie = session_cookie(client)

    assert sign_in(client, user).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after and after["sid"] != "chosen-by-an-attacker"
        first_sid = after["sid"]
    assert session_cookie(client) != planted_cookie
    [row] = open_rows(user)
    assert row.token_hash == hashlib.sha256(first_sid.encode()).hexdigest()
    assert first_sid not in row.token_hash, "only a hash of the token is kept"

    client.post("/logout")
    assert sign_in(client, user).status_code == 302
    with client.session_transaction() as again:
        assert again["sid"] != first_sid
    assert len(open_rows(user)) == 1 and open_rows(user)[0].id != row.id
    assert audit_actions() == [("sign-in", user.username), ("sign-out", user.username), ("sign-in", user.username)]


def test_a_failed_sign_in_is_audited_with_the_name_typed(app):
    make_staff("reception", "rhona")
    client = app.test_client()
    assert client.post("/login", data={"username": "Rhona ", "password": "not the password"}).status_code == 400
    assert client.post("/login", data={"username": "nobody", "password": "guess guess guess"}).status_code == 400
    assert audit_actions() == [("sign-in failed", "rhona"), ("sign-in failed", "nobody")]
    assert SignIn.select().count() == 0


def test_inactivity_ends_the_session_after_thirty_minutes(app, clock):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    user = make_staff("reception")
    client = browser(app, user)
    for _ in range(3):  # using it keeps it alive well past thirty minutes in all
        clock.shift(timedelta(minutes=29))
        assert signed_in(client)
    clock.shift(timedelta(minutes=30, seconds=1))
    response = client.get("/staff/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert open_rows(user) == [] and SignIn.get().ended_at is not None


def test_polls_do_not_keep_an_idle_session_alive(app, clock):
    user = make_staff("keyworker")
    client = browser(app, user)
    for minutes in (10, 10, 9):
        clock.shift(timedelta(minutes=minutes))
        # A stale version makes the server render the fragment, so the session is checked each time.
        for page in ("/staff/queue/live?v=stale", "/staff/desk/live?v=stale"):
            response = client.get(page, headers=HTMX)
            assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    clock.shift(timedelta(minutes=1, seconds=1))
    response = client.get("/staff/queue/live?v=stale", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"
    assert not signed_in(client)


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(app, clock):
    assert app.config["SESSION_ABSOLUTE_MINUTES"] == 12 * 60
    user = make_staff("reception")
    client = browser(app, user)
    for _ in range(28):  # 11 h 40 min of steady use
        clock.shift(timedelta(minutes=25))
        assert signed_in(client)
    clock.shift(timedelta(minutes=21))
    assert not signed_in(client)
    assert open_rows(user) == []


def test_the_idle_time_out_is_configurable(app, clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = browser(app, make_staff("reception"))
    clock.shift(timedelta(minutes=4, seconds=59))
    assert signed_in(client)
    clock.shift(timedelta(minutes=5, seconds=1))
    assert not signed_in(client)


def test_sign_out_ends_the_session_on_the_server(app):
    user = make_staff("reception")
    client = browser(app, user)
    copied = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert signed_in(thief), "the copied cookie works while the session is open"

    assert client.post("/logout").status_code == 302
    assert not signed_in(client)
    assert open_rows(user) == []
    thief.set_cookie("session", copied)
    assert not signed_in(thief), "a copy of the cookie must stop working at sign-out"
    assert ("sign-out", user.username) in audit_actions()


def test_a_manager_ends_all_of_someones_sessions(app):
    worker = make_staff("keyworker")
    desk, laptop = browser(app, worker), browser(app, worker)
    manager = make_staff("manager")
    admin = browser(app, manager)
    assert len(open_rows(worker)) == 2

    response = admin.post(f"/admin/staff/{worker.id}/sessions/end")
    assert response.status_code == 303
    assert not signed_in(desk) and not signed_in(laptop)
    assert open_rows(worker) == [] and len(open_rows(manager)) == 1
    event = AuditEvent.get(AuditEvent.action == "end sessions")
    assert (event.username, event.object_id, event.detail) == (manager.username, worker.id,
                                                               f"{worker.username}: 2 ended")


def test_a_role_change_is_audited_and_signs_them_out(app):
    worker = make_staff("reception")
    desk = browser(app, worker)
    manager = make_staff("manager")
    admin = browser(app, manager)
    assert admin.post(f"/admin/staff/{worker.id}/role", data={"role": "keyworker"}).status_code == 303
    assert not signed_in(desk)
    event = AuditEvent.get(AuditEvent.action == "change role")
    assert (event.username, event.detail) == (manager.username, f"{worker.username}: reception to keyworker")


def test_changing_my_password_ends_my_other_sessions_but_not_this_one(app):
    user = make_staff("keyworker")
    here, elsewhere = browser(app, user), browser(app, user)
    response = here.post("/account/", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(here) and not signed_in(elsewhere)
    assert len(open_rows(user)) == 1
    event = AuditEvent.get(AuditEvent.action == "change password")
    assert (event.username, event.detail) == (user.username, "ended 1 other sessions")

    assert sign_in(app.test_client(), user).status_code == 400
    assert sign_in(app.test_client(), user, NEW_PASSWORD).status_code == 302


def test_a_password_change_needs_the_current_password(app):
    user = make_staff("keyworker")
    here, elsewhere = browser(app, user), browser(app, user)
    response = here.post("/account/", data={"current": "not it at all", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "That is not your current password." in text(response)
    assert signed_in(elsewhere) and sign_in(app.test_client(), user).status_code == 302


@pytest.mark.parametrize("password, message", [
    ("eleven char", "Use at least 12 characters."),
    ("password1234", "That password is too easy to guess."),
    ("Password1234", "That password is too easy to guess."),
    ("keyworker jo 2026", "That password is too easy to guess."),  # holds the username
    # Long enough, and still guessed at once: repeats, sequences, a common word dressed up.
    ("111111111111", "That password is too easy to guess."),
    ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
    ("123456789012", "That password is too easy to guess."),
    ("Password123!", "That password is too easy to guess."),
    ("passwordpassword", "That password is too easy to guess."),
    ("qwertyuiop12", "That password is too easy to guess."),
    ("Jo Keyworker 1", "That password is too easy to guess."),  # the person's own name
    ("w" * 129, "Use at most 128 characters."),
])
def test_weak_passwords_are_refused(app, password, message):
    user = make_staff("keyworker", "jo")
    client = browser(app, user)
    response = client.post("/account/", data={"current": PASSWORD, "new": password, "confirm": password})
    assert response.status_code == 400 and message in text(response)
    assert sign_in(app.test_client(), user).status_code == 302, "the old password still works"


@pytest.mark.parametrize("password", [
    "twelve chars",
    "the quick brown fox jumps over the lazy dog at the bus stop, 2026!",  # 66 characters
    "zażółć gęślą jaźń, ćma w słońcu 🔑 nocą",
    # 128, the most allowed (zxcvbn reads the first 72)
    ("a kettle on the hob, rain at the window, tea for two and a biscuit tin; the bus to Govan leaves at six "
     "past the hour, Sunday 606"),
])
def test_long_and_unusual_passwords_are_accepted(app, password):
    assert len(password) >= 12
    user = make_staff("keyworker")
    client = browser(app, user)
    assert client.post("/account/", data={"current": PASSWORD, "new": password, "confirm": password}).status_code == 303
    assert sign_in(app.test_client(), user, password).status_code == 302


def test_the_minimum_length_is_configurable(app):
    app.config["PASSWORD_MIN_LENGTH"] = 16
    assert password_problem("fifteen letters") == "Use at least 16 characters."
    assert password_problem("sixteen letters!") is None


def test_managers_cannot_give_anyone_a_common_password(app):
    admin = browser(app, make_staff("manager"))
    response = admin.post("/admin/staff", data={"display_name": "New Starter", "username": "newstarter",
                                                "role": "reception", "password": "password1234"})
    assert response.status_code == 400 and "too easy to guess" in text(response)
    assert StaffUser.get_or_none(StaffUser.username == "newstarter") is None


def test_the_command_line_refuses_a_common_password(runner):
    result = runner.invoke(args=["create-user", "--username", "aileen", "--name", "Aileen MacLeod",
                                 "--role", "manager", "--password", "password1234"])
    assert result.exit_code != 0 and "too easy to guess" in result.output
    assert StaffUser.select().count() == 0


def test_production_hashes_use_argon2id_at_owasp_parameters(tmp_path, clock):
    assert (ProductionConfig.ARGON2_MEMORY_KIB, ProductionConfig.ARGON2_TIME_COST,
            ProductionConfig.ARGON2_PARALLELISM) == (Config.ARGON2_MEMORY_KIB, 2, 1) == (19456, 2, 1)
    app = create_app(ProductionConfig, SQLITE_PATH=str(tmp_path / "prod.sqlite3"), SECRET_KEY="test",
                     SESSION_COOKIE_SECURE=False, WTF_CSRF_ENABLED=False)
    with app.app_context():
        user = make_staff("reception")
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        # A hash made with weaker settings is brought up to these at the next sign-in.
        weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        StaffUser.update(password_hash=weak).where(StaffUser.id == user.id).execute()
        assert sign_in(app.test_client(), user).status_code == 302
        assert StaffUser.get_by_id(user.id).password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
