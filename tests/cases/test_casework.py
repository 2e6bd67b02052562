"""Casework services: eligibility in words, support window, stale edits, visits into the contact log, alerts."""
from datetime import date, datetime, timedelta

import pytest

from kiosk.cases import bookings, eligibility, families, services as casework, visits
from kiosk.cases.models import Appointment, Case, ContactEntry, FamilyContact, SafetyFlag, TicketLink
from kiosk.errors import BadInput, Refused, StaleRecord
from kiosk.dropin.models import Room, Ticket
from kiosk.dropin.queue import move
from kiosk.dropin.reads import session_tickets, waiting
from kiosk.dropin.sessions import working_session

from ..factories import make_case, make_staff, make_ticket
from ..moments import STORED, TODAY


def case_with(**fields):
    """An unsaved case: eligibility is worked out from the record alone."""
    values = {"name": "Alex Morgan", "date_of_birth": date(1990, 5, 1), "sentence_under_four_years": True,
              "statutory_order": False, "release_date": date(2026, 11, 14)}
    return Case(**{**values, **fields})


@pytest.mark.parametrize("fields, words", [
    ({"date_of_birth": date(2008, 11, 24)}, "Not eligible: under 18 — refer to youth justice services"),
    ({"statutory_order": True}, "Not eligible: statutory order — refer on"),
    ({"sentence_under_four_years": False}, "Not eligible: sentence of four years or more — refer on"),
    ({"sentence_under_four_years": None},
     "Eligibility not known: record the sentence length and any statutory order"),
    ({"statutory_order": None}, "Eligibility not known: record the sentence length and any statutory order"),
    ({"release_date": None}, "Eligible; add a release date to work out the support window"),
    ({}, "In support until 14 Nov 2027"),
    ({"date_of_birth": date(2008, 11, 23)}, "In support until 14 Nov 2027"),  # 18 today
])
def test_eligibility_in_words(fields, words):
    assert eligibility.eligibility(case_with(**fields), TODAY).words == words


def test_under_18_is_refused_before_anything_else_is_asked():
    young = case_with(date_of_birth=date(2010, 1, 1), statutory_order=None, sentence_under_four_years=None)
    found = eligibility.eligibility(young, TODAY)
    assert found.eligible is False and found.words.startswith("Not eligible: under 18")


@pytest.mark.parametrize("release, today, words, in_window", [
    (date(2027, 3, 1), date(2026, 11, 30), "Support starts 1 Dec 2026 (3 months before release)", False),
    (date(2027, 3, 1), date(2026, 12, 1), "In support until 1 Mar 2028", True),
    (date(2026, 11, 14), date(2027, 11, 14), "In support until 14 Nov 2027", True),
    (date(2026, 11, 14), date(2027, 11, 15), "Support window ended 14 Nov 2027", False),
    # Month ends: three months before 31 May is the last day of February, not 3 March.
    (date(2027, 5, 31), date(2027, 2, 27), "Support starts 28 Feb 2027 (3 months before release)", False),
    (date(2027, 5, 31), date(2027, 2, 28), "In support until 31 May 2028", True),
    (date(2028, 5, 31), date(2028, 2, 28), "Support starts 29 Feb 2028 (3 months before release)", False),
    (date(2026, 12, 31), date(2026, 9, 30), "In support until 31 Dec 2027", True),
    (date(2026, 12, 31), date(2026, 9, 29), "Support starts 30 Sep 2026 (3 months before release)", False),
    (date(2028, 2, 29), date(2029, 3, 1), "Support window ended 28 Feb 2029", False),
])
def test_support_window_runs_three_months_before_to_twelve_after(release, today, words, in_window):
    found = eligibility.eligibility(case_with(release_date=release), today)
    assert (found.words, found.in_window, found.eligible) == (words, in_window, True)


def test_support_window_dates_are_given_for_the_case_page():
    found = eligibility.eligibility(case_with(release_date=date(2027, 5, 31)), TODAY)
    assert (found.starts, found.ends) == (date(2027, 2, 28), date(2028, 5, 31))


