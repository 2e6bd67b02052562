"""The casework tables of the report: the exact figures of a small known October, for every office and for
each office alone, and a cost that does not grow with the number of cases."""
from datetime import date, datetime, timezone

import pytest

from kiosk.cases import bookings, referrals, services
from kiosk.cases.models import ActionPlanItem, Appointment, Case, Referral
from kiosk.offices.models import DEFAULT_OFFICE_ID
from kiosk.offices.services import add_office, set_offices
from kiosk.reports.casework import casework_tables

from ..dropin.test_polling import counting_queries
from ..factories import make_case, make_staff

# October 2026 in Glasgow: from midnight BST on the 1st to midnight GMT on 1 November (the clocks go back on
# the 25th), as naive UTC.
START, END = datetime(2026, 9, 30, 23, 0), datetime(2026, 11, 1, 0, 0)
KEYS = ["cases", "closed_by_outcome", "referrals_in", "referrals_out", "contacts", "plan_items", "outreach",
        "release_to_contact", "ratings"]


def at(clock, when):
    clock.move_to(when.replace(tzinfo=timezone.utc))


def case(clock, name, created, keyworker, **fields):
    at(clock, created)
    return make_case(name=name, keyworker=keyworker, **fields)


def change(clock, case, when, **changes):
    at(clock, when)
    return services.update_case(case.id, changes, Case.get_by_id(case.id).version, None)


def item(clock, case, area, created, status="not_started"):
    at(clock, created)
    return services.add_plan_item(case.id, {"area": area, "goal": "A goal", "status": status}, None)


def rate(clock, item, *ratings):
    for when, score in ratings:
        at(clock, when)
        services.rate_plan_item(item.case_id, item.id, score, None)


def contact(case, kind, when):
    services.add_contact(case.id, kind, when, "Talked", None)


@pytest.fixture
def offices(app):
    """Glasgow (the default office), Paisley, and Dundee where nobody works."""
    return {"all": None, "glasgow": DEFAULT_OFFICE_ID, "paisley": add_office("Paisley").id,
            "dundee": add_office("Dundee").id}


