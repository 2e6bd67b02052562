"""`make demo`: demo staff with a published password live in the demo's own database, never the real one."""
import re

from kiosk.demo import served_at
from kiosk.people.models import StaffUser

from ..served import Browser, ServedApp


class DemoServer(ServedApp):
    """`python run.py --demo`, as `make demo` runs it, always on SQLite."""

    def command(self):
        return [*super().command(), "--demo"]


def test_make_demo_serves_its_own_database_and_leaves_the_real_one_alone(tmp_path):
    demo_file, real_file = tmp_path / "demo.sqlite3", tmp_path / "served.sqlite3"
    server = DemoServer(tmp_path, backend="sqlite", env={"DEMO_SQLITE_PATH": str(demo_file)})
    try:
        server.start()
        reception = Browser(server.base_url)
        reception.csrf_from("/login")
        signed_in = reception.post("/login", username="reception", password="drop-in-demo-2026")
        assert signed_in.status == 302 and signed_in.location == "/staff/queue"
        assert "Stevie" in reception.get("/staff/queue").body  # the demo's session in progress

        links = re.findall(r"use as the (kiosk|display): (\S+)", server.log())
        assert [kind for kind, _ in links] == ["kiosk", "display"]
        kiosk_link = dict(links)["kiosk"]
        assert kiosk_link.startswith(f"{server.base_url}/enrol/")
        tablet = Browser(server.base_url)
        tablet.csrf_from(kiosk_link.removeprefix(server.base_url))
        claimed = tablet.post(kiosk_link.removeprefix(server.base_url))
        assert claimed.status == 303 and claimed.location == "/kiosk/"
    finally:
        server.stop()
    assert demo_file.exists()
    assert not real_file.exists(), "make demo opened the real database"


def test_the_demo_command_refuses_a_database_that_is_not_the_demos(make_app):
    app = make_app(TESTING=False)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "make demo" in result.output
    assert StaffUser.select().count() == 0


def test_enrolment_links_use_an_address_another_device_can_open():
    assert served_at("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    everywhere = served_at("0.0.0.0", 8080)
    assert everywhere.endswith(":8080") and "0.0.0.0" not in everywhere
