"""What several browser tests share: tapping through the kiosk, axe-core, measuring targets and text."""
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from kiosk.dropin.queue import check_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
KIOSK_STEPS = ("welcome", "who", "needs", "name", "ticket")
MIN_TARGET_PX = 64
MIN_KIOSK_TEXT_PX = 24
BLOCKING_IMPACTS = ("serious", "critical")

# Runs in the page. Each tappable thing and its box; a checkbox inside a tile is tapped through its tile.
TAP_TARGETS_JS = """() => Array.from(document.querySelectorAll("a, button, label.tile, input[type=checkbox]"))
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
  .map(el => {
    const box = (el.matches("input[type=checkbox]") && el.closest("label.tile") || el).getBoundingClientRect();
    const name = el.id ? "#" + el.id : el.tagName.toLowerCase() + (el.htmlFor ? "[for=" + el.htmlFor + "]" : "");
    return {target: name + " " + JSON.stringify(el.textContent.trim().slice(0, 30)),
            width: Math.round(box.width * 10) / 10, height: Math.round(box.height * 10) / 10,
            right: box.right + scrollX, bottom: box.bottom + scrollY};
  })"""

# Runs in the page. Every piece of visible text (and text box) with its computed font size.
TEXT_SIZES_JS = """() => {
  const seen = [];
  const visible = el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden"
    && el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest("script, style, [hidden]") || !visible(el)) continue;
    seen.push({text: node.textContent.trim().slice(0, 40), size: parseFloat(getComputedStyle(el).fontSize)});
  }
  document.querySelectorAll("input[type=text], textarea").forEach(el => {
    if (visible(el)) seen.push({text: "#" + el.id, size: parseFloat(getComputedStyle(el).fontSize)});
  });
  return seen;
}"""


def screenshot(page, name, full_page=False):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page, animations="disabled")


def tap_through_kiosk(page, on_step=lambda step: None, needs=("housing",)):
    """Check in by tapping only (no name given), calling on_step(step) on each screen.

    Returns the ticket's public status URL.
    """
    page.goto("/kiosk/")
    expect(page.locator("h1")).to_have_text("Welcome")
    on_step("welcome")
    page.tap("#start")
    expect(page).to_have_url(re.compile(r"/kiosk/who$"))
    on_step("who")
    page.tap("#for-self")
    expect(page).to_have_url(re.compile(r"/kiosk/needs$"))
    for need in needs:
        page.tap(f"label[for=need-{need}]")
        expect(page.locator(f"#need-{need}")).to_be_checked()
    on_step("needs")
    page.tap("#needs-next")
    expect(page).to_have_url(re.compile(r"/kiosk/name$"))
    on_step("name")
    page.tap("#get-ticket")
    expect(page).to_have_url(re.compile(r"/kiosk/ticket/"))
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^\d+$"))
    on_step("ticket")
    return page.url.replace("/kiosk/ticket/", "/t/")


def add_ticket(server, visit_for="self", needs=(), name=None, priority=False):
    """A ticket made the way reception's walk-in form makes one, straight through the service."""
    with server.app.app_context():
        return check_in(visit_for, needs, name, source="reception", priority=priority)


def assert_no_serious_axe_violations(page, where):
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "; ".join(f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']]}" for v in blocking)
    assert not blocking, f"axe-core on {where}: {report}"


def small_tap_targets(page):
    targets = page.evaluate(TAP_TARGETS_JS)
    assert targets, "no tap targets found"
    return [t for t in targets if t["width"] < MIN_TARGET_PX or t["height"] < MIN_TARGET_PX]


def targets_below_the_fold(page):
    """Tap targets a visitor would have to scroll to: the whole step should fit the tablet's screen."""
    view = page.viewport_size
    return [t["target"] for t in page.evaluate(TAP_TARGETS_JS)
            if t["bottom"] > view["height"] + 0.5 or t["right"] > view["width"] + 0.5]


def small_kiosk_text(page):
    sizes = page.evaluate(TEXT_SIZES_JS)
    assert sizes, "no visible text found"
    return [s for s in sizes if s["size"] < MIN_KIOSK_TEXT_PX]