@pytest.fixture
def october(app, clock, offices):
    """Kim works at Glasgow (no office listed), Pat at Paisley; one case has no keyworker (Glasgow's)."""
    kim, pat = make_staff("keyworker", "kim"), make_staff("keyworker", "pat")
    set_offices(pat, [offices["paisley"]])
    cases = {name: case(clock, name, created, worker, **fields) for name, created, worker, fields in [
        ("Ann", datetime(2026, 9, 10, 10), kim, {"referral_date": date(2026, 9, 8),
                                                  "referral_source": "throughcare_officer",
                                                  "release_date": date(2026, 10, 2)}),
        ("Ben", datetime(2026, 10, 5, 10), kim, {"release_date": date(2026, 10, 4)}),  # no referral date: created
        ("Cara", datetime(2026, 10, 6, 10), kim, {"referral_date": date(2026, 10, 6), "release_date": date(2026, 9, 30),
                                                   "referral_source": "prison_social_work"}),
        ("Dan", datetime(2026, 9, 1, 10), kim, {"referral_date": date(2026, 9, 1), "release_date": date(2026, 11, 1)}),
        ("Eve", datetime(2026, 10, 15, 10), kim, {"referral_date": date(2026, 9, 30)}),
        ("Fin", datetime(2026, 9, 1, 10), kim, {"referral_date": date(2026, 10, 20),
                                                 "referral_source": "social_worker"}),  # no longer offered
        ("Gil", datetime(2026, 9, 15, 10), kim, {"referral_date": date(2026, 10, 21), "referral_source": "chaplain"}),
        ("Hal", datetime(2026, 10, 7, 10), pat, {"referral_date": date(2026, 10, 7), "referral_source": "family",
                                                  "release_date": date(2026, 10, 20)}),
        ("Ida", datetime(2026, 9, 15, 10), kim, {"referral_date": date(2026, 10, 31), "referral_source": "partner",
                                                  "release_date": date(2026, 10, 28)}),
        ("Jo", datetime(2026, 9, 15, 10), kim, {"referral_date": date(2026, 11, 1), "release_date": date(2026, 11, 5)}),
        ("Kit", datetime(2026, 9, 15, 10), kim, {"release_date": date(2026, 10, 10)}),
        ("Lee", datetime(2026, 9, 15, 10), kim, {"release_date": date(2026, 10, 3)}),
        ("Max", START, None, {"referral_source": "community_justice"}),  # opened on the first moment
        ("Ned", END, kim, {"status": "referred"}),  # opened on the first moment after
        ("Oli", datetime(2026, 9, 1, 10), kim, {"status": "closed"}),
    ]}
    c = cases
    Case.update(closed_at=None).where(Case.id == c["Oli"].id).execute()  # closed before closings were dated
    change(clock, c["Ben"], datetime(2026, 10, 20, 10), status="closed", close_outcome="completed")
    change(clock, c["Cara"], datetime(2026, 10, 10, 10), status="closed", close_outcome="declined")
    change(clock, c["Cara"], datetime(2026, 10, 12, 10), status="active")  # reopened
    change(clock, c["Dan"], datetime(2026, 11, 10, 10), status="closed", close_outcome="moved_away")
    change(clock, c["Eve"], datetime(2026, 10, 31, 23, 30), status="closed")  # no outcome recorded
    change(clock, c["Fin"], datetime(2026, 9, 20, 10), status="closed", close_outcome="completed")
    change(clock, c["Gil"], datetime(2026, 10, 25, 10), status="closed", close_outcome="other")
    Case.update(close_outcome="deceased").where(Case.id == c["Gil"].id).execute()  # a code the office dropped

    ann_housing = item(clock, c["Ann"], "accommodation", datetime(2026, 9, 15, 10), "in_progress")
    rate(clock, ann_housing, (datetime(2026, 9, 20, 10), 2), (datetime(2026, 10, 5, 10), 3),
         (datetime(2026, 10, 25, 10), 4), (datetime(2026, 11, 5, 10), 1))  # the last after the period
    ann_money = item(clock, c["Ann"], "money", datetime(2026, 10, 10, 9), "in_progress")
    rate(clock, ann_money, (datetime(2026, 10, 10, 10), 3))
    at(clock, datetime(2026, 10, 30, 10))
    services.update_plan_item(ann_money.id, {"status": "achieved"}, ann_money.version, None, score=3)
    ben_housing = item(clock, c["Ben"], "accommodation", datetime(2026, 10, 6, 10))
    # Two ratings at one moment: the one recorded second is the latest.
    rate(clock, ben_housing, (datetime(2026, 10, 7, 10), 4), (datetime(2026, 10, 20, 12), 2),
         (datetime(2026, 10, 20, 12), 3))
    rate(clock, item(clock, c["Hal"], "health", datetime(2026, 10, 8, 10), "in_progress"),
         (datetime(2026, 10, 10, 10), 1), (datetime(2026, 10, 21, 10), 2))
    rate(clock, item(clock, c["Cara"], "faith", datetime(2026, 10, 9, 10)),  # an area no longer in the list
         (datetime(2026, 10, 10, 10), 2), (datetime(2026, 10, 12, 10), 5))
    item(clock, c["Kit"], "drugs_alcohol", datetime(2026, 11, 5, 10))
    item(clock, c["Lee"], "ete", END)
    lee_family = item(clock, c["Lee"], "family", datetime(2026, 10, 20, 10))
    rate(clock, lee_family, (datetime(2026, 10, 21, 10), 3), (datetime(2026, 11, 10, 10), 4))
    ActionPlanItem.update(status="paused").where(ActionPlanItem.id == lee_family.id).execute()

    clock.to("mid-session")
    for who, kind, when in [
        ("Max", "phone", datetime(2026, 9, 30, 22, 59, 59)),  # the last moment before the period
        ("Max", "liaison", START),
        ("Ann", "drop_in", datetime(2026, 10, 2, 9)),
        ("Cara", "text_message", datetime(2026, 10, 8, 12)),  # a kind the office does not list
        ("Ben", "appointment", datetime(2026, 10, 9, 10)),
        ("Kit", "letter", datetime(2026, 10, 17, 12)),
        ("Hal", "phone", datetime(2026, 10, 19, 23, 30)),  # 00:30 on his release day, in summer time
        ("Hal", "drop_in", datetime(2026, 10, 22, 10)),
        ("Lee", "drop_in", datetime(2026, 10, 25, 12)),
        ("Ann", "phone", END),
        ("Ida", "drop_in", datetime(2026, 11, 3, 10)),
    ]:
        contact(c[who], kind, when)

    def booked(who, worker, kind, when, status, **details):
        booking = bookings.book(c[who].id, worker, when, worker, kind, **details)
        bookings.settle(booking.id, status, worker, summary="Went", reason="Did not go" if status != "done" else None)

    barlinnie = {"prison": "HMP Barlinnie", "place": "Main gate"}
    booked("Ida", kim, "prison_visit", datetime(2026, 10, 27, 10), "done", prison="HMP Barlinnie")  # a contact
    booked("Ida", kim, "gate_pickup", datetime(2026, 10, 28, 9), "missed", **barlinnie)
    booked("Ben", kim, "case_conference", datetime(2026, 10, 14, 10), "cancelled", attendees=["person"])
    booked("Hal", pat, "gate_pickup", datetime(2026, 10, 21, 8), "done", **barlinnie)  # a contact
    booked("Ann", kim, "office", datetime(2026, 10, 5, 10), "missed")
    booked("Jo", kim, "gate_pickup", END, "cancelled", **barlinnie)
    booked("Gil", kim, "prison_visit", datetime(2026, 9, 30, 22), "done", prison="HMP Barlinnie")  # a contact
    bookings.book(c["Dan"].id, kim, datetime(2026, 10, 30, 10), kim, "prison_visit", prison="HMP Barlinnie")
    Appointment.create(case=c["Kit"], keyworker=kim, starts_at=datetime(2026, 10, 16, 10), kind="home_visit",
                       status="done")

    turning_point = referrals.add_partner("Turning Point", "drugs_alcohol", None, kim)
    shelter = referrals.add_partner("Shelter Scotland", "accommodation", None, kim)
    referrals.add_partner("Jobs Plus", "ete", None, kim)
    for who, partner, made_on, status in [
        ("Ann", turning_point, date(2026, 10, 1), "accepted"), ("Ben", turning_point, date(2026, 10, 15), "attended"),
        ("Cara", turning_point, date(2026, 10, 31), "made"), ("Hal", shelter, date(2026, 10, 10), "declined"),
        ("Ida", shelter, date(2026, 9, 30), "made"), ("Kit", shelter, date(2026, 11, 1), "made"),
        ("Lee", shelter, date(2026, 10, 12), "made"),
    ]:
        referral = referrals.make_referral(c[who].id, partner.id, "", made_on, None, kim)
        referrals.change_referral_status(c[who].id, referral.id, status, kim)
    Referral.update(status="on_hold").where(Referral.case == c["Lee"].id).execute()
    return c


