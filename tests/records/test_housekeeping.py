"""Daily housekeeping: the purge and the backup run once a day per deployment, whichever process gets there
first; a failed job is tried again; the daily copies are private, pruned, and restore to the same records."""
import stat
import subprocess
import threading
import time
import uuid
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest

from kiosk.audit import AuditEvent
from kiosk.backup import pg_environment, pg_tool
from kiosk.dropin.models import Ticket
from kiosk.housekeeping import Housekeeping, claim, run_due, start_housekeeping, status
from kiosk.migrations import MIGRATIONS

from ..backends import DATABASE_URL, POSTGRES
from ..factories import make_case, make_ticket
from ..moments import STORED

TODAY = date(2026, 11, 23)  # the clock fixture's local day


@pytest.fixture
def backups(app, tmp_path):
    app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP=3)
    return tmp_path / "backups"


def old_ticket(days_ago, name="Sam"):
    ticket = make_ticket(name=name)
    Ticket.update(created_at=STORED.MID_SESSION - timedelta(days=days_ago)).where(Ticket.id == ticket.id).execute()
    return ticket.id


def daily_copies(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_job_is_claimed_once_a_day_whoever_asks(app):
    assert [claim("purge", TODAY) for _ in range(3)] == [True, False, False]
    assert claim("backup", TODAY), "each job has its own day"
    assert claim("purge", TODAY + timedelta(days=1)) and not claim("purge", TODAY)


def test_a_claim_whose_process_died_is_taken_over_after_two_hours(app, clock):
    assert claim("backup", TODAY)
    clock.shift(timedelta(minutes=90))
    assert not claim("backup", TODAY), "still running, as far as anyone knows"
    clock.shift(timedelta(minutes=31))
    assert claim("backup", TODAY), "nobody finished it: another process takes it over"
    Housekeeping.update(finished_at=STORED.MID_SESSION).execute()
    clock.shift(timedelta(hours=3))
    assert not claim("backup", TODAY), "a finished job is done for the day"


def test_the_day_s_jobs_run_once_when_several_processes_check_at_the_same_moment(app, backups):
    old_ticket(40)
    done, start = [], threading.Barrier(6)

    def check():
        with app.app_context():
            start.wait()
            done.append(run_due())

    threads = [threading.Thread(target=check) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ran = [job for result in done for job in result]
    assert sorted(ran) == ["backup", "purge"], done
    assert daily_copies(backups) == ["dropin-2026-11-23.sqlite3" if not POSTGRES else "dropin-2026-11-23.dump"]
    assert Ticket.select().where(Ticket.name.is_null(False)).count() == 0, "the old name was purged"
    assert AuditEvent.select().where(AuditEvent.action == "backup").count() == 1
    assert run_due() == {}, "nothing more today"


def test_tomorrow_the_jobs_run_again_and_only_the_newest_copies_are_kept(app, backups, clock):
    backups.mkdir(mode=0o700)
    (backups / "notes.txt").write_text("not a backup")
    for day in range(18, 22):
        (backups / f"dropin-2026-11-{day}.{'dump' if POSTGRES else 'sqlite3'}").write_bytes(b"older copy")
    assert set(run_due()) == {"purge", "backup"}
    clock.shift(timedelta(days=1))
    assert set(run_due()) == {"purge", "backup"}
    suffix = "dump" if POSTGRES else "sqlite3"
    assert daily_copies(backups) == [f"dropin-2026-11-{d}.{suffix}" for d in (21, 23, 24)] + ["notes.txt"]
    copy = backups / f"dropin-2026-11-24.{suffix}"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600, "a copy of case records is for its owner only"
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    assert status()["backup"].outcome.startswith(f"dropin-2026-11-24.{suffix} (")


def test_a_failed_job_is_logged_and_the_others_still_run(app, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backups should go")
    app.config.update(BACKUP_DIR=str(blocker))
    first = run_due()
    assert first["backup"].startswith("failed: ") and first["purge"].startswith("cleared")
    assert "Daily backup failed" in caplog.text
    assert status()["backup"].outcome.startswith("failed: ")


def test_a_failed_job_gives_its_day_back(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backups should go")
    app.config.update(BACKUP_DIR=str(blocker))
    assert run_due()["backup"].startswith("failed: ")
    assert list(run_due()) == ["backup"], "the purge is done for today; the backup is tried again"
    app.config.update(BACKUP_DIR=str(tmp_path / "backups"))
    assert run_due()["backup"].startswith("dropin-2026-11-23.")
    assert run_due() == {}


def test_a_copy_cut_short_is_never_taken_for_the_day_s_backup(app, backups):
    backups.mkdir(mode=0o700)
    partial = backups / f".dropin-2026-11-23.{'dump' if POSTGRES else 'sqlite3'}.partial"
    partial.write_bytes(b"half a copy, the server killed while writing it")
    run_due()
    assert daily_copies(backups) == [f"dropin-2026-11-23.{'dump' if POSTGRES else 'sqlite3'}"]


def test_no_daily_copy_when_keep_is_zero(app, tmp_path):
    app.config.update(BACKUP_KEEP=0, SQLITE_PATH=str(tmp_path / "db" / "x.sqlite3"))
    assert run_due()["backup"] == "skipped: BACKUP_KEEP is 0"
    assert not (tmp_path / "db").exists()


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL has no default backup folder")
def test_postgresql_backs_up_only_when_told_where(app):
    app.config.update(BACKUP_DIR="")
    assert run_due()["backup"] == "skipped: set BACKUP_DIR for PostgreSQL"


def test_the_housekeeping_thread_checks_at_once_then_waits_and_stops_when_asked(app, backups):
    stop = start_housekeeping(app, every=timedelta(seconds=0.05))
    try:
        deadline = time.monotonic() + 30
        while Housekeeping.select().where(Housekeeping.finished_at.is_null(False)).count() < 2:
            assert time.monotonic() < deadline, "the first check runs as soon as the app is up"
            time.sleep(0.02)
        thread = next(t for t in threading.enumerate() if t.name == "housekeeping")
        assert thread.daemon
        time.sleep(0.3)  # several more checks: the day is taken
        assert len(daily_copies(backups)) == 1
    finally:
        stop.set()
    thread.join(10)
    assert not thread.is_alive(), "setting the event stops the thread"


def test_the_housekeeping_command_runs_what_is_due_and_says_how_each_went(app, backups, runner):
    first = runner.invoke(args=["housekeeping"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith("backup: ran now: dropin-2026-11-23.") and lines[1].startswith("purge: ran now: cleared")
    again = runner.invoke(args=["housekeeping"])
    assert again.output.splitlines()[0].startswith("backup: last claimed for 23/11/2026: dropin-2026-11-23.")


@pytest.mark.skipif(not POSTGRES, reason="pg_dump and pg_restore: PostgreSQL only")
def test_a_postgresql_backup_restores_into_a_new_database_with_the_same_records(app, backups, runner):
    import psycopg2  # noqa: PLC0415 - only the PostgreSQL run has it
    case = make_case(name="Jamie Reid", establishment="HMP Barlinnie")
    ticket = make_ticket(name="Sam")
    result = runner.invoke(args=["backup", str(backups / "by-hand.dump")])
    assert result.exit_code == 0, result.output
    copy = backups / "by-hand.dump"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert b"Jamie Reid" not in copy.read_bytes(), "the custom format is compressed, not a readable dump"

    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(DATABASE_URL)
    admin.autocommit = True
    try:
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        restored_url = urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{name}"))
        done = subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", name, str(copy)],
                              env=pg_environment(restored_url), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        restored = psycopg2.connect(restored_url)
        try:
            cursor = restored.cursor()
            cursor.execute("SELECT reference, name, establishment FROM \"case\" WHERE id = %s", (case.id,))
            assert cursor.fetchone() == (case.reference, "Jamie Reid", "HMP Barlinnie")
            cursor.execute("SELECT token, name FROM ticket WHERE id = %s", (ticket.id,))
            assert cursor.fetchone() == (ticket.token, "Sam")
            cursor.execute("SELECT name FROM schema_migration ORDER BY name DESC LIMIT 1")
            assert cursor.fetchone()[0] == MIGRATIONS[-1][0]  # the newest migration
        finally:
            restored.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_pg_dump_is_given_the_password_in_its_environment_not_its_command_line():
    env = pg_environment("postgresql://dropin:s%40cret@db.internal:5433/front_desk")
    assert {k: env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")} == {
        "PGHOST": "db.internal", "PGPORT": "5433", "PGUSER": "dropin", "PGPASSWORD": "s@cret",
        "PGDATABASE": "front_desk"}
