"""Past drop-in sessions for the demo (and the benchmark): anonymous tickets with waits, outcomes and needs,
so that the reports have months of history to count. Nobody's name: older tickets have theirs purged."""
import random
import secrets
from datetime import timedelta

from .dropin.models import NEEDS, DropInSession, Ticket
from .dropin.schedule import schedule
from .offices.timetable import timetable

VISIT_FOR = ["self"] * 6 + ["family"] * 2 + ["appointment", "info"]
ENDINGS = ["done"] * 14 + ["no_show", "left", "cancelled"]


def past_dropins(offices, keyworkers, now, weeks=26, per_session=(6, 16), seed=7):
    """Every scheduled drop-in of the last `weeks` weeks before today, at each office, with a busy or quiet
    afternoon of tickets. Returns the number of tickets made."""
    rng = random.Random(seed)
    today = schedule().local_today(now)
    made = 0
    for office in offices:
        office_id = getattr(office, "id", office)
        for back in range(weeks * 7, 0, -1):
            for slot in timetable(office_id).slots_on(today - timedelta(days=back)):
                made += _afternoon(rng, office, slot, keyworkers, per_session)
    return made


def _afternoon(rng, office, slot, keyworkers, per_session):
    """One past drop-in with a busy or quiet afternoon of tickets; returns how many."""
    count = rng.randint(*per_session)
    session = DropInSession.create(office=office, starts_at=slot.starts_at, ends_at=slot.ends_at,
                                   opens_at=slot.opens_at, last_number=count)
    Ticket.insert_many([_ticket(rng, session, number, slot, keyworkers) for number in range(1, count + 1)]).execute()
    return count


def _ticket(rng, session, number, slot, keyworkers):
    arrived = slot.opens_at + timedelta(minutes=rng.randint(0, 120))
    state = rng.choice(ENDINGS)
    # Every row has every column: a bulk insert takes its columns from the first row.
    row = {"session": session, "number": number, "token": secrets.token_urlsafe(16),
           "visit_for": rng.choice(VISIT_FOR), "needs": ",".join(rng.sample(list(NEEDS), rng.randint(0, 2))),
           "state": state, "created_at": arrived, "source": rng.choice(["kiosk", "kiosk", "reception"]),
           "called_at": None, "called_by": None, "call_count": 0, "started_at": None, "finished_at": None}
    if state in ("done", "no_show"):
        called = arrived + timedelta(minutes=rng.randint(2, 45))
        row.update(called_at=called, called_by=rng.choice(keyworkers), call_count=1)
        if state == "done":
            row.update(started_at=called + timedelta(minutes=1),
                       finished_at=called + timedelta(minutes=rng.randint(8, 40)))
    elif state in ("left", "cancelled"):
        row["finished_at"] = arrived + timedelta(minutes=rng.randint(5, 50))
    return row
