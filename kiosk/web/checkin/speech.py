"""The kiosk's speaker button: each step's question and choices read aloud in the visitor's language,
from the same translated words the step's page shows (kiosk/speech.py makes the sound)."""
from flask import abort, session
from flask_babel import get_locale, gettext, ngettext

from ... import speech as read_aloud
from ...clock import utcnow
from ...dropin.estimates import estimate, wait_words
from ...dropin.reads import ticket_by_token
from ...offices.timetable import office_facts
from .routes import VISIT, bp, closed_context
from . import words

ENDS = (".", "?", "!", "؟", "۔", ":")  # a sentence that ends with none of these gets a full stop, so a pause


def _welcome():
    return [words.WELCOME, words.WELCOME_LEAD, words.GET_A_TICKET, words.NO_NAME_NEEDED]


def _who():
    return [words.WHO_QUESTION, *words.VISIT_FOR_WORDS.values()]


def _needs():
    return [words.NEEDS_QUESTION, words.NEEDS_HINT, *words.NEED_WORDS.values()]


def _name():
    said = [words.NAME_QUESTION, words.NAME_WHY]
    if (session.get(VISIT) or {}).get("visit_for") == "appointment":
        said.append(words.NAME_APPOINTMENT)
    return said + [words.NAME_EMPTY_OK, words.GET_MY_TICKET]


def _ticket():
    """This visit's own ticket, the one its session holds: never a number named in the address."""
    token = (session.get(VISIT) or {}).get("ticket")
    ticket = ticket_by_token(token) if token else None
    if ticket is None:
        abort(404)
    said = [gettext("Your number is %(number)d.", number=ticket.number)]
    est = estimate(ticket, utcnow())
    if est:
        said.append(wait_words(est.minutes))
        if est.position > 1:
            said.append(ngettext("%(count)s person ahead of you.", "%(count)s people ahead of you.",
                                 est.position - 1, count=est.position - 1))
    return said + [words.TAKE_A_SEAT]


def _closed():
    shown = closed_context()
    said = [words.CLOSED_TODAY, shown["why_closed"]] if shown["why_closed"] else [words.CLOSED_NOW]
    said.append(f"{words.NEXT_DROPIN_IS} {shown['next_opening']}" if shown["next_opening"]
                else words.NO_DROPIN_PLANNED)
    said.append(gettext("You can phone us on %(phone)s, or ask at the desk if someone is there.",
                        phone=_digits(office_facts().phone)))
    if shown["dropin_days"]:
        said.append(gettext("Drop-ins are every %(dropin_days)s. You can also come by appointment, or write to us.",
                            dropin_days=shown["dropin_days"]))
    return said


def _digits(phone):
    """ "0141 248 1763" read a digit at a time, with a pause between groups, not as "one hundred and forty-one"."""
    return ", ".join(" ".join(group) for group in phone.split())


STEPS = {"welcome": _welcome, "who": _who, "needs": _needs, "name": _name, "ticket": _ticket, "closed": _closed}


def step_words(step):
    """What the speaker button on a kiosk step reads, in the language of the request."""
    sentences = [str(sentence).strip() for sentence in STEPS[step]()]
    return " ".join(s if s.endswith(ENDS) else f"{s}." for s in sentences if s)


@bp.route("/speech/<step>.wav", endpoint="speech")
def speech(step):
    if step not in STEPS:
        abort(404)
    return read_aloud.answer(step_words(step), str(get_locale()))