@pytest.mark.parametrize("fields, warning", [
    ({"release_date": date(2025, 1, 10)}, "Note: Support window ended 10 Jan 2026. Saved all the same."),
    ({"release_date": date(2027, 6, 1)}, "Note: Support starts 1 Mar 2027 (3 months before release). "
                                         "Saved all the same."),
    ({"statutory_order": True}, "Note: Not eligible: statutory order — refer on. Saved all the same."),
    ({}, None),
    ({"sentence_under_four_years": None}, None),
])
def test_work_outside_the_window_gets_a_warning_not_a_refusal(fields, warning):
    assert eligibility.window_warning(case_with(**fields), TODAY) == warning


def test_references_count_up_and_a_duplicate_is_refused(app):
    first, second = make_case(), make_case(name="Jo Bell")
    assert (first.reference, second.reference) == ("GTC-0001", "GTC-0002")
    with pytest.raises(BadInput, match="There is already a case GTC-0002."):
        make_case(name="Someone Else", reference="gtc-0002")
    assert Case.select().count() == 2 and Case.get(Case.reference == "GTC-0002").name == "Jo Bell"


@pytest.mark.parametrize("fields, message", [
    ({"release_date": date(1989, 1, 1)}, "The release date is before the date of birth."),
    ({"date_of_birth": date(2026, 12, 1)}, "The date of birth is in the future."),
])
def test_impossible_dates_are_refused(app, fields, message):
    with pytest.raises(BadInput, match=message):
        make_case(**fields)
    assert Case.select().count() == 0


def test_stale_update_is_refused_and_nothing_is_overwritten(app):
    worker, other = make_staff(), make_staff()
    case = make_case(phone="0141 000 0001")
    casework.update_case(case.id, {"phone": "0141 222 2222"}, case.version, other)
    with pytest.raises(StaleRecord, match="Someone else changed this case"):
        casework.update_case(case.id, {"phone": "0141 999 9999", "name": "Wrong"}, case.version, worker)
    saved = Case.get_by_id(case.id)
    assert (saved.phone, saved.name, saved.version) == ("0141 222 2222", "Alex Morgan", 2)


def test_update_checks_a_new_birth_date_against_the_saved_release_date(app):
    case = make_case()
    with pytest.raises(BadInput, match="The release date is before the date of birth."):
        casework.update_case(case.id, {"date_of_birth": date(2026, 11, 20)}, case.version, make_staff(),
                             fields=casework.CONTACT_ONLY_FIELDS)
    assert Case.get_by_id(case.id).date_of_birth == date(1990, 5, 1)


@pytest.fixture
def worker(app):
    return make_staff("keyworker", name="Kim Worker")


def see(ticket, worker, outcome):
    """Call the ticket to Room 2 and finish the visit, as the desk does."""
    move(ticket.id, "call", worker, room_id=Room.get(Room.name == "Room 2").id)
    return move(ticket.id, "finish", worker, outcome=outcome)


def test_finishing_a_linked_drop_in_visit_adds_a_contact(worker):
    case = make_case()
    ticket = make_ticket(name="Al")
    visits.link_ticket(ticket.id, case.id, worker)
    see(ticket, worker, "Filled in the housing form")
    entry = ContactEntry.get()
    assert (entry.case_id, entry.kind, entry.summary, entry.staff_id, entry.ticket_id) == (
        case.id, "drop_in", "Filled in the housing form", worker.id, ticket.id)
    assert entry.happened_at == STORED.MID_SESSION


def test_finishing_an_unlinked_visit_adds_nothing(worker):
    make_case()
    see(make_ticket(), worker, "Gave a leaflet")
    assert ContactEntry.select().count() == 0


def test_a_visit_without_a_note_still_goes_in_the_log(worker):
    case = make_case()
    ticket = make_ticket()
    visits.link_ticket(ticket.id, case.id, worker)
    see(ticket, worker, "")
    assert ContactEntry.get().summary == "Seen at the drop-in; no note recorded."


def test_a_matched_appointment_becomes_an_appointment_contact_and_is_marked_seen(worker):
    case = make_case()
    booked = bookings.book(case.id, worker, datetime(2026, 11, 23, 14, 0), worker)
    ticket = make_ticket(visit_for="appointment")
    visits.match_appointment(ticket.id, booked.id, worker)
    assert Appointment.get_by_id(booked.id).status == "arrived"
    see(ticket, worker, "Benefits review")
    entry = ContactEntry.get()
    assert (entry.kind, entry.summary) == ("appointment", "Benefits review")
    assert (Appointment.get_by_id(booked.id).status, Appointment.get_by_id(booked.id).ticket_id) == ("seen", ticket.id)


