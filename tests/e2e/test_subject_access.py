"""A manager answers a subject access request in the browser at a laptop's size: from the case page, log the
request and see its deadline, find it on the register, open the document (printed on A4 with no menus),
download the JSON file, and mark the request answered."""
import json
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from kiosk.cases import families
from kiosk.cases import services as casework
from kiosk.cases.access_requests import SubjectAccessRequest, deadline, log_request
from kiosk.clock import utcnow
from kiosk.dropin.schedule import schedule
from kiosk.people.models import StaffUser

from .helpers import SCREENSHOTS, assert_no_serious_axe_violations, screenshot

SCREEN = {"viewport": {"width": 1280, "height": 800}}


def test_a_manager_answers_a_subject_access_request(server, pages):
    page = pages.staff_page("meg", "manager", **SCREEN)
    with server.app.app_context():
        meg = StaffUser.get(StaffUser.username == "meg")
        today = schedule().local_today(utcnow())
        other = casework.create_case({"name": "Sam Reid"}, meg)
        case = casework.create_case({"name": "Alex Morgan", "date_of_birth": date(1990, 5, 1),
                                     "phone": "0141 555 0101", "sentence_under_four_years": True,
                                     "statutory_order": False, "release_date": today - timedelta(days=20),
                                     "establishment": "HMP Barlinnie", "status": "active", "keyworker": meg}, meg)
        item = casework.add_plan_item(case.id, {"area": "accommodation", "goal": "A tenancy of his own",
                                                "actions": "Homeless application"}, meg)
        casework.rate_plan_item(case.id, item.id, 3, meg)
        casework.add_contact(case.id, "phone", utcnow() - timedelta(days=3), "Talked about the tenancy", meg)
        casework.add_flag(case.id, "keep_apart", "Not in the waiting room together", meg, other)
        families.add_family_member({"name": "Mary Morgan", "relationship": "Mother", "link_consent_family": True,
                                    "link_consent_person": True}, meg, case.id)
        families.add_family_member({"name": "Jo Hidden", "relationship": "Ex-partner"}, meg, case.id)
        received = today - timedelta(days=2)
        due = deadline(received)
        # Another person's request, overdue: it must stand out on the register.
        late = log_request(today - timedelta(days=45), "email", meg, case_id=other.id)

    # From the case page: log the request, received two days ago by letter.
    page.goto(f"/cases/{case.id}")
    screenshot(page, "subject-access-case-page")
    page.get_by_role("link", name="Subject access request").click()
    expect(page.locator("h1")).to_contain_text("Subject access request · GTC-0002 · Alex Morgan")
    expect(page.locator("#due-hint")).to_contain_text(f"due by {deadline(today):%d/%m/%Y}")
    screenshot(page, "subject-access-person")
    assert_no_serious_axe_violations(page, "the page a subject access request is logged from")
    page.get_by_label("Date received").fill(received.isoformat())
    page.get_by_label("How it came in").select_option("letter")
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator("#flash")).to_contain_text(f"The answer is due by {due:%d/%m/%Y}")
    expect(page.locator("#sar-deadline")).to_contain_text(f"{due:%d/%m/%Y}")
    expect(page.locator("#sar-deadline")).to_contain_text(f"{(due - today).days} days left")
    screenshot(page, "subject-access-request")
    assert_no_serious_axe_violations(page, "a subject access request")

    # It is on the register, reached from the manager's menu, with its deadline.
    page.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Subject access").click()
    rows = page.locator("#open-requests tbody tr")
    expect(rows.first).to_contain_text("Sam Reid")
    expect(rows.first).to_have_class("is-overdue")
    expect(rows.first.locator(".tag-overdue")).to_have_text(f"Overdue by {(today - deadline(late.received_on)).days} days")
    row = rows.filter(has_text="Alex Morgan")
    expect(row).to_contain_text(f"{due:%d/%m/%Y}")
    screenshot(page, "subject-access-list")
    assert_no_serious_axe_violations(page, "the subject access register")
    row.get_by_role("link", name=re.compile("Alex Morgan")).click()

    # The document: everything about them, staff's notes marked, nobody else's details.
    page.get_by_role("link", name="Open the document").click()
    document = page.locator(".sar-document")
    expect(document.locator("h1")).to_have_text("Records held about Alex Morgan (GTC-0002)")
    expect(document).to_contain_text("A tenancy of his own")
    expect(document).to_contain_text("Talked about the tenancy")
    expect(document).to_contain_text("Mary Morgan")
    expect(document).to_contain_text("[Withheld: another person's details]")
    expect(document.locator(".check-mark").first).to_have_text("Check for third parties before sending")
    expect(document).not_to_contain_text("Sam Reid")
    expect(document).not_to_contain_text("Jo Hidden")
    expect(page.locator(".for-the-manager")).to_contain_text("1 family record is left out")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "nothing scrolls sideways"
    screenshot(page, "subject-access-document")
    screenshot(page, "subject-access-document-full", full_page=True)
    assert_no_serious_axe_violations(page, "the subject access document")

    # Printed: the document alone, on A4.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".for-the-manager")).to_be_hidden()
    expect(document).to_be_visible()
    screenshot(page, "subject-access-document-print", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    (SCREENSHOTS / "subject-access-document.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert 1 <= len(boxes) <= 6, f"{len(boxes)} pages"
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}, "A4 portrait (points)"
    page.emulate_media(media="screen")

    # The machine-readable file.
    with page.expect_download() as download:
        page.locator(".for-the-manager").get_by_role("link", name="Download the file (JSON)").click()
    assert download.value.suggested_filename.startswith("subject-access-request-")
    with open(download.value.path(), encoding="utf-8") as saved:
        found = json.load(saved)
    assert found["person"]["name"] == "Alex Morgan" and found["request"]["due_by"] == due.isoformat()
    assert found["safety_flags"][0]["other_person"] == {"withheld": "another person's details"}
    assert found["contact_log"][0]["summary"] == {"text": "Talked about the tenancy", "check_for_third_parties": True}

    # Sent: mark it answered.
    page.get_by_role("link", name="Back to the request").click()
    page.get_by_label(re.compile("checked, redacted where needed, and sent")).check()
    page.get_by_role("button", name="Mark answered").click()
    expect(page.locator("#flash")).to_contain_text("Request marked answered.")
    expect(page.locator("#sar-status")).to_contain_text(f"Answered on {today:%d/%m/%Y} by Meg")
    expect(page.locator("#sar-status")).to_contain_text("In time")
    with server.app.app_context():
        assert SubjectAccessRequest.get(SubjectAccessRequest.case == case.id).status == "answered"
