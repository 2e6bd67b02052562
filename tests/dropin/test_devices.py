"""Enrolled devices: a manager enrols a browser as the kiosk or a display, lists and revokes it."""
import re
from datetime import timedelta

import pytest

from kiosk.dropin import devices
from kiosk.audit import AuditEvent
from kiosk.dropin.models import Device, Ticket

from ..factories import PASSWORD, enrol_device, make_staff
from ..pages import poll_version, text, unchanged
from ..queries import counting_queries

NOT_ENROLLED = "This screen is not enrolled"
CHECK_IN = {"k": "a" * 32, "visit_for": "self", "name": "Sam"}
PAGES = {"kiosk": "/kiosk/", "display": "/display/"}


def sign_in(client, role="manager"):
    user = make_staff(role)
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return user


def set_cookie_header(response, name):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def audit_rows(action):
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


@pytest.mark.parametrize("kind", ["kiosk", "display"])
def test_a_manager_enrols_this_browser_and_names_it(app, bare_client, kind):
    manager = sign_in(bare_client)
    response = bare_client.post("/admin/devices", data={"name": "  Reception tablet ", "kind": kind})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/devices"

    cookie = set_cookie_header(response, devices.COOKIES[kind])
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert max_age >= 365 * 24 * 3600, "a device cookie should outlive a year of Mondays"

    device = Device.get()
    assert (device.name, device.kind, device.created_by_id, device.revoked_at) == ("Reception tablet", kind,
                                                                                    manager.id, None)
    assert device.token_hash and device.token_hash not in cookie, "only a hash of the token is stored"
    [row] = audit_rows("enrol device")
    assert (row.username, row.object_type, row.object_id) == (manager.username, "Device", device.id)

    listing = text(bare_client.get("/admin/devices"))
    assert f"This browser is the {devices.KINDS[kind].lower()} “Reception tablet”" in listing

    # The manager signs out on the device; the browser stays enrolled.
    bare_client.post("/logout")
    assert bare_client.get(PAGES[kind]).status_code == 200


def test_only_an_enrolled_kiosk_checks_visitors_in(app, bare_client):
    for page in ("/kiosk/", "/kiosk/who?k=" + "a" * 32):
        response = bare_client.get(page)
        assert response.status_code == 403 and NOT_ENROLLED in text(response)
    assert bare_client.post("/kiosk/check-in", data=CHECK_IN).status_code == 403
    # A display is not a kiosk.
    enrol_device("display", bare_client)
    assert bare_client.post("/kiosk/check-in", data=CHECK_IN).status_code == 403
    assert Ticket.select().count() == 0

    enrol_device("kiosk", bare_client)
    assert bare_client.post("/kiosk/check-in", data=CHECK_IN).status_code == 303
    assert Ticket.select().count() == 1