def figures(office_id=None):
    return {t.key: [t.columns, *t.rows] for t in casework_tables(START, END, office_id)}


def test_the_tables_come_in_order_each_saying_what_it_counts_and_for_which_office(october, offices):
    tables = casework_tables(START, END)
    assert [t.key for t in tables] == KEYS
    assert all("at every office" in t.made_of for t in tables)
    assert [t.chart for t in tables] == [None, "bars", "bars", None, "bars", None, None, None, None]
    paisley = casework_tables(START, END, offices["paisley"])
    assert all("whose keyworker works at Paisley (a keyworker at several offices counts at each)" in t.made_of
               for t in paisley)
    glasgow = casework_tables(START, END, offices["glasgow"])
    assert all("works at Glasgow or who have no keyworker" in t.made_of for t in glasgow)


def test_an_office_with_no_cases_counts_nothing(october, offices):
    for table in casework_tables(START, END, offices["dundee"]):
        assert all(cell in (0, None) for row in table.rows for cell in row[1:]), table.key
        assert bool(table.rows) == (table.key != "referrals_out"), "every known code has its row, zeros included"


def test_a_period_of_no_time_counts_only_what_stands_at_its_end(october):
    """Open cases, plan items and ratings are as they stood at the end; nothing happened in no time."""
    tables = {t.key: t for t in casework_tables(END, END)}
    assert tables["cases"].rows == [["Open at the end of the period", 9], ["Opened in the period", 0],
                                    ["Closed in the period", 0]]
    october = figures()
    assert all([tables[key].columns, *tables[key].rows] == october[key] for key in ("plan_items", "ratings"))
    happened = ("closed_by_outcome", "referrals_in", "referrals_out", "contacts", "outreach", "release_to_contact")
    assert all(cell in (0, None) for key in happened for row in tables[key].rows for cell in row[1:])


def test_cases_open_opened_and_closed(october, offices):
    assert figures()["cases"] == [["", "Cases"], ["Open at the end of the period", 9], ["Opened in the period", 5],
                                  ["Closed in the period", 3]]
    assert figures(offices["glasgow"])["cases"][1:] == [["Open at the end of the period", 8],
                                                        ["Opened in the period", 4], ["Closed in the period", 3]]
    assert figures(offices["paisley"])["cases"][1:] == [["Open at the end of the period", 1],
                                                        ["Opened in the period", 1], ["Closed in the period", 0]]
    assert figures(offices["dundee"])["cases"][1:] == [["Open at the end of the period", 0],
                                                       ["Opened in the period", 0], ["Closed in the period", 0]]
    table = casework_tables(START, END)[0]
    assert table.counts == (1,) and table.for_funders().rows[2] == ["Closed in the period", "fewer than 5"]


