"""Fixtures: a fresh database per test, a client, signed-in staff, and the clock at a Monday drop-in
(`clock.to("after closing")`: the named moments are in tests/moments.py)."""
import pytest
import time_machine

from config import TestingConfig
from kiosk import create_app

from . import backends, live_server
from .factories import enrol_device, make_staff
from .isolation import own_g_per_request
from .moments import MID_SESSION, moment


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): a test of SQLite itself (its file, WAL, "
                                       "integrity_check, online backup); skipped when DATABASE_URL is set")


def pytest_collection_modifyitems(config, items):
    if not backends.POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "a test of SQLite itself")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(autouse=True)
def clean_database():
    """On PostgreSQL every test starts from an empty database, as it does with a new SQLite file.

    Not while a module-wide live server is up: its tests share its database on purpose
    (live_server empties the database when it starts).
    """
    if backends.POSTGRES and not live_server.running():
        backends.reset()


class Clock:
    """The frozen clock: time_machine's traveller (`move_to`, `shift`), and `to` a named moment."""

    def __init__(self, traveller):
        self.traveller = traveller

    def to(self, name_or_moment):
        """Move to a moment of tests/moments.py by name, `clock.to("after closing")`, or to a datetime."""
        self.traveller.move_to(moment(name_or_moment))

    def move_to(self, destination, tick=None):
        self.traveller.move_to(destination, tick)

    def shift(self, delta):
        self.traveller.shift(delta)

    def __getattr__(self, name):
        return getattr(self.traveller, name)


@pytest.fixture
def clock():
    """Monday 23 November 2026, 1:30pm in Glasgow (GMT): half an hour into the drop-in (moments.MID_SESSION)."""
    with time_machine.travel(MID_SESSION, tick=False) as traveller:
        yield Clock(traveller)


@pytest.fixture
def make_app(tmp_path, clock):
    """Build an app with a test's own settings: its own database file, each request its own g
    (as when served, though the test holds the app's context), the context pushed till the end."""
    contexts = []

    def build(**overrides):
        app = create_app(TestingConfig, SQLITE_PATH=str(tmp_path / f"test{len(contexts) or ''}.sqlite3"),
                         **overrides)
        app.instance_path = str(tmp_path / "instance")  # what the app files there (speech) stays the test's
        own_g_per_request(app)
        contexts.append(app.app_context())
        contexts[-1].push()
        return app

    yield build
    for context in reversed(contexts):
        context.pop()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    """A browser that is both an enrolled kiosk and an enrolled display (and may sign in as staff)."""
    client = app.test_client()
    enrol_device("kiosk", client)
    enrol_device("display", client)
    return client


@pytest.fixture
def guarded_client(make_app):
    """A browser that is an enrolled kiosk and display, on an app with CSRF protection on, as served."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    enrol_device("kiosk", client)
    enrol_device("display", client)
    return client


@pytest.fixture
def bare_client(app):
    """A browser nobody has enrolled."""
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, role="reception", username=None, **fields):
        user = make_staff(role, username, **fields)
        response = self.client.post("/login", data={"username": user.username, "password": "correct horse battery"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user


@pytest.fixture
def auth(client):
    return Auth(client)
