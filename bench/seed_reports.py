"""Seed the reports phase's own SQLite file: three offices, a year of drop-ins, and the casework around them.

    python -m bench.seed_reports /tmp/reports.sqlite3 [--weeks 52] [--cases 2000]

A database of its own, so the other phases keep measuring what they measured before. The
offices are made by offices.services.add_office (with their rooms) and staffed by
set_offices, a few keyworkers working at two; the drop-ins are demo_history.past_dropins at
each office, called by that office's keyworkers. Cases, spread over the period, and what
hangs off them (contacts, action plan items and their ratings, referrals out, outreach, and
drop-in tickets linked to a case with their entry in its log) are written in bulk with the
models, as bench/seed.py writes history: thousands of separate durable commits would take
minutes and prove nothing.

Every past day is then folded into daily figures the way the app does it (reports.daily,
each day in its own write transaction), as the nightly purge would have over the year; the
time that took is the manifest's fold_s, what the first report over an unfolded year would
wait once. The manager signs in with two-factor, as production requires of the role: set up
through the app's own two_factor.confirm, whose recovery codes (one per simulated manager)
go in the manifest.
"""
import argparse
import bisect
import json
import random
import time
from datetime import timedelta
from pathlib import Path

import pyotp

from bench.seed import PASSWORD, _app, close_all
from kiosk.cases.models import (
    CLOSE_OUTCOMES, CONTACT_KINDS, PLAN_AREAS, PLAN_STATUSES, REFERRAL_SOURCES, REFERRAL_STATUSES, ActionPlanItem,
    Appointment, Case, ContactEntry, Partner, PlanRating, Referral, TicketLink,
)
from kiosk.clock import utcnow
from kiosk.db import database
from kiosk.demo_history import past_dropins
from kiosk.dropin.models import DropInSession, Ticket
from kiosk.dropin.schedule import schedule
from kiosk.housekeeping import run_due
from kiosk.offices.models import DEFAULT_OFFICE_ID, Office
from kiosk.offices.services import add_office, set_offices
from kiosk.people import two_factor
from kiosk.people.accounts import create_user
from kiosk.reports.daily import FOLDED, fold_past_days
from kiosk.reports.models import DailyFigure

OFFICES = ("Paisley", "Greenock")  # besides the default office
KEYWORKERS_PER_OFFICE = 3
PER_SESSION = (60, 110)  # tickets at one drop-in: 85 on average, about 40,000 a year at three offices
QUARTER_WEEKS = 13  # the shorter period whose query count must equal the whole history's
BATCH = 500
PARTNERS = (("Bench Housing Advice", "accommodation"), ("Bench Recovery Hub", "drugs_alcohol"),
            ("Bench Health Team", "health"), ("Bench Money Matters", "money"), ("Bench Employability", "ete"),
            ("Bench Families Outside", "family"))
OTHER_CONTACTS = [kind for kind in CONTACT_KINDS if kind != "drop_in"]  # drop-in entries come with a ticket
OUTREACH = ("prison_visit", "gate_pickup", "case_conference")
LINKED_SHARE = 0.25  # of the tickets seen, linked to a case by reception


