"""Seed a SQLite file like a busy drop-in, through the app's own models and services.

    python -m bench.seed /tmp/bench.sqlite3 [--session-tickets 60] [--history-tickets 10000]

The session in progress is made the way the app makes it: tickets by
queue.check_in, desks by queue.choose_room, and calls, starts, finishes,
no-shows, cancellations and "left" by queue.call_next and queue.move, each in
its own write transaction. History (past sessions, their tickets and desks) is
written with the models in bulk, since a hundred thousand separate durable
commits would take minutes and prove nothing; so are case records, with
half the seen tickets linked to a case and logged in its contact log, where
the app has them (kiosk.case_models).

seed() returns a manifest (accounts, ticket tokens, numbers) that the load
generator reads; it is also written beside the database as <db>.json.
"""
import argparse
import json
import random
import secrets
import uuid
from datetime import timedelta
from pathlib import Path

from config import ProductionConfig
from kiosk import create_app
from kiosk.people.accounts import create_user
from kiosk.db import database
from kiosk.dropin import live
from kiosk.dropin.models import NEEDS, DeskAssignment, DropInSession, Room, Ticket
from kiosk.dropin.queue import call_next, check_in, choose_room, move
from kiosk.clock import utcnow
from kiosk.housekeeping import run_due

PASSWORD = "bench-password-not-secret"
KEYWORKERS = 8
EXTRA_ROOMS = ("Desk 5", "Desk 6", "Desk 7", "Desk 8")
NAMES = ("Sam", "A.B.", "Chris", "Paula", "Stevie", "J.M.", "Mo", "Ally", None, None)
VISIT_FOR = ("self", "self", "self", "family", "appointment", "info")
OUTCOMES = ("Housing options talked through; referral made.", "Benefits claim started.",
            "Visit booked; travel costs explained.", "Next steps agreed.")
# Share of a session's tickets in each finished state; the rest wait, and up to
# one per keyworker are called or with staff.
FINISHED_MIX = (("done", 0.35), ("no_show", 0.05), ("left", 0.05), ("cancelled", 0.05))
HISTORY_MIX = (("done", 0.80), ("no_show", 0.08), ("left", 0.05), ("cancelled", 0.07))


def _needs(rng):
    return rng.sample(list(NEEDS), rng.randint(0, 2))


def _app(path):
    # The bench measures the SQLite file; a DATABASE_URL in the environment must not get the seed instead.
    # No daily copy of it either: the seed's housekeeping (run_due) records the backup as skipped.
    return create_app(ProductionConfig, DATABASE_URL="", SQLITE_PATH=str(path), SECRET_KEY="bench-seed-only",
                      BACKUP_KEEP=0)


