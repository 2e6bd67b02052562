"""The polls' reads made with Python's lock held (kiosk/held_reads.py): the same rows the sqlite3 module gives,
every commit seen at the next read, never a write, never a wait, and never inside a transaction."""
import os
import sqlite3
import threading
import time
from datetime import date, datetime

import pytest

from kiosk import held_reads
from kiosk.db import database
from kiosk.dropin import live
from kiosk.transactions import write_transaction

from ..conftest import Auth
from ..factories import make_ticket
from ..pages import poll_version, unchanged
from ..queries import counting_queries

pytestmark = pytest.mark.sqlite_only("the reads are SQLite's")


@pytest.fixture
def db_file(tmp_path):
    path = str(tmp_path / "held.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = wal")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL, s TEXT, b BLOB, z)")
    writer.execute("INSERT INTO t VALUES (1, 5, 1.5, 'Zoë — 東京', x'00ff10', NULL)")
    yield path, writer
    held_reads.close()
    writer.close()


def test_a_row_is_what_the_sqlite3_module_gives(db_file):
    path, writer = db_file
    assert held_reads.available()
    for sql, params in [("SELECT id, n, x, s, b, z FROM t WHERE id = ?", [1]),
                        ("SELECT ?, ?, ?, ?, ?, ?", [7, -2 ** 63, 2.25, "ü\x00v", None, True]),
                        ("SELECT ?, ?", [datetime(2026, 11, 23, 13, 30, 5, 120), date(2026, 11, 23)]),
                        ("SELECT n FROM t WHERE s = ?", ["Zoë — 東京"]),
                        ("SELECT n FROM t WHERE id = ?", [2])]:
        assert held_reads.one_row(path, sql, params) == writer.execute(sql, params).fetchone(), sql


def test_a_commit_by_another_connection_is_seen_at_the_next_read(db_file):
    path, writer = db_file
    read = "SELECT n FROM t WHERE id = ?"
    assert held_reads.one_row(path, read, [1]) == (5,)
    writer.execute("UPDATE t SET n = 6 WHERE id = 1")
    assert held_reads.one_row(path, read, [1]) == (6,)
    writer.execute("BEGIN")
    writer.execute("UPDATE t SET n = 7 WHERE id = 1")
    assert held_reads.one_row(path, read, [1]) == (6,)  # not yet committed
    writer.execute("COMMIT")
    assert held_reads.one_row(path, read, [1]) == (7,)


def test_it_never_writes_and_leaves_what_it_cannot_bind_to_the_usual_way(db_file):
    path, writer = db_file
    assert held_reads.one_row(path, "UPDATE t SET n = 0", []) is held_reads.MISSED
    assert held_reads.one_row(path, "SELECT n FROM t WHERE id = ?", [2 ** 64]) is held_reads.MISSED
    assert held_reads.one_row(path, "SELECT n FROM t WHERE id = ?", [object()]) is held_reads.MISSED
    assert held_reads.one_row(path, "SELECT n FROM t WHERE id = ?", []) is held_reads.MISSED  # a value missing
    assert held_reads.one_row(path, "SELECT nothing FROM nowhere", []) is held_reads.MISSED
    assert writer.execute("SELECT n FROM t").fetchall() == [(5,)]


def test_a_locked_file_is_left_to_the_usual_way_at_once(tmp_path):
    """A read made with Python's lock held must never wait for SQLite's: every thread would wait with it."""
    path = str(tmp_path / "journal.sqlite3")  # a rollback journal, where a writer's lock shuts readers out
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE t (n)")
    writer.execute("INSERT INTO t VALUES (1)")
    try:
        assert held_reads.one_row(path, "SELECT n FROM t", []) == (1,)
        writer.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        assert held_reads.one_row(path, "SELECT n FROM t", []) is held_reads.MISSED
        assert time.monotonic() - started < 1  # not the ten seconds the usual connections wait
        writer.execute("COMMIT")
        assert held_reads.one_row(path, "SELECT n FROM t", []) == (1,)
    finally:
        held_reads.close()
        writer.close()


def test_each_thread_and_each_forked_process_reads_on_its_own_connection(db_file):
    path, writer = db_file
    read = "SELECT n FROM t WHERE id = ?"
    assert held_reads.one_row(path, read, [1]) == (5,)
    mine = held_reads._mine.reader
    seen = []
    other = threading.Thread(target=lambda: seen.append((held_reads.one_row(path, read, [1]),
                                                         held_reads._mine.reader is not mine)))
    other.start()
    other.join()
    assert seen == [((5,), True)]

    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the forked process reports through the pipe
        try:
            row = held_reads.one_row(path, read, [1])
            os.write(writing, repr((row, held_reads._mine.reader is not mine)).encode())
        finally:
            os._exit(0)
    os.close(writing)
    deadline = time.monotonic() + 30
    while os.waitpid(child, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(child, 9)
            os.waitpid(child, 0)
            pytest.fail("the forked process did not finish its read")
        time.sleep(0.01)
    with os.fdopen(reading) as answer:
        assert answer.read() == repr(((5,), True))
    writer.execute("UPDATE t SET n = 8 WHERE id = 1")
    assert held_reads.one_row(path, read, [1]) == (8,)
    assert held_reads._mine.reader is mine  # the parent's connection went on as it was


def test_inside_a_transaction_the_version_is_read_on_its_own_connection(app):
    """A screen drawn inside the write transaction that changed it must carry the new version."""
    before = live.version()
    with write_transaction():
        live.bump()
        assert live.version() == before + 1
        assert held_reads.row_from(database.obj, "SELECT 1", []) is held_reads.MISSED
    assert held_reads.row_from(database.obj, "SELECT 1", []) == (1,)
    assert live.version() == before + 1


def test_an_idle_poll_reads_with_the_lock_held_and_still_counts_as_its_one_query(client, auth):
    auth.login("reception")
    make_ticket(name="Sam")
    version = poll_version(client.get("/staff/queue"))
    held_reads.close()
    with counting_queries() as sql:
        assert unchanged(client.get(f"/staff/queue/live?v={version}"))
    assert len(sql) == 1, sql
    made_here = held_reads._mine.reader.statements  # what this thread's connection has prepared
    assert any(repr(statement) in sql[0] for statement in made_here), (sql, list(made_here))
    make_ticket(name="Alex")  # committed by another connection: the next poll sees it
    assert not unchanged(client.get(f"/staff/queue/live?v={version}"))


def test_with_the_setting_off_every_read_goes_through_peewee(make_app):
    app = make_app(HELD_READS=False)
    client = app.test_client()
    Auth(client).login("reception")
    version = poll_version(client.get("/staff/queue"))
    held_reads.close()
    assert unchanged(client.get(f"/staff/queue/live?v={version}"))
    assert getattr(held_reads._mine, "reader", None) is None  # no connection of its own was opened
    make_ticket(name="Alex")
    assert not unchanged(client.get(f"/staff/queue/live?v={version}"))
