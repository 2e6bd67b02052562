"""Browser fixtures: Debian's Chromium driven by Playwright, the app served over real HTTP."""
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from kiosk.dropin import devices
from kiosk.people.accounts import create_user
from kiosk.people.models import StaffUser

from ..live_server import live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "correct horse battery"
TABLET_PORTRAIT = {"viewport": {"width": 800, "height": 1280}, "has_touch": True, "is_mobile": True}
TABLET_LANDSCAPE = {"viewport": {"width": 1280, "height": 800}, "has_touch": True, "is_mobile": True}
TABLETS = {"portrait": TABLET_PORTRAIT, "landscape": TABLET_LANDSCAPE}
DESK = {"viewport": {"width": 1366, "height": 768}}


def pytest_configure(config):
    config.addinivalue_line("markers", "server(**overrides): serve the app with these config overrides "
                                       "(on a test for `server`, on a module for `module_server`)")


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    """Every test in this folder drives the browser: mark it `browser` (registered in pyproject.toml)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _server_overrides(node):
    """The settings a test's marker asks for; a callable is called as the server starts (a time relative to then)."""
    marker = node.get_closest_marker("server")
    asked = {k: (v() if callable(v) else v) for k, v in (marker.kwargs if marker else {}).items()}
    return {"WTF_CSRF_ENABLED": True, **asked}


@pytest.fixture(scope="session")
def browser():
    # No skip: without Chromium the browser tests must fail loudly.
    assert shutil.which(CHROMIUM), "Chromium is not installed: run `make test`, which installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(request, tmp_path):
    with live_server(tmp_path / "e2e.sqlite3", **_server_overrides(request.node)) as base_url:
        yield base_url
        assert not base_url.log.errors, base_url.log.text


@pytest.fixture(scope="module")
def module_server(request, tmp_path_factory):
    """One server for a whole module, for tests that can share a queue. Never mix with `server`
    in one module: only one app can be live at a time (kiosk.db's proxy is module-level)."""
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    with live_server(path, **_server_overrides(request.node)) as base_url:
        yield base_url
        assert not base_url.log.errors, base_url.log.text


@pytest.fixture(scope="module")
def demo(module_server):
    """The module's server filled with the demo data: a session under way, cases, half a year of drop-ins."""
    from kiosk.demo import load_demo
    with module_server.app.app_context():
        load_demo()
    return module_server


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
        page.on("requestfailed", self._request_failed)
        return page

    def _request_failed(self, request):
        # ERR_ABORTED is the browser calling off its own request: the page navigated on while a
        # script, the favicon or a poll was still loading, or htmx dropped a poll whose part it
        # swapped. The server answered nothing wrong. What the server gets wrong shows otherwise:
        # a console error for a 4xx or 5xx, a reset or empty response here, an error in its log.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed: {request.url} {request.failure}")

    def refused_on_purpose(self, status):
        """A test asked for a refusal: the browser's console line for that one response is not a problem."""
        line = next((p for p in self.problems if p.startswith("console:") and f"status of {status} " in p), None)
        assert line, f"no {status} answer was seen: {self.problems}"
        self.problems.remove(line)

    def device_page(self, kind, **options):
        """A browser enrolled as the kiosk tablet or a wall display, with the cookie a manager's Enrol sets."""
        with self.base_url.app.app_context():
            _, token = devices.enrol(f"Test {kind} {len(self.contexts) + 1}", kind, None)
        page = self.page(**options)
        page.context.add_cookies([{"name": devices.COOKIES[kind], "value": token, "url": self.base_url}])
        return page

    def staff_page(self, username, role, password=PASSWORD, **options):
        with self.base_url.app.app_context():
            if not StaffUser.select().where(StaffUser.username == username).exists():
                create_user(username, username.title(), role, password)
        page = self.page(**(options or DESK))
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        expect(page).not_to_have_url(re.compile(r"/login"))  # signed in, not sent back with an error
        return page

    def close(self):
        while self.contexts:
            self.contexts.pop().close()


def _watching(browser, server):
    watched = Watched(browser, server)
    yield watched
    watched.close()
    assert not watched.problems, watched.problems


@pytest.fixture
def pages(browser, server):
    yield from _watching(browser, server)


@pytest.fixture
def module_pages(browser, module_server):
    """Like `pages`, on the module's shared server; each test still gets its own browser contexts."""
    yield from _watching(browser, module_server)
    assert not module_server.log.errors, module_server.log.text