def seed(path, session_tickets=60, history_tickets=10_000, keyworkers=KEYWORKERS, seed_value=2026):
    """Make a fresh database at `path` and return the manifest the load generator needs."""
    path = Path(path)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    rng = random.Random(seed_value)
    app = _app(path)
    with app.app_context():
        try:
            manifest = _seed(rng, session_tickets, history_tickets, keyworkers)
            # Today's housekeeping done, as a running deployment's own check leaves its database every day
            # (old tickets cleared of names, notes and needs, past days folded, the day's jobs recorded): a
            # server the bench starts on a copy finds nothing due, instead of clearing 10,000 historic
            # tickets (2 s of CPU) in its first seconds beside the load being measured.
            manifest["housekeeping"] = run_due()
        finally:
            close_all()
    manifest["db"] = str(path)
    Path(f"{path}.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def close_all():
    """Every connection closed, so the WAL is checkpointed into the file that gets copied."""
    close = getattr(database.obj, "close_all", None)
    close() if close else database.close()


def _seed(rng, session_tickets, history_tickets, keyworkers):
    now = utcnow()
    for name in EXTRA_ROOMS:
        Room.get_or_create(name=name, defaults={"position": 10 + EXTRA_ROOMS.index(name)})
    rooms = list(Room.in_use())
    manager = create_user("bench-manager", "Bench Manager", "manager", PASSWORD)
    reception = create_user("bench-reception", "Bench Reception", "reception", PASSWORD)
    workers = [create_user(f"bench-kw{i}", f"Keyworker {i}", "keyworker", PASSWORD)
               for i in range(1, keyworkers + 1)]

    _history(rng, history_tickets, workers, rooms, now)
    cases = _history_cases(rng, history_tickets, workers, now)
    devices = _devices(manager, keyworkers)
    session = DropInSession.create(starts_at=now - timedelta(minutes=60), opens_at=now - timedelta(minutes=75),
                                   ends_at=now + timedelta(hours=6), extra=True)
    for worker, room in zip(workers, rooms * 2):
        choose_room(session, worker, room.id)
    tickets = _session(rng, session, session_tickets, workers, now)

    by_state = {}
    for t in Ticket.select(Ticket.state).where(Ticket.session == session):
        by_state[t.state] = by_state.get(t.state, 0) + 1
    return {
        "password": PASSWORD,
        "manager": manager.username,
        "reception": reception.username,
        "keyworkers": [w.username for w in workers],
        "session_id": session.id,
        # Naive UTC, as the app stores it: the soak checks the session outlasts it.
        "session_ends_at": session.ends_at.isoformat(),
        "session_tickets": session_tickets,
        "history_tickets": history_tickets,
        "history_sessions": DropInSession.select().where(DropInSession.id != session.id).count(),
        "history_cases": cases,
        "devices": devices,
        "by_state": by_state,
        "waiting_tokens": [t.token for t in tickets if t.state == "waiting"],
        "tokens": [t.token for t in tickets],
        "ids_by_number": {str(t.number): t.id for t in tickets},
        "queue_version": live.version(),
    }


def _devices(manager, count):
    """Enrolled kiosk tablets and wall displays (kiosk.devices), one per simulated browser."""
    try:
        from kiosk.dropin import devices# noqa: PLC0415 - only where the app enrols devices
    except ImportError:
        return {}
    enrolled = {}
    for kind in ("kiosk", "display"):
        tokens = [devices.enrol(f"Bench {kind} {i}", kind, manager)[1] for i in range(1, count + 1)]
        enrolled[kind] = {"cookie": devices.COOKIES[kind], "tokens": tokens}
    return enrolled


def _history_cases(rng, history_tickets, workers, now):
    """Case records for the history: one case per ten historic tickets, half the seen tickets
    linked to a case with a drop-in entry in its contact log, and an audit row for each."""
    try:
        from kiosk.audit import AuditEvent# noqa: PLC0415
        from kiosk.cases.models import Case, ContactEntry, TicketLink
    except ImportError:
        return 0
    count = history_tickets // 10
    if count <= 0:
        return 0
    with database.atomic():
        rows = []
        for i in range(1, count + 1):
            created = now - timedelta(days=rng.randint(30, 3650))
            rows.append({"reference": f"B{i:07d}", "name": f"Case {i}", "status": rng.choice(("active", "closed")),
                         "keyworker": rng.choice(workers).id, "referral_source": "self",
                         "contact_preference": "phone", "created_at": created, "updated_at": created, "version": 1})
            if len(rows) >= 2000:
                Case.insert_many(rows).execute()
                rows = []
        if rows:
            Case.insert_many(rows).execute()
        case_ids = [c for (c,) in Case.select(Case.id).tuples()]
        seen = (Ticket.select(Ticket.id, Ticket.finished_at, Ticket.called_by, Ticket.outcome)
                .where(Ticket.state == "done").limit(history_tickets // 2).tuples())
        links, contacts, audits = [], [], []
        for ticket_id, finished, staff_id, outcome in seen:
            case_id = rng.choice(case_ids)
            links.append({"ticket": ticket_id, "case": case_id, "linked_by": staff_id, "linked_at": finished})
            contacts.append({"case": case_id, "happened_at": finished, "kind": "drop_in", "staff": staff_id,
                             "summary": outcome or "Seen at the drop-in.", "ticket": ticket_id, "created_at": finished})
            audits.append({"at": finished, "staff": staff_id, "username": "bench", "action": "view case",
                           "object_type": "Case", "object_id": case_id, "address": "127.0.0.1"})
            if len(links) >= 2000:
                TicketLink.insert_many(links).execute()
                ContactEntry.insert_many(contacts).execute()
                AuditEvent.insert_many(audits).execute()
                links, contacts, audits = [], [], []
        if links:
            TicketLink.insert_many(links).execute()
            ContactEntry.insert_many(contacts).execute()
            AuditEvent.insert_many(audits).execute()
    return count


def _session(rng, session, count, workers, now):
    """The session in progress, made through the services like a morning at the front desk."""
    spread = max(60, count // 4)  # minutes over which people arrived
    tickets = []
    for i in range(count):
        created = now - timedelta(minutes=spread * (count - i) / count)
        tickets.append(check_in(rng.choice(VISIT_FOR), _needs(rng), rng.choice(NAMES),
                                request_key=uuid.uuid4().hex, source="kiosk", priority=rng.random() < 0.05,
                                session=session, now=created))
    finished = {}
    position = 0
    for state, share in FINISHED_MIX:
        n = round(count * share)
        for t in tickets[position:position + n]:
            finished[t.id] = state
        position += n
    # The earliest arrivals have finished; the next ones are with the keyworkers; the rest wait.
    for t in tickets:
        state = finished.get(t.id)
        if state is None:
            continue
        worker = rng.choice(workers)
        at = t.created_at + timedelta(minutes=rng.randint(2, 20))
        if state in ("cancelled", "left"):
            move(t.id, state if state == "left" else "cancel", worker, now=at)
            continue
        move(t.id, "call", worker, now=at)
        if state == "no_show":
            move(t.id, "no_show", worker, now=at + timedelta(minutes=5))
        else:
            move(t.id, "start", worker, now=at + timedelta(minutes=1))
            move(t.id, "finish", worker, outcome=rng.choice(OUTCOMES), now=at + timedelta(minutes=rng.randint(8, 25)))
    # Up to one per keyworker called or with staff, leaving at least half of the rest waiting.
    for i, worker in enumerate(workers[:min(len(workers), (count - len(finished)) // 2)]):
        ticket = call_next(session, worker, now=now - timedelta(minutes=10 - i))
        if i % 2 == 0:
            move(ticket.id, "start", worker, now=now - timedelta(minutes=8 - i))
    return list(Ticket.select().where(Ticket.session == session).order_by(Ticket.number))


def _history(rng, count, workers, rooms, now):
    """Past sessions three times a week going back a year or more, with their tickets and desks, in bulk."""
    if count <= 0:
        return
    sessions = max(156, count // 60)
    per_session = [count // sessions + (1 if i < count % sessions else 0) for i in range(sessions)]
    states = [s for s, _ in HISTORY_MIX]
    weights = [w for _, w in HISTORY_MIX]
    day = (now - timedelta(days=1)).replace(hour=13, minute=0, second=0, microsecond=0)
    with database.atomic():
        rows = []
        for n in per_session:
            while day.weekday() not in (0, 2, 4):
                day -= timedelta(days=1)
            session = DropInSession.create(starts_at=day, ends_at=day + timedelta(hours=2),
                                           opens_at=day - timedelta(minutes=15), last_number=n)
            desk_workers = rng.sample(workers, min(3, len(workers)))
            DeskAssignment.insert_many(
                [{"session": session.id, "staff": w.id, "room": rooms[i % len(rooms)].id}
                 for i, w in enumerate(desk_workers)]).execute()
            for number in range(1, n + 1):
                created = day - timedelta(minutes=10) + timedelta(seconds=rng.randint(0, 7200))
                state = rng.choices(states, weights)[0]
                row = {"session": session.id, "number": number, "token": secrets.token_urlsafe(24),
                       "request_key": uuid.uuid4().hex, "visit_for": rng.choice(VISIT_FOR),
                       "needs": ",".join(_needs(rng)), "name": rng.choice(NAMES), "source": "kiosk",
                       "priority": False, "state": state, "created_at": created, "call_count": 0,
                       "requested_staff": None, "room": None, "called_by": None, "called_at": None,
                       "started_at": None, "finished_at": None, "outcome": None}
                if state in ("done", "no_show"):
                    called = created + timedelta(minutes=rng.randint(2, 40))
                    worker = rng.choice(desk_workers)
                    row.update(room=rooms[desk_workers.index(worker) % len(rooms)].id, called_by=worker.id,
                               called_at=called, call_count=1)
                    if state == "done":
                        started = called + timedelta(minutes=1)
                        row.update(started_at=started, finished_at=started + timedelta(minutes=rng.randint(5, 30)),
                                   outcome=rng.choice(OUTCOMES))
                    else:
                        row["finished_at"] = called + timedelta(minutes=5)
                else:
                    row["finished_at"] = created + timedelta(minutes=rng.randint(5, 60))
                rows.append(row)
                if len(rows) >= 2000:
                    Ticket.insert_many(rows).execute()
                    rows = []
            day -= timedelta(days=1)
        if rows:
            Ticket.insert_many(rows).execute()
        live.bump()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--session-tickets", type=int, default=60)
    parser.add_argument("--history-tickets", type=int, default=10_000)
    parser.add_argument("--keyworkers", type=int, default=KEYWORKERS)
    args = parser.parse_args()
    manifest = seed(args.path, args.session_tickets, args.history_tickets, args.keyworkers)
    print(f"Seeded {args.path}: session of {args.session_tickets} tickets {manifest['by_state']}, "
          f"{args.history_tickets} historic tickets in {manifest['history_sessions']} sessions.")


if __name__ == "__main__":
    main()
