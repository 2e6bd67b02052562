"""The audit log of security events: recorded in UTC, never changed, filtered and exported by managers."""
import csv
import io
from datetime import datetime, timezone

import pytest
from peewee import IntegrityError

from kiosk import audit
from kiosk.audit import AuditEvent
from kiosk.db import database

from ..factories import PASSWORD, make_case, make_staff
from ..pages import text

OFFICE = {"REMOTE_ADDR": "10.1.2.3"}
SUMMER_NOON = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)  # 1pm in Glasgow (BST)


def sign_in(client, user, password=PASSWORD, **kw):
    return client.post("/login", data={"username": user.username, "password": password}, **kw)


def rows(after=0):
    return [(e.action, e.username, e.object_type)
            for e in AuditEvent.select().where(AuditEvent.id > after).order_by(AuditEvent.id)]


def test_each_security_event_is_recorded_with_who_and_from_where(app, client):
    manager, worker = make_staff("manager", "morag"), make_staff("reception", "rhona")
    case = make_case()
    start = AuditEvent.select().count()
    desk = app.test_client()
    assert sign_in(desk, worker, "wrong password", environ_base=OFFICE).status_code == 400
    sign_in(desk, worker, environ_base=OFFICE)
    desk.get(f"/cases/{case.id}", environ_base=OFFICE)
    desk.post("/logout", environ_base=OFFICE)
    sign_in(client, manager, environ_base=OFFICE)
    client.post("/admin/devices", data={"name": "Tablet", "kind": "kiosk"}, environ_base=OFFICE)
    client.post("/admin/devices/3/revoke", environ_base=OFFICE)
    client.post(f"/admin/staff/{worker.id}/role", data={"role": "keyworker"}, environ_base=OFFICE)

    assert rows(after=start) == [
        ("sign-in failed", "rhona", None),
        ("sign-in", "rhona", "StaffUser"),
        ("view", "rhona", "Case"),
        ("sign-out", "rhona", "StaffUser"),
        ("sign-in", "morag", "StaffUser"),
        ("enrol device", "morag", "Device"),
        ("revoke device", "morag", "Device"),
        ("change role", "morag", "StaffUser"),
    ]
    assert {e.address for e in AuditEvent.select().where(AuditEvent.id > start)} == {"10.1.2.3"}


def test_times_are_kept_in_utc_and_shown_in_the_office_s_time(app, clock):
    clock.move_to(SUMMER_NOON)
    event = audit.record("sign-in", None, username="morag")
    assert AuditEvent.get_by_id(event.id).at == datetime(2026, 6, 15, 12, 0)  # not 13:00, Glasgow's time
    manager = make_staff("manager")
    client = app.test_client()
    sign_in(client, manager)
    page = text(client.get("/admin/audit"))
    assert "Monday 15 June, 1:00pm morag sign-in" in page  # 12:00 UTC is 1pm in Glasgow in summer
    csv = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "2026-06-15T12:00:00Z,morag,sign-in" in csv
    assert "2026-06-15T12:00:00Z" in client.get("/admin/audit.csv").get_data(as_text=True)


def test_the_log_is_append_only(app):
    event = audit.record("sign-in", None, username="morag")
    with pytest.raises(IntegrityError):
        AuditEvent.update(username="someone else").where(AuditEvent.id == event.id).execute()
    with pytest.raises(IntegrityError):
        AuditEvent.delete().where(AuditEvent.id == event.id).execute()
    with pytest.raises(IntegrityError):
        database.execute_sql("DELETE FROM audit_event")
    assert AuditEvent.get_by_id(event.id).username == "morag"
    audit.record("sign-out", None, username="morag")  # adding still works
    assert AuditEvent.select().count() == 2


def test_upgrading_takes_the_words_of_past_searches_out_of_the_log_and_keeps_it_append_only(app):
    """Searches were once recorded with what was typed (a name, a date of birth); the upgrade removes
    the words, keeps the count, says what it did, and leaves the log as closed to change as before."""
    from kiosk.migrations import _search_words_out
    old = [audit.record("search", None, "'Alex Morgan': 2 found", username="kim"),
           audit.record("search", None, "'1990-04-01': 1 found", username="kim")]
    new = audit.record("search", None, "by name or reference: 3 found", username="kim")
    other = audit.record("view", make_case(), "case record", username="kim")
    with database.atomic():
        _search_words_out(None)
    details = [AuditEvent.get_by_id(e.id).detail for e in (*old, new, other)]
    assert details == ["words removed: 2 found", "words removed: 1 found", "by name or reference: 3 found",
                       "case record"]
    assert not AuditEvent.select().where(AuditEvent.detail.contains("Morgan") | AuditEvent.detail.contains("1990"))\
        .exists()
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).get().detail == \
        "removed the words typed from 2 past searches in the audit log"
    with pytest.raises(IntegrityError):
        AuditEvent.update(detail="changed").where(AuditEvent.id == new.id).execute()
    with pytest.raises(IntegrityError):
        AuditEvent.delete().where(AuditEvent.id == other.id).execute()


@pytest.fixture
def history(app, clock):
    """A few days of sign-ins, failures and device changes; a manager signed in on the returned client."""
    worker, manager = make_staff("keyworker", "kim"), make_staff("manager", "morag")
    clock.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc))
    audit.record("sign-in failed", None, "wrong username or password", username="kim")
    audit.record("sign-in", worker, "password", staff=worker)
    clock.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    audit.record("sign-in failed", None, "wrong username or password", username="nobody")
    audit.record("enrol device", None, "Kiosk tablet", staff=manager)
    client = app.test_client()
    sign_in(client, manager)
    return client


@pytest.mark.parametrize("query, expected", [
    ({"action": "sign-in failed"}, [("sign-in failed", "nobody"), ("sign-in failed", "kim")]),
    ({"action": "sign-in failed", "username": "KIM "}, [("sign-in failed", "kim")]),
    ({"action": "enrol device"}, [("enrol device", "morag")]),
    ({"action": "sign-in", "since": "2026-11-23"}, [("sign-in", "morag")]),
    ({"username": "kim", "until": "2026-11-20"}, [("sign-in", "kim"), ("sign-in failed", "kim")]),
    ({"object_type": "StaffUser"}, [("sign-in", "morag"), ("sign-in", "kim")]),
])
def test_managers_filter_the_log_by_security_event(history, query, expected):
    page = history.get("/admin/audit", query_string=query)
    assert page.status_code == 200, text(page)
    exported = history.get("/admin/audit.csv", query_string=query)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"] == "attachment; filename=audit-log.csv"
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert table[0] == ["when_utc", "username", "action", "record", "record_id", "detail", "from"]
    assert [(row[2], row[1]) for row in table[1:]] == expected
    for action, username in expected:
        assert f"{username} {action}" in text(page)


def test_the_filter_offers_every_action_the_app_records(history):
    page = history.get("/admin/audit").get_data(as_text=True)
    for action in ("sign-in", "sign-in failed", "sign-out", "two-factor on", "two-factor off", "two-factor reset",
                   "enrol device", "revoke device", "change role", "end sessions", "change password",
                   "reset password", "create staff", "switch off staff", "purge", "view", "update"):
        assert f'<option value="{action}"' in page, action


def test_a_bad_filter_is_refused_plainly(history):
    response = history.get("/admin/audit", query_string={"action": "drop tables"})
    assert response.status_code == 400 and "Not a valid choice" in text(response)
    assert history.get("/admin/audit", query_string={"since": "not a date"}).status_code == 400
