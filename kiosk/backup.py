"""Backups: a consistent copy of the live SQLite database, made while the app keeps serving."""
import sqlite3
from pathlib import Path

from .db import database, is_sqlite


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
