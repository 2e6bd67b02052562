"""Fuzzing the staff pages: the queue, the desk, a session's check-in, linking a ticket to a case,
and the office (the rules are in tests/security/test_fuzz.py's docstring)."""
import io
from datetime import date

import pytest
from hypothesis import strategies as st

from kiosk.cases.models import Appointment, Case, FamilyMember
from kiosk.dropin.models import NEEDS, STATES, VISIT_FOR, Room, Ticket
from kiosk.offices.models import Office
from kiosk.dropin.queue import move
from kiosk.dropin.reads import current_visitor
from kiosk.dropin.sessions import close_checkin, reopen_checkin, working_session
from kiosk.web.reception.forms import TICKET_ACTIONS

from ..fuzz_strategies import choice, day, hhmm, known_or_any, person, several, words
from ..fuzz_support import INT_PATHS, fuzz_tests, get, p, poll_version

pytestmark = pytest.mark.slow


def session_open(w):
    session = working_session()
    if session.id is not None and session.checkin_closed_at is not None:
        reopen_checkin(session)


def session_closed(w):
    session = working_session()
    if session.id is None or session.checkin_closed_at is None:
        close_checkin(session)


def outside_sessions(w):
    w.clock.to("next day")  # a Tuesday: no drop-in


def desk_free(w):
    """Put back whoever the keyworker has, so Call next can take someone again."""
    session = working_session()
    mine = current_visitor(session, w.keyworker)
    if mine is not None:
        move(mine.id, "requeue", w.keyworker)


POST_SPECS = [
    p("reception.ticket_action", "keyworker", path={"ticket_id": INT_PATHS["ticket_id"]}, fields=lambda w: {
        "action": choice(TICKET_ACTIONS), "expected_state": st.just("") | choice(STATES),
        "room": known_or_any(w.ids(Room)), "outcome": words(1000), "from": st.just("desk")}),
    p("reception.walk_in", "reception", fields=lambda w: {
        "name": person(30), "visit_for": choice(VISIT_FOR), "needs": several(NEEDS), "priority": st.just("y")}),
    p("reception.close_session_checkin", "reception", prepare=session_open),
    p("reception.close_session_early", "reception", fields=lambda w: {"until": hhmm(), "reason": words(120)}),
    p("reception.reopen_session_checkin", "reception", prepare=session_closed),
    p("reception.extra_session", "reception", setup=outside_sessions,
      fields=lambda w: {"until": hhmm()}),
    p("desk.desk_room_choice", "keyworker", fields=lambda w: {"room": known_or_any(w.ids(Room))}),
    p("desk.desk_call_next", "keyworker", prepare=desk_free),
    p("reception.link_ticket", "reception", path={"ticket_id": INT_PATHS["ticket_id"]}, fields=lambda w: {
        "case": known_or_any(w.ids(Case))}),
    p("reception.link_family", "reception", path={"ticket_id": INT_PATHS["ticket_id"]}, fields=lambda w: {
        "family_member": known_or_any(w.ids(FamilyMember))}),
    p("reception.family_record_from_ticket", "reception", path={"ticket_id": INT_PATHS["ticket_id"]},
      fields=lambda w: {"name": person(100), "relationship": words(60), "phone": words(40), "in_custody": person(100),
                        "prison": words(100), "consent_date": day(date(2020, 1, 1)), "address": words(500)}),
    p("reception.match_appointment", "reception", path={"ticket_id": INT_PATHS["ticket_id"]},
      fields=lambda w: {"appointment": known_or_any(w.ids(Appointment))}),
    p("reception.switch_office", "reception", fields=lambda w: {"office": known_or_any(w.ids(Office))}),
]

GET_SPECS = [
    get("reception.queue_live", "reception", query=lambda w: {"v": poll_version(w)}),
    get("desk.desk_live", "keyworker", query=lambda w: {"v": poll_version(w)}),
    get("reception.link_ticket", "reception", path={"ticket_id": INT_PATHS["ticket_id"]},
        query=lambda w: {"q": st.sampled_from(["Alex", "GTC-0001", "01/05/1990", "1990-05-01", "sam", "0141 496"]),
                         "to": st.sampled_from(["", "case", "family", "anything"])}),
]


# --- the tests -----------------------------------------------------------------------------------

(world, test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses,
 test_every_address_parameter_takes_anything_without_a_500) = fuzz_tests(POST_SPECS, GET_SPECS)


# --- what the fuzzing found, pinned down ---------------------------------------------------------

def test_a_file_sent_as_a_text_field_is_refused_not_a_500(client, auth):
    auth.login("reception")
    response = client.post("/staff/walk-in", data={"visit_for": "self", "name": (io.BytesIO(b"x"), "a.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "does not take files" in response.get_data(as_text=True)
    assert Ticket.select().count() == 0


def test_a_json_body_is_refused(client, auth):
    auth.login("reception")
    response = client.post("/staff/walk-in", json={"visit_for": "self", "name": 5})
    assert response.status_code == 415
    assert Ticket.select().count() == 0
