"""Daily housekeeping, once per deployment however many processes and machines serve it.

Each app process (run.py's waitress, each gunicorn worker of kiosk.wsgi) checks every few minutes
whether a job is due for today's local date. The first to claim a job for the day runs it: the claim
is one UPDATE of the job's row that only succeeds while the row still names an earlier day, and the
database lets exactly one such UPDATE through. The others see the day taken and do nothing. A job
that fails gives its day back, so a later check (in any process) tries again, and says so in the log.

The jobs:
- "purge": retention.purge with the settings' TICKET_RETENTION_DAYS and CLOSED_CASE_REVIEW_YEARS.
- "backup": a copy of the whole database (backup.backup: SQLite's online backup, or pg_dump for
  PostgreSQL) into BACKUP_DIR, by default a `backups` folder beside the SQLite database (PostgreSQL has
  no default: set BACKUP_DIR), keeping the newest BACKUP_KEEP copies.
"""
import logging
import os
import socket
import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from peewee import CharField, DateField, DateTimeField

from . import audit
from .backup import backup, backup_name, prune_backups
from .cases.importing import forget_stale_uploads
from .clock import utcnow
from .db import BaseModel, database
from .dropin.schedule import schedule
from .retention import purge

log = logging.getLogger(__name__)
CHECK_EVERY = timedelta(minutes=10)
STALE = timedelta(hours=2)  # longer than any backup takes


class Housekeeping(BaseModel):
    """One daily job: the local day it was last claimed for, by which process, and how that went."""
    job = CharField(max_length=20, primary_key=True)
    last_day = DateField(null=True)
    claimed_by = CharField(max_length=80, null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    outcome = CharField(max_length=300, null=True)

    class Meta:
        table_name = "housekeeping"


def _purge():
    config = current_app.config
    cleared, to_review, families = purge(config["TICKET_RETENTION_DAYS"], config["CLOSED_CASE_REVIEW_YEARS"])
    return f"cleared {cleared} tickets; {len(to_review)} cases and {len(families)} family records to review"


def backup_folder():
    """Where the daily copies go: BACKUP_DIR, or beside the SQLite database; none for PostgreSQL unless set."""
    config = current_app.config
    if config.get("BACKUP_DIR"):
        return Path(config["BACKUP_DIR"])
    if config.get("DATABASE_URL"):
        return None
    return Path(config["SQLITE_PATH"]).parent / "backups"


def _backup():
    if int(current_app.config.get("BACKUP_KEEP", 14)) <= 0:
        return "skipped: BACKUP_KEEP is 0"
    folder = backup_folder()
    if folder is None:
        return "skipped: set BACKUP_DIR for PostgreSQL"
    target = folder / backup_name(schedule().local_today(utcnow()))
    if target.exists():  # made earlier today by hand (flask backup) or before a restart
        written = target
    else:
        written = backup(target)
        audit.record("backup", None, f"daily copy {written.name}", username="housekeeping")
    removed = prune_backups(folder, int(current_app.config.get("BACKUP_KEEP", 14)))
    return f"{written.name} ({written.stat().st_size:,} bytes); {len(removed)} older removed"


JOBS = {"purge": _purge, "backup": _backup}


def whoami():
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def claim(job, day):
    """True for the one process that takes `job` for local `day`; False for everyone else. A claim whose
    process died before finishing (killed, the machine restarted) may be taken over after STALE."""
    Housekeeping.insert(job=job).on_conflict_ignore().execute()
    now = utcnow()
    abandoned = (Housekeeping.last_day == day) & Housekeeping.finished_at.is_null() & (Housekeeping.started_at < now - STALE)
    taken = (Housekeeping.update(last_day=day, claimed_by=whoami(), started_at=now, finished_at=None, outcome="running")
             .where((Housekeeping.job == job)
                    & (Housekeeping.last_day.is_null() | (Housekeeping.last_day < day) | abandoned))
             .execute())
    return taken == 1


def run_due(now=None):
    """Run every job not yet claimed for today; what each of them did, for the jobs this process ran."""
    forget_stale_uploads()  # at every check, not daily: a caseload file is kept an hour at most
    day = schedule().local_today(now or utcnow())
    done = {}
    for job, work in JOBS.items():
        if not claim(job, day):
            continue
        try:
            outcome = work()
        except Exception as error:  # noqa: BLE001 - a failed job must not stop the app; it is retried
            log.exception("Daily %s failed", job)
            _give_back(job, day, f"failed: {type(error).__name__}: {error}")
            done[job] = f"failed: {error}"
            continue
        Housekeeping.update(finished_at=utcnow(), outcome=outcome[:300]).where(Housekeeping.job == job).execute()
        done[job] = outcome
    return done


def _give_back(job, day, outcome):
    """A failed job's day is free again, so the next check runs it once more."""
    (Housekeeping.update(last_day=day - timedelta(days=1), finished_at=utcnow(), outcome=outcome[:300])
     .where((Housekeeping.job == job) & (Housekeeping.last_day == day)).execute())


def start_housekeeping(app, every=CHECK_EVERY):
    """While the app is up, check for due jobs at start and then every `every`, in a background thread.
    Returns an Event that stops the thread when set."""
    stop = threading.Event()

    def run():
        while True:
            with app.app_context():
                try:
                    run_due()
                except Exception:  # noqa: BLE001 - e.g. the database restarting; the next check tries again
                    log.exception("Housekeeping check failed")
                finally:
                    if not database.is_closed():
                        database.close()
            if stop.wait(every.total_seconds()):
                return

    threading.Thread(target=run, name="housekeeping", daemon=True).start()
    return stop


def status():
    """Each job's row, for the command line and the tests."""
    return {row.job: row for row in Housekeeping.select()}

