"""Staff sign-in and sign-out, the first-run page, CSRF, and the command-line tasks."""
from urllib.parse import unquote

import pytest

from bench.page_readers import csrf_token, visit_key
from kiosk.people.accounts import setup_code
from kiosk.people.models import ROLES, StaffUser
from kiosk.dropin.models import Ticket

from ..factories import PASSWORD, make_staff
from ..pages import text

FIRST_MANAGER = {"display_name": "Morag Campbell", "username": "morag",
                 "password": "a long pass phrase", "confirm": "a long pass phrase"}
ELSEWHERE = {"REMOTE_ADDR": "10.1.2.3"}


def first_manager(client, **changes):
    """The first-run form filled in, with the set-up code printed where the app started."""
    return {**FIRST_MANAGER, "setup_code": setup_code(client.application.secret_key), **changes}


def login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def signed_in(client):
    return client.get("/staff/queue").status_code == 200


@pytest.mark.parametrize("role, home", [("reception", "/staff/queue"), ("keyworker", "/staff/desk"),
                                        ("manager", "/staff/queue")])
def test_login_with_the_right_password(client, role, home):
    user = make_staff(role)
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == home
    assert signed_in(client)


def test_login_returns_to_the_page_asked_for_but_only_on_this_site(client):
    user = make_staff("reception")
    response = client.get("/staff/desk")
    assert unquote(response.headers["Location"]) == "/login?next=/staff/desk"
    assert client.post("/login?next=/staff/desk", data={"username": user.username, "password": PASSWORD}
                       ).headers["Location"] == "/staff/desk"
    client.post("/logout")
    assert client.post("/login?next=https://evil.example/", data={"username": user.username, "password": PASSWORD}
                       ).headers["Location"] == "/staff/queue"


@pytest.mark.parametrize("username, password", [("reception1", "wrong horse battery"), ("nobody", PASSWORD)])
def test_login_with_a_wrong_password_or_user(client, username, password):
    make_staff("reception", "reception1")
    response = login(client, username, password)
    assert response.status_code == 400
    assert "That username and password do not match." in text(response)
    assert not signed_in(client)


def test_a_deactivated_account_cannot_sign_in(client):
    user = make_staff("reception")
    StaffUser.update(active=False).where(StaffUser.id == user.id).execute()
    assert login(client, user.username, PASSWORD).status_code == 400
    assert not signed_in(client)


def test_logout_is_post_only_and_ends_the_session(client, auth):
    auth.login("reception")
    assert client.get("/logout").status_code == 405
    assert signed_in(client)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client)
    assert "You are signed out." in text(client.get("/login"))


