"""Importing a caseload from a CSV file: the template, the columns of another spreadsheet, the preview, the import
(all or nothing, audited, never twice, waiting for the drop-in to end when it is big), and who may do it."""
import pytest

from .import_support import *  # noqa: F403 - the shared file, upload, preview and manager, and what they read


def test_the_template_has_the_app_s_columns_and_one_example_row_which_an_import_leaves_out(client, manager):
    response = client.get("/cases/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "caseload-template.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ",".join(rows[0]) == HEADER and len(rows) == 2
    assert rows[1][:2] == ["EXAMPLE", "Alex Example"]

    location, page = preview_of(client, upload(client, response.get_data()))
    assert "New cases 0" in page and "There is nothing new to import." in page
    assert "Left out: row 2 (the template's example" in page


def test_a_filled_template_is_previewed_then_imported_through_the_case_services(client, manager):
    sam = make_case(name="Sam Reid", reference="GTC-0001", phone="0141 555 0101")
    raw = caseload({"reference": "gtc-0001", "name": "Sam Reid", "phone": "07000 000000"}, ANN,
                   {"name": "Ann Lee", "date_of_birth": "1985-12-31", "family_name": "Mary Lee",
                    "family_relationship": "Mother"},
                   {"name": "Jo Bloggs", "date_of_birth": "31/02/1985"})
    location, page = preview_of(client, upload(client, raw))
    assert "New cases 1 Already here 1 Rows not imported 1 Warnings 0" in page
    assert "5 Date of birth: “31/02/1985” is not a real date (dates are read day first, as 31/12/1985)." in page
    assert ("3, 4 Ann Lee 31/12/1985 new GTC number Kim Worker 2 "
            "Accommodation; Money and benefits; Education, training and employment") in page
    assert "2 Sam Reid GTC-0001 same reference" in page
    assert "Nothing has been saved to the case records yet." in page
    assert Case.select().count() == 1, "nothing is saved before the manager confirms"

    response = client.post(location + "/apply")
    assert response.status_code == 303 and response.headers["Location"] == location
    page = text(client.get(location))
    assert "Imported: 1 new case." in page and "Not imported: row 5." in page
    ann = Case.get(Case.name == "Ann Lee")
    assert f"{ann.reference} Ann Lee 31/12/1985 Kim Worker Active" in page
    assert (ann.date_of_birth, ann.phone, ann.contact_preference, ann.establishment, ann.release_date) == (
        date(1985, 12, 31), "07700 900123", "letter", "HMP Low Moss", date(2026, 11, 2))
    assert (ann.sentence_under_four_years, ann.statutory_order, ann.referral_source, ann.consent_date) == (
        True, False, "prison_social_work", date(2026, 10, 2))
    assert ann.keyworker.username == "kim" and ann.consent_recorded_by_id == manager.id
    assert sorted(i.area for i in ann.plan_items) == ["accommodation", "ete", "money"]
    family = {m.name: m.is_linked for m in ann.family}
    assert family == {"Jim Lee": True, "Mary Lee": False}, "linked only where both agreed"
    assert Case.get_by_id(sam.id).phone == "0141 555 0101", "a case already here is left as it is"

    imports = AuditEvent.select().where(AuditEvent.action == "import")
    assert [(e.staff_id, e.object_type) for e in imports] == [(manager.id, "CaseloadImport")]
    assert "1 new case, 1 already here left as they were, 1 row not imported" in imports[0].detail
    created = AuditEvent.select().where((AuditEvent.action == "create") & (AuditEvent.object_type == "Case"))
    assert [e.object_id for e in created] == [sam.id, ann.id]
    assert CaseloadImport.get().content is None, "the file is not kept once imported"


def test_the_same_file_imported_again_makes_nothing_twice(client, manager):
    raw = caseload(ANN, {"name": "Ed Park", "reference": "old-7"}, {"name": "Bo Chan"})
    location, _ = preview_of(client, upload(client, raw))
    client.post(location + "/apply")
    made = Case.select().count(), ActionPlanItem.select().count(), FamilyMember.select().count()
    assert made == (3, 3, 1)

    again, page = preview_of(client, upload(client, raw))
    assert "This same file was imported on Monday 23 November by Morag Boss." in page
    assert "New cases 0 Already here 3" in page
    assert "same name and date of birth" in page and "same reference" in page and "same name, no date of birth" in page
    assert "4 No date of birth or reference: this person is recognised by name alone" in page
    client.post(again + "/apply")
    assert (Case.select().count(), ActionPlanItem.select().count(), FamilyMember.select().count()) == made


def test_people_are_told_apart_and_a_person_s_rows_go_in_together_or_not_at_all(client, manager):
    make_case(name="Alex Morgan", reference="GTC-0001")
    raw = caseload({"reference": "GTC-0001", "name": "Somebody Else", "date_of_birth": "01/01/1970"},
                   {"reference": "X-1", "name": "Pat Kerr", "family_name": "Rose Kerr", "family_relationship": "Aunt"},
                   {"reference": "X-1", "name": "Pat Kerr", "family_name": "Tom Kerr", "family_relationship": ""},
                   {"reference": "X-2", "name": "Lee Quinn"}, {"reference": "X-2", "name": "Other Person"})
    _, page = preview_of(client, upload(client, raw))
    assert "2 Reference GTC-0001 is already GTC-0001 here, someone else's case." in page
    assert "3 Not imported with row 4, which is about the same person." in page
    assert "4 Family member's relationship: Say how they are related." in page
    assert "6 Reference X-2 is on row 5 for someone else." in page
    assert "New cases 1" in page and "5 Lee Quinn" in page


def test_another_spreadsheet_s_columns_are_chosen_on_a_screen_that_guesses_them(client, manager):
    raw = ("First name,Surname,DOB,Mobile,Prison,Liberation date,Worker,Notes\n"
           "Ryan,Duffy,03/04/1991,07700 900555,HMP Barlinnie,20/11/2026,Kim Worker,likes football\n").encode()
    response = upload(client, raw)
    assert response.status_code == 303 and response.headers["Location"].endswith("/columns")
    columns = response.headers["Location"]
    page = client.get(columns)
    assert '<option selected value="0">A: First name (e.g. Ryan)' in page.get_data(as_text=True)  # guessed
    words = text(page)
    assert "Not imported, as no choice below uses them: Notes." in words
    assert "C: DOB (e.g. 03/04/1991)" in words
    assert CaseloadImport.get().preview is None and Case.select().count() == 0

    chosen = {"first_names": "0", "surname": "1", "date_of_birth": "2", "phone": "3", "establishment": "4",
              "release_date": "5", "keyworker": "6"}
    response = client.post(columns, data={k: v for k, v in chosen.items() if k not in ("first_names", "surname")})
    assert response.status_code == 400
    assert "Choose the column that holds each person's name: every case needs one." in text(response)
    response = client.post(columns, data={**chosen, "phone": "2"})
    assert response.status_code == 400 and "Column C is already chosen for “Date of birth”" in text(response)
    response = client.post(columns, data={**chosen, "name": "99"})
    assert response.status_code == 400 and "Choose one of the file's columns." in text(response)

    location, page = preview_of(client, client.post(columns, data=chosen))
    assert "2 Ryan Duffy 03/04/1991 new GTC number Kim Worker" in page
    client.post(location + "/apply")
    ryan = Case.get()
    assert (ryan.name, ryan.phone, ryan.establishment, ryan.release_date) == (
        "Ryan Duffy", "07700 900555", "HMP Barlinnie", date(2026, 11, 20))


def test_an_import_refused_because_cases_changed_since_the_preview_saves_nothing(client, manager):
    location, _ = preview_of(client, upload(client, caseload({"reference": "X-1", "name": "Ann Lee"},
                                                             {"reference": "X-2", "name": "Bo Chan"})))
    make_case(name="Bo Chan", reference="X-2")  # typed in by someone else meanwhile
    audited = AuditEvent.select().count()
    response = client.post(location + "/apply")
    assert response.status_code == 303
    page = text(client.get(location))
    assert "Cases here changed since the preview was made" in page and "Nothing was imported" in page
    assert "New cases 1 Already here 1" in page, "the preview is made again"
    assert Case.select().count() == 1 and ActionPlanItem.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.id > audited, AuditEvent.action != "view").count() == 0
    client.post(location + "/apply")
    assert sorted(c.name for c in Case.select()) == ["Ann Lee", "Bo Chan"]


