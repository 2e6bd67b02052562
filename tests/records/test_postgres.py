"""What only PostgreSQL has to get right: app processes starting together, and upgrading an older database.

Runs in `make test`'s PostgreSQL pass (DATABASE_URL set); the rest of the suite runs
on both databases.
"""
import multiprocessing
import os
import time

import pytest

from kiosk.db import database
from kiosk.migrations import MIGRATIONS, SchemaMigration, migrate
from kiosk.dropin.models import QueueState, Room
from kiosk.people.models import StaffUser

from .. import backends
from ..factories import make_staff, make_ticket

pytestmark = pytest.mark.skipif(not backends.POSTGRES, reason="PostgreSQL only: run with DATABASE_URL set "
                                                             "(make test-postgres)")


def _start_app(barrier):
    from config import ProductionConfig
    from kiosk import create_app
    barrier.wait(60)  # every process runs create_app() (and so migrate()) at the same moment
    create_app(ProductionConfig, SECRET_KEY="test")


def test_four_processes_starting_at_once_make_the_database_once():
    """gunicorn -w 4 starts four copies of the app together on an empty database."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    processes = [context.Process(target=_start_app, args=(barrier,)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]

    from config import TestingConfig
    from kiosk import create_app
    with create_app(TestingConfig).app_context():
        assert [m.name for m in SchemaMigration.select().order_by(SchemaMigration.id)] == [n for n, _ in MIGRATIONS]
        assert [q.id for q in QueueState.select()] == [1]
        assert Room.select().count() == 4


def _shape():
    columns = database.execute_sql(
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = 'public'").fetchall()
    indexes = database.execute_sql("SELECT tablename, indexname, indexdef FROM pg_indexes "
                                   "WHERE schemaname = 'public'").fetchall()
    keys = database.execute_sql(  # each foreign key: its table, name, column and what deleting the row it names does
        "SELECT k.table_name, k.constraint_name, k.column_name, r.delete_rule "
        "FROM information_schema.referential_constraints r JOIN information_schema.key_column_usage k "
        "ON k.constraint_name = r.constraint_name AND k.constraint_schema = r.constraint_schema "
        "WHERE r.constraint_schema = 'public'").fetchall()
    return set(columns), set(indexes), set(keys)


def test_an_older_database_is_brought_up_to_date(app):
    """The PostgreSQL migrator adds what 0003 and 0004 added to a database made before them, keeping its rows."""
    from kiosk.dropin.models import Device
    from kiosk.people.models import SignIn
    current = _shape()
    keyworker, ticket = make_staff("keyworker", "aileen"), make_ticket(name="Sam")
    database.drop_tables([SignIn, Device], cascade=True)
    for column in ("password_changed_at", "totp_secret", "totp_confirmed_at", "recovery_codes", "totp_last_step"):
        database.execute_sql(f'ALTER TABLE "staff_user" DROP COLUMN "{column}"')
    SchemaMigration.delete().where(SchemaMigration.name.in_(["0003_security", "0004_totp_once"])).execute()
    assert _shape() != current

    assert migrate() == ["0003_security", "0004_totp_once"]
    assert _shape() == current
    assert migrate() == []
    user = StaffUser.get_by_id(keyworker.id)
    assert user.username == "aileen" and user.totp_secret is None and user.totp_last_step is None
    assert ticket.number == 1 and make_ticket().number == 2


def test_family_records_from_before_0010_are_upgraded_in_place(app):
    """PostgreSQL drops the NOT NULL on a family record's case in place; old rows keep their case and get
    both consents to the link that the case page showed them under."""
    from kiosk.cases.families import linked_case
    from kiosk.cases.models import FamilyMember
    from ..factories import make_case
    from .before_families import back_to_0009
    current = _shape()
    case = make_case(establishment="HMP Low Moss")
    back_to_0009([(case.id, "Mary Morgan", "Mother", "2026-10-01"), (case.id, "Pat Morgan", "Brother", None)])
    assert _shape() != current

    assert migrate() == ["0010_families", "0011_family_tickets"]
    assert _shape() == current
    assert migrate() == []
    mary, pat = FamilyMember.select().order_by(FamilyMember.id)
    assert (mary.case_id, mary.link_consent_person, mary.link_consent_family, mary.in_custody) == (
        case.id, True, True, "Alex Morgan")
    assert (pat.case_id, pat.link_consent_person, pat.link_consent_family, pat.prison) == (
        case.id, True, False, "HMP Low Moss")
    assert linked_case(mary) == case and linked_case(pat) is None
    # 0011: a family record outlives the case (its link goes), and a ticket can be linked to the family record alone.
    from kiosk.cases.models import Case, TicketLink
    TicketLink.create(ticket=make_ticket(name="Mary"), family_member=mary)
    Case.delete().where(Case.id == case.id).execute()
    assert [(m.name, m.case_id) for m in FamilyMember.select().order_by(FamilyMember.id)] == [
        ("Mary Morgan", None), ("Pat Morgan", None)]
    assert TicketLink.get().case_id is None
    FamilyMember.create(name="Rose Duffy", relationship="Mother")  # no case at all


# --- Connections kept between requests (kiosk/db.py's KeptPostgresqlDatabase) -------------------------

def _elsewhere():
    """A connection of the test's own, outside the app's pool, to look at the app's from."""
    import psycopg2  # noqa: PLC0415 - installed for the PostgreSQL pass only
    other = psycopg2.connect(os.environ["DATABASE_URL"])
    other.autocommit = True
    return other


