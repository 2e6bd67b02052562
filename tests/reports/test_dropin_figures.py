"""The drop-in's figures from a known history: exact counts, the local day a late session belongs to in
summer time, needs still counted after the purge cleared them, and an office with no sessions."""
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.cases import visits
from kiosk.dropin.models import DropInSession, Room
from kiosk.dropin.queue import check_in, decide_after_close, move
from kiosk.offices.models import Office
from kiosk.reports.daily import fold_day, unfolded_days
from kiosk.reports.models import DailyFigure
from kiosk.reports.report import build_report
from kiosk.retention import purge

from ..factories import make_case, make_staff

OCT_5 = date(2026, 10, 5)  # a Monday in British Summer Time: the 1pm drop-in is 12:00 UTC


def at(day, hh, mm):
    """A wall-clock time in Glasgow on a day, as an aware UTC moment for the clock."""
    from zoneinfo import ZoneInfo
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo("Europe/London")).astimezone(timezone.utc)


def table(report, key):
    return {row[0]: row[1:] if len(row) > 2 else row[1] for row in report.table(key).rows}


@pytest.fixture
def october(app, clock):
    """Monday 5 October 2026: five visits, with known waits and outcomes, then the clock back to 23 November."""
    worker, other = make_staff("keyworker", "aileen", name="Aileen"), make_staff("keyworker", "jamal", name="Jamal")
    room = Room.get(Room.name == "Room 2").id
    case = make_case(name="Ret Urning")
    clock.move_to(at(OCT_5, 12, 50))
    a = check_in("self", ("housing", "money"), "A")
    b = check_in("family", ("visits",), "B")
    clock.move_to(at(OCT_5, 13, 0))
    c = check_in("self", ("housing",), "C")
    d = check_in("info", (), None)
    e = check_in("self", ("health",), "E")
    visits.link_ticket(c.id, case.id, worker)
    clock.move_to(at(OCT_5, 13, 10))  # A waited 20 minutes, B 25, C 20: median 20, 90th percentile 25
    move(a.id, "call", worker, room_id=room)
    move(a.id, "start", worker)
    clock.move_to(at(OCT_5, 13, 15))
    move(b.id, "call", other, room_id=room)
    move(b.id, "no_show", other)
    clock.move_to(at(OCT_5, 13, 20))
    move(c.id, "call", worker, room_id=room)
    move(c.id, "start", worker)
    clock.move_to(at(OCT_5, 13, 40))  # A with staff 30 minutes, C 20
    move(a.id, "finish", worker, outcome="Housing form")
    move(c.id, "finish", worker, outcome="Rent arrears")
    move(d.id, "left", worker)
    clock.move_to(at(OCT_5, 15, 5))  # E still waiting at the end: seen all the same
    decide_after_close(e.id, "seen_late")
    move(e.id, "cancel", worker)  # and then cancelled: a ticket taken back is not a visit
    clock.move_to(datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc))
    return worker


def test_a_day_s_figures_are_exact(october):
    report = build_report(date(2026, 10, 1), date(2026, 10, 31))
    assert table(report, "dropin") == {
        "Drop-in sessions held": 1, "Visits": 4, "Seen": 2, "Called but did not come (no-shows)": 1,
        "Left before being seen": 1, "Seen after the session's end": 0, "Tickets cancelled (not counted as visits)": 1}
    assert table(report, "time_with_staff") == {"Average time with staff": 25}
    assert table(report, "visit_for") == {"Myself": 2, "Family or friend in prison": 1, "Appointment": 0,
                                          "Information only": 1}
    assert table(report, "needs")["Housing"] == 2 and table(report, "needs")["Prison visits"] == 1
    assert table(report, "needs")["Health"] == 0, "the cancelled ticket's need is not counted"
    assert table(report, "people") == {"New to the service": 1, "Returning": 0, "Not linked to a record": 3}
    assert table(report, "sessions") == {"2026-10-05 13:00": [4, 20, 25]}
    assert table(report, "hours") == {"12:00": 2, "13:00": 2}
    assert table(report, "seen_by") == {"Aileen": 2}


