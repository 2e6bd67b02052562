"""Reading aloud: the kiosk's speaker button on every step in every language, made on this machine and kept,
and the wall display reading a call after its chime when the office turns it on."""
import os
import re
import stat
from pathlib import Path

import pytest
from flask import g, render_template_string

from kiosk import speech as read_aloud
from kiosk.dropin.models import Room
from kiosk.dropin.queue import call_next, choose_room, move
from kiosk.dropin.sessions import working_session
from kiosk.i18n import LANGUAGES
from kiosk.offices.services import add_office
from kiosk.web.checkin.speech import STEPS

from ..factories import enrol_device, make_staff, make_ticket
from ..pages import text

A_SECOND_OF_SOUND = 22050 * 2  # espeak-ng writes 16-bit mono at 22,050 a second


@pytest.fixture(autouse=True)
def speech_folder(app, tmp_path):
    """Each test's sound files in its own instance folder, never the install's."""
    app.instance_path = str(tmp_path / "instance")
    return Path(app.instance_path) / "speech"


@pytest.fixture
def spoken(monkeypatch):
    """The (words, language) of everything made into sound, as it is made."""
    said = []
    real = read_aloud.speak

    def listening(words, language):
        said.append((words, language))
        return real(words, language)

    monkeypatch.setattr(read_aloud, "speak", listening)
    return said


def visit(client, language="en", to="who"):
    """A visitor who chose their language on Welcome, taken as far as the step `to`."""
    client.get("/kiosk/", query_string={"lang": language})
    with client.session_transaction() as session:
        k = session["kiosk_visit"]["k"]
    if to in ("needs", "name", "ticket"):
        assert client.post("/kiosk/who", data={"k": k, "visit_for": "self"}).status_code == 303
    if to in ("name", "ticket"):
        assert client.post("/kiosk/needs", data={"k": k, "needs": ["housing"]}).status_code == 303
    if to == "ticket":
        assert client.post("/kiosk/check-in", data={"k": k, "visit_for": "self", "needs": "housing"}).status_code == 303
    return k


def wav(response):
    assert response.status_code == 200, text(response)
    assert response.mimetype == "audio/wav"
    body = response.get_data()
    response.close()  # a file sent from disk stays open until its response is closed
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
    return body


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("step", sorted(STEPS))
def test_the_speaker_button_reads_every_step_in_every_language(client, spoken, step, language):
    visit(client, language, to=step)
    response = client.get(f"/kiosk/speech/{step}.wav")
    assert len(wav(response)) > A_SECOND_OF_SOUND
    assert response.headers["Cache-Control"] == "no-store"
    assert [said_in for _, said_in in spoken] == [language]


def test_who_reads_the_question_and_the_choices_the_page_shows(client, spoken):
    visit(client, "en")
    wav(client.get("/kiosk/speech/who.wav"))
    assert spoken[-1] == ("Who is your visit for? Myself. A family member or friend in prison. I have an appointment. "
                          "I just need information.", "en")
    visit(client, "pl")
    page = text(client.get("/kiosk/who"))
    wav(client.get("/kiosk/speech/who.wav"))
    words, language = spoken[-1]
    assert language == "pl"
    # Whatever the Polish page says (the catalogue as translated so far), the button reads the same.
    question, choices = words.split("?", 1)
    assert f"{question}?" in page
    for choice in choices.split("."):
        assert choice.strip() in page


def test_polish_sounds_different_from_english(client, speech_folder):
    visit(client, "en")
    english = wav(client.get("/kiosk/speech/needs.wav"))
    visit(client, "pl")
    polish = wav(client.get("/kiosk/speech/needs.wav"))
    assert english != polish
    assert len(list(speech_folder.glob("*.wav"))) == 2