def test_an_import_is_applied_once(client, manager):
    location, _ = preview_of(client, upload(client, caseload(ANN)))
    client.post(location + "/apply")
    response = client.post(location + "/apply")
    assert response.status_code == 409 and "This file has been imported already" in text(response)
    assert Case.select().count() == 1


def test_the_preview_and_the_result_are_audited_as_views_of_the_cases_they_show(client, manager):
    sam = make_case(name="Sam Reid", reference="GTC-0001")
    location, _ = preview_of(client, upload(client, caseload({"reference": "GTC-0001", "name": "Sam Reid"}, ANN)))
    shown = AuditEvent.select().where((AuditEvent.action == "view") & (AuditEvent.object_type == "Case"))
    assert [(e.object_id, e.detail) for e in shown] == [(sam.id, "matched by caseload import 1")]
    client.post(location + "/apply")
    client.get(location)
    ann = Case.get(Case.name == "Ann Lee")
    assert shown.where(AuditEvent.object_id == ann.id).get().detail == "listed as made by caseload import 1"


@pytest.mark.parametrize("role", ["reception", "keyworker"])
def test_only_managers_import(client, auth, role):
    auth.login(role)
    assert "Import a caseload" not in text(client.get("/cases/"))
    assert client.get("/cases/import").status_code == 403
    assert upload(client, caseload(ANN)).status_code == 403
    assert CaseloadImport.select().count() == 0