def _last_statement(other, pid):
    cursor = other.cursor()
    cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,))
    row = cursor.fetchone()
    return row[0] if row else None


def _given_back_after(statement):
    """Run `statement` on a pooled connection and give it back, as a request does; its backend's pid."""
    database.close()
    database.execute_sql(statement)
    pid = database.connection().get_backend_pid()
    database.close()
    return pid


def test_a_connection_given_back_moments_ago_is_used_again_without_a_ping(app):
    """On a busy deployment every request takes a connection given back moments ago: no SELECT 1 first."""
    other = _elsewhere()
    pid = _given_back_after("SELECT 41 + 1")
    database.connect()  # as the next request takes it
    assert database.connection().get_backend_pid() == pid
    assert _last_statement(other, pid) == "SELECT 41 + 1"  # nothing ran on it since
    assert database.execute_sql("SELECT 2 + 2").fetchone() == (4,)
    database.close()

    # One that sat in the pool longer is pinged as it is handed out, as peewee's pool does.
    kept = database.obj
    pid = _given_back_after("SELECT 41 + 1")
    for conn_id in kept._given_back:
        kept._given_back[conn_id] -= kept.TRUSTED_FOR + 1
    database.connect()
    assert database.connection().get_backend_pid() == pid
    assert _last_statement(other, pid) == "SELECT 1"
    database.close()
    other.close()


def _drop(other, pid):
    other.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    for _ in range(100):  # the backend is gone once the server no longer lists it
        if _last_statement(other, pid) is None:
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} still running")


def test_a_connection_the_server_dropped_in_the_pool_is_replaced_without_an_error(app):
    """A restart (or an administrator) ends the pooled connections: the next read and the next write each get
    a new one and succeed, and the dropped ones are not handed out again."""
    other = _elsewhere()
    before = QueueState.get_by_id(1).version
    pid = _given_back_after("SELECT 1 + 1")
    _drop(other, pid)
    assert QueueState.get_by_id(1).version == before  # a read: its statement ran again on a new connection
    assert database.connection().get_backend_pid() != pid
    database.close()

    pid = _given_back_after("SELECT 1 + 1")
    _drop(other, pid)
    with database.atomic():  # a write: its BEGIN found the connection dropped
        QueueState.update(version=QueueState.version + 1).where(QueueState.id == 1).execute()
    assert database.connection().get_backend_pid() != pid
    database.close()
    assert QueueState.get_by_id(1).version == before + 1
    assert all(not conn.closed for _, _, conn in database.obj._connections)
    database.close()
    other.close()


def test_an_error_on_a_live_kept_connection_is_not_run_again(app):
    """Only a dropped connection's statement runs again: one that fails on a live connection (here cancelled
    by its time limit, an OperationalError like a dropped connection's) fails once, on the same connection."""
    from peewee import OperationalError
    pid = _given_back_after("SET statement_timeout = 50")  # a session setting: it stays with the connection
    try:
        with pytest.raises(OperationalError, match="statement timeout"):
            database.execute_sql("SELECT pg_sleep(1)")  # run again on a new connection, it would finish
        assert database.connection().get_backend_pid() == pid  # the connection kept, not swapped for a new one
    finally:
        database.execute_sql("SET statement_timeout = 0")
        database.close()


def test_the_reads_polls_make_are_planned_once_on_each_connection(app):
    """Every poll reads its office's queue version (with its sign-in's check): the connection prepares the
    statement the first time, and every run uses the one plan made for it, none planned afresh."""
    from kiosk.dropin import live
    version = QueueState.get_by_id(1).version
    database.close()
    for _ in range(8):
        assert live.version(1) == version
    (generic, custom), = database.execute_sql(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
        ('%FROM "queue_state"%',)).fetchall()
    assert (generic, custom) == (8, 0)
    database.close()


def test_a_read_prepared_on_a_connection_the_server_dropped_is_prepared_again_on_a_new_one(app):
    """The pool hands out a connection given back moments ago without a ping; when the server dropped it, the
    prepared read runs on a new connection, which prepares it for itself, and the poll gets its answer."""
    from kiosk.dropin import live
    other = _elsewhere()
    version = live.version(1)
    pid = database.connection().get_backend_pid()
    database.close()
    _drop(other, pid)
    assert live.version(1) == version
    assert database.connection().get_backend_pid() != pid
    assert database.execute_sql("SELECT count(*) FROM pg_prepared_statements").fetchone() == (1,)
    database.close()
    other.close()
