"""An idle poll is cheap, and no less careful: it sets no cookie, keeps the protective headers, sends one
query (the queue's version and whether the sign-in is still open, together), and a session that was ended,
has run out, or still owes two-factor is refused at the next poll, whether or not anything changed."""
from datetime import timedelta

import pytest

from ..factories import PASSWORD, make_staff, make_ticket
from ..pages import poll_version, text, unchanged
from ..queries import counting_queries

HTMX = {"HX-Request": "true"}
SCREENS = {"reception": ("/staff/queue", "/staff/queue/live"), "keyworker": ("/staff/desk", "/staff/desk/live")}


def signed_in_browser(app, role):
    client = app.test_client()
    user = make_staff(role)
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client, user


@pytest.mark.parametrize("role", SCREENS)
def test_an_idle_staff_poll_sets_no_cookie_and_keeps_the_headers(app, role):
    make_ticket(name="Zara")
    client, _ = signed_in_browser(app, role)
    page, live = SCREENS[role]
    version = poll_version(client.get(page))
    for _ in range(3):  # the first sight of this cookie, then the ones after it
        with counting_queries() as sql:
            response = client.get(f"{live}?v={version}", headers=HTMX)
        assert unchanged(response)
        assert "Set-Cookie" not in response.headers
        assert len(sql) == 1, sql
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Cookie" in response.headers["Vary"]


def test_idle_display_and_ticket_polls_set_no_cookie(client):
    ticket = make_ticket(name="Zara")
    for page in ("/display/", f"/t/{ticket.token}"):
        version = poll_version(client.get(page))
        live = "/display/live" if page == "/display/" else f"/t/{ticket.token}/live"
        for _ in range(2):
            response = client.get(f"{live}?v={version}", headers=HTMX)
            assert unchanged(response) and "Set-Cookie" not in response.headers
            assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("ending", ["manager ends it", "account switched off", "left idle past the time-out"])
def test_an_ended_sign_in_is_refused_at_its_next_poll_even_when_nothing_changed(app, clock, ending):
    desk, worker = signed_in_browser(app, "reception")
    version = poll_version(desk.get("/staff/queue"))
    assert unchanged(desk.get(f"/staff/queue/live?v={version}", headers=HTMX))
    manager, _ = signed_in_browser(app, "manager")
    if ending == "manager ends it":
        assert manager.post(f"/admin/staff/{worker.id}/sessions/end").status_code == 303
    elif ending == "left idle past the time-out":
        clock.shift(timedelta(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=2))
        fresh, _ = signed_in_browser(app, "manager")
        version = poll_version(fresh.get("/staff/queue"))  # the key as it is now, so only the time-out differs
    else:
        from kiosk.people.models import StaffUser
        StaffUser.update(active=False).where(StaffUser.id == worker.id).execute()
    response = desk.get(f"/staff/queue/live?v={version}", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"
    make_ticket(name="Zara")
    assert "Zara" not in text(desk.get(f"/staff/queue/live?v={version}", headers=HTMX))


def test_signing_out_stops_the_idle_poll_at_once(app):
    desk, _ = signed_in_browser(app, "keyworker")
    version = poll_version(desk.get("/staff/desk"))
    assert unchanged(desk.get(f"/staff/desk/live?v={version}", headers=HTMX))
    assert desk.post("/logout").status_code == 302
    response = desk.get(f"/staff/desk/live?v={version}", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


def test_a_copy_of_a_signed_out_cookie_is_refused_even_though_it_was_seen_before(app):
    desk, _ = signed_in_browser(app, "reception")
    copied = desk.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    version = poll_version(thief.get("/staff/queue"))
    assert unchanged(thief.get(f"/staff/queue/live?v={version}", headers=HTMX))
    assert desk.post("/logout").status_code == 302
    response = thief.get(f"/staff/queue/live?v={version}", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


def test_a_tampered_cookie_is_not_signed_in(app):
    desk, _ = signed_in_browser(app, "reception")
    version = poll_version(desk.get("/staff/queue"))
    assert unchanged(desk.get(f"/staff/queue/live?v={version}", headers=HTMX))
    cookie = desk.get_cookie("session").value
    forged = app.test_client()
    forged.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    response = forged.get(f"/staff/queue/live?v={version}", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


def test_a_cookie_past_its_lifetime_is_refused_though_it_polled_a_moment_ago(app, clock):
    desk, _ = signed_in_browser(app, "reception")
    version = poll_version(desk.get("/staff/queue"))
    assert unchanged(desk.get(f"/staff/queue/live?v={version}", headers=HTMX))
    clock.shift(app.permanent_session_lifetime + timedelta(seconds=1))
    response = desk.get(f"/staff/queue/live?v={version}", headers=HTMX)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


def test_two_factor_still_owed_is_refused_on_every_idle_poll(make_app):
    app = make_app(TWO_FACTOR_ROLES=("manager",))
    client, _ = signed_in_browser(app, "manager")
    from kiosk.dropin.live import poll_key
    with app.test_request_context():
        version = poll_key()
    for _ in range(3):  # the same cookie each time
        response = client.get(f"/staff/queue/live?v={version}", headers=HTMX)
        assert response.status_code == 401 and response.headers["HX-Redirect"] == "/account/two-factor"
        assert "Set-Cookie" not in response.headers
