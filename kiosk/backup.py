"""Backups: a consistent copy of the live database, made while the app keeps serving: SQLite's online
backup, or pg_dump's snapshot of a PostgreSQL database (its custom format, for pg_restore)."""
import os
import re
import shutil
import sqlite3
import subprocess
from glob import glob
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from .db import database, is_sqlite
from .files import private_folder, private_opener

DAILY = re.compile(r"^dropin-(\d{4}-\d{2}-\d{2})\.(sqlite3|dump)$")


def backup(target):
    """A consistent copy of the live database, made while the app runs.

    The copy holds case records, so it is 0600 from the moment it exists (a folder made for it
    0700), and a copy that fails is deleted rather than left behind.
    """
    target = Path(target)
    private_folder(target.parent)
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose a new file name.")
    # Written under another name and renamed when complete: a copy cut short (the server killed
    # mid-copy) is never mistaken for a backup.
    partial = target.with_name(f".{target.name}.partial")
    _delete(partial)
    open(partial, "xb", opener=private_opener).close()
    try:
        if is_sqlite():
            check = _copy_into(partial)
            if check != "ok":
                raise RuntimeError(f"The copy failed its integrity check and was deleted: {check}")
        else:
            _pg_dump_into(partial)
        os.replace(partial, target)
    except BaseException:
        _delete(partial)
        raise
    return target


def backup_name(day):
    """The daily copy's file name: the local date, and what restores it."""
    return f"dropin-{day.isoformat()}.{'sqlite3' if is_sqlite() else 'dump'}"


def prune_backups(folder, keep):
    """Delete all but the newest `keep` (at least 1) daily copies in `folder`; other files there are left alone."""
    keep = max(1, keep)
    daily = sorted((DAILY.match(path.name).group(1), path) for path in Path(folder).iterdir()
                   if path.is_file() and DAILY.match(path.name))
    gone = [path for _, path in daily[:-keep]]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def pg_tool(name):
    """A PostgreSQL client program: PG_BIN's, else on PATH, else the newest Debian keeps beside its server."""
    folder = current_app.config.get("PG_BIN")
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name) or next(iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                   key=lambda p: int(p.split("/")[4]), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"{name} was not found: install PostgreSQL's client programs or set PG_BIN.")
    return found


def pg_environment(url):
    """libpq's variables for DATABASE_URL: the password travels in the environment, never on a command line
    another user could read."""
    parts = urlsplit(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"PGHOST": parts.hostname or "", "PGPORT": str(parts.port or 5432),
                "PGUSER": unquote(parts.username or ""), "PGPASSWORD": unquote(parts.password or ""),
                "PGDATABASE": unquote(parts.path.lstrip("/"))})
    return {k: v for k, v in env.items() if v != ""}


def _pg_dump_into(target):
    """pg_dump's custom format: one consistent snapshot, compressed, restored with pg_restore."""
    done = subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                           f"--file={target}"], env=pg_environment(current_app.config["DATABASE_URL"]),
                          capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pg_dump failed and the copy was deleted: {done.stderr.strip()[-500:]}")
    os.chmod(target, 0o600)  # pg_dump wrote its own file over the private one made for it


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
