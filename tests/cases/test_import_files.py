"""Reading a caseload file: UK dates, each unreadable row with its reason, formulas never worked out, encodings,
files refused with a clear message, and an upload kept an hour at most."""
import pytest

from .import_support import *  # noqa: F403 - the shared file, upload, preview and manager, and what they read


@pytest.mark.parametrize("written", ["31/12/1985", "1985-12-31", "31-12-1985", "31.12.1985", "31 Dec 1985",
                                     "31 December 1985", "1985-12-31 00:00:00", "31/12/1985 00:00"])
def test_dates_are_read_the_uk_way(client, manager, written):
    location, _ = preview_of(client, upload(client, caseload({"name": "Ann Lee", "date_of_birth": written})))
    client.post(location + "/apply")
    assert Case.get().date_of_birth == date(1985, 12, 31)


@pytest.mark.parametrize("cells, reason", [
    ({"date_of_birth": "12/31/1985"}, "Date of birth: “12/31/1985” is not a real date (dates are read day first"),
    ({"date_of_birth": "31/12/85"}, "Date of birth: “31/12/85” has a two-figure year: write the year in full"),
    ({"date_of_birth": "01/01/2030"}, "The date of birth is in the future."),
    ({"release_date": "01/01/1970", "date_of_birth": "01/01/1980"}, "The release date is before the date of birth."),
    ({"referral_source": "Police"}, "Referred by: “Police” is not one of: Prison throughcare support officer,"),
    ({"status": "closed"}, "Status: only cases being supported now are imported (Referred or Active), not “closed”."),
    ({"sentence_under_four_years": "maybe"}, "Sentence under four years: “maybe” is not yes or no."),
    ({"plan_areas": "Housing; Health"}, "Open plan areas: “Housing” is not a plan area"),
    ({"phone": "07700 900123 (mum)"}, "Phone: Use digits and spaces only."),
    ({"name": ""}, "Full name: Enter the person's name."),
    ({"name": "A" * 101}, "Full name: Field cannot be longer than 100 characters."),
    ({"reference": "AB/12"}, "Reference: Use letters, numbers and dashes."),
    ({"family_name": "Jean Lee"}, "Family member's relationship: Say how they are related."),
    ({"name": "=HYPERLINK(\"http://x\")"}, "Column “name” starts with “=”, as a spreadsheet formula does."),
    ({"address": "@SUM(A1:A9)"}, "Column “address” starts with “@”"),
    ({"establishment": "+cmd|' /C calc'!A0"}, "Column “establishment” starts with “+”"),
    ({"phone": "'=1+1"}, "Column “phone” starts with “=”"),
])
def test_each_unreadable_row_is_listed_with_its_reason_and_not_imported(client, manager, cells, reason):
    raw = caseload({"name": "Ann Lee", "date_of_birth": "31/12/1985", **cells}, {"name": "Bo Chan"})
    location, page = preview_of(client, upload(client, raw))
    assert f"2 {reason}" in page
    assert "New cases 1 Already here 0 Rows not imported 1" in page
    client.post(location + "/apply")
    assert [c.name for c in Case.select()] == ["Bo Chan"]


def test_phone_numbers_and_text_marks_are_not_formulas(client, manager):
    raw = caseload({"name": "Ann Lee", "phone": "+44 7700 900123"}, {"name": "Bo Chan", "phone": "'+44 141 496 0000"},
                   {"name": "Cy Dunn", "address": "- flat 2"})
    location, page = preview_of(client, upload(client, raw))
    assert "New cases 2" in page and "4 Column “address” starts with “-”" in page
    client.post(location + "/apply")
    assert sorted(c.phone for c in Case.select()) == ["+44 141 496 0000", "+44 7700 900123"]


def test_an_unknown_keyworker_leaves_the_case_unallocated_with_a_warning(client, manager):
    make_staff("reception", "rab", "Rab Duncan")
    raw = caseload({"name": "Ann Lee", "keyworker": "Nobody Here"}, {"name": "Bo Chan", "keyworker": "rab"},
                   {"name": "Cy Dunn", "keyworker": "KIM WORKER"})
    location, page = preview_of(client, upload(client, raw))
    assert ("2 Keyworker “Nobody Here” is not a keyworker or manager here: the case will be left unallocated."
            in page)
    assert "3 Keyworker “rab” is not a keyworker or manager here" in page
    assert "New cases 3 Already here 0 Rows not imported 0 Warnings 5" in page  # and three without birth dates
    client.post(location + "/apply")
    assert {c.name: c.keyworker_id is not None for c in Case.select()} == {"Ann Lee": False, "Bo Chan": False,
                                                                           "Cy Dunn": True}


@pytest.mark.parametrize("raw, encoding", [
    ("\ufeffname,date_of_birth\nSiobhán Nowak,01/02/1990\n".encode("utf-8"), "UTF-8"),
    ("name;date_of_birth\nSiobhán Nowak;01/02/1990\n".encode("cp1252"), "Windows-1252"),
    ("name\tdate_of_birth\r\nSiobhán Nowak\t01/02/1990\r\n".encode("utf-16"), "UTF-16"),
    (b"name,date_of_birth\nSiobh\xe1n Nowak\x81,01/02/1990\n", "Latin-1"),
])
def test_files_from_excel_are_read_in_their_encoding_and_the_page_says_which(client, manager, raw, encoding):
    location, page = preview_of(client, upload(client, raw))
    assert f"read as {encoding}" in page
    client.post(location + "/apply")
    assert Case.get().name.startswith("Siobhán Nowak")