def test_managers_find_the_import_on_the_cases_page(client, manager):
    page = client.get("/cases/").get_data(as_text=True)
    assert 'href="/cases/import"' in page and "Import a caseload" in page
    assert "No caseload has been imported yet." in text(client.get("/cases/import"))


def test_the_upload_needs_its_csrf_token(guarded_client):
    make_staff("manager", "boss")
    from bench.page_readers import csrf_token
    token = csrf_token(guarded_client.get("/login").get_data(as_text=True))
    guarded_client.post("/login", data={"username": "boss", "password": "correct horse battery", "csrf_token": token})
    response = upload(guarded_client, caseload(ANN))
    assert response.status_code == 400 and "This form has expired" in text(response)
    token = csrf_token(guarded_client.get("/cases/import").get_data(as_text=True))
    response = guarded_client.post("/cases/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(caseload(ANN)), "caseload.csv")})
    assert response.status_code == 303


def test_a_page_lists_a_thousand_cases_at_most_and_audits_those_it_lists(app, client, manager):
    app.config["IMPORT_WHILE_OPEN_MAX_NEW"] = 0  # imported while the drop-in is on (see the test below)
    rows = [{"reference": f"R-{n}", "name": f"Person {n}"} for n in range(1100)]
    location, page = preview_of(client, upload(client, caseload(*rows)))
    assert "New cases 1100" in page and "and 100 more, all of which are imported." in page
    client.post(location + "/apply")
    page = text(client.get(location))
    assert "The first 1,000 are listed here; find the others by searching on the Cases page." in page
    assert "R-999 Person 999" in page and "R-1000 Person 1000" not in page
    listed = AuditEvent.select().where(AuditEvent.detail == "listed as made by caseload import 1")
    assert listed.count() == 1000

    again, page = preview_of(client, upload(client, caseload(*rows)))
    assert "Already here 1100" in page and "and 100 more, all left as they are." in page
    assert AuditEvent.select().where(AuditEvent.detail == "matched by caseload import 2").count() == 1000


@pytest.mark.slow
def test_the_bench_imports_a_file_and_writes_its_figures(tmp_path):
    """bench/import_bench.py, in its own process as `make bench` runs it: what it did, never how fast."""
    out = tmp_path / "import.json"
    run = subprocess.run([sys.executable, "-m", "bench.import_bench", "--rows", "120", "--out", str(out)],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["rows"] == 120 and len(results["bad_rows"]) == 5
    assert 90 < results["cases_created"] < 120
    for figure in ("preview_seconds", "import_seconds", "preview_peak_mb", "import_peak_mb", "process_max_rss_mb"):
        assert results[figure] > 0, figure
    assert "Caseload import, 120 rows" in run.stdout


def test_the_audit_log_shows_the_upload_and_the_import(client, manager):
    location, _ = preview_of(client, upload(client, caseload(ANN)))
    client.post(location + "/apply")
    page = text(client.get("/admin/audit"))
    assert "upload caseload" in page and "1 row, read as UTF-8" in page
    assert "caseload file caseload.csv: 1 new case, 0 already here left as they were, 0 rows not imported" in page


@pytest.mark.slow
def test_two_managers_pressing_import_at_once_import_the_file_once(tmp_path):
    """Over real HTTP, at two offices: on PostgreSQL their write transactions lock different queue rows, so
    the upload itself must be claimed by one of them."""
    from kiosk.offices.services import add_office, set_offices
    from kiosk.people.accounts import create_user

    from ..dropin.test_concurrency import Browser, run_together
    from ..factories import PASSWORD, make_caseload_upload
    from ..live_server import live_server

    rows = "".join(f"R-{n},Person {n}\r\n" for n in range(40))
    with live_server(tmp_path / "live.sqlite3") as server:
        with server.app.app_context():
            first = create_user("boss", "Morag Boss", "manager", PASSWORD)
            second = create_user("meg", "Meg Second", "manager", PASSWORD)
            paisley = add_office("Paisley", first)
            set_offices(second, [paisley])
            record = make_caseload_upload(first, "reference,name\r\n" + rows)
        managers = [Browser(server), Browser(server)]
        for browser, username in zip(managers, ("boss", "meg")):
            assert browser.post("/login", username=username, password=PASSWORD).status == 302

        def press_import(i, barrier):
            barrier.wait()
            return managers[i].post(f"/cases/import/{record.id}/apply").status

        assert sorted(run_together(2, press_import)) == [303, 409]
        with server.app.app_context():
            assert Case.select().count() == 40
            assert AuditEvent.select().where(AuditEvent.action == "import").count() == 1
        assert not server.log.errors, server.log.text


def test_only_a_manager_s_upload_gets_room_for_a_file(client, auth):
    auth.login("keyworker")
    response = upload(client, b"name\n" + b"Ann Lee\n" * 20_000)
    assert response.status_code == 413 and "That was too much to send at once." in text(response)


def test_a_big_import_waits_until_no_drop_in_is_on_so_the_kiosks_keep_checking_people_in(app, client, manager, clock):
    """On SQLite an import holds the one write lock while it runs; one too big for a kiosk to wait out is
    refused while a drop-in is on, saving nothing, and goes in once the drop-in is over."""
    app.config["IMPORT_WHILE_OPEN_MAX_NEW"] = 2
    raw = caseload({"name": "Ed Park"}, {"name": "Bo Chan"}, {"name": "Cy Moor"})
    location, _ = preview_of(client, upload(client, raw))
    during = client.post(location + "/apply")
    if backends.POSTGRES:  # PostgreSQL locks rows, not the database: check-ins go on beside an import
        assert Case.select().count() == 3
        return
    assert during.status_code == 409
    assert "a drop-in is on at" in text(during) and "Nothing was imported" in text(during)
    assert Case.select().count() == 0
    clock.to("after closing")
    assert client.post("/login", data={"username": manager.username, "password": PASSWORD}).status_code == 302
    location, _ = preview_of(client, upload(client, raw))
    client.post(location + "/apply")
    assert Case.select().count() == 3