def test_closed_cases_by_outcome(october, offices):
    """Cara's closing is undone by her reopening; Dan closed after the period; Gil's outcome is an old code."""
    outcomes = ["Support completed", "Moved away", "Declined further support", "Returned to custody",
                "Lost contact", "Other"]
    expected = [["Outcome", "Cases"], *zip(outcomes, [1, 0, 0, 0, 0, 0]), ["deceased", 1], ["Not recorded", 1]]
    assert figures()["closed_by_outcome"] == [list(row) for row in expected]
    assert figures(offices["glasgow"])["closed_by_outcome"] == [list(row) for row in expected]
    assert figures(offices["dundee"])["closed_by_outcome"] == [["Outcome", "Cases"], *([o, 0] for o in outcomes),
                                                               ["Not recorded", 0]]


def test_referrals_in_by_source(october, offices):
    sources = ["Prison throughcare support officer", "Prison social work", "Community justice social work",
               "A partner organisation", "Self", "Family"]
    assert figures()["referrals_in"] == [["Source", "Cases"], *map(list, zip(sources, [0, 1, 1, 1, 1, 1])),
                                         ["Social worker", 1], ["chaplain", 1]]
    assert figures(offices["glasgow"])["referrals_in"][1:] == [*map(list, zip(sources, [0, 1, 1, 1, 1, 0])),
                                                              ["Social worker", 1], ["chaplain", 1]]
    assert figures(offices["paisley"])["referrals_in"][1:] == list(map(list, zip(sources, [0, 0, 0, 0, 0, 1])))


def test_referrals_out_by_partner_and_status(october, offices):
    statuses = ["Made", "Accepted", "Attended", "Declined"]
    assert figures()["referrals_out"] == [["Partner", *statuses, "on_hold", "Total"],
                                          ["Shelter Scotland", 0, 0, 0, 1, 1, 2], ["Turning Point", 1, 1, 1, 0, 0, 3]]
    assert figures(offices["glasgow"])["referrals_out"][1:] == [["Shelter Scotland", 0, 0, 0, 0, 1, 1],
                                                               ["Turning Point", 1, 1, 1, 0, 0, 3]]
    assert figures(offices["paisley"])["referrals_out"] == [["Partner", *statuses, "Total"],
                                                            ["Shelter Scotland", 0, 0, 0, 1, 1]]
    assert figures(offices["dundee"])["referrals_out"] == [["Partner", *statuses, "Total"]]
    assert casework_tables(START, END)[3].counts == (1, 2, 3, 4, 5, 6)


def test_contacts_by_kind_from_the_first_moment_of_the_period_to_before_its_end(october, offices):
    kinds = ["Drop-in", "Appointment", "Phone", "Letter", "Prison visit", "Gate pick-up", "Case conference",
             "Liaison (police or another professional)", "Prison-visit travel help"]
    assert figures()["contacts"] == [["Kind", "Contacts"], *map(list, zip(kinds, [3, 1, 1, 1, 1, 1, 0, 1, 0])),
                                     ["text_message", 1]]
    assert figures(offices["glasgow"])["contacts"][1:] == [*map(list, zip(kinds, [2, 1, 0, 1, 1, 0, 0, 1, 0])),
                                                          ["text_message", 1]]
    assert figures(offices["paisley"])["contacts"][1:] == list(map(list, zip(kinds, [1, 0, 1, 0, 0, 1, 0, 0, 0])))
    assert figures(offices["dundee"])["contacts"][1:] == [[kind, 0] for kind in kinds]


AREAS = ["Accommodation", "Drugs and alcohol", "Health", "Money and benefits", "Family and relationships",
         "Education, training and employment", "Offending behaviour", "Prison visits and travel"]


def test_plan_items_by_area_and_status_now(october, offices):
    zeros = [0, 0, 0, 0, 0, 0]
    everyone = [[1, 1, 0, 0, 0, 2], zeros, [0, 1, 0, 0, 0, 1], [0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 1, 1], zeros, zeros,
                zeros]
    statuses = ["Not started", "In progress", "Achieved", "Stopped"]
    assert figures()["plan_items"] == [["Area", *statuses, "paused", "Total"],
                                       *([area, *cells] for area, cells in zip(AREAS, everyone)),
                                       ["faith", 1, 0, 0, 0, 0, 1]]
    glasgow = figures(offices["glasgow"])["plan_items"]
    assert glasgow[3] == ["Health", *zeros] and glasgow[1] == ["Accommodation", 1, 1, 0, 0, 0, 2]
    assert figures(offices["paisley"])["plan_items"] == [
        ["Area", *statuses, "Total"], *([area, 0, 1, 0, 0, 1] if area == "Health" else [area, 0, 0, 0, 0, 0]
                                        for area in AREAS)]


