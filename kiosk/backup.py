"""Backups: a consistent copy of the live SQLite database, made while the app keeps serving."""
import sqlite3
from pathlib import Path

from .db import database, is_sqlite
from .files import private_folder, private_opener


def backup(target):
    """A consistent copy of the live SQLite database, made with SQLite's online backup while the app runs.

    The copy holds case records, so it is 0600 from the moment it exists (a folder made for it
    0700), and a copy that fails is deleted rather than left behind.
    """
    if not is_sqlite():
        raise RuntimeError("Backups of PostgreSQL are made with pg_dump; see the README.")
    target = Path(target)
    private_folder(target.parent)
    try:
        open(target, "xb", opener=private_opener).close()
    except FileExistsError:
        raise FileExistsError(f"{target} already exists; choose a new file name.") from None
    try:
        check = _copy_into(target)
        if check != "ok":
            raise RuntimeError(f"The copy failed its integrity check and was deleted: {check}")
    except BaseException:
        _delete(target)
        raise
    return target


def _copy_into(target):
    """Copy the live database into the empty file `target`; SQLite's integrity_check of the copy."""
    destination = sqlite3.connect(str(target))
    try:
        with database.connection_context():
            database.connection().backup(destination)
        return destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()


def _delete(target):
    """A failed copy, and any journal SQLite left beside it: nobody should mistake it for a backup."""
    for path in (target, Path(f"{target}-journal"), Path(f"{target}-wal"), Path(f"{target}-shm")):
        path.unlink(missing_ok=True)
