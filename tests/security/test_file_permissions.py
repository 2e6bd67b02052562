"""What the app writes (the database, its WAL files, backups, the secret key) is private from the moment it exists."""
import os
import sqlite3
import stat
from pathlib import Path

import pytest

import kiosk
from config import TestingConfig
from kiosk import create_app
from kiosk.backup import backup
from kiosk.dropin.queue import check_in

from ..live_server import make_app

pytestmark = pytest.mark.sqlite_only(reason="permissions of the SQLite file and its backups")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def wal_files(path):
    return [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]


@pytest.fixture(autouse=True)
def usual_umask():
    """The common umask, 022, under which files are made readable by everyone unless the app says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def serving(tmp_path):
    """An app on a file database in a folder it makes itself (tmp_path/instance), its context pushed."""
    apps = []

    def serve(path=tmp_path / "instance" / "dropin.sqlite3"):
        app = make_app(path)
        context = app.app_context()
        context.push()
        apps.append(context)
        return app

    yield serve
    for context in reversed(apps):
        context.pop()


def test_a_new_database_its_wal_files_and_its_folder_are_private(serving, tmp_path):
    serving()
    check_in("self", name="Sam")
    folder = tmp_path / "instance"
    assert mode(folder) == 0o700
    for path in wal_files(folder / "dropin.sqlite3"):
        assert path.exists(), path  # the pool keeps a connection open, so the WAL files are there
        assert mode(path) == 0o600, path


def test_a_database_found_readable_by_others_is_narrowed_at_start(serving, tmp_path, caplog):
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    path = folder / "dropin.sqlite3"
    made_before = sqlite3.connect(path)  # held open, so its -wal and -shm stay
    try:
        made_before.execute("PRAGMA journal_mode=wal")
        made_before.execute("CREATE TABLE note (body TEXT)")
        made_before.commit()
        for found in wal_files(path):
            found.chmod(0o644)
        serving(path)
        check_in("self", name="Sam")
        assert [mode(found) for found in wal_files(path)] == [0o600] * 3
        assert mode(folder) == 0o755, "a folder the app did not make is not changed (instance/ is: see below)"
    finally:
        made_before.close()
    assert f"{path} was open to other accounts (644): narrowed to 600." in caplog.text


class Watched(sqlite3.Connection):
    """The backup's own connection: notes the copy's permissions when it is checked, and can fail the check."""

    seen, result = [], "ok"

    def execute(self, sql, *args):
        if sql == "PRAGMA integrity_check":
            Watched.seen.append({p.name: mode(p) for p in self.path.parent.iterdir()})
            if Watched.result != "ok":
                return super().execute("SELECT ?", (Watched.result,))
        return super().execute(sql, *args)


@pytest.fixture
def watched(monkeypatch):
    """Every connection the backup opens to a file under tmp_path/backups is Watched."""
    real = sqlite3.connect
    Watched.seen, Watched.result = [], "ok"

    def connect(database, *args, **kwargs):
        if Path(database).parent.name != "backups":
            return real(database, *args, **kwargs)
        connection = real(database, *args, factory=Watched, **kwargs)
        connection.path = Path(database)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    return Watched


def test_a_backup_is_private_while_it_is_written_and_after(serving, watched, tmp_path):
    serving()
    check_in("self", name="Sam")
    target = tmp_path / "backups" / "dropin-copy.sqlite3"
    backup(target)
    assert watched.seen == [{".dropin-copy.sqlite3.partial": 0o600}], "0600 already when the copy is checked"
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700


def test_a_backup_that_fails_its_check_leaves_nothing_others_can_read(serving, watched, tmp_path):
    serving()
    check_in("self", name="Sam")
    watched.result = "*** in database main ***\nPage 2: btreeInitPage() returns error code 11"
    target = tmp_path / "backups" / "dropin-copy.sqlite3"
    with pytest.raises(RuntimeError, match="failed its integrity check and was deleted"):
        backup(target)
    assert watched.seen == [{".dropin-copy.sqlite3.partial": 0o600}], "0600 already when the copy is checked"
    assert not target.exists()
    left = list(target.parent.iterdir())
    assert not [p for p in left if mode(p) & 0o077], left


def test_the_instance_folder_and_secret_key_are_private_and_narrowed(monkeypatch, tmp_path, caplog):
    """instance/ (here under tmp_path) with the secret key made there when none is configured."""
    monkeypatch.setattr(kiosk, "ROOT", tmp_path)
    instance = tmp_path / "instance"
    create_app(TestingConfig, SECRET_KEY=None, SQLITE_PATH=str(instance / "dropin.sqlite3"))
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600

    instance.chmod(0o755)
    (instance / "secret_key").chmod(0o644)
    (instance / "demo.sqlite3").write_bytes(b"")  # made by an older version, 0644
    create_app(TestingConfig, SECRET_KEY=None, SQLITE_PATH=str(instance / "dropin.sqlite3"))
    modes = {p.name: mode(p) for p in instance.iterdir()}
    assert {"secret_key", "dropin.sqlite3", "demo.sqlite3"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes
    assert mode(instance) == 0o700
    assert f"{instance} was open to other accounts (755): narrowed to 700." in caplog.text