def seed_reports(path, weeks=52, cases=2000, per_session=PER_SESSION, seed_value=2026):
    """Make a fresh database at `path` and return the manifest the reports phase reads (also at <path>.json)."""
    path = Path(path)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.monotonic()
    app = _app(path)
    with app.app_context():
        try:
            manifest = _seed(random.Random(seed_value), weeks, cases, per_session, started)
            manifest["housekeeping"] = run_due()  # as bench/seed.py: past days are folded already, the purge clears the rest
        finally:
            close_all()
    manifest["db"] = str(path)
    Path(f"{path}.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _seed(rng, weeks, case_count, per_session, started):
    now = utcnow()
    offices = [Office.get_by_id(DEFAULT_OFFICE_ID)] + [add_office(name) for name in OFFICES]
    workers = _staff(offices)
    manager = create_user("bench-manager", "Bench Manager", "manager", PASSWORD)
    secret = two_factor.new_secret()
    recovery_codes = two_factor.confirm(manager, secret, pyotp.TOTP(secret).now())

    with database.atomic():
        tickets = sum(past_dropins([office.id], staff, now, weeks=weeks, per_session=per_session,
                                   seed=rng.randrange(2**31)) for office, staff in workers.items())
        everyone = sorted({w for staff in workers.values() for w in staff}, key=lambda w: w.id)
        counts = _casework(rng, case_count, everyone, now, weeks)
    seeded = time.monotonic() - started

    today = schedule().local_today(now)
    folding = time.monotonic()
    folded = fold_past_days(today - timedelta(weeks=weeks), now=now)
    fold_s = time.monotonic() - folding

    urls = {}
    for name, back in (("year", weeks), ("quarter", max(1, min(weeks // 4, QUARTER_WEEKS)))):
        # From the first day past_dropins fills (weeks * 7 days back) to today.
        period = f"/reports/?period=range&first={today - timedelta(weeks=back):%Y-%m-%d}&last={today:%Y-%m-%d}"
        urls[name], urls[f"{name}_one_office"] = period, f"{period}&office={offices[1].id}"
    return {
        "password": PASSWORD,
        "manager": manager.username,
        "recovery_codes": recovery_codes,
        "offices": [o.name for o in offices],
        "keyworkers": len(everyone),
        "weeks": weeks,
        "history_tickets": tickets,
        "history_sessions": DropInSession.select().count(),
        **counts,
        "folded_days": len(folded),
        "daily_figures": DailyFigure.select().where(DailyFigure.measure != FOLDED).count(),
        "seed_s": round(seeded, 1),
        "fold_s": round(fold_s, 1),
        "urls": urls,
        "report_url": urls["year"],
    }


def _staff(offices):
    """{office: its keyworkers}: three each, and the last of each but the last office at the next one too."""
    workers, n = {office: [] for office in offices}, 0
    for i, office in enumerate(offices):
        for j in range(KEYWORKERS_PER_OFFICE):
            n += 1
            worker = create_user(f"bench-kw{n}", f"Keyworker {n}", "keyworker", PASSWORD)
            works_at = [office] + ([offices[i + 1]] if j == KEYWORKERS_PER_OFFICE - 1 and i + 1 < len(offices) else [])
            set_offices(worker, works_at)
            for place in works_at:
                workers[place].append(worker)
    return workers


def _insert(model, rows):
    for i in range(0, len(rows), BATCH):
        model.insert_many(rows[i:i + BATCH]).execute()


def _between(rng, first, last):
    return first + (last - first) * rng.random() if last > first else first


def _casework(rng, count, workers, now, weeks):
    """Cases opened over the period and everything the casework tables count; returns how many of each."""
    local = schedule().to_local
    start = now - timedelta(weeks=weeks)
    partners = [Partner.create(name=name, area=area) for name, area in PARTNERS]
    rows = []
    for i in range(1, count + 1):
        created = _between(rng, start, now)
        age, day = now - created, local(created).date()
        row = {"reference": f"R{i:06d}", "name": f"Case {i}", "created_at": created, "updated_at": created,
               "keyworker": None if rng.random() < 0.02 else rng.choice(workers).id, "status": "active",
               "referral_source": rng.choice(list(REFERRAL_SOURCES) + ["social_worker"]),
               "referral_date": None if rng.random() < 0.15 else day - timedelta(days=rng.randint(0, 21)),
               "release_date": None if rng.random() < 0.1 else day + timedelta(days=rng.randint(-30, 60))}
        if age > timedelta(days=40) and rng.random() < 0.45:
            row.update(status="closed", closed_at=_between(rng, created + timedelta(days=30), now),
                       close_outcome=rng.choice(list(CLOSE_OUTCOMES) + [None]))
        elif age < timedelta(days=14) and rng.random() < 0.5:
            row["status"] = "referred"
        rows.append(row)
    _insert(Case, rows)
    cases = list(Case.select(Case.id, Case.created_at, Case.closed_at, Case.keyworker).order_by(Case.created_at))
    ends = {c.id: c.closed_at or now for c in cases}

    contacts, items, referrals, outreach = [], [], [], []
    for case in cases:
        end, keyworker = ends[case.id], case.keyworker_id or rng.choice(workers).id
        for _ in range(rng.randint(0, 8)):
            at = _between(rng, case.created_at, end)
            contacts.append({"case": case.id, "happened_at": at, "kind": rng.choice(OTHER_CONTACTS),
                             "staff": keyworker, "summary": "Spoke about next steps.", "created_at": at})
        for area in rng.sample(list(PLAN_AREAS), rng.randint(1, 4)):
            at = _between(rng, case.created_at, min(end, case.created_at + timedelta(days=14)))
            items.append({"case": case.id, "area": area, "goal": f"Goal for {area}", "created_at": at,
                          "updated_at": at, "status": rng.choice(list(PLAN_STATUSES))})
        for partner in rng.sample(partners, rng.randint(0, 3)):
            made = _between(rng, case.created_at, end)
            referrals.append({"case": case.id, "partner": partner.id, "area": partner.area, "staff": keyworker,
                              "made_on": local(made).date(), "status": rng.choice(list(REFERRAL_STATUSES)),
                              "created_at": made, "updated_at": made})
        if rng.random() < 0.6:
            at = _between(rng, case.created_at, end + timedelta(days=30))
            status = "booked" if at > now else rng.choice(("done", "done", "done", "missed", "cancelled"))
            outreach.append({"case": case.id, "keyworker": keyworker, "kind": rng.choice(OUTREACH), "starts_at": at,
                             "status": status, "created_at": case.created_at})
    _insert(ContactEntry, contacts)
    _insert(ActionPlanItem, items)
    _insert(Referral, referrals)
    _insert(Appointment, outreach)
    ratings = _ratings(rng, ends, now)
    links = _ticket_links(rng, cases)
    return {"cases": len(cases), "contacts": len(contacts) + links, "plan_items": len(items), "ratings": ratings,
            "referrals": len(referrals), "outreach": len(outreach), "linked_tickets": links}


def _ratings(rng, ends, now):
    """Up to four ratings an item, over its life, each a step from the one before."""
    rows = []
    for item_id, case_id, created in ActionPlanItem.select(ActionPlanItem.id, ActionPlanItem.case,
                                                           ActionPlanItem.created_at).tuples():
        score, at = rng.randint(1, 3), created
        for _ in range(rng.randint(0, 4)):
            at = _between(rng, at, ends[case_id])
            rows.append({"item": item_id, "score": score, "rated_at": at, "staff": None})
            score = max(1, min(5, score + rng.choice((-1, 0, 1, 1))))
    _insert(PlanRating, rows)
    return len(rows)


def _ticket_links(rng, cases):
    """A quarter of the tickets seen linked to a case opened before, each with its drop-in entry in the case's log."""
    opened = [c.created_at for c in cases]
    links, contacts = [], []
    for ticket_id, created, finished, staff in (Ticket.select(Ticket.id, Ticket.created_at, Ticket.finished_at,
                                                              Ticket.called_by).where(Ticket.state == "done").tuples()):
        before = bisect.bisect_left(opened, created)
        if before == 0 or rng.random() >= LINKED_SHARE:
            continue
        case = cases[rng.randrange(before)]
        # past_dropins' bulk insert takes its columns from a session's first ticket, so a session that began
        # with a no-show or a cancellation has "done" tickets with no times (see the report).
        seen = finished or created
        links.append({"ticket": ticket_id, "case": case.id, "linked_by": staff, "linked_at": seen})
        contacts.append({"case": case.id, "happened_at": seen, "kind": "drop_in", "staff": staff,
                         "summary": "Seen at the drop-in.", "ticket": ticket_id, "created_at": seen})
    _insert(TicketLink, links)
    _insert(ContactEntry, contacts)
    return len(links)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    m = seed_reports(args.path, args.weeks, args.cases)
    print(f"Seeded {args.path}: {m['history_tickets']} tickets in {m['history_sessions']} drop-ins at "
          f"{len(m['offices'])} offices, {m['cases']} cases ({m['seed_s']} s); folded {m['folded_days']} days "
          f"in {m['fold_s']} s.")


if __name__ == "__main__":
    main()