def test_matching_makes_an_appointment_ticket_that_is_called_before_walk_ins(worker, clock):
    case = make_case()
    booked = bookings.book(case.id, worker, datetime(2026, 11, 23, 14, 0), worker)
    walk_in = make_ticket(name="First")
    clock.shift(timedelta(minutes=5))
    arrived = make_ticket(name="Second")
    visits.match_appointment(arrived.id, booked.id, worker)
    assert [t.id for t in waiting(working_session())] == [arrived.id, walk_in.id]


def test_a_family_visit_goes_in_their_own_log_never_the_case_s(worker):
    case = make_case()
    mum = families.add_family_member({"name": "Mary Morgan", "relationship": "Mother"}, worker, case.id)
    ticket = make_ticket(visit_for="family")
    visits.link_family_ticket(ticket.id, mum.id, worker)
    link = TicketLink.get()
    assert (link.case_id, link.family_member_id) == (None, mum.id)  # the ticket names the family record alone
    see(ticket, worker, "Booked APVS travel")
    assert ContactEntry.select().count() == 0
    entry = FamilyContact.get()
    assert (entry.family_member_id, entry.kind, entry.summary, entry.ticket_id) == (
        mum.id, "drop_in", "Booked APVS travel", ticket.id)


def test_a_family_visitor_without_a_case_gets_a_record_and_their_visit_logged(worker):
    ticket = make_ticket(visit_for="family", name="Rose")
    rose = visits.family_record_from_ticket(ticket.id, {"name": "Rose Duffy", "relationship": "Mother",
                                                        "in_custody": "Her son Ryan"}, worker)
    assert (rose.case_id, TicketLink.get().family_member_id) == (None, rose.id)
    see(ticket, worker, "Asked about visiting times")
    assert [(e.family_member_id, e.summary) for e in FamilyContact.select()] == [(rose.id, "Asked about visiting times")]
    annotations, alerts = annotate()
    assert (annotations[ticket.id]["case"], annotations[ticket.id]["family"], alerts) == (None, rose.id, [])


def test_a_ticket_cannot_be_linked_to_a_family_record_whose_consent_was_withdrawn(worker):
    gone = families.add_family_member({"name": "Ann Kerr", "relationship": "Aunt",
                                       "consent_date": date(2026, 9, 1)}, worker)
    families.withdraw_consent(gone.id, date(2026, 11, 2), worker)
    ticket = make_ticket(visit_for="family")
    with pytest.raises(Refused, match="Consent was withdrawn on 02/11/2026"):
        visits.link_family_ticket(ticket.id, gone.id, worker)
    assert TicketLink.select().count() == 0


def annotate():
    return visits.queue_annotations(session_tickets(working_session()))


def test_queue_marks_returning_and_new_visitors(worker):
    returning, new = make_case(name="Ret Urning"), make_case(name="Nu Person")
    casework.add_contact(returning.id, "phone", datetime(2026, 11, 2, 10, 0), "Rang about housing", worker)
    first, second, unlinked = make_ticket(), make_ticket(), make_ticket()
    visits.link_ticket(first.id, returning.id, worker)
    visits.link_ticket(second.id, new.id, worker)
    notes, alerts = annotate()
    assert (notes[first.id]["returning"], notes[second.id]["returning"]) == (True, False)
    assert notes[first.id]["case"].reference == returning.reference
    assert unlinked.id not in notes and alerts == []


def test_a_waiting_flagged_person_raises_a_discreet_alert(worker):
    case = make_case(name="Flag Ged")
    casework.add_flag(case.id, "staff_safety", "Do not see alone", worker)
    ticket = make_ticket()
    visits.link_ticket(ticket.id, case.id, worker)
    notes, alerts = annotate()
    assert alerts == [f"Staff safety: check the case before seeing {ticket.number}."]
    assert [f.kind for f in notes[ticket.id]["flags"]] == ["staff_safety"]
    assert "Flag Ged" not in alerts[0] and case.reference not in alerts[0]


