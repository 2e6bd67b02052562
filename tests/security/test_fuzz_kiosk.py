"""Fuzzing the kiosk, the visitor's ticket, the waiting-room display, a device claiming its enrolment
link, and the static files (the rules are in tests/security/test_fuzz.py's docstring)."""
import pytest
from hypothesis import strategies as st

from kiosk.dropin.devices import make_link
from kiosk.dropin.models import NEEDS, VISIT_FOR, Ticket
from kiosk.web.checkin.speech import STEPS

from ..fuzz_strategies import choice, hexkey, known_or_any, person, several
from ..fuzz_support import TOKEN_PATHS, fuzz_tests, get, p, poll_version

pytestmark = pytest.mark.slow


def link_made(w):
    _, w.link_code = make_link("Tablet by the door", "kiosk", w.manager)


KIOSK_STEPS = lambda w: {"k": hexkey(), "visit_for": choice(VISIT_FOR), "needs": several(NEEDS)}  # noqa: E731


def visit_begun(w):
    """A visitor tapped Get a ticket on Welcome."""
    w.client("kiosk").get("/kiosk/")


def visit_answered(w):
    """A visitor has said who the visit is for."""
    visit_begun(w)
    client = w.client("kiosk")
    with client.session_transaction() as session:
        key = session["kiosk_visit"]["k"]
    client.post("/kiosk/who", data={"k": key, "visit_for": "self"})


def display_speaks(w):
    """The office turned on the display reading calls aloud (off, every number is a 404)."""
    w.app.config["DISPLAY_SPEAKS"] = True


def own_key(w, values):
    """The right values carry the visit's own request key (a wrong one is a stale form)."""
    with w.client("kiosk").session_transaction() as session:
        return {**values, "k": session["kiosk_visit"]["k"]}


POST_SPECS = [
    p("checkin.who", "kiosk", prepare=visit_begun, complete=own_key,
      fields=lambda w: {"k": hexkey(), "visit_for": choice(VISIT_FOR)}),
    p("checkin.needs", "kiosk", prepare=visit_answered, complete=own_key,
      fields=lambda w: {"k": hexkey(), "needs": several(NEEDS)}),
    p("checkin.submit", "kiosk", prepare=visit_answered, complete=own_key, fields=lambda w: {
        "k": hexkey(), "visit_for": choice(VISIT_FOR), "needs": several(NEEDS), "name": person(30),
        "skip": st.just("1")}),
    p("enrol.claim", "anon", fresh=True, setup=link_made, path={"code": TOKEN_PATHS["code"]}),
]

GET_SPECS = [
    get("checkin.who", "kiosk", prepare=visit_begun, query=KIOSK_STEPS),
    get("checkin.needs", "kiosk", prepare=visit_answered, query=KIOSK_STEPS),
    get("checkin.name", "kiosk", prepare=visit_answered, query=KIOSK_STEPS),
    get("checkin.ticket", "kiosk", path={"token": TOKEN_PATHS["token"]}),
    get("ticket.status", "anon", path={"token": TOKEN_PATHS["token"]}),
    get("ticket.live", "anon", path={"token": TOKEN_PATHS["token"]}, query=lambda w: {"v": poll_version(w)}),
    get("ticket.qr", "anon", path={"token": TOKEN_PATHS["token"]}),
    get("checkin.speech", "kiosk", prepare=visit_answered, path={"step": lambda w: choice(STEPS)}),
    get("display.live", "display", query=lambda w: {"v": poll_version(w)}),
    get("display.speech", "display", setup=display_speaks,
        path={"number": lambda w: known_or_any([t.number for t in Ticket.select(Ticket.number)])}),
    get("enrol.claim", "anon", setup=link_made, path={"code": TOKEN_PATHS["code"]}),
    get("static", "anon", path={"filename": TOKEN_PATHS["filename"]}),
]


# --- the tests -----------------------------------------------------------------------------------

(world, test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses,
 test_every_address_parameter_takes_anything_without_a_500) = fuzz_tests(POST_SPECS, GET_SPECS)
