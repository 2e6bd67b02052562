"""Schema migrations, applied in order at start-up and by `flask migrate`.

A new database is created at the current schema in one step and every known
migration is recorded as applied. An existing database gets the migrations it
has not had yet, each in its own transaction. A schema change adds a function
to MIGRATIONS (using playhouse.migrate) and changes the models to match.
"""
import re
from contextlib import contextmanager

from flask import current_app
from peewee import (BigIntegerField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
from playhouse.migrate import migrate as apply

from .audit import AuditEvent
from .cases.access_requests import SubjectAccessRequest
from .cases.models import CASE_MODELS
from .cases.erasure_models import MODELS as ERASURE_MODELS
from .cases.erasure_models import let_erasures_blank_audit_details
from .cases.importing import CaseloadImport
from .clock import utcnow
from .db import BaseModel, database, is_postgres, is_sqlite
from .dropin.models import MODELS as DROPIN_MODELS
from .dropin.models import Device, QueueState
from .housekeeping import Housekeeping
from .offices.models import DEFAULT_OFFICE_ID, DEFAULT_OFFICE_NAME, Office, OfficeDay, OfficeHours, StaffOffice
from .offices.services import default_hours, furnish
from .people.models import SignIn, StaffUser
from .reports.models import MODELS as REPORT_MODELS

MODELS = [StaffUser, SignIn, Office, StaffOffice, OfficeHours, OfficeDay, *DROPIN_MODELS, *CASE_MODELS, AuditEvent, *REPORT_MODELS, Housekeeping, *ERASURE_MODELS, SubjectAccessRequest, CaseloadImport]


class SchemaMigration(BaseModel):
    name = CharField(max_length=100, unique=True)
    applied_at = DateTimeField(default=utcnow)


def _initial(migrator):
    """The first released schema; a new database is created from the models."""


def _casework(migrator):
    """Case records, linked tickets and the audit log."""
    database.create_tables([*CASE_MODELS, AuditEvent], safe=True)


def _security(migrator):
    """Server-side staff sign-ins, enrolled devices, two-factor sign-in."""
    columns = {c.name for c in database.get_columns("staff_user")}
    wanted = {"password_changed_at": DateTimeField(null=True), "totp_secret": CharField(max_length=64, null=True),
              "totp_confirmed_at": DateTimeField(null=True), "recovery_codes": TextField(null=True)}
    apply(*[migrator.add_column("staff_user", name, field) for name, field in wanted.items() if name not in columns])
    database.create_tables([SignIn, Device], safe=True)


def _totp_once(migrator):
    """Remember the last two-factor code's time step, so a code cannot be used twice."""
    if "totp_last_step" not in {c.name for c in database.get_columns("staff_user")}:
        apply(migrator.add_column("staff_user", "totp_last_step", BigIntegerField(null=True)))


_APPEND_ONLY = {
    "sqlite": [f"CREATE TRIGGER IF NOT EXISTS audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
               "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END" for verb in ("UPDATE", "DELETE")],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END $$",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}

_APPEND_ONLY_OFF = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"],
}


def _audit_append_only(migrator):
    """The database itself refuses to change or delete an audit row, whatever the code asks."""
    for sql in _APPEND_ONLY["sqlite" if is_sqlite() else "postgresql"]:
        database.execute_sql(sql)


def _offices(migrator):
    """Offices: the existing data becomes the default office's."""
    database.create_tables([Office, StaffOffice], safe=True)
    if not Office.select().where(Office.id == DEFAULT_OFFICE_ID).exists():
        Office.create(id=DEFAULT_OFFICE_ID, name=DEFAULT_OFFICE_NAME)
        _after_explicit_ids()
    for table in ("room", "drop_in_session", "device"):
        if "site_id" not in {c.name for c in database.get_columns(table)}:
            # SQLite adds a NOT NULL referencing column only with foreign keys off (see _migrate).
            database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "site_id" INTEGER NOT NULL '
                                 f'DEFAULT {DEFAULT_OFFICE_ID} REFERENCES "site" ("id")')
    # Names of rooms and times of sessions are unique within an office, not across them.
    database.execute_sql('DROP INDEX IF EXISTS "room_name"')
    database.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "room_site_id_name" ON "room" ("site_id", "name")')
    database.execute_sql('DROP INDEX IF EXISTS "drop_in_session_starts_at_extra"')
    database.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "drop_in_session_site_id_starts_at_extra" '
                         'ON "drop_in_session" ("site_id", "starts_at", "extra")')
    for table in ("room", "drop_in_session", "device"):
        database.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_site_id" ON "{table}" ("site_id")')


