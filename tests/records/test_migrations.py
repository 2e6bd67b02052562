"""Upgrading a database made by the first release (schema 0001) to the current schema loses nothing.

tests/fixtures/schema_0001.sql is that database as SQL text: the first release's own code made it
(its `migrate` and `demo` commands and its queue services; see make_schema_0001.py beside it) with
a Friday drop-in and a Monday one in progress at the time the tests freeze the clock at.
"""
import sqlite3
from pathlib import Path

import pytest

from config import TestingConfig
from kiosk import create_app
from kiosk.migrations import MIGRATIONS, migrate

from ..pages import text

pytestmark = pytest.mark.sqlite_only(reason="upgrades a first-release SQLite file; PostgreSQL's migrator is in records/test_postgres.py")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schema_0001.sql"
FIRST_TABLES = {"staff_user", "room", "drop_in_session", "ticket", "desk_assignment", "queue_state",
                "schema_migration"}
DEMO_PASSWORD = "drop-in-demo-2026"


def load_fixture(path):
    connection = sqlite3.connect(path)
    connection.executescript(FIXTURE.read_text(encoding="utf-8"))
    connection.close()


def tables(path):
    with sqlite3.connect(path) as connection:
        return {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}


def rows(path, table, columns=None):
    """Every row of a table as {column: value}, by id; only the given columns when named."""
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
    return [{k: row[k] for k in (columns or row.keys())} for row in found]


def schema(path):
    """Each table's columns (name, type, not null, primary key), indexes (columns, unique), foreign keys, triggers."""
    shape = {}
    with sqlite3.connect(path) as connection:
        for table in tables(path):
            columns = {(c[1], c[2].upper(), c[3], c[5]) for c in connection.execute(f'PRAGMA table_info("{table}")')}
            indexes = set()
            for index in connection.execute(f'PRAGMA index_list("{table}")'):
                name, unique = index[1], index[2]
                indexed = tuple(c[2] for c in connection.execute(f'PRAGMA index_info("{name}")'))
                indexes.add((indexed, unique))
            foreign_keys = {(k[3], k[2], k[4], k[6]) for k in connection.execute(f'PRAGMA foreign_key_list("{table}")')}
            triggers = {(name, " ".join(sql.split())) for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))}
            shape[table] = (columns, indexes, foreign_keys, triggers)
    return shape


def dump(path):
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


@pytest.fixture
def old_database(tmp_path):
    path = tmp_path / "from-0001.sqlite3"
    load_fixture(path)
    assert tables(path) == FIRST_TABLES  # the fixture really is the first schema, before any upgrade
    assert [r["name"] for r in rows(path, "schema_migration")] == ["0001_initial"]
    return path


@pytest.fixture
def upgraded(old_database, clock):
    """The app started on the old database (which migrates it), with the clock in Monday's drop-in."""
    before = {table: rows(old_database, table) for table in FIRST_TABLES}
    app = create_app(TestingConfig, SQLITE_PATH=str(old_database))
    app.before = before
    app.path = old_database
    return app


def test_every_old_row_is_still_there_with_the_same_values(upgraded):
    path = upgraded.path
    for table, old_rows in upgraded.before.items():
        assert old_rows, f"the fixture should have rows in {table}"
        columns = list(old_rows[0])
        now = rows(path, table, columns)
        if table == "schema_migration":
            now = now[:len(old_rows)]
        assert now == old_rows, table


def test_every_migration_is_recorded_once_in_order(upgraded):
    names = [r["name"] for r in rows(upgraded.path, "schema_migration")]
    assert names == [name for name, _ in MIGRATIONS]


def test_the_upgraded_schema_is_the_one_a_new_database_gets(upgraded, tmp_path):
    fresh = tmp_path / "fresh.sqlite3"
    create_app(TestingConfig, SQLITE_PATH=str(fresh))
    assert schema(upgraded.path) == schema(fresh)


def test_new_columns_on_old_rows_are_empty(upgraded):
    for user in rows(upgraded.path, "staff_user"):
        assert user["totp_secret"] is None and user["totp_confirmed_at"] is None
        assert user["recovery_codes"] is None and user["password_changed_at"] is None


def test_old_staff_sign_in_and_see_the_old_queue(upgraded):
    client = upgraded.test_client()
    response = client.post("/login", data={"username": "reception", "password": DEMO_PASSWORD})
    assert response.status_code == 302, text(response)
    page = client.get("/staff/queue")
    assert page.status_code == 200
    words = text(page)
    for name in ("Chris", "A.B.", "Paula", "Stevie", "Łukasz", "Nan", "Mhairi", "Lorraine", "Ally", "Dougie"):
        assert name in words
    assert "O'Neil" not in words and "Siobhán" not in words  # Friday's session is not today's queue
    with upgraded.app_context():
        from kiosk.dropin.models import Ticket
        from kiosk.dropin.sessions import working_session
        session = working_session()
        assert session.id == 2
        waiting = [t.number for t in Ticket.select().where((Ticket.session == session) & (Ticket.state == "waiting"))
                   .order_by(Ticket.number)]
    assert waiting == [10, 11, 12, 13, 14, 15, 16, 17]
    assert 'id="count-waiting">8<' in page.get_data(as_text=True)
    # A switched-off account made under the first schema stays switched off.
    refused = upgraded.test_client().post("/login", data={"username": "fiona", "password": DEMO_PASSWORD})
    assert refused.status_code == 400


