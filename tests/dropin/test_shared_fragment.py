"""After a change every reception screen asks for the same queue fragment: it is rendered once
and the other screens get that copy, each with its own CSRF token."""
import re

import pytest

from kiosk.dropin.live import poll_key

from ..conftest import Auth
from ..factories import make_ticket
from ..queries import counting_queries

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_screens_catching_up_share_one_render_but_not_a_csrf_token(app, client, auth):
    make_ticket(name="Ann")
    other = app.test_client()
    auth.login("reception")
    Auth(other).login("reception")
    shown = poll_key()
    make_ticket(name="Bea")  # a change: both screens now hold an older version

    first = client.get(f"/staff/queue/live?v={shown}")
    with counting_queries() as sql:
        second = other.get(f"/staff/queue/live?v={shown}")
    assert first.status_code == second.status_code == 200
    assert "Bea" in first.get_data(as_text=True) and "Bea" in second.get_data(as_text=True)
    assert len(sql) < 5, sql  # the copy, not a second render

    first_tokens = set(TOKEN.findall(first.get_data(as_text=True)))
    second_tokens = set(TOKEN.findall(second.get_data(as_text=True)))
    assert len(first_tokens) == 1 and len(second_tokens) == 1 and first_tokens != second_tokens
    with client.session_transaction() as one, other.session_transaction() as two:
        assert one["csrf_token"] != two["csrf_token"]


@pytest.mark.parametrize("second_role, gets_the_copy", [("reception", True), ("keyworker", False)])
def test_a_screen_loading_afresh_gets_the_copy_only_for_the_same_role(app, client, auth, second_role, gets_the_copy):
    make_ticket(name="Cal")
    other = app.test_client()
    auth.login("reception")
    Auth(other).login(second_role)
    client.get("/staff/queue/live")
    with counting_queries() as sql:
        response = other.get("/staff/queue/live")
    assert "Cal" in response.get_data(as_text=True)
    assert (len(sql) < 5) == gets_the_copy, sql


def test_after_a_change_the_next_screen_renders_afresh(app, client, auth):
    auth.login("reception")
    make_ticket(name="Cal")
    client.get(f"/staff/queue/live?v={poll_key()}-old")
    make_ticket(name="Dee")
    with counting_queries() as sql:
        response = client.get("/staff/queue/live")
    assert "Dee" in response.get_data(as_text=True) and len(sql) >= 5


def test_two_roles_polling_in_turn_each_keep_their_copy(app, client, auth):
    make_ticket(name="Eve")
    manager, second_reception = app.test_client(), app.test_client()
    auth.login("reception")
    Auth(manager).login("manager")
    Auth(second_reception).login("reception")
    client.get("/staff/queue/live")  # reception's copy
    manager.get("/staff/queue/live")  # the manager's, rendered for that role
    with counting_queries() as sql:
        response = second_reception.get("/staff/queue/live")
    assert "Eve" in response.get_data(as_text=True)
    assert len(sql) < 5, sql  # still reception's copy: the manager's render did not push it out