def test_a_cleared_flag_raises_no_alert(worker):
    case = make_case()
    flag = casework.add_flag(case.id, "two_workers", None, worker)
    visits.link_ticket(make_ticket().id, case.id, worker)
    casework.clear_flag(flag.id, worker)
    assert annotate()[1] == [] and SafetyFlag.get_by_id(flag.id).active is False


def test_keep_apart_alert_only_while_both_are_here(worker):
    one, two = make_case(name="One Person"), make_case(name="Two Person")
    casework.add_flag(one.id, "keep_apart", None, worker, other_case=two)
    first, second = make_ticket(), make_ticket()
    visits.link_ticket(first.id, one.id, worker)
    assert annotate()[1] == []  # only one of them is here
    visits.link_ticket(second.id, two.id, worker)
    assert annotate()[1] == [f"Keep apart: {first.number} and {second.number} are both here."]
    see(Ticket.get_by_id(second.id), worker, "Seen")
    assert annotate()[1] == []


def test_keep_apart_needs_another_case(worker):
    case = make_case()
    with pytest.raises(BadInput, match="Choose the other case"):
        casework.add_flag(case.id, "keep_apart", None, worker, other_case=case)
    assert SafetyFlag.select().count() == 0


def plan(case, worker, goal, review, status="in_progress"):
    return casework.add_plan_item(case.id, {"area": "accommodation", "goal": goal, "status": status,
                                            "review_date": review}, worker)


def test_caseload_shows_next_review_and_last_contact(worker):
    mine, quiet = make_case(name="Bea Mine", keyworker=worker), make_case(name="Cal Quiet", keyworker=worker)
    make_case(name="Not Mine", keyworker=make_staff())
    make_case(name="Closed Mine", keyworker=worker, status="closed", closed_reason="Moved away")
    plan(mine, worker, "Later", date(2026, 12, 20))
    plan(mine, worker, "Sooner", date(2026, 12, 1))
    plan(mine, worker, "Done already", date(2026, 11, 25), status="achieved")
    casework.add_contact(mine.id, "phone", datetime(2026, 11, 2, 10, 0), "Rang", worker)
    casework.add_contact(mine.id, "letter", datetime(2026, 11, 20, 9, 0), "Wrote", worker)
    rows = casework.caseload(worker)
    assert [(c.name, review, last) for c, review, last in rows] == [
        ("Bea Mine", date(2026, 12, 1), datetime(2026, 11, 20, 9, 0)),
        ("Cal Quiet", None, None),
    ]
    assert quiet.id == rows[1][0].id


def test_reviews_due_lists_open_items_up_to_the_day(worker):
    mine, theirs = make_case(keyworker=worker), make_case(name="Jo Bell", keyworker=make_staff())
    closed = make_case(name="Shut Case", keyworker=worker, status="closed", closed_reason="Moved")
    plan(mine, worker, "Overdue", date(2026, 11, 1))
    plan(mine, worker, "This week", date(2026, 11, 27))
    plan(mine, worker, "Next month", date(2026, 12, 20))
    plan(mine, worker, "Achieved", date(2026, 11, 24), status="achieved")
    plan(theirs, worker, "Someone else's", date(2026, 11, 26))
    plan(closed, worker, "On a closed case", date(2026, 11, 26))
    assert [i.goal for i in casework.reviews_due(date(2026, 11, 30))] == ["Overdue", "Someone else's", "This week"]
    assert [i.goal for i in casework.reviews_due(date(2026, 11, 30), worker)] == ["Overdue", "This week"]


def test_search_finds_by_name_reference_and_date_of_birth(app):
    alex = make_case()
    make_case(name="Jo Bell", date_of_birth=date(1985, 3, 9))
    for typed in ("alex", "MORG", "GTC-0001", "gtc-0001", "01/05/1990", "1990-05-01", "1.5.1990"):
        assert [c.id for c in casework.search_cases(typed)] == [alex.id], typed
    assert casework.search_cases("a") == []  # one letter is too few
    assert casework.search_cases("1/1/99999999999999999999") == []  # not a date, and not a crash
