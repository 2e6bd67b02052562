"""Browser fixtures: Debian's Chromium driven by Playwright, the app served over real HTTP."""
import shutil

import pytest
from playwright.sync_api import sync_playwright

from kiosk.auth import create_user

from ..live_server import live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "correct horse battery"
TABLET_PORTRAIT = {"viewport": {"width": 800, "height": 1280}, "has_touch": True, "is_mobile": True}
DESK = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture(scope="session")
def browser():
    # No skip: without Chromium the browser tests must fail loudly.
    assert shutil.which(CHROMIUM), "Chromium is not installed: run `make test`, which installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path):
    with live_server(tmp_path / "e2e.sqlite3", WTF_CSRF_ENABLED=True) as base_url:
        yield base_url
        assert not base_url.log.errors, base_url.log.text


class Watched:
    """Pages opened through this fail the test on any console error or failed request."""

    def __init__(self, browser, base_url):
        self.browser, self.base_url, self.problems, self.contexts = browser, base_url, [], []

    def page(self, **options):
        context = self.browser.new_context(base_url=self.base_url, **options)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        return page

    def staff_page(self, username, role, **options):
        with self.base_url.app.app_context():
            create_user(username, username.title(), role, PASSWORD)
        page = self.page(**(options or DESK))
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, server):
    watched = Watched(browser, server)
    yield watched
    watched.close()
    assert not watched.problems, watched.problems