def _after_close(migrator):
    """What reception decided for someone still waiting when the session ended."""
    if "after_close" not in {c.name for c in database.get_columns("ticket")}:
        apply(migrator.add_column("ticket", "after_close", CharField(max_length=20, null=True)))


def _search_words_out(migrator):
    """Searches were once audited with the words typed, which are names and dates of birth. The log
    keeps that a search was made and how many it found; the words go, once, with the log's guard
    lifted for this alone and a row saying so."""
    old = [(event_id, detail) for event_id, detail in AuditEvent.select(AuditEvent.id, AuditEvent.detail)
           .where((AuditEvent.action == "search") & ~AuditEvent.detail.startswith("by ")).tuples()]
    if not old:
        return
    for sql in _APPEND_ONLY_OFF["sqlite" if is_sqlite() else "postgresql"]:
        database.execute_sql(sql)
    for event_id, detail in old:
        found = re.search(r"(\d+) found$", detail or "")
        words_gone = f"words removed: {found.group(1)} found" if found else "words removed"
        AuditEvent.update(detail=words_gone).where(AuditEvent.id == event_id).execute()
    _audit_append_only(migrator)
    AuditEvent.create(at=utcnow(), action="purge", address="command line",
                      detail=f"removed the words typed from {len(old)} past searches in the audit log")


def _throughcare(migrator):
    """The throughcare year: bookings of every kind, expected visitors, outcomes, ratings, partners,
    referrals and prison-visit travel help."""
    from .cases.models import ContactEntry, Partner, PlanRating, Referral, TravelHelp
    columns = {c.name for c in database.get_columns("appointment")}
    wanted = {"kind": CharField(max_length=20, default="office"), "prison": CharField(max_length=100, null=True),
              "place": CharField(max_length=200, null=True), "attendees": CharField(max_length=200, null=True),
              "reason": CharField(max_length=200, null=True),
              "contact_id": ForeignKeyField(ContactEntry, null=True, field=ContactEntry.id)}
    apply(*[migrator.add_column("appointment", name, field) for name, field in wanted.items() if name not in columns])
    columns = {c.name for c in database.get_columns("case")}
    wanted = {"close_outcome": CharField(max_length=30, null=True), "expected_on": DateField(null=True, index=True)}
    apply(*[migrator.add_column("case", name, field) for name, field in wanted.items() if name not in columns])
    database.create_tables([PlanRating, Partner, Referral, TravelHelp], safe=True)


def _families(migrator):
    """Families as clients in their own right: a record with or without a case, consent given and withdrawn,
    both sides' consent to linking, who they support inside, and their own contact log."""
    from .cases.models import Case, FamilyContact, FamilyMember
    columns = {c.name: c for c in database.get_columns("family_member")}
    if not columns["case_id"].null:
        apply(migrator.drop_not_null("family_member", "case_id"))  # SQLite rebuilds the table (keys off)
    wanted = {"consent_withdrawn_on": DateField(null=True), "link_consent_family": BooleanField(default=False),
              "link_consent_person": BooleanField(default=False), "in_custody": CharField(max_length=100, null=True),
              "prison": CharField(max_length=100, null=True), "updated_at": DateTimeField(default=utcnow)}
    apply(*[migrator.add_column("family_member", name, field) for name, field in wanted.items()
            if name not in columns])
    if "link_consent_person" not in columns:
        # The person named them to their keyworker; the family member agreed where their consent was recorded.
        # Who they support is the case's person, at the case's establishment, as the case page showed.
        person = Case.select(Case.name).where(Case.id == FamilyMember.case)
        establishment = Case.select(Case.establishment).where(Case.id == FamilyMember.case)
        FamilyMember.update(link_consent_person=True, link_consent_family=FamilyMember.consent_date.is_null(False),
                            in_custody=person, prison=establishment).execute()
    database.create_tables([FamilyContact], safe=True)