def test_first_run_creates_the_first_manager(client):
    assert client.get("/login").headers["Location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200 and "Create the first manager" in text(page)

    response = client.post("/setup", data=first_manager(client))
    assert response.status_code == 302 and response.headers["Location"] == "/staff/queue"
    manager = StaffUser.get()
    assert (manager.username, manager.display_name, manager.role) == ("morag", "Morag Campbell", "manager")
    assert manager.password_hash.startswith("$argon2id$")
    assert signed_in(client)


def test_first_run_only_while_there_are_no_staff(client):
    make_staff("manager")
    assert client.get("/setup").headers["Location"] == "/login"
    response = client.post("/setup", data=first_manager(client))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert StaffUser.select().where(StaffUser.username == "morag").count() == 0


def test_first_run_needs_the_set_up_code_whatever_address_is_claimed(make_app):
    """Behind a proxy (TRUST_PROXY), anyone can claim to be 127.0.0.1: the address proves nothing."""
    app = make_app(TRUST_PROXY=True)
    client = app.test_client()
    pretending = {"X-Forwarded-For": "127.0.0.1"}
    assert client.get("/setup", headers=pretending).status_code == 200
    for code in ("", "AAAA-AAAA", setup_code("some other key")):
        response = client.post("/setup", data={**FIRST_MANAGER, "setup_code": code}, headers=pretending)
        assert response.status_code == 400 and StaffUser.select().count() == 0
        assert ("That is not the set-up code" if code else "Enter the set-up code.") in text(response)
    # Typed as read off the screen: lower case, a space instead of the dash.
    typed = setup_code(app.secret_key).lower().replace("-", " ")
    response = client.post("/setup", data={**FIRST_MANAGER, "setup_code": typed}, environ_base=ELSEWHERE)
    assert response.status_code == 302 and StaffUser.get().username == "morag"


def test_the_set_up_code_is_printed_by_the_command_line_until_there_are_staff(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["setup-code"])
    assert result.exit_code == 0 and result.output.strip() == setup_code(app.secret_key)
    make_staff("manager")
    result = runner.invoke(args=["setup-code"])
    assert result.exit_code != 0 and "first-run page is closed" in result.output


@pytest.mark.parametrize("changes, message", [
    ({"confirm": "a different phrase"}, "The passwords do not match."),
    ({"password": "short", "confirm": "short"}, "at least 12 characters"),
    ({"username": "morag campbell"}, "Use letters, numbers, dots, dashes or underscores."),
])
def test_first_run_refuses_a_bad_form(client, changes, message):
    response = client.post("/setup", data=first_manager(client, **changes))
    assert response.status_code == 400
    assert message in text(response)
    assert StaffUser.select().count() == 0


def test_passwords_are_stored_as_argon2id(app):
    user = make_staff("keyworker")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def create_user_args(username="aileen", role="keyworker", password="a long pass phrase"):
    return ["create-user", "--username", username, "--name", "Aileen MacLeod", "--role", role,
            "--password", password]


def test_create_user_command(runner, client):
    result = runner.invoke(args=create_user_args())
    assert result.exit_code == 0, result.output
    assert "Created keyworker aileen." in result.output
    user = StaffUser.get(StaffUser.username == "aileen")
    assert (user.display_name, user.role) == ("Aileen MacLeod", "keyworker")
    assert user.password_hash.startswith("$argon2id$")
    assert login(client, "aileen", "a long pass phrase").headers["Location"] == "/staff/desk"


@pytest.mark.parametrize("args, message", [
    (create_user_args(password="too short"), "at least 12 characters"),
    (create_user_args(role="governor"), "governor"),
])
def test_create_user_command_refuses_bad_options(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert StaffUser.select().count() == 0


def test_create_user_command_refuses_a_taken_username(runner):
    make_staff("reception", "aileen")
    result = runner.invoke(args=create_user_args(username="Aileen"))
    assert result.exit_code != 0 and "already a user called Aileen" in result.output
    assert StaffUser.select().count() == 1


def test_migrate_command_says_the_database_is_ready(runner):
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output


def test_demo_command_fills_a_session(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    states = {ticket.state for ticket in Ticket.select()}
    assert states == {"waiting", "called", "in_progress", "done", "no_show", "left", "cancelled"}
    assert StaffUser.select().where(StaffUser.role == "keyworker").count() == 3
    assert {user.role for user in StaffUser.select()} == set(ROLES)
    from kiosk.cases.models import TicketLink
    family_visit = TicketLink.get(TicketLink.family_member.is_null(False))
    assert (family_visit.case_id, family_visit.ticket.visit_for) == (None, "family"), "her own record, no case"


def test_post_without_csrf_token_is_refused(guarded_client):
    client = guarded_client
    choices = {"k": "c" * 32, "visit_for": "self", "name": "Sam"}

    response = client.post("/kiosk/check-in", data=choices)
    assert response.status_code == 400
    assert "This form has expired or was not sent from this app." in text(response)
    assert Ticket.select().count() == 0

    # The same form with the token the kiosk's pages give out goes through.
    client.get("/kiosk/")
    page = client.get("/kiosk/who").get_data(as_text=True)
    choices["k"] = visit_key(page)
    assert client.post("/kiosk/check-in", data={**choices, "csrf_token": csrf_token(page)}).status_code == 303
    assert Ticket.select().count() == 1
