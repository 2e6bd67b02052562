"""Fixtures: a fresh database per test, a client, signed-in staff, and the clock at a Monday drop-in."""
from datetime import datetime, timezone

import pytest
import time_machine

from config import TestingConfig
from kiosk import create_app

from .factories import enrol_device, make_staff

# Monday 23 November 2026, 1:30pm in Glasgow (GMT): half an hour into the drop-in.
MONDAY_DROPIN = datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_DROPIN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def app(tmp_path, clock):
    app = create_app(TestingConfig, SQLITE_PATH=str(tmp_path / "test.sqlite3"))
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    """A browser that is both an enrolled kiosk and an enrolled display (and may sign in as staff)."""
    client = app.test_client()
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

    def login(self, role="reception", username=None):
        user = make_staff(role, username)
        response = self.client.post("/login", data={"username": user.username, "password": "correct horse battery"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user


@pytest.fixture
def auth(client):
    return Auth(client)