def test_a_large_file_is_read_with_every_row_numbered_as_a_spreadsheet_shows_it(client, manager):
    rows = [{"name": f"Person {n}", "date_of_birth": f"{n % 28 + 1:02d}/01/1980"} for n in range(600)]
    rows[299]["date_of_birth"] = "32/01/1980"
    location, page = preview_of(client, upload(client, caseload(*rows)))
    assert "New cases 599" in page and "301 Date of birth: “32/01/1980” is not a real date" in page
    assert ("Importing this many cases takes about 2 seconds, and while it runs the kiosk, the queue and every "
            "other screen wait to save anything. Import outside drop-in hours.") in page


EMPTY, HEADER_ONLY = b"", HEADER.encode()


@pytest.mark.parametrize("raw, message", [
    (EMPTY, "The file is empty. Choose the CSV file with the caseload in it."),
    (b"\r\n\r\n , ,\r\n", "The file is empty."),
    (HEADER_ONLY, "The file has a heading row but no rows of people under it."),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "This is an Excel workbook (.xlsx) or another zipped file, "
                                                        "not a CSV file. In Excel choose File, Save As"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "This is an old Excel workbook (.xls), not a CSV file."),
    (bytes(range(256)) * 4, "This is not a CSV file: it holds characters no spreadsheet writes in one."),
    (b"name\n" + b"x\n" * 10_001, "The file has 10,001 rows of people; at most 10,000 go in one import. "
                                  "Split the file"),
    (b",".join([b"c"] * 201) + b"\nx\n", "The file has 201 columns"),
    (b'name\n"' + b"x" * 200_000 + b'"\n', "The file is not a CSV file a spreadsheet would write"),
])
def test_a_file_that_cannot_be_a_caseload_is_refused_with_a_clear_message(client, manager, raw, message):
    response = upload(client, raw)
    assert response.status_code == 400
    assert message in text(response)
    assert CaseloadImport.select().count() == 0


def test_no_file_and_a_file_over_five_megabytes_are_refused(client, manager):
    response = client.post("/cases/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the CSV file to import." in text(response)
    response = upload(client, b"name\n" + b"Ann Lee\n" * 700_000)
    assert response.status_code == 413
    assert "The file is over 5 MB. Split it into smaller files (at most 10,000 people each)" in text(response)
    assert CaseloadImport.select().count() == 0


def test_a_file_without_a_name_column_asks_which_column_holds_the_names(client, manager):
    response = upload(client, b"Who,DOB\nAnn Lee,31/12/1985\n")
    page = text(client.get(response.headers["Location"]))
    assert "No heading in the file says it holds people's names: choose the column that does" in page
    response = client.post(response.headers["Location"], data={"date_of_birth": "1"})
    assert response.status_code == 400
    assert "Choose the column that holds each person's name: every case needs one." in text(response)


def test_only_the_upload_takes_a_file(client, manager):
    response = client.post("/cases/new", data={"name": "Ann", "file": (io.BytesIO(b"x"), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "This form does not take files." in text(response)


def test_an_upload_is_kept_an_hour_then_removed(client, manager, clock):
    location, _ = preview_of(client, upload(client, caseload(ANN)))
    kept = CaseloadImport.get()
    assert kept.content.startswith("reference,name") and kept.status == "uploaded"
    for _ in range(3):  # signed in all the while (a sign-in lapses after 30 idle minutes)
        clock.shift(timedelta(minutes=20, seconds=20))
        client.get("/cases/")
    response = client.get(location)
    assert response.status_code == 410 and "over an hour old and was removed" in text(response)
    assert client.post(location + "/apply").status_code == 410 and Case.select().count() == 0
    assert CaseloadImport.get_by_id(kept.id).content is not None
    run_due()  # the app's housekeeping, every ten minutes while it runs
    forgotten = CaseloadImport.get_by_id(kept.id)
    assert (forgotten.status, forgotten.content, forgotten.preview) == ("expired", None, None)
    assert "Removed after an hour without being imported" in text(client.get("/cases/import"))


def test_any_later_upload_clears_the_files_left_behind(client, manager, clock):
    location, _ = preview_of(client, upload(client, caseload(ANN)))
    clock.shift(timedelta(minutes=61))
    client.post("/login", data={"username": "boss", "password": "correct horse battery"})  # signed out meanwhile
    upload(client, caseload({"name": "Bo Chan"}))
    assert [(r.status, r.content is None) for r in CaseloadImport.select().order_by(CaseloadImport.id)] == [
        ("expired", True), ("uploaded", False)]


def test_a_discarded_upload_keeps_nothing_of_the_file(client, manager):
    location, _ = preview_of(client, upload(client, caseload(ANN)))
    response = client.post(location + "/discard")
    assert response.status_code == 303 and response.headers["Location"] == "/cases/import"
    discarded = CaseloadImport.get()
    assert (discarded.status, discarded.content, discarded.preview) == ("discarded", None, None)
    assert client.get(location).status_code == 410 and Case.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.action == "discard caseload upload").count() == 1
