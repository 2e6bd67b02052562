"""The kiosk's words for each choice, translated (kiosk.i18n): the codes are the queue's, the words the visitor's."""
from flask_babel import lazy_gettext as _l

VISIT_FOR_WORDS = {
    "self": _l("Myself"),
    "family": _l("A family member or friend in prison"),
    "appointment": _l("I have an appointment"),
    "info": _l("I just need information"),
}
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
