"""The kiosk's words, translated (kiosk.i18n): each step's sentences, shown by its page and read by its Listen
button (kiosk/web/checkin/speech.py) from this one place, and the words for each choice (the codes are the
queue's, the words the visitor's)."""
from flask_babel import lazy_gettext as _l

WELCOME = _l("Welcome")
WELCOME_LEAD = _l("Tap below to get a ticket. A member of staff will call your number.")
GET_A_TICKET = _l("Get a ticket")
NO_NAME_NEEDED = _l("You don't need to give your name. If you'd rather talk to someone, please go to the desk.")
WHO_QUESTION = _l("Who is your visit for?")
NEEDS_QUESTION = _l("What would you like help with?")
NEEDS_HINT = _l("Tap as many as you like, or none.")
NAME_QUESTION = _l("Your first name or initials")
NAME_WHY = _l("This helps staff say hello to you. It is never shown on the screens in the room.")
NAME_APPOINTMENT = _l("It helps the desk find your appointment.")
NAME_EMPTY_OK = _l("You can leave this empty.")
GET_MY_TICKET = _l("Get my ticket")
TAKE_A_SEAT = _l("Please take a seat. Your number will show on the screen.")
CLOSED_NOW = _l("The drop-in is closed just now")
NEXT_DROPIN_IS = _l("The next drop-in is")
CLOSED_TODAY = _l("We are closed today")
NO_DROPIN_PLANNED = _l("No drop-in is planned yet. Please phone us.")

VISIT_FOR_WORDS = {
    "self": _l("Myself"),
    "family": _l("A family member or friend in prison"),
    "appointment": _l("I have an appointment"),
    "info": _l("I just need information"),
}
# Reception reads the queue's English labels (dropin.models.NEEDS); these are the same words, to translate.
NEED_WORDS = {
    "housing": _l("Housing"),
    "drugs_alcohol": _l("Drugs and alcohol"),
    "health": _l("Health"),
    "money": _l("Money and benefits"),
    "family": _l("Family contact"),
    "visits": _l("Prison visits"),
    "work": _l("Work and training"),
    "other": _l("Something else"),
}
