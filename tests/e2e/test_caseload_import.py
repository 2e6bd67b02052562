"""A manager imports an existing caseload in the browser, at a laptop's size: the template, a 200-row file with
five bad rows, the preview with their reasons, the import, the cases; and another spreadsheet's columns chosen."""
import csv
import io
import re

from playwright.sync_api import expect

from bench.import_bench import KEYWORKERS, caseload_csv
from kiosk.cases.models import Case
from kiosk.people.accounts import create_user

from .helpers import assert_no_serious_axe_violations, screenshot

LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def _keyworkers(server):
    with server.app.app_context():
        for username in KEYWORKERS[:-1]:
            create_user(username, f"{username.title()} Worker", "keyworker", "correct horse battery")
        create_user("fiona", "Fiona Reid", "keyworker", "correct horse battery")


def _upload(page, name, text):
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    page.get_by_role("button", name="Upload and check").click()


def test_a_manager_imports_a_200_row_file_with_five_bad_rows(server, pages):
    _keyworkers(server)
    text, bad_rows = caseload_csv(200)
    people = [row for row in csv.DictReader(io.StringIO(text)) if not row["family_name"].startswith("Chris ")]
    assert len(bad_rows) == 5
    new = len(people) - 5

    page = pages.staff_page("morag", "manager", **LAPTOP)
    page.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Cases", exact=True).click()
    screenshot(page, "import-from-cases")
    page.get_by_role("link", name="Import a caseload").click()
    expect(page.locator("h1")).to_have_text("Import a caseload")
    screenshot(page, "import-page")
    assert_no_serious_axe_violations(page, "the import page")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template").click()
    assert download.value.suggested_filename == "caseload-template.csv"

    _upload(page, "caseload.csv", text)
    expect(page.locator("h1")).to_have_text("Check the import")
    expect(page.locator("#count-new")).to_have_text(str(new))
    expect(page.locator("#count-refused")).to_have_text("5")
    refused = page.locator("#refused tbody tr")
    expect(refused).to_have_count(5)
    assert [int(n) for n in refused.locator("th").all_inner_texts()] == bad_rows
    reasons = refused.locator("td").all_inner_texts()
    for expected in ("“31/02/1985” is not a real date", "starts with “=”, as a spreadsheet formula does",
                     "“Police” is not one of", "only cases being supported now are imported",
                     "“12/31/2026” is not a real date"):
        assert any(expected in reason for reason in reasons), (expected, reasons)
    expect(page.locator("#new-cases tbody tr")).to_have_count(new)
    screenshot(page, "import-preview")
    page.locator("#refused").scroll_into_view_if_needed()
    screenshot(page, "import-preview-rows")
    page.locator("#new-heading").scroll_into_view_if_needed()
    screenshot(page, "import-preview-new")
    assert_no_serious_axe_violations(page, "the import's preview")
    with server.app.app_context():
        assert Case.select().count() == 0, "nothing saved before the manager confirms"

    page.get_by_role("button", name=f"Import {new} new cases").click()
    expect(page.locator("h1")).to_have_text("Caseload imported")
    expect(page.locator("#flash")).to_contain_text(f"Imported: {new} new cases.")
    expect(page.locator("#imported-cases tbody tr")).to_have_count(new)
    expect(page.locator(".notice")).to_contain_text(f"Not imported: rows {', '.join(map(str, bad_rows))}.")
    screenshot(page, "import-done")
    assert_no_serious_axe_violations(page, "the imported cases")
    first = people[0]
    page.locator("#imported-cases").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text(first["name"])
    with server.app.app_context():
        assert Case.select().count() == new


def test_another_spreadsheet_s_columns_are_chosen_then_imported(server, pages):
    _keyworkers(server)
    text = ("Client ID,Forename,Surname,D.O.B.,Mobile,HMP,Liberation date,Allocated worker,Needs,Comments\r\n"
            "C-101,Ryan,Duffy,03/04/1991,07700 900555,HMP Barlinnie,20/11/2026,Kim Worker,Accommodation; Health,\r\n"
            "C-102,Amy,Boyle,1988-07-30,,HMP Greenock,01/12/2026,jamal,Money and benefits,call after 2\r\n")
    page = pages.staff_page("morag", "manager", **LAPTOP)
    page.goto("/cases/import")
    _upload(page, "from-the-old-system.csv", text)
    expect(page.locator("h1")).to_have_text("Which column holds what")
    expect(page.get_by_label("First names")).to_have_value("1")
    expect(page.get_by_label("Surname")).to_have_value("2")
    expect(page.get_by_label("Keyworker")).to_have_value("7")
    expect(page.locator(".notice")).to_have_text(re.compile("Not imported, as no choice below uses them: Comments"))
    screenshot(page, "import-columns", full_page=True)
    assert_no_serious_axe_violations(page, "the columns screen")
    page.get_by_role("button", name="Show the preview").click()
    expect(page.locator("h1")).to_have_text("Check the import")
    expect(page.locator("#new-cases")).to_contain_text("Ryan Duffy")
    page.get_by_role("button", name="Import 2 new cases").click()
    expect(page.locator("#imported-cases")).to_contain_text("Amy Boyle")
    with server.app.app_context():
        amy = Case.get(Case.name == "Amy Boyle")
        assert (amy.reference, amy.keyworker.username, [i.area for i in amy.plan_items]) == ("C-102", "jamal", ["money"])