def test_outreach_by_kind_and_how_it_went(october, offices):
    columns = ["Kind", "Done", "Missed", "Cancelled"]
    assert figures()["outreach"] == [columns, ["Pre-release visit", 1, 0, 0], ["Gate pick-up", 1, 1, 0],
                                     ["Case conference", 0, 0, 1], ["home_visit", 1, 0, 0]]
    assert figures(offices["glasgow"])["outreach"] == [columns, ["Pre-release visit", 1, 0, 0],
                                                       ["Gate pick-up", 0, 1, 0], ["Case conference", 0, 0, 1],
                                                       ["home_visit", 1, 0, 0]]
    assert figures(offices["paisley"])["outreach"] == [columns, ["Pre-release visit", 0, 0, 0],
                                                       ["Gate pick-up", 1, 0, 0], ["Case conference", 0, 0, 0]]


def release_rows(released, one, seven, twenty_eight, not_yet, median):
    return [["", "People", "Days"], ["Released in the period", released, None], ["Seen within 1 day", one, None],
            ["Seen within 7 days", seven, None], ["Seen within 28 days", twenty_eight, None],
            ["Not seen yet", not_yet, None], ["Median days to first contact", None, median]]


def test_days_from_release_to_first_contact(october, offices):
    """Ann 0 days, Ben 5, Hal 0 (just after midnight, summer time), Kit 7, Lee 22; Ida seen only before her
    release and after the period; Cara released before the period, Dan on its first day after, Jo later."""
    assert figures()["release_to_contact"] == release_rows(6, 2, 4, 5, 1, 5)
    assert figures(offices["glasgow"])["release_to_contact"] == release_rows(5, 1, 3, 4, 1, 6)
    assert figures(offices["paisley"])["release_to_contact"] == release_rows(1, 1, 1, 1, 0, 0)
    assert figures(offices["dundee"])["release_to_contact"] == release_rows(0, 0, 0, 0, 0, None)
    table = casework_tables(START, END)[7]
    assert table.counts == (1,) and table.for_funders().rows[-1] == ["Median days to first contact", None, 5]


def test_change_in_ratings_first_against_latest_by_area(october, offices):
    """Ann's housing 2 to 4 (a 1 after the period left out), Ben's 4 to 3 (two at one moment: the later
    record), Ann's money 3 to 3, Hal's health 1 to 2, Cara's faith 2 to 5; Lee's family rated once by then."""
    nothing = [0, 0, 0, 0, None]
    everyone = [[2, 1, 0, 1, 0.5], nothing, [1, 1, 0, 0, 1.0], [1, 0, 1, 0, 0.0], nothing, nothing, nothing,
                nothing]
    header = ["Area", "Items rated twice or more", "Improved", "Stayed the same", "Got worse", "Average change"]
    assert figures()["ratings"] == [header, *([area, *cells] for area, cells in zip(AREAS, everyone)),
                                    ["faith", 1, 1, 0, 0, 3.0]]
    assert figures(offices["glasgow"])["ratings"][3] == ["Health", *nothing]
    assert figures(offices["paisley"])["ratings"] == [header, *([area, 1, 1, 0, 0, 1.0] if area == "Health"
                                                                else [area, *nothing] for area in AREAS)]
    assert casework_tables(START, END)[8].counts == (1, 2, 3, 4)


@pytest.mark.parametrize("office", ["all", "glasgow"])
def test_queries_do_not_grow_with_cases(october, offices, clock, office):
    """One query a table (and one for the office's name), however many cases, contacts and ratings."""
    with counting_queries() as few:
        casework_tables(START, END, offices[office])
    worker = make_staff("keyworker")
    for n in range(30):
        more = case(clock, f"More {n}", datetime(2026, 10, 2, 10), worker, release_date=date(2026, 10, 5),
                    referral_date=date(2026, 10, 3))
        rate(clock, item(clock, more, "money", datetime(2026, 10, 2, 11)), (datetime(2026, 10, 3, 10), 2),
             (datetime(2026, 10, 4, 10), 4))
        for day in (6, 9, 12):
            contact(more, "drop_in", datetime(2026, 10, day, 10))
    with counting_queries() as many:
        tables = casework_tables(START, END, offices[office])
    assert tables[0].rows[1] == ["Opened in the period", 35 if office == "all" else 34]
    assert len(many) == len(few) == (9 if office == "all" else 10), many
