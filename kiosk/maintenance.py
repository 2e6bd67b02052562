"""Keeping records no longer than needed, and consistent backups of the live database."""
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

from . import audit
from .case_models import Case
from .db import database, is_sqlite, write_transaction
from .models import Ticket
from .schedule import utcnow


def purge(ticket_days, case_years, now=None):
    """Remove first names and outcome notes from tickets older than ticket_days.

    Closed cases older than case_years are listed for a person to review, never
    deleted here: what to keep is a decision for the service, case by case.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=ticket_days)
    with write_transaction():
        cleared = (Ticket.update(name=None, outcome=None)
                   .where((Ticket.created_at < cutoff) & (Ticket.name.is_null(False) | Ticket.outcome.is_null(False)))
                   .execute())
        if cleared:
            audit.record("purge", None, f"cleared names and notes from {cleared} tickets before {cutoff:%Y-%m-%d}")
    review_before = now - timedelta(days=round(365.25 * case_years))
    to_review = list(Case.select(Case.id, Case.reference, Case.closed_at)
                     .where((Case.status == "closed") & (Case.closed_at < review_before)).order_by(Case.closed_at))
    return cleared, to_review


def backup(target):
    """A consistent copy of the live SQLite database, made with SQLite's online backup while the app runs."""
    if not is_sqlite():
        raise RuntimeError("Backups of PostgreSQL are made with pg_dump; see the README.")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose a new file name.")
    destination = sqlite3.connect(str(target))
    try:
        with database.connection_context():
            database.connection().backup(destination)
        check = destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()
    if check != "ok":
        raise RuntimeError(f"The copy failed its integrity check: {check}")
    target.chmod(0o600)  # it holds case records: readable by the account that made it only
    return target


def start_daily_purge(app, interval=timedelta(days=1)):
    """While the app is up, purge once at start and then once a day, in a background thread."""
    stop = threading.Event()

    def run():
        while True:
            with app.app_context():
                try:
                    purge(app.config["TICKET_RETENTION_DAYS"], app.config["CLOSED_CASE_REVIEW_YEARS"])
                except Exception:  # noqa: BLE001 - a failed purge must not stop the app; it is logged
                    app.logger.exception("Daily purge failed")
                finally:
                    if not database.is_closed():
                        database.close()
            if stop.wait(interval.total_seconds()):
                return

    thread = threading.Thread(target=run, name="daily-purge", daemon=True)
    thread.start()
    return stop