def test_needs_are_still_counted_after_the_purge_cleared_them_from_the_tickets(october):
    assert unfolded_days(OCT_5, OCT_5) == [(1, OCT_5)]
    purged = purge(ticket_days=30, case_years=6)
    assert purged.cleared == 4  # the fifth, for information only, had no name or needs to clear
    assert unfolded_days(OCT_5, OCT_5) == [], "the purge kept the day's figures before clearing it"
    report = build_report(date(2026, 10, 1), date(2026, 10, 31))
    assert table(report, "needs")["Housing"] == 2 and table(report, "needs")["Money and benefits"] == 1


def test_a_report_folds_a_past_day_once(october):
    from ..queries import counting_queries
    with counting_queries() as first:
        build_report(date(2026, 10, 1), date(2026, 10, 31))
    assert any('INSERT INTO "daily_figure"' in sql for sql in first)
    with counting_queries() as second:
        build_report(date(2026, 10, 1), date(2026, 10, 31))
    written = [sql for sql in second if 'INSERT INTO "daily_figure"' in sql or 'DELETE FROM "daily_figure"' in sql]
    assert written == [], "the day was folded again"


def test_a_late_summer_session_counts_on_its_local_day_not_the_utc_one(app, clock):
    """Past midnight in Glasgow in summer, it is still the day before in UTC: the session opened at 00:15 on
    Tuesday 7 July (23:15 UTC on Monday) is Tuesday's, and so is its visit at 00:30 (23:30 UTC Monday)."""
    tuesday = date(2026, 7, 7)
    session = DropInSession.create(starts_at=at(tuesday, 0, 15).replace(tzinfo=None),
                                   opens_at=at(tuesday, 0, 15).replace(tzinfo=None),
                                   ends_at=at(tuesday, 2, 0).replace(tzinfo=None), extra=True)
    clock.move_to(at(tuesday, 0, 30))
    check_in("self", ("housing",), "Late", session=session)
    clock.move_to(datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc))
    monday = build_report(date(2026, 7, 6), date(2026, 7, 6))
    assert table(monday, "dropin")["Visits"] == 0
    report = build_report(tuesday, tuesday)
    assert table(report, "dropin")["Visits"] == 1 and table(report, "dropin")["Drop-in sessions held"] == 1
    assert table(report, "hours") == {"00:00": 1}
    assert table(report, "sessions") == {"2026-07-07 00:15 extra": [1, None, None]}


def test_an_office_with_no_sessions_has_all_zeros(october):
    quiet = Office.create(name="Paisley")
    report = build_report(date(2026, 10, 1), date(2026, 10, 31), office_id=quiet.id)
    assert report.office == "Paisley"
    assert set(table(report, "dropin").values()) == {0}
    assert report.table("sessions").rows == [] and report.table("seen_by").rows == []
    everywhere = build_report(date(2026, 10, 1), date(2026, 10, 31))
    assert table(everywhere, "dropin")["Visits"] == 4


def test_today_is_counted_live_and_not_stored(app, clock):
    check_in("self", ("work",), "Now")
    report = build_report(date(2026, 11, 23), date(2026, 11, 23))
    assert table(report, "dropin")["Visits"] == 1 and table(report, "needs")["Work and training"] == 1
    assert DailyFigure.select().count() == 0, "a day still going is not folded"


def test_the_funder_s_version_hides_counts_from_one_to_four(october):
    report = build_report(date(2026, 10, 1), date(2026, 10, 31), view="funders")
    assert table(report, "dropin")["Visits"] == "fewer than 5"
    assert table(report, "visit_for")["Appointment"] == 0, "nobody is nobody"
    assert table(report, "sessions") == {"2026-10-05 13:00": ["fewer than 5", 20, 25]}, "minutes are not people"


def test_refolding_a_day_gives_the_same_figures(october):
    first = fold_day(1, OCT_5)
    assert fold_day(1, OCT_5) == first
    assert DailyFigure.select().where(DailyFigure.day == OCT_5).count() == len(first) + 1


def test_the_funder_s_version_does_not_give_a_hidden_count_away_through_a_row_total(app):
    from kiosk.reports.tables import Table
    table = Table("t", "T", "m", ["Partner", "Made", "Accepted", "Total"],
                  [["Clyde Housing", 3, 10, 13], ["Recovery Cafe", 6, 5, 11], ["Quiet", 0, 0, 0]], counts=(1, 2, 3))
    assert table.for_funders().rows == [["Clyde Housing", "fewer than 5", 10, "not shown"],
                                        ["Recovery Cafe", 6, 5, 11], ["Quiet", 0, 0, 0]]
