"""The kiosk's speaker button: each step's question and choices read aloud in the visitor's language,
from the same translated words the step's page shows (kiosk/speech.py makes the sound)."""
from flask import abort, current_app, session
from flask_babel import get_locale, gettext, ngettext

from ... import speech as read_aloud
from ...clock import utcnow
from ...dropin.estimates import estimate, wait_words
from ...dropin.queue import ticket_by_token
from ...dropin.schedule import describe_days, schedule
from ...dropin.sessions import next_opening
from .routes import VISIT, bp
from .words import NEED_WORDS, VISIT_FOR_WORDS

ENDS = (".", "?", "!", "؟", "۔", ":")  # a sentence that ends with none of these gets a full stop, so a pause


def _welcome():
    return [gettext("Welcome"), gettext("Tap below to get a ticket. A member of staff will call your number."),
            gettext("Get a ticket"),
            gettext("You don't need to give your name. If you'd rather talk to someone, please go to the desk.")]


def _who():
    return [gettext("Who is your visit for?"), *VISIT_FOR_WORDS.values()]


def _needs():
    return [gettext("What would you like help with?"), gettext("Tap as many as you like, or none."),
            *NEED_WORDS.values()]


def _name():
    words = [gettext("Your first name or initials"),
             gettext("This helps staff say hello to you. It is never shown on the screens in the room.")]
    if (session.get(VISIT) or {}).get("visit_for") == "appointment":
        words.append(gettext("It helps the desk find your appointment."))
    return words + [gettext("You can leave this empty."), gettext("Get my ticket")]


def _ticket():
    """This visit's own ticket, the one its session holds: never a number named in the address."""
    token = (session.get(VISIT) or {}).get("ticket")
    ticket = ticket_by_token(token) if token else None
    if ticket is None:
        abort(404)
    words = [gettext("Your number is %(number)d.", number=ticket.number)]
    est = estimate(ticket, utcnow())
    if est:
        words.append(wait_words(est.minutes))
        if est.position > 1:
            words.append(ngettext("%(count)s person ahead of you.", "%(count)s people ahead of you.",
                                  est.position - 1, count=est.position - 1))
    return words + [gettext("Please take a seat. Your number will show on the screen.")]


def _closed():
    return [gettext("The drop-in is closed just now"), f'{gettext("The next drop-in is")} {next_opening()}',
            gettext("You can phone us on %(phone)s, or ask at the desk if someone is there.",
                    phone=_digits(current_app.config["SERVICE_PHONE"])),
            gettext("Drop-ins are every %(dropin_days)s. You can also come by appointment, or write to us.",
                    dropin_days=describe_days(schedule()))]


def _digits(phone):
    """ "0141 248 1763" read a digit at a time, with a pause between groups, not as "one hundred and forty-one"."""
    return ", ".join(" ".join(group) for group in phone.split())


STEPS = {"welcome": _welcome, "who": _who, "needs": _needs, "name": _name, "ticket": _ticket, "closed": _closed}


def step_words(step):
    """What the speaker button on a kiosk step reads, in the language of the request."""
    sentences = [str(words).strip() for words in STEPS[step]()]
    return " ".join(s if s.endswith(ENDS) else f"{s}." for s in sentences if s)


@bp.route("/speech/<step>.wav", endpoint="speech")
def speech(step):
    if step not in STEPS:
        abort(404)
    return read_aloud.answer(step_words(step), str(get_locale()))
