"""Named moments around the Monday drop-in the tests are set in: Monday 23 November 2026, in GMT, so
Glasgow's time and UTC agree. Drop-ins are Monday, Wednesday and Friday, 1pm to 3pm Europe/London;
check-in opens 15 minutes before.

Each moment is an aware UTC datetime, for the clock (`clock.move_to(AFTER_CLOSING)` or
`clock.to("after closing")`); STORED has each as the app stores it (naive UTC), to compare with stored values.
"""
from datetime import date, datetime, timezone

TODAY = date(2026, 11, 23)  # the Monday itself
BEFORE_OPENING = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # noon: check-in not open yet
CHECKIN_OPENS = datetime(2026, 11, 23, 12, 45, tzinfo=timezone.utc)  # 15 minutes before the drop-in
OPENING = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)  # the drop-in starting
MID_SESSION = datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc)  # half an hour in: the clock fixture's moment
AFTER_CLOSING = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)  # half an hour after the 3pm close
NEXT_DAY = datetime(2026, 11, 24, 13, 30, tzinfo=timezone.utc)  # Tuesday, same time of day: no drop-in

# The names `clock.to(...)` takes.
NAMED = {
    "before opening": BEFORE_OPENING,
    "check-in opens": CHECKIN_OPENS,
    "opening": OPENING,
    "mid-session": MID_SESSION,
    "after closing": AFTER_CLOSING,
    "next day": NEXT_DAY,
}


def stored(moment):
    """A moment as the app stores it: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class STORED:
    """The moments as the app stores them (naive UTC), e.g. `row.at == STORED.MID_SESSION`."""
    BEFORE_OPENING = stored(BEFORE_OPENING)
    CHECKIN_OPENS = stored(CHECKIN_OPENS)
    OPENING = stored(OPENING)
    MID_SESSION = stored(MID_SESSION)
    AFTER_CLOSING = stored(AFTER_CLOSING)
    NEXT_DAY = stored(NEXT_DAY)


def _key(name):
    return "".join(c for c in name.lower() if c.isalnum())


def moment(name_or_moment):
    """A moment by its name ("after closing", "mid-session", "AFTER_CLOSING": case, spaces, hyphens and
    underscores do not matter), or a datetime as it is."""
    if isinstance(name_or_moment, datetime):
        return name_or_moment
    for name, when in NAMED.items():
        if _key(name) == _key(name_or_moment):
            return when
    raise KeyError(f"no moment called {name_or_moment!r}; the names are: {', '.join(NAMED)}")