def test_only_an_enrolled_display_shows_the_board(app, bare_client):
    enrol_device("kiosk", bare_client)  # a kiosk is not a display
    response = bare_client.get("/display/")
    assert response.status_code == 403 and NOT_ENROLLED in text(response)
    live = bare_client.get("/display/live?v=0", headers={"HX-Request": "true"})
    assert live.status_code == 403 and live.headers["HX-Refresh"] == "true"

    enrol_device("display", bare_client)
    assert bare_client.get("/display/").status_code == 200
    assert bare_client.get("/display/live?v=0", headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.parametrize("token", ["made-up", "x" * 500, ""])
def test_a_forged_device_cookie_is_not_enrolled(app, bare_client, token):
    enrol_device("kiosk")  # a real device exists, but this browser does not hold its token
    bare_client.set_cookie(devices.COOKIES["kiosk"], token)
    response = bare_client.get("/kiosk/")
    assert response.status_code == 403 and NOT_ENROLLED in text(response)


def test_managers_list_devices_with_when_they_were_last_seen(app, client, bare_client):
    sign_in(bare_client)
    row = re.compile(r"Test kiosk no\. \d+ Kiosk tablet (.*?) Revoke")
    assert row.search(text(bare_client.get("/admin/devices"))).group(1) == "Monday 23 November, 1:30pm Never"
    client.get("/kiosk/")
    assert row.search(text(bare_client.get("/admin/devices"))).group(1) == (
        "Monday 23 November, 1:30pm Monday 23 November 1:30pm")
    assert re.search(r"Test display no\. \d+ Wall display Monday 23 November, 1:30pm Never Revoke",
                     text(bare_client.get("/admin/devices")))


@pytest.mark.parametrize("kind", ["kiosk", "display"])
def test_a_revoked_device_says_plainly_that_it_is_not_enrolled(app, client, bare_client, kind):
    assert client.get(PAGES[kind]).status_code == 200
    manager = sign_in(bare_client)
    device = Device.get(Device.kind == kind)
    response = bare_client.post(f"/admin/devices/{device.id}/revoke")
    assert response.status_code == 303
    listing = text(bare_client.get("/admin/devices"))
    assert f"“Test {kind}” is no longer enrolled." in listing and "Revoked Monday 23 November" in listing

    response = client.get(PAGES[kind])
    assert response.status_code == 403
    assert NOT_ENROLLED in text(response) and "it was removed" in text(response)
    if kind == "kiosk":
        assert client.post("/kiosk/check-in", data=CHECK_IN).status_code == 403
        assert Ticket.select().count() == 0
    [row] = audit_rows("revoke device")
    assert (row.username, row.object_id) == (manager.username, device.id)


def test_a_revoked_display_is_sent_away_at_its_next_poll_even_when_nothing_changed(app, client, bare_client):
    version = poll_version(client.get("/display/"))
    live = f"/display/live?v={version}"
    with counting_queries() as sql:
        assert unchanged(client.get(live, headers={"HX-Request": "true"}))
    assert len(sql) == 1, "the version and the enrolment in one read"
    sign_in(bare_client)
    bare_client.post(f"/admin/devices/{Device.get(Device.kind == 'display').id}/revoke")
    response = client.get(live, headers={"HX-Request": "true"})
    assert response.status_code == 403 and response.headers["HX-Refresh"] == "true"
    assert "Now calling" not in client.get("/display/").get_data(as_text=True)


def test_a_one_time_link_enrols_another_screen_once(app, bare_client, clock):
    manager = sign_in(bare_client)
    page = bare_client.post("/admin/devices/link", data={"name": "Waiting room screen", "kind": "display"})
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    link = re.search(r"http://localhost(/enrol/[\w-]+)", page.get_data(as_text=True)).group(1)

    screen = app.test_client()
    assert screen.get("/display/").status_code == 403
    assert "Waiting room screen" in text(screen.get(link))
    claimed = screen.post(link)
    assert claimed.status_code == 303 and claimed.headers["Location"] == "/display/"
    assert "HttpOnly" in set_cookie_header(claimed, "display_device")
    assert screen.get("/display/").status_code == 200

    other = app.test_client()
    assert other.get(link).status_code == 404
    assert other.post(link).status_code == 404
    assert other.get("/display/").status_code == 403
    assert [r.detail for r in audit_rows("enrol device")] == ["link made for Wall display “Waiting room screen”",
                                                              "link used for Wall display “Waiting room screen”"]
    assert audit_rows("enrol device")[0].username == manager.username


def test_an_unused_link_expires_after_half_an_hour(app, bare_client, clock):
    _, code = devices.make_link("Late screen", "kiosk", None)
    clock.shift(timedelta(minutes=31))
    assert bare_client.get(f"/enrol/{code}").status_code == 404
    assert bare_client.post(f"/enrol/{code}").status_code == 404
    assert bare_client.get("/kiosk/").status_code == 403


def test_a_revoked_link_cannot_be_used(app, bare_client):
    device, code = devices.make_link("Spare tablet", "kiosk", None)
    devices.revoke(device.id, None)
    assert bare_client.post(f"/enrol/{code}").status_code == 404
    assert bare_client.get("/kiosk/").status_code == 403


@pytest.mark.parametrize("form, message", [
    ({"name": "", "kind": "kiosk"}, "Name the device"),
    ({"name": "Server", "kind": "server"}, "Not a valid choice"),
    ({"name": "x" * 61, "kind": "kiosk"}, "60"),
])
def test_enrolment_refuses_bad_input(app, bare_client, form, message):
    sign_in(bare_client)
    response = bare_client.post("/admin/devices", data=form)
    assert response.status_code == 400 and message in text(response)
    assert Device.select().count() == 0 and "kiosk_device" not in str(response.headers)


def test_only_managers_enrol_and_revoke(app, client, bare_client):
    sign_in(bare_client, "reception")
    kiosk = Device.get(Device.kind == "kiosk")
    assert bare_client.get("/admin/devices").status_code == 403
    assert bare_client.post("/admin/devices", data={"name": "Mine", "kind": "kiosk"}).status_code == 403
    assert bare_client.post(f"/admin/devices/{kiosk.id}/revoke").status_code == 403
    assert Device.select().count() == 2 and Device.get_by_id(kiosk.id).revoked_at is None
    assert client.get("/kiosk/").status_code == 200


def test_revoking_a_device_that_does_not_exist(app, bare_client):
    sign_in(bare_client)
    response = bare_client.post("/admin/devices/999/revoke")
    assert response.status_code == 404 and "There is no such device." in text(response)


def test_two_devices_with_the_same_name_can_be_told_apart(client, auth, clock):
    auth.login("manager")
    first = client.post("/admin/devices/link", data={"name": "Tablet", "kind": "kiosk"})
    clock.shift(timedelta(minutes=7))
    second = client.post("/admin/devices/link", data={"name": "Tablet", "kind": "kiosk"})
    assert first.status_code == second.status_code == 200
    rows = re.findall(r'<tr id="device-\d+">(.*?)</tr>', client.get("/admin/devices").get_data(as_text=True), re.S)
    tablets = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows if "Tablet" in row]
    assert len(tablets) == 2 and tablets[0] != tablets[1], tablets
    assert any("1:30pm" in t for t in tablets) and any("1:37pm" in t for t in tablets)
