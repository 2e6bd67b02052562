"""Seed a PostgreSQL database with several offices at once, each on a busy drop-in, through the app's services.

    python -m bench.offices_seed manifest.json [--offices 20]    # DATABASE_URL names the database

The database is emptied first (its public schema dropped), then migrated by the app.
Every office gets the usual rooms and enough more for its keyworkers
(offices.services), its own reception accounts and keyworkers who work only there
(people.accounts, offices.services.set_offices, so their sign-in lands on it), its
kiosk tablets and wall displays enrolled at it (dropin.devices, with the office
chosen as a request from that office would choose it), and today's drop-in with
visitors checked in (dropin.queue): some already seen, the rest waiting, and each
keyworker at a desk. The schedule is open all day every day (OPEN_ALL_DAY), so the
servers the bench starts must be given the same settings.

seed() returns the manifest the load generator reads (bench/locust_common.py: one
entry per office under "offices") and writes it to the path given.
"""
import argparse
import json
import os
import random
import uuid
from pathlib import Path

from bench.seed import NAMES, OUTCOMES, PASSWORD, VISIT_FOR, _needs, close_all

# Every office open from midnight to 23:59 every day, holidays included, check-in from the start:
# the bench runs on the real clock, whatever day and hour that is.
OPEN_ALL_DAY = {"DROPIN_WEEKDAYS": "mon,tue,wed,thu,fri,sat,sun", "DROPIN_START": "00:00", "DROPIN_END": "23:59",
                "PUBLIC_HOLIDAYS": "0", "CHECKIN_OPENS_BEFORE_MINUTES": "0"}
# One office's people and devices on a busy drop-in day; screens share the reception accounts.
STAFF = {"reception_accounts": 3, "keyworkers": 8, "kiosks": 2, "displays": 3}
TICKETS = {"seen": 10, "waiting": 20}


def reset(url):
    """Drop the public schema with everything in it; connections left over are ended first."""
    import psycopg2  # noqa: PLC0415 - the PostgreSQL run alone needs it

    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            cursor.execute("SET lock_timeout = '20s'")
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    finally:
        connection.close()


def app_settings():
    """OPEN_ALL_DAY as the app reads them from its config (numbers and a flag, not the environment's text)."""
    return {**OPEN_ALL_DAY, "PUBLIC_HOLIDAYS": OPEN_ALL_DAY["PUBLIC_HOLIDAYS"] != "0",
            "CHECKIN_OPENS_BEFORE_MINUTES": int(OPEN_ALL_DAY["CHECKIN_OPENS_BEFORE_MINUTES"])}


def seed(path, offices=20, staff=STAFF, tickets=TICKETS, url=None, seed_value=2026):
    """Empty the database at `url` (default DATABASE_URL), seed `offices` offices, write the manifest to `path`."""
    from config import ProductionConfig  # noqa: PLC0415 - imports the app only when seeding
    from kiosk import create_app  # noqa: PLC0415

    url = url or os.environ["DATABASE_URL"]
    reset(url)
    app = create_app(ProductionConfig, DATABASE_URL=url, SECRET_KEY="bench-seed-only", BACKUP_KEEP=0,
                     **app_settings())
    rng = random.Random(seed_value)
    with app.app_context():
        try:
            entries = [_office(rng, n, staff, tickets) for n in range(1, offices + 1)]
        finally:
            close_all()
    # Screens on one reception account share its sign-in (bench/locust_common.py): 600 sign-ins at argon2's
    # pace would take most of a one-worker server's first minute, and they are not what is measured.
    manifest = {"password": PASSWORD, "offices": entries, "staff": dict(staff), "tickets": dict(tickets),
                "share_sign_ins": True}
    Path(path).write_text(json.dumps(manifest, indent=1))
    return manifest


def _office(rng, n, staff, tickets):
    """Office number n (the first is the default office the app makes), furnished, staffed and busy."""
    from flask import g  # noqa: PLC0415

    from kiosk.dropin import devices  # noqa: PLC0415
    from kiosk.dropin.models import Room, Ticket  # noqa: PLC0415
    from kiosk.dropin.queue import call_next, check_in, choose_room, move  # noqa: PLC0415
    from kiosk.dropin.sessions import checkin_session  # noqa: PLC0415
    from kiosk.offices.models import DEFAULT_OFFICE_ID, Office, use_office  # noqa: PLC0415
    from kiosk.offices.services import add_office, add_room, set_offices  # noqa: PLC0415
    from kiosk.people.accounts import create_user  # noqa: PLC0415

    office = Office.get_by_id(DEFAULT_OFFICE_ID) if n == 1 else add_office(f"Office {n:02d}")
    use_office(office.id)  # as a request from one of this office's devices, or staff working there
    try:
        rooms = list(Room.select().where(Room.office == office.id, Room.active))
        for extra in range(len(rooms), staff["keyworkers"]):
            add_room(office.id, f"Desk {extra + 1}", None)
        rooms = list(Room.select().where(Room.office == office.id, Room.active).order_by(Room.position, Room.id))
        reception = [create_user(f"o{n:02d}-reception{i}", f"Reception {i}, office {n}", "reception", PASSWORD)
                     for i in range(1, staff["reception_accounts"] + 1)]
        workers = [create_user(f"o{n:02d}-kw{i}", f"Keyworker {i}, office {n}", "keyworker", PASSWORD)
                   for i in range(1, staff["keyworkers"] + 1)]
        for user in reception + workers:
            set_offices(user, [office])
        enrolled = {}
        for kind, count in (("kiosk", staff["kiosks"]), ("display", staff["displays"])):
            tokens = [devices.enrol(f"{office.name} {kind} {i}", kind, None)[1] for i in range(1, count + 1)]
            enrolled[kind] = {"cookie": devices.COOKIES[kind], "tokens": tokens}

        made = [check_in(rng.choice(VISIT_FOR), _needs(rng), rng.choice(NAMES), request_key=uuid.uuid4().hex)
                for _ in range(tickets["seen"] + tickets["waiting"])]
        session = checkin_session()
        for worker, room in zip(workers, rooms):
            choose_room(session, worker, room.id)
        for ticket in made[:tickets["seen"]]:  # the morning's first visitors, seen already
            worker = rng.choice(workers)
            move(ticket.id, "call", worker)
            move(ticket.id, "start", worker)
            move(ticket.id, "finish", worker, outcome=rng.choice(OUTCOMES))
        for worker in workers[:len(workers) // 2]:  # half the keyworkers have someone with them
            move(call_next(session, worker).id, "start", worker)
        by_state = {}
        for (state,) in Ticket.select(Ticket.state).where(Ticket.session == session.id).tuples():
            by_state[state] = by_state.get(state, 0) + 1
    finally:
        g.pop("office_id", None)
    return {"id": office.id, "name": office.name, "session_id": session.id,
            "session_ends_at": session.ends_at.isoformat(), "reception": [u.username for u in reception],
            "keyworkers": [u.username for u in workers], "devices": enrolled, "by_state": by_state}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest")
    parser.add_argument("--offices", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must name a PostgreSQL database (scripts/pg_test_server.sh sets one)")
    manifest = seed(args.manifest, args.offices)
    print(f"Seeded {len(manifest['offices'])} offices; manifest in {args.manifest}.")


if __name__ == "__main__":
    main()
