"""Polls answered in front of Flask (kiosk/web/idle_polls.py): a screen that is behind gets the copy made for
its key with no more than the one check, carrying its own working CSRF token; a desk's copy is its own person's;
anything unusual in the request goes the whole way."""
from bench.page_readers import csrf_token
from kiosk.dropin.live import poll_key
from kiosk.dropin.models import Room
from kiosk.dropin.queue import call_next, choose_room
from kiosk.dropin.sessions import working_session
from kiosk.web import session_cookie

from ..conftest import Auth
from ..factories import PASSWORD, enrol_device, make_staff, make_ticket
from ..pages import CSRF_FIELD, assert_own_csrf_token, start_visit, text, unchanged
from ..queries import counting_queries


def _reception_screens(app):
    """Two browsers signed in as two members of reception, through the sign-in form with CSRF checked."""
    screens = app.test_client(), app.test_client()
    for screen in screens:
        user = make_staff("reception")
        token = csrf_token(screen.get("/login").get_data(as_text=True))
        assert screen.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
    return screens


def test_a_screen_behind_gets_the_copy_with_one_query_and_a_token_of_its_own_that_works(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    first, second = _reception_screens(app)
    make_ticket(name="Ann")
    shown = poll_key()
    for screen in (first, second):
        screen.get("/staff/queue")  # the page, which gives the session its CSRF token: its cookie from then on
        assert unchanged(screen.get(f"/staff/queue/live?v={shown}"))
    make_ticket(name="Bea")  # a change: both screens are now behind

    assert "Bea" in text(first.get(f"/staff/queue/live?v={shown}"))  # drawn, and kept for its key
    with counting_queries() as sql:
        copy = second.get(f"/staff/queue/live?v={shown}")
    assert len(sql) == 1, sql  # the sign-in and version check: the copy came from memory
    assert "Bea" in text(copy) and copy.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in copy.headers
    assert_own_csrf_token(app, second, copy)


def test_copy_after_copy_each_screen_is_sent_its_own_token_that_works(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    first, second = _reception_screens(app)
    for screen in (first, second):
        screen.get("/staff/queue")
    sent = {first: [], second: []}
    for name in ("Ann", "Bea"):
        shown = poll_key()
        make_ticket(name=name)
        for screen in (first, second):  # the first draws the copy, the second is sent it from memory
            answer = screen.get(f"/staff/queue/live?v={shown}")
            assert name in text(answer)
            assert_own_csrf_token(app, screen, answer)
            sent[screen].append(set(CSRF_FIELD.findall(answer.get_data(as_text=True))).pop())
    assert not set(sent[first]) & set(sent[second])  # each screen its own, however often it is sent a copy


def test_each_keyworker_is_sent_only_their_own_desk(app):
    desks = {name: app.test_client() for name in ("Ailsa", "Brodie")}
    workers = {name: Auth(desk).login("keyworker", name=name) for name, desk in desks.items()}
    for desk in desks.values():
        desk.get("/staff/desk")  # the page, which gives the session its CSRF token: its cookie from then on
    make_ticket(name="Zed")
    choose_room(working_session(), workers["Ailsa"], Room.get().id)
    call_next(working_session(), workers["Ailsa"])
    ailsa = text(desks["Ailsa"].get("/staff/desk/live"))
    brodie = text(desks["Brodie"].get("/staff/desk/live"))
    with counting_queries() as sql:
        again = text(desks["Ailsa"].get("/staff/desk/live"))
    assert len(sql) == 1, sql  # Ailsa's own copy
    assert again == ailsa and "Zed" in ailsa and ailsa != brodie
    with counting_queries() as sql:
        assert text(desks["Brodie"].get("/staff/desk/live")) == brodie
    assert len(sql) == 1, sql


def test_the_board_is_sent_from_its_copy_to_every_display(app):
    walls = [app.test_client() for _ in range(2)]
    for n, wall in enumerate(walls):
        enrol_device("display", wall, f"Wall {n}")
        wall.get("/display/")  # its full check, once, which the session cookie it carries from then on records
    shown = poll_key()
    for wall in walls:
        assert unchanged(wall.get(f"/display/live?v={shown}"))
    make_ticket(name="Cat")
    assert walls[0].get(f"/display/live?v={shown}").status_code == 200
    with counting_queries() as sql:
        board = walls[1].get(f"/display/live?v={shown}")
    assert board.status_code == 200 and poll_key() in board.get_data(as_text=True)
    assert len(sql) == 1, sql
    assert "Cat" not in text(board)  # the board shows numbers, never names


def test_anything_but_a_plain_poll_goes_the_whole_way(client, auth):
    auth.login("reception")
    key = poll_key()
    assert unchanged(client.get(f"/staff/queue/live?v={key}"))
    assert client.get(f"/staff/queue/live?v={key}%00").status_code == 400
    assert client.post(f"/staff/queue/live?v={key}").status_code == 405
    assert unchanged(client.get(f"/staff/queue/live?v={key}&also=1"))  # answered by Flask, as before
    stranger = client.application.test_client()  # no cookie: Flask's own refusal, as before
    assert stranger.get(f"/staff/queue/live?v={key}").headers["HX-Redirect"] == "/login"


def test_a_session_used_from_another_browser_is_sent_no_copy(app):
    """Flask-Login's strong protection (address and browser) holds for a copy as for a fresh render."""
    first, second = app.test_client(), app.test_client()
    make_ticket(name="Ann")
    shown = poll_key()
    for screen in (first, second):
        Auth(screen).login("reception")
        screen.get("/staff/queue")
        assert unchanged(screen.get(f"/staff/queue/live?v={shown}"))  # the cookie it carries from now on
    make_ticket(name="Bea")
    assert "Bea" in text(first.get(f"/staff/queue/live?v={shown}"))  # the copy is there to be had
    elsewhere = second.get(f"/staff/queue/live?v={shown}", headers={"User-Agent": "Another browser"})
    assert elsewhere.status_code == 401 and "Bea" not in text(elsewhere)


def test_a_session_sent_copies_in_its_own_browser_is_still_sent_none_in_another(app):
    """What the protection found for a screen is remembered by its session, address and browser: the same
    session from another browser or address is judged afresh, and refused."""
    own, stolen = app.test_client(), app.test_client()
    Auth(own).login("reception")
    own.get("/staff/queue")
    shown = poll_key()
    assert unchanged(own.get(f"/staff/queue/live?v={shown}"))
    make_ticket(name="Cal")
    assert "Cal" in text(own.get(f"/staff/queue/live?v={shown}"))  # drawn
    assert "Cal" in text(own.get(f"/staff/queue/live?v={shown}"))  # the copy, in its own browser
    stolen.set_cookie("session", own.get_cookie("session").value)
    for elsewhere in ({"User-Agent": "Another browser"}, {"X-Forwarded-For": "203.0.113.9"}):
        refused = stolen.get(f"/staff/queue/live?v={shown}", headers=elsewhere)
        assert refused.status_code == 401 and "Cal" not in text(refused)


def test_a_polling_screen_is_still_answered_in_front_while_kiosk_cookies_come_and_go(make_app, monkeypatch):
    """A kiosk's cookie changes at every step of a check-in, and each new one is checked and kept. The cookies
    screens send every two seconds must not be pushed out by them: the least recently used go first."""
    monkeypatch.setattr(session_cookie, "KEPT", 6)
    app = make_app(WTF_CSRF_ENABLED=True)
    screens = []
    for _ in range(2):
        screen = app.test_client()
        user = make_staff("reception")
        token = csrf_token(screen.get("/login").get_data(as_text=True))
        assert screen.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
        screen.get("/staff/queue")  # the page gives the session its CSRF token: its cookie from then on
        assert unchanged(screen.get(f"/staff/queue/live?v={poll_key()}"))  # that cookie checked, and kept
        screens.append(screen)
    watched, drawing = screens
    kiosk = app.test_client()
    enrol_device("kiosk", kiosk)
    for round_ in range(6):  # check-ins begun on the kiosk, and the queue changing, while the screens poll
        start_visit(kiosk)
        shown = poll_key()
        make_ticket(name=f"Flo{round_}")  # a change: the other screen draws the queue, the watched one is behind
        assert f"Flo{round_}" in text(drawing.get(f"/staff/queue/live?v={shown}"))
        with counting_queries() as sql:
            copy = watched.get(f"/staff/queue/live?v={shown}")
        assert f"Flo{round_}" in text(copy)
        assert len(sql) == 1, (round_, sql)  # its cookie still known: answered in front, with the one check