def test_the_old_queue_carries_on_working(upgraded):
    """Finish an old call and press Call next: the priority walk-in comes next, numbering goes on."""
    worker = upgraded.test_client()
    assert worker.post("/login", data={"username": "aileen", "password": DEMO_PASSWORD}).status_code == 302
    with upgraded.app_context():
        from kiosk.dropin.models import Ticket
        ally = Ticket.get(Ticket.name == "Ally")
    done = worker.post(f"/staff/tickets/{ally.id}", data={"action": "finish", "expected_state": "called",
                                                          "outcome": "Visit forms done", "from": "desk"})
    assert done.status_code == 303
    called = worker.post("/staff/desk/call-next", follow_redirects=True)
    assert called.status_code == 200
    assert "Calling 16 to Room 1" in text(called)
    with upgraded.app_context():
        from kiosk.dropin.models import DropInSession
        from kiosk.dropin.queue import check_in
        # The kiosk's double-tap guard still knows a request key stored by the first release.
        assert check_in("self", ["housing"], request_key="c" * 32).name == "Łukasz"
        assert check_in("self", ["housing"], "Rhona").number == 18
        assert DropInSession.get_by_id(2).last_number == 18


def test_tables_added_since_work_on_an_upgraded_database(upgraded):
    with upgraded.app_context():
        from kiosk.dropin import devices
        from kiosk.cases.services import create_case
        from kiosk.cases.visits import link_ticket
        from kiosk.audit import AuditEvent
        from kiosk.cases.models import TicketLink
        from kiosk.dropin.models import Device, Ticket
        from kiosk.people.models import StaffUser
        aileen = StaffUser.get(StaffUser.username == "aileen")
        case = create_case({"name": "Christopher Reid", "status": "active", "keyworker": aileen}, aileen)
        chris = Ticket.get(Ticket.name == "Chris")
        link_ticket(chris.id, case.id, aileen)
        assert TicketLink.get(TicketLink.ticket == chris.id).case_id == case.id
        assert AuditEvent.select().where(AuditEvent.object_id == case.id).count() == 2
        _, token = devices.enrol("Wall screen", "display", aileen)
        assert Device.select().count() == 1
    display = upgraded.test_client()
    display.set_cookie(devices.COOKIES["display"], token)
    board = display.get("/display/")
    assert board.status_code == 200
    # The first release's last call (8, to Room 3) is what the wall screen shows.
    html = board.get_data(as_text=True)
    assert 'id="now-number">8<' in html and 'id="now-room">Room 3<' in html
    assert "8 waiting" in text(board)
    reception = upgraded.test_client()
    assert reception.post("/login", data={"username": "reception", "password": DEMO_PASSWORD}).status_code == 302
    assert case.reference in text(reception.get("/staff/queue"))
    with upgraded.app_context():
        from kiosk.people.models import SignIn
        assert SignIn.select().count() == 1


def test_migrating_again_changes_nothing(upgraded):
    path = upgraded.path
    once = dump(path)
    with upgraded.app_context():
        assert migrate() == []
    create_app(TestingConfig, SQLITE_PATH=str(path))  # a restart migrates again
    assert dump(path) == once


def test_a_new_database_records_every_migration_and_migrating_it_again_is_a_no_op(tmp_path, clock):
    path = tmp_path / "new.sqlite3"
    app = create_app(TestingConfig, SQLITE_PATH=str(path))
    once = dump(path)
    assert [r["name"] for r in rows(path, "schema_migration")] == [name for name, _ in MIGRATIONS]
    with app.app_context():
        assert migrate() == []
    assert dump(path) == once


def test_family_records_made_before_0010_keep_their_case_and_get_both_consents_to_link(tmp_path, clock):
    """0010 makes a family record's case optional (SQLite rebuilds the table) and adds consent to linking:
    the person named them to their keyworker, and they agreed where their consent was recorded."""
    path, fresh = tmp_path / "before-0010.sqlite3", tmp_path / "fresh.sqlite3"
    app = create_app(TestingConfig, SQLITE_PATH=str(path))
    with app.app_context():
        from kiosk.cases.models import FamilyMember
        from kiosk.cases.families import linked_case
        from ..factories import make_case, make_ticket
        from .before_families import back_to_0009
        case = make_case(establishment="HMP Low Moss")
        back_to_0009([(case.id, "Mary Morgan", "Mother", "2026-10-01"), (case.id, "Pat Morgan", "Brother", None)])
        assert migrate() == ["0010_families", "0011_family_tickets"]
        mary, pat = FamilyMember.select().order_by(FamilyMember.id)
        assert (mary.case_id, mary.link_consent_person, mary.link_consent_family) == (case.id, True, True)
        assert (pat.case_id, pat.link_consent_person, pat.link_consent_family) == (case.id, True, False)
        assert (mary.in_custody, mary.prison, mary.consent_withdrawn_on) == ("Alex Morgan", "HMP Low Moss", None)
        assert linked_case(mary) == case and linked_case(pat) is None
        # 0011: a family record outlives the case (its link goes), and a ticket can be linked to the family record alone.
        from kiosk.cases.models import Case, TicketLink
        TicketLink.create(ticket=make_ticket(name="Mary"), family_member=mary)
        Case.delete().where(Case.id == case.id).execute()
        assert [(m.name, m.case_id) for m in FamilyMember.select().order_by(FamilyMember.id)] == [
            ("Mary Morgan", None), ("Pat Morgan", None)]
        assert TicketLink.get().case_id is None
        once = dump(path)
        assert migrate() == []
    assert dump(path) == once
    create_app(TestingConfig, SQLITE_PATH=str(fresh))
    assert schema(path) == schema(fresh)