def test_the_same_words_are_made_once_and_kept_privately(client, speech_folder, monkeypatch):
    runs = []
    real_run = read_aloud.subprocess.run
    monkeypatch.setattr(read_aloud.subprocess, "run", lambda *a, **kw: runs.append(a) or real_run(*a, **kw))
    visit(client, "ro")
    first = wav(client.get("/kiosk/speech/who.wav"))
    visit(client, "ro")  # the next visitor, in the same language
    assert wav(client.get("/kiosk/speech/who.wav")) == first
    made = list(speech_folder.iterdir())
    assert len(runs) == 1 and len(made) == 1 and made[0].suffix == ".wav"  # no half-made file left behind
    assert stat.S_IMODE(os.stat(speech_folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(made[0]).st_mode) == 0o600
    # The words went in on stdin, never on the command line.
    command = runs[0][0]
    assert "--stdin" in command and not any("visit" in part for part in command)


def test_an_unknown_step_is_not_found(client, speech_folder):
    visit(client)
    for step in ("goodbye", "..%2Fsecret_key", "WHO"):
        assert client.get(f"/kiosk/speech/{step}.wav").status_code == 404
    assert not speech_folder.exists()


def test_a_browser_that_is_not_the_kiosk_is_refused(bare_client, speech_folder):
    response = bare_client.get("/kiosk/speech/who.wav")
    assert response.status_code == 403
    assert "not enrolled" in text(response)
    assert not speech_folder.exists()


def test_the_ticket_step_reads_this_visit_s_own_number_and_no_one_else_s(client, spoken):
    earlier = make_ticket(name="Someone before")
    visit(client, "en", to="ticket")
    wav(client.get("/kiosk/speech/ticket.wav"))
    words = spoken[-1][0]
    assert words.startswith(f"Your number is {earlier.number + 1}. ")
    assert f"Your number is {earlier.number}." not in words
    assert "Please take a seat." in words
    client.get("/kiosk/")  # Done: the next visitor, who has no ticket yet, hears nobody's
    assert client.get("/kiosk/speech/ticket.wav").status_code == 404


def test_the_closed_screen_reads_the_next_drop_in_and_the_phone_number(client, clock, spoken):
    clock.to("next day")
    visit(client, "en", to="closed")
    wav(client.get("/kiosk/speech/closed.wav"))
    words = spoken[-1][0]
    assert words.startswith("The drop-in is closed just now. The next drop-in is Wednesday 25 November, 1pm to 3pm.")
    assert "You can phone us on 0 1 4 1, 2 4 8, 1 7 6 3, or ask at the desk" in words


def test_no_synthesiser_says_so(client, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # espeak-ng is nowhere to be found
    visit(client)
    response = client.get("/kiosk/speech/who.wav")
    assert response.status_code == 503
    assert "Reading aloud is not working" in text(response)
    with pytest.raises(read_aloud.SpeechUnavailable, match="make speech"):
        read_aloud.speak("Hello", "en")


def test_the_speaker_button_names_itself_and_plays_its_step(app, client):
    with app.test_request_context("/kiosk/who"):
        button = render_template_string('{% from "checkin/_speaker.html" import speaker %}{{ speaker("who") }}')
    assert re.fullmatch(r'<button type="button" class="speaker" data-speak="/kiosk/speech/who.wav" aria-pressed="false">'
                        r'<svg aria-hidden="true".*</svg> <span>Listen</span></button>', button, re.S)
    visit(client)
    wav(client.get("/kiosk/speech/who.wav"))


# --- the wall display ------------------------------------------------------------------------------

@pytest.fixture
def called(app):
    """Two tickets: the first called to Room 2, the second still waiting."""
    worker = make_staff("keyworker")
    choose_room(working_session(), worker, Room.get(Room.name == "Room 2").id)
    first, second = make_ticket(), make_ticket()
    call_next(working_session(), worker)
    return first, second


def test_the_display_says_nothing_unless_the_office_turned_it_on(app, client, called, speech_folder):
    first, _ = called
    assert app.config["DISPLAY_SPEAKS"] is False
    assert client.get(f"/display/speech/{first.number}.wav").status_code == 404
    assert "data-speak" not in client.get("/display/").get_data(as_text=True)
    assert not speech_folder.exists()


def test_the_display_reads_a_called_number_and_its_room(app, client, called, spoken):
    first, _ = called
    app.config["DISPLAY_SPEAKS"] = True
    board = client.get("/display/").get_data(as_text=True)
    assert f'data-speak="/display/speech/{first.number}.wav"' in board
    response = client.get(f"/display/speech/{first.number}.wav")
    assert len(wav(response)) > A_SECOND_OF_SOUND
    assert response.headers["Cache-Control"] == "no-store"
    assert spoken == [(f"Number {first.number}, Room 2.", "en")]


def test_the_display_reads_no_number_that_was_not_called_in_its_office(app, client, bare_client, called, spoken):
    first, waiting = called
    app.config["DISPLAY_SPEAKS"] = True
    paisley = add_office("Paisley")
    g.office_id = paisley.id
    worker = make_staff("keyworker")
    choose_room(working_session(), worker, Room.get((Room.office == paisley.id) & (Room.name == "Room 1")).id)
    tickets = [make_ticket() for _ in range(3)]
    for ticket in tickets[:2]:
        call_next(working_session(), worker)
        move(ticket.id, "finish", worker)
    call_next(working_session(), worker)  # Paisley is calling its number 3; Glasgow has no number 3
    paisley_board = app.test_client()
    enrol_device("display", paisley_board)
    del g.office_id
    for number in (waiting.number, 3, 99, 0):
        assert client.get(f"/display/speech/{number}.wav").status_code == 404, number
    assert client.get("/display/speech/Room%202.wav").status_code == 404
    assert bare_client.get(f"/display/speech/{first.number}.wav").status_code == 403
    assert spoken == []
    wav(paisley_board.get("/display/speech/3.wav"))
    assert spoken == [("Number 3, Room 1.", "en")]