def _sqlite_foreign_key_on_delete(table, column, action):
    """SQLite keeps a foreign key's ON DELETE in the table's own CREATE statement: the table is made again
    with the new action (its rows copied, its indexes made again), as SQLite's documentation describes."""
    _, create = database.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                     (table,)).fetchone()
    clause = re.compile(r'(FOREIGN KEY \("?%s"?\) REFERENCES "?\w+"? \("?\w+"?\))( ON DELETE [A-Z ]+?)?(?=,|\)$| ON UPDATE)'
                        % re.escape(column))
    then = f" ON DELETE {action}" if action else ""  # none: the default, NO ACTION
    changed, found = clause.subn(lambda m: m.group(1) + then, re.sub(r"\s+", " ", create).strip())
    if found != 1:
        raise RuntimeError(f"No foreign key on {table}.{column} to change")
    indexes = [sql for (sql,) in database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))]
    columns = ", ".join(f'"{c.name}"' for c in database.get_columns(table))
    database.execute_sql(changed.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{table}__new"', 1))
    database.execute_sql(f'INSERT INTO "{table}__new" ({columns}) SELECT {columns} FROM "{table}"')
    database.execute_sql(f'DROP TABLE "{table}"')
    database.execute_sql(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for sql in indexes:
        database.execute_sql(sql)


def _foreign_key_on_delete(migrator, table, column, rel, action):
    if is_sqlite():
        _sqlite_foreign_key_on_delete(table, column, action)
        return
    # Named as PostgreSQL names the key of a table it creates, so an upgraded database matches a new one.
    apply(migrator.drop_foreign_key_constraint(table, column),
          migrator.add_foreign_key_constraint(table, column, rel, "id", on_delete=action,
                                              constraint_name=f"{table}_{column}_fkey"))


def _family_tickets(migrator):
    """The kiosk's family visit links to a family record, with no case; a family record outlives a case
    removed from under it (its link to the case goes, the record stays)."""
    if not {c.name: c for c in database.get_columns("ticket_link")}["case_id"].null:
        apply(migrator.drop_not_null("ticket_link", "case_id"))
    _foreign_key_on_delete(migrator, "family_member", "case_id", "case", "SET NULL")
    _foreign_key_on_delete(migrator, "ticket_link", "family_member_id", "family_member", "CASCADE")


def _daily_figures(migrator):
    """Anonymous daily figures for reports, which the purge of tickets' free text leaves alone. Past days are
    folded into them when the purge or a report first needs them."""
    database.create_tables(REPORT_MODELS, safe=True)


def _ticket_language(migrator):
    """The language a visitor chose at the kiosk, kept on their ticket for its page on their phone."""
    if "language" not in {c.name for c in database.get_columns("ticket")}:
        apply(migrator.add_column("ticket", "language", CharField(max_length=8, default="en")))


def _office_timetables(migrator):
    """Offices run from the app: each office's details and weekly hours, until now the settings
    (SERVICE_PHONE, PUBLIC_BASE_URL, DROPIN_WEEKDAYS/START/END, CHECKIN_OPENS_BEFORE_MINUTES), which every
    existing office keeps; its dated changes (closures, holidays kept open, extra sessions); why a drop-in
    closed early."""
    columns = {c.name for c in database.get_columns("site")}
    config = current_app.config
    wanted = {"address": CharField(max_length=120, default=""),
              "phone": CharField(max_length=30, default=config.get("SERVICE_PHONE", "")),
              "public_base_url": CharField(max_length=200, default=config.get("PUBLIC_BASE_URL", "")),
              "opens_before_minutes": IntegerField(default=int(config.get("CHECKIN_OPENS_BEFORE_MINUTES", 15))),
              "public_holidays": BooleanField(default=bool(config.get("PUBLIC_HOLIDAYS", True))),
              "timetable_version": IntegerField(default=0)}
    apply(*[migrator.add_column("site", name, field) for name, field in wanted.items() if name not in columns])
    if "closed_reason" not in {c.name for c in database.get_columns("drop_in_session")}:
        apply(migrator.add_column("drop_in_session", "closed_reason", CharField(max_length=120, null=True)))
    database.create_tables([OfficeHours, OfficeDay], safe=True)
    for office in Office.select():
        if not OfficeHours.select().where(OfficeHours.office == office.id).exists():
            default_hours(office)


def _housekeeping(migrator):
    """Daily jobs (the purge, the backup) claimed once per day by one process of the deployment."""
    database.create_tables([Housekeeping], safe=True)


def _erasures(migrator):
    """Erasures on request and anonymisings at the end of retention, each recorded by case number; the audit
    log lets an erased case's rows have their detail blanked, and nothing else (cases/erasure_models.py)."""
    database.create_tables(ERASURE_MODELS, safe=True)
    let_erasures_blank_audit_details()


def _subject_access(migrator):
    """Subject access requests: whose records, received when, due when (one calendar month), who logged and
    answered them (cases/access_requests.py)."""
    database.create_tables([SubjectAccessRequest], safe=True)


def _caseload_imports(migrator):
    """Caseload files uploaded to import: who, when, the file's name and hash, what was made
    (cases/importing.py). The file itself is kept only until it is imported, discarded or an hour old."""
    database.create_tables([CaseloadImport], safe=True)


def _desk_versions(migrator):
    """Each office's desk version beside its queue version, and the index each desk's poll reads its keyworker's
    called tickets by (dropin/live.py)."""
    if "desk_version" not in {c.name for c in database.get_columns("queue_state")}:
        apply(migrator.add_column("queue_state", "desk_version", BigIntegerField(default=0)))
    if "ticket_called_by_id_state" not in {i.name for i in database.get_indexes("ticket")}:
        apply(migrator.add_index("ticket", ("called_by_id", "state"), False))


def _after_explicit_ids():
    """PostgreSQL's id sequence does not see a row inserted with its own id; move it past."""
    if not is_sqlite():
        database.execute_sql("SELECT setval(pg_get_serial_sequence('site', 'id'), (SELECT MAX(id) FROM site))")


MIGRATIONS = [
    ("0001_initial", _initial),
    ("0002_casework", _casework),
    ("0003_security", _security),
    ("0004_totp_once", _totp_once),
    ("0005_audit_append_only", _audit_append_only),
    ("0006_sites", _offices),
    ("0007_after_close", _after_close),
    ("0008_search_words_out", _search_words_out),
    ("0009_throughcare", _throughcare),
    ("0010_families", _families),
    ("0011_family_tickets", _family_tickets),
    ("0012_daily_figures", _daily_figures),
    ("0013_ticket_language", _ticket_language),
    ("0014_office_timetables", _office_timetables),
    ("0015_housekeeping", _housekeeping),
    ("0016_subject_access", _subject_access),
    ("0017_erasures", _erasures),
    ("0018_caseload_imports", _caseload_imports),
    ("0019_desk_versions", _desk_versions),
]


@contextmanager
def migration_lock():
    """Only one process migrates at a time: gunicorn's workers all start the app at once.

    On PostgreSQL a session advisory lock (the others wait for it, then find the
    schema current); SQLite deployments run one process, and its DDL is transactional.
    """
    if not is_postgres():
        yield
        return
    database.execute_sql("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
    try:
        yield
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))


_MIGRATION_LOCK_KEY = 7_140_322_011  # any fixed number; the same in every process of this app


def migrate():
    """Bring the database to the current schema. Returns the names applied."""
    with migration_lock():
        return _migrate()


def _migrate():
    database.create_tables([SchemaMigration], safe=True)
    applied = {row.name for row in SchemaMigration.select(SchemaMigration.name)}
    done = []
    if not QueueState.table_exists():
        with database.atomic():
            database.create_tables(MODELS)
            _audit_append_only(None)  # triggers are not made by create_tables
            let_erasures_blank_audit_details()
            default_office = Office.create(id=DEFAULT_OFFICE_ID, name=DEFAULT_OFFICE_NAME)
            _after_explicit_ids()
            furnish(default_office)
            for name, _ in MIGRATIONS:
                SchemaMigration.create(name=name)
                done.append(name)
        return done
    migrator = SqliteMigrator(database) if is_sqlite() else PostgresqlMigrator(database)
    for name, step in MIGRATIONS:
        if name in applied:
            continue
        with _foreign_keys_off_on_sqlite():
            with database.atomic():
                step(migrator)
                SchemaMigration.create(name=name)
        done.append(name)
    return done


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite alters tables (adds referencing columns) only with foreign keys off, set outside a
    transaction; they are checked again afterwards, so a step cannot leave a dangling reference."""
    if not is_sqlite():
        yield
        return
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
        dangling = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"A migration left references to missing rows: {dangling[:5]}")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")
