"""Records in and out, one manager's afternoon in the browser: import a 200-row caseload with five bad rows,
answer one imported person's subject access request, then erase that person with a second manager's
confirmation (an open request would hold the erasure, so it is answered first)."""
import csv
import io
import re

from playwright.sync_api import expect

from bench.import_bench import caseload_csv
from kiosk.cases.models import Case

from .helpers import screenshot
from .test_caseload_import import LAPTOP, _keyworkers, _upload


def test_a_manager_imports_a_caseload_answers_a_request_and_erases_a_person(server, pages):
    _keyworkers(server)
    text, bad_rows = caseload_csv(200)
    people = [row for row in csv.DictReader(io.StringIO(text)) if not row["family_name"].startswith("Chris ")]
    new = len(people) - len(bad_rows)
    page = pages.staff_page("morag", "manager", **LAPTOP)

    # The import: the preview lists the five rows it cannot read, then everything else goes in at once.
    page.goto("/cases/import")
    _upload(page, "caseload.csv", text)
    expect(page.locator("#count-refused")).to_have_text("5")
    page.get_by_role("button", name=f"Import {new} new cases").click()
    expect(page.locator("#flash")).to_contain_text(f"Imported: {new} new cases.")
    page.locator("#imported-cases").get_by_role("link").first.click()
    name = page.locator("h1").inner_text().split("·")[-1].strip()
    assert name == people[0]["name"]

    # Their subject access request: logged from the case, the document gathered, then marked answered.
    page.get_by_role("link", name="Subject access request").click()
    page.get_by_label("How it came in").select_option("letter")
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator("#flash")).to_contain_text("The answer is due by")
    page.get_by_role("link", name="Open the document").click()
    expect(page.locator(".sar-document h1")).to_contain_text(f"Records held about {name}")
    screenshot(page, "records-walk-document")
    page.get_by_role("link", name="Back to the request").click()
    page.get_by_label(re.compile("checked, redacted where needed, and sent")).check()
    page.get_by_role("button", name="Mark answered").click()
    expect(page.locator("#flash")).to_contain_text("Request marked answered.")

    # Then they ask to be erased: one manager asks, another confirms, and the name is gone from search.
    with server.app.app_context():
        case = Case.get(Case.name == name)
    page.goto(f"/cases/{case.id}")
    page.get_by_role("link", name="Erase this person's records").click()
    page.get_by_label(re.compile("They asked, and the records are no longer needed")).check()
    page.get_by_role("button", name="Ask for the erasure").click()
    expect(page.locator(".flash")).to_contain_text("Another manager must confirm it")
    second = pages.staff_page("ali", "manager", **LAPTOP)
    second.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Erasures").click()
    second.locator("#waiting tbody tr").first.get_by_role("button", name="Erase now").click()
    expect(second.locator(".flash")).to_contain_text(f"Case {case.id} erased")
    second.goto("/cases/")
    second.get_by_label(re.compile("Search by name")).fill(name.split()[-1])
    second.get_by_role("button", name="Search").click()
    expect(second.locator("#case-results")).not_to_contain_text(name)
    screenshot(second, "records-walk-erased")
    with server.app.app_context():
        assert Case.select().count() == new  # the erased record stays, nameless, for the reports' counts
        assert not Case.select().where(Case.name == name).exists()
