"""Retention: names and notes leave old tickets; long-closed cases are listed for review. Frozen time throughout."""
from datetime import timedelta

from kiosk.audit import AuditEvent
from kiosk.cases.models import Case
from kiosk.retention import purge
from kiosk.dropin.models import Ticket

from ..factories import make_case, make_ticket
from ..moments import STORED

NOW = STORED.MID_SESSION  # the clock fixture's moment, as the app stores it (naive UTC)


def ticket_from(days_ago, name="Sam", outcome="Helped with a housing form"):
    ticket = make_ticket(visit_for="family", needs=["housing"], name=name)
    Ticket.update(created_at=NOW - timedelta(days=days_ago), outcome=outcome, state="done").where(
        Ticket.id == ticket.id).execute()
    return ticket.id


def closed_case(years_ago, name):
    case = make_case(name=name)
    Case.update(status="closed", closed_reason="Moved away",
                closed_at=NOW - timedelta(days=round(365.25 * years_ago))).where(Case.id == case.id).execute()
    return Case.get_by_id(case.id)


def kept(ticket_id):
    ticket = Ticket.get_by_id(ticket_id)
    return ticket.name, ticket.outcome


def purge_rows():
    return list(AuditEvent.select().where(AuditEvent.action == "purge"))


def test_names_and_notes_go_from_tickets_older_than_thirty_days(app, clock):
    assert app.config["TICKET_RETENTION_DAYS"] == 30
    old, boundary, recent, today = ticket_from(31), ticket_from(30), ticket_from(29), ticket_from(0)
    cleared, _, _ = purge(30, 6)
    assert cleared == 1
    assert kept(old) == (None, None)
    for ticket_id in (boundary, recent, today):
        assert kept(ticket_id) == ("Sam", "Helped with a housing form")
    # The ticket itself stays, for the counts; what it said about the person goes.
    ticket = Ticket.get_by_id(old)
    assert (ticket.number, ticket.state, ticket.visit_for) == (1, "done", "family")
    assert (ticket.needs, ticket.request_key) == ("", None)
    assert Ticket.get_by_id(recent).needs == "housing"

    [row] = purge_rows()
    assert (row.username, row.address, row.at) == (None, "command line", NOW)
    assert row.detail == "cleared names, notes and needs from 1 tickets before 2026-10-24"


def test_a_ticket_with_only_a_note_or_only_a_name_is_cleared_too(app):
    note_only, name_only = ticket_from(40, name=None), ticket_from(40, outcome=None)
    assert purge(30, 6)[0] == 2
    assert kept(note_only) == kept(name_only) == (None, None)


def test_a_second_purge_finds_nothing_and_writes_no_audit_row(app, clock):
    ticket_from(31)
    assert purge(30, 6)[0] == 1
    clock.shift(timedelta(hours=1))
    assert purge(30, 6)[0] == 0
    assert len(purge_rows()) == 1


def test_time_passing_brings_a_ticket_into_the_purge(app, clock):
    recent = ticket_from(29)
    assert purge(30, 6)[0] == 0
    clock.shift(timedelta(days=1, minutes=1))
    assert purge(30, 6)[0] == 1 and kept(recent) == (None, None)


def test_cases_closed_more_than_six_years_ago_are_listed_for_review_not_deleted(app):
    assert app.config["CLOSED_CASE_REVIEW_YEARS"] == 6
    long_closed, recently_closed = closed_case(7, "Long Gone"), closed_case(5, "Recently Closed")
    make_case(name="Still Open")
    _, to_review, _ = purge(30, 6)
    assert [case.reference for case in to_review] == [long_closed.reference]
    assert Case.select().count() == 3 and Case.get_by_id(long_closed.id).name == "Long Gone"
    assert {case.reference for case in purge(30, 4)[1]} == {long_closed.reference, recently_closed.reference}


def test_the_purge_command(app, runner):
    old = ticket_from(31)
    case = closed_case(7, "Long Gone")
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Cleared names, notes and needs from 1 tickets older than 30 days.",
        "Closed more than 6 years ago, for review:",
        f"  {case.reference} closed {case.closed_at:%d/%m/%Y}",
        "No family records with consent withdrawn more than 6 years ago.",
    ]
    assert kept(old) == (None, None)


def test_the_purge_command_takes_its_days_from_the_option_or_the_setting(app, runner):
    ticket_ids = ticket_from(10), ticket_from(5)
    app.config["TICKET_RETENTION_DAYS"] = 7
    result = runner.invoke(args=["purge"])
    assert "Cleared names, notes and needs from 1 tickets older than 7 days." in result.output
    assert "No cases closed more than 6 years ago." in result.output
    assert [kept(t)[0] for t in ticket_ids] == [None, "Sam"]
    result = runner.invoke(args=["purge", "--days", "3"])
    assert "from 1 tickets older than 3 days" in result.output and kept(ticket_ids[1])[0] is None
