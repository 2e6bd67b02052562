"""Erasure in the browser, at a desk PC's size: one manager asks for a person's records to be erased, with the
reason; a second manager confirms it; the person is gone from search. Then a case closed long ago is
anonymised from the retention list."""
import re
from datetime import date, datetime

from playwright.sync_api import expect

from kiosk.cases import services as casework
from kiosk.cases.models import Case

from ..factories import make_case, make_staff
from .helpers import SCREENSHOTS, assert_no_serious_axe_violations, screenshot


def seed(server):
    with server.app.app_context():
        kim = make_staff("keyworker", "kim", "Kim Worker")
        case = make_case(kim, name="Zebedee Quarrington", date_of_birth=date(1988, 3, 7), phone="07700 900461",
                         keyworker=kim, establishment="HMP Low Moss")
        casework.add_plan_item(case.id, {"area": "accommodation", "goal": "A flat in Govan"}, kim)
        casework.add_contact(case.id, "phone", datetime(2026, 1, 5, 10, 0), "Rang about the flat", kim)
        old = make_case(kim, name="Quentin Blyth", keyworker=kim)
        # Closed in 2019: past the six years the service keeps a closed case.
        Case.update(status="closed", close_outcome="completed", closed_at=datetime(2019, 6, 3, 10, 0)).where(
            Case.id == old.id).execute()
        return case.reference, case.id, old.reference


def test_one_manager_asks_another_confirms_and_the_person_is_gone(server, pages):
    reference, case_id, old_reference = seed(server)
    meg = pages.staff_page("meg", "manager")
    meg.goto("/cases/")
    meg.get_by_label(re.compile("Search by name")).fill("Zebedee")
    meg.get_by_role("button", name="Search").click()
    meg.get_by_role("link", name=re.compile("Zebedee Quarrington")).click()
    meg.locator("#erasure").screenshot(path=SCREENSHOTS / "erasure-case-panel.png")
    meg.get_by_role("link", name="Erase this person's records").click()
    expect(meg.locator("h1")).to_have_text(f"Erase {reference} · Zebedee Quarrington")
    expect(meg.get_by_role("heading", name="What is kept, and why")).to_be_visible()
    meg.get_by_label(re.compile("They withdrew their consent")).check()
    meg.get_by_label(re.compile("In your own words")).fill("Asked in a letter dated 20 November")
    screenshot(meg, "erasure-request", full_page=True)
    assert_no_serious_axe_violations(meg, "the erasure request page")
    meg.get_by_role("button", name="Ask for the erasure").click()
    expect(meg.locator("h1")).to_have_text("Erasures")
    expect(meg.locator(".flash")).to_contain_text("Another manager must confirm it")
    row = meg.locator("#waiting tbody tr").first
    expect(row).to_contain_text("Zebedee Quarrington")
    expect(row).to_contain_text("Another manager must confirm.")
    expect(row.get_by_role("button", name="Erase now")).to_have_count(0)

    ali = pages.staff_page("ali", "manager")
    ali.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Erasures").click()
    row = ali.locator("#waiting tbody tr").first
    expect(row).to_contain_text("They withdrew their consent")
    expect(row).to_contain_text("Meg")
    screenshot(ali, "erasures-waiting")
    assert_no_serious_axe_violations(ali, "the erasures page")
    row.get_by_role("button", name="Erase now").click()
    expect(ali.locator(".flash")).to_contain_text(f"Case {case_id} erased")
    expect(ali.locator("#waiting")).to_contain_text("Nothing waiting.")
    done = ali.locator("#done tbody tr").first
    expect(done).to_contain_text(f"Case {case_id}")
    expect(done).to_contain_text("Erased on request")
    expect(done).not_to_contain_text("Zebedee")
    screenshot(ali, "erasures-done", full_page=True)

    for words in ("Zebedee", "Quarrington", "07/03/1988", reference):
        ali.goto("/cases/")
        ali.get_by_label(re.compile("Search by name")).fill(words)
        ali.get_by_role("button", name="Search").click()
        expect(ali.locator("#case-results")).to_contain_text("No case matches")
    ali.goto(f"/cases/{case_id}")
    expect(ali.locator("h1")).to_contain_text("Erased record")
    expect(ali.locator("#erasure-notice")).to_contain_text("erased at their request")
    expect(ali.locator("main")).not_to_contain_text("Zebedee")
    expect(ali.locator("main")).not_to_contain_text("Low Moss")
    screenshot(ali, "erasure-erased-case", full_page=True)

    ali.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Erasures").click()
    ali.get_by_role("link", name="Closed cases past retention (1)").click()
    expect(ali.locator("#due")).to_contain_text(old_reference)
    screenshot(ali, "erasure-retention")
    assert_no_serious_axe_violations(ali, "the retention list")
    ali.locator("#due tbody tr", has_text=old_reference).get_by_role("button", name="Anonymise").click()
    expect(ali.locator("#chosen")).to_contain_text(old_reference)  # asked first: it cannot be undone
    screenshot(ali, "erasure-retention-confirm")
    ali.get_by_role("button", name="Yes, anonymise").click()
    expect(ali.locator(".flash")).to_contain_text("Anonymised 1 case")
    expect(ali.locator("#due")).to_contain_text("No closed case is past its retention period.")
    with server.app.app_context():
        assert not Case.select().where(Case.name.in_(["Zebedee Quarrington", "Quentin Blyth"])).exists()
