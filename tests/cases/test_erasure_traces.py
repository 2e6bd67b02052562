"""After an erasure the person is found nowhere: not in the audit log's words, not in a backup made since, not in
an upload waiting to be imported; and the reports' figures do not move."""
import pytest

from .erasure_support import *  # noqa: F403 - the shared person, managers, helpers and the models they read


def test_the_reports_give_the_same_figures_after_the_erasure(app, person, managers):
    meg, ali = managers
    before = figures()
    assert before[0] != before[1]  # the periods really hold different figures
    csv_before = meg.get("/reports/contacts.csv", query_string={"period": "range", "first": "2026-10-01",
                                                               "last": "2026-10-31", "view": "managers"})
    assert csv_before.status_code == 200
    ask(meg, person["case"].id)
    confirm(ali, person["case"].id)
    assert figures() == before
    csv_after = meg.get("/reports/contacts.csv", query_string={"period": "range", "first": "2026-10-01",
                                                              "last": "2026-10-31", "view": "managers"})
    assert csv_after.get_data() == csv_before.get_data()


def test_the_audit_log_keeps_who_looked_and_when_without_the_words(app, person, managers):
    meg, ali = managers
    case = person["case"]
    rows_before = [(r.id, r.at, r.username, r.action, r.address) for r in
                   AuditEvent.select().where((AuditEvent.object_type == "Case") & (AuditEvent.object_id == case.id))
                   .order_by(AuditEvent.id)]
    assert any(r[3] == "create" for r in rows_before)
    ask(meg, case.id)
    confirm(ali, case.id)
    rows = list(AuditEvent.select().where((AuditEvent.object_type == "Case") & (AuditEvent.object_id == case.id))
                .order_by(AuditEvent.id))
    assert [(r.id, r.at, r.username, r.action, r.address) for r in rows] == rows_before
    assert {r.detail for r in rows} <= {ERASED_DETAIL, None}
    trail = [(r.action, r.username, r.detail) for r in AuditEvent.select().where(AuditEvent.object_type == "Erasure")
             .order_by(AuditEvent.id)]
    assert trail == [("ask to erase", "meg", f"case {case.id}: no_longer_needed"),
                     ("erase", "ali", f"case {case.id} erased on request, asked for by meg on 2026-11-23 "
                                      "(no_longer_needed)")]
    page = meg.get(f"/admin/audit?object_type=Case&object_id={case.id}")
    assert page.status_code == 200 and f"ERASED-{case.id}" in text(page)
    exported = meg.get("/admin/audit.csv").get_data(as_text=True)
    for shown in (text(page), text(meg.get("/admin/audit")), exported):
        assert not [trace for trace in TRACES if trace in shown]
    assert len(list(csv.reader(io.StringIO(exported)))) > len(rows)


def test_the_audit_log_opens_for_an_erased_case_s_details_and_nothing_else(person, managers):
    meg, ali = managers
    case, other = person["case"], person["other"]
    ask(meg, case.id)
    confirm(ali, case.id)
    erased = AuditEvent.select().where((AuditEvent.object_type == "Case") & (AuditEvent.object_id == case.id))
    attempts = [
        AuditEvent.update(detail=ERASED_DETAIL).where((AuditEvent.object_type == "Case")
                                                      & (AuditEvent.object_id == other.id)),  # not erased
        AuditEvent.update(detail="something else").where(AuditEvent.id.in_(erased)),
        AuditEvent.update(username="nobody").where(AuditEvent.id.in_(erased)),
        AuditEvent.update(detail=ERASED_DETAIL, address="elsewhere").where(AuditEvent.id.in_(erased)),
        AuditEvent.delete().where(AuditEvent.id.in_(erased)),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), database.atomic():
            attempt.execute()
    assert AuditEvent.select().where((AuditEvent.object_type == "Case") & (AuditEvent.object_id == other.id)
                                     & (AuditEvent.detail == ERASED_DETAIL)).count() == 0


def _backup_text(path):
    if is_sqlite():
        return path.read_bytes().decode("latin-1")
    done = subprocess.run([pg_tool("pg_restore"), "--file=-", str(path)], capture_output=True, text=True, check=True)
    return done.stdout


def test_a_backup_made_after_the_erasure_holds_none_of_it(app, person, managers, tmp_path):
    meg, ali = managers
    before = _backup_text(backup(tmp_path / "before.backup"))
    assert "Zebedee" in before and "Quarry Lane" in before  # so finding nothing below means something
    if is_sqlite():
        # This build of SQLite may zero what it frees by default: the erasure must not depend on it.
        database.execute_sql("PRAGMA secure_delete = OFF")
    ask(meg, person["case"].id)
    confirm(ali, person["case"].id)
    after = _backup_text(backup(tmp_path / "after.backup"))
    assert not [trace for trace in TRACES if trace in after]
    assert "Morag Dunlop" in after and "Alex Morgan" in after
    if is_sqlite():
        assert database.execute_sql("PRAGMA secure_delete").fetchone()[0] == 0  # the connection as it was
        live = b"".join(p.read_bytes() for p in tmp_path.glob("test.sqlite3*")).decode("latin-1")
        assert not [trace for trace in TRACES if trace in live]


@pytest.mark.sqlite_only(reason="what SQLite leaves in free space when not told to overwrite it")
def test_without_overwriting_sqlite_would_keep_the_old_words_in_a_backup(app, tmp_path):
    """Why the erasure overwrites what it frees: the same change without it leaves the name in a backup."""
    database.execute_sql("PRAGMA secure_delete = OFF")
    case = make_case(name="Someone")
    casework.add_contact(case.id, "phone", datetime(2026, 11, 20, 10, 0), "Zebedee rang from Quarry Lane. " * 200, None)
    ContactEntry.update(summary="").where(ContactEntry.case == case.id).execute()
    assert "Quarry Lane" in _backup_text(backup(tmp_path / "plain.backup"))


def test_an_older_database_gets_the_erasure_record_and_the_audit_log_s_narrow_door(app, person, managers):
    """Migration 0017 on a database made before it: the table, and the audit log's one exception."""
    from kiosk.migrations import SchemaMigration, _APPEND_ONLY, migrate
    database.drop_tables([Erasure])
    if is_sqlite():
        database.execute_sql("DROP TRIGGER audit_event_no_update")
    for sql in _APPEND_ONLY["sqlite" if is_sqlite() else "postgresql"]:  # the strict guard, as 0005 made it
        database.execute_sql(sql)
    SchemaMigration.delete().where(SchemaMigration.name == "0017_erasures").execute()
    assert migrate() == ["0017_erasures"]
    assert migrate() == []
    meg, ali = managers
    ask(meg, person["case"].id)
    assert confirm(ali, person["case"].id).status_code == 303
    assert not [trace for trace in TRACES if trace in everything_stored()]


def test_a_caseload_upload_waiting_to_be_imported_is_discarded_with_the_erasure(person, managers):
    """A file uploaded but not yet imported may hold the person: the erasure takes it too, and the manager
    who uploaded it is told to upload it again."""
    meg, ali = managers
    case = person["case"]
    waiting = make_caseload_upload(meg.user, f"name,date_of_birth\r\n{NAME},07/03/1988\r\n")
    ask(meg, case.id)
    confirm(ali, case.id)
    upload = CaseloadImport.get_by_id(waiting.id)
    assert (upload.status, upload.content, upload.preview) == ("expired", None, None)
    assert "caseload upload not yet imported discarded" in Erasure.get().done
    assert NAME not in everything_stored()
    gone = meg.get(f"/cases/import/{waiting.id}")
    assert gone.status_code in (404, 410) and "upload" in text(gone).lower()
