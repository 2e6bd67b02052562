"""A current database put back to how migration 0009 left family records, to upgrade again with 0010."""
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
from playhouse.migrate import migrate as apply

from kiosk.cases.models import FamilyContact
from kiosk.db import database, is_sqlite
from kiosk.migrations import SchemaMigration, _foreign_keys_off_on_sqlite

ADDED_BY_0010 = ("consent_withdrawn_on", "link_consent_family", "link_consent_person", "in_custody", "prison",
                 "updated_at")


def back_to_0009(rows):
    """Undo 0010 (its table, its columns, the case made optional) and add family rows as 0009 held them:
    (case id, name, relationship, consent date)."""
    migrator = SqliteMigrator(database) if is_sqlite() else PostgresqlMigrator(database)
    with _foreign_keys_off_on_sqlite():
        database.drop_tables([FamilyContact])
        apply(*[migrator.drop_column("family_member", column) for column in ADDED_BY_0010])
        apply(migrator.add_not_null("family_member", "case_id"))
    for case_id, name, relationship, consent_date in rows:
        database.execute_sql(
            'INSERT INTO "family_member" ("case_id", "name", "relationship", "consent_date", "created_at") '
            f"VALUES ({', '.join([database.param] * 5)})",
            (case_id, name, relationship, consent_date, "2026-10-01 10:00:00"))
    SchemaMigration.delete().where(SchemaMigration.name == "0010_families").execute()
