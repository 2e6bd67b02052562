"""A manager's quarter, in the browser at a laptop's size: Reports from the menu, last quarter, the drop-in
and casework figures with their charts, a table's CSV file, and the funder's version printed on A4."""
import csv
import re

from playwright.sync_api import expect

from kiosk.demo import DEMO_PASSWORD

from .helpers import SCREENSHOTS, assert_no_serious_axe_violations, screenshot


def test_a_manager_reads_last_quarter_downloads_a_table_and_prints_the_funder_s_version(demo, module_pages):
    page = module_pages.staff_page("manager", "manager", password=DEMO_PASSWORD)
    page.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_have_text("Reports")
    page.get_by_label("Period").select_option(label="Last quarter")
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator(".report-heading h2")).to_contain_text("all offices")
    glance = page.locator("#table-dropin")
    expect(glance).to_contain_text("Drop-in sessions held")
    held = int(glance.locator("tr", has_text="Drop-in sessions held").locator("td").inner_text())
    assert held >= 13, "the demo's drop-ins of the quarter (the test server's timetable has one every day)"
    expect(page.locator("#table-sessions svg polyline")).to_have_count(2)  # median and 90th percentile
    expect(page.locator("#table-needs svg rect").first).to_be_visible()
    expect(page.locator("#table-cases")).to_contain_text("Opened in the period")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "nothing scrolls sideways"
    screenshot(page, "reports")
    screenshot(page, "reports-full", full_page=True)
    for part in ("needs", "sessions", "referrals_out"):
        page.locator(f"#table-{part}").screenshot(path=SCREENSHOTS / f"reports-{part}.png")
    assert_no_serious_axe_violations(page, "the reports page")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Help asked for” as CSV").click()
    with open(download.value.path(), encoding="utf-8") as saved:
        rows = list(csv.reader(saved))
    assert download.value.suggested_filename == "needs.csv"
    assert rows[0] == ["Need", "Visits"] and rows[1][0] == "Housing" and int(rows[1][1]) > 0

    page.get_by_label("Version").select_option("funders")
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator(".report-heading")).to_contain_text("Funder's version")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("form.report-form")).to_be_hidden()
    expect(page.get_by_role("link", name=re.compile("as CSV")).first).to_be_hidden()
    screenshot(page, "reports-funders-print", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert 2 <= len(boxes) <= 12, f"{len(boxes)} pages"
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}, "A4 portrait (points)"
