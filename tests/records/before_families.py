"""A current database put back to how migration 0009 left family records, to upgrade again with 0010 and 0011."""
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
from playhouse.migrate import migrate as apply

from kiosk.cases.models import FamilyContact
from kiosk.db import database, is_sqlite
from kiosk.migrations import SchemaMigration, _foreign_key_on_delete, _foreign_keys_off_on_sqlite

ADDED_BY_0010 = ("consent_withdrawn_on", "link_consent_family", "link_consent_person", "in_custody", "prison",
                 "updated_at")


def back_to_0009(rows):
    """Undo 0011 (a ticket linked to a case always, family records going with their case) and 0010 (its
    table, its columns, the case made optional), and add family rows as 0009 held them:
    (case id, name, relationship, consent date)."""
    migrator = SqliteMigrator(database) if is_sqlite() else PostgresqlMigrator(database)
    with _foreign_keys_off_on_sqlite():
        apply(migrator.add_not_null("ticket_link", "case_id"))
        _foreign_key_on_delete(migrator, "ticket_link", "family_member_id", "family_member", None)
        _foreign_key_on_delete(migrator, "family_member", "case_id", "case", "CASCADE")
        database.drop_tables([FamilyContact])
        apply(*[migrator.drop_column("family_member", column) for column in ADDED_BY_0010])
        apply(migrator.add_not_null("family_member", "case_id"))
    for case_id, name, relationship, consent_date in rows:
        database.execute_sql(
            'INSERT INTO "family_member" ("case_id", "name", "relationship", "consent_date", "created_at") '
            f"VALUES ({', '.join([database.param] * 5)})",
            (case_id, name, relationship, consent_date, "2026-10-01 10:00:00"))
    SchemaMigration.delete().where(SchemaMigration.name.in_(["0010_families", "0011_family_tickets"])).execute()
