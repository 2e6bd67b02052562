"""Erasing a person's records on request (a second manager confirms) and anonymising closed cases at the end of
retention: who may do it, what goes and what stays in each table, and what is refused."""
import pytest

from .erasure_support import *  # noqa: F403 - the shared person, managers, helpers and the models they read


def test_asked_for_by_one_manager_confirmed_by_another_and_gone_from_search(app, person, managers):
    meg, ali = managers
    case = person["case"]
    page = text(meg.get(f"/cases/{case.id}"))
    assert "Erase this person's records" in page
    form = text(meg.get(f"/cases/{case.id}/erase"))
    assert "What is erased" in form and "What is kept, and why" in form and "1 family record known only" in form
    assert ask(meg, case.id).status_code == 303
    assert "waits for a second manager" in text(meg.get(f"/cases/{case.id}"))
    assert Case.get_by_id(case.id).name == NAME  # nothing erased yet

    refused = confirm(meg, case.id)
    assert refused.status_code == 403 and "A second manager must confirm" in text(refused)
    assert Case.get_by_id(case.id).name == NAME
    listed = text(meg.get("/cases/erasures"))
    assert f"GTC-0001 · Zeb ({NAME})" in listed and "Another manager must confirm." in listed

    assert "Erase now" in text(ali.get("/cases/erasures"))
    done = confirm(ali, case.id)
    assert done.status_code == 303
    after = text(ali.get(done.headers["Location"]))
    assert f"Case {case.id} erased" in after and "Erased on request" in after and NAME not in after

    for words in ("Zebedee", "Quarrington", "Zeb", "07/03/1988", "1988-03-07", "GTC-0001"):
        assert NAME not in text(ali.get("/cases/", query_string={"q": words})), words
        assert "Erased record" not in text(ali.get("/cases/search", query_string={"q": words})), words
    found = text(ali.get("/cases/family/", query_string={"q": "Jimmy"}))
    assert "Jimmy Q" not in found and "Brother" not in found
    page = text(ali.get(f"/cases/{case.id}"))
    assert "Erased record" in page and "erased at their request" in page
    assert not [trace for trace in TRACES if trace in page]
    assert Erasure.get().confirmed_by_id == ali.user.id


def test_what_goes_and_what_stays_in_each_table(person, managers):
    meg, ali = managers
    case, morag, jimmy = person["case"], person["morag"], person["jimmy"]
    ask(meg, case.id)
    confirm(ali, case.id)

    row = Case.get_by_id(case.id)
    assert (row.name, row.preferred_name, row.date_of_birth, row.phone, row.address, row.establishment) == (
        "Erased record", None, None, None, None, None)
    assert (row.sentence_under_four_years, row.statutory_order, row.consent_date, row.reference) == (
        None, None, None, f"ERASED-{case.id}")
    # What the reports count by stays.
    assert (row.status, row.close_outcome, row.referral_source, row.referral_date, row.release_date,
            row.keyworker_id, row.created_at) == ("closed", "other", "prison_social_work", date(2026, 10, 1),
                                                  date(2026, 10, 20), person["kim"].id, case.created_at)
    assert [(c.kind, c.summary) for c in ContactEntry.select().where(ContactEntry.case == case)
            .order_by(ContactEntry.happened_at)] == [("prison_visit", ""), ("phone", ""), ("visit_travel", ""),
                                                     ("drop_in", "")]
    item = ActionPlanItem.get_by_id(person["item"].id)
    assert (item.area, item.goal, item.actions, item.owner) == ("accommodation", "", None, None)
    assert [r.score for r in PlanRating.select().order_by(PlanRating.id)] == [2, 4]
    assert [(r.status, r.note) for r in Referral.select()] == [("made", None)]
    assert [(b.kind, b.status, b.prison, b.place, b.note, b.reason) for b in
            Appointment.select().order_by(Appointment.starts_at)] == [
        ("prison_visit", "done", None, None, None, None), ("gate_pickup", "missed", None, None, None, None)]
    assert not SafetyFlag.select().exists()
    # Morag keeps her own record, travel help and log; only the link and who she supports (him) go.
    kept = FamilyMember.get_by_id(morag.id)
    assert (kept.name, kept.case_id, kept.link_consent_person, kept.in_custody, kept.prison) == (
        "Morag Dunlop", None, False, None, None)
    assert [(t.case_id, t.family_member_id) for t in TravelHelp.select()] == [(None, morag.id)]
    assert FamilyContact.select().where(FamilyContact.family_member == morag.id).count() == 1
    # Jimmy was known only through him: his record goes, with its ticket link.
    assert FamilyMember.get_or_none(FamilyMember.id == jimmy.id) is None
    assert [(t.name, t.outcome) for t in Ticket.select().order_by(Ticket.id)] == [(None, None)] * 3
    # The past visit stays linked for the drop-in's figures; the visit under way no longer records on the case.
    assert [link.ticket_id for link in TicketLink.select().where(TicketLink.case == case)] == [
        person["tickets"][0].id]
    # Alex Morgan's case is untouched.
    assert Case.get_by_id(person["other"].id).name == "Alex Morgan"
    stored = everything_stored()
    assert not [trace for trace in TRACES if trace in stored]
    assert "Morag Dunlop" in stored and "Alex Morgan" in stored


def test_nothing_more_is_recorded_on_an_erased_case(app, person, managers):
    meg, ali = managers
    case = person["case"]
    ask(meg, case.id)
    confirm(ali, case.id)
    keyworker = browser(app, "keyworker", "kw")
    stored = everything_stored()
    for url, data in ((f"/cases/{case.id}/edit", {"version": "99", "name": NAME, "contact_preference": "phone"}),
                      (f"/cases/{case.id}/contacts", {"kind": "phone", "happened_at": "2026-11-23T09:00",
                                                     "summary": "Zebedee rang again"}),
                      (f"/cases/{case.id}/plan", {"area": "health", "goal": "See a GP", "status": "not_started"})):
        for client in (keyworker, meg):
            refused = client.post(url, data=data)
            assert refused.status_code == 409 and "nothing more is recorded" in text(refused), url
    linked = meg.post(f"/staff/tickets/{make_ticket(name='Zeb').id}/link", data={"case": case.id})
    assert linked.status_code == 409 and "nothing more is recorded" in text(linked)
    by_reference = meg.post(f"/cases/family/{person['morag'].id}/link",
                            data={"change": "agrees", "reference": f"ERASED-{case.id}"})
    assert by_reference.status_code == 409
    assert FamilyMember.get_by_id(person["morag"].id).case_id is None
    # Done on the visit under way when the erasure came: seen, but nothing written on the case.
    today = person["tickets"][2]
    move(today.id, "call", person["kim"], room_id=room())
    move(today.id, "finish", person["kim"], outcome="Zebedee came back")
    assert not ContactEntry.select().where(ContactEntry.summary.contains("Zebedee")).exists()
    assert stored.count("Erased record") == everything_stored().count("Erased record")


def test_reception_and_keyworkers_cannot_erase(app, person, managers):
    meg, _ = managers
    case = person["case"]
    ask(meg, case.id)
    request_id = waiting_request(case.id)
    for role in ("reception", "keyworker"):
        client = browser(app, role, f"{role}-x")
        assert "Erase this person's records" not in text(client.get(f"/cases/{case.id}"))
        for method, url, data in (("GET", f"/cases/{case.id}/erase", None), ("POST", f"/cases/{case.id}/erase",
                                  {"reason": "no_longer_needed"}), ("POST", f"/cases/{case.id}/erase/confirm",
                                  {"request": request_id}), ("GET", "/cases/erasures", None),
                                  ("GET", "/cases/retention", None), ("POST", "/cases/retention", {"cases": case.id})):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (role, url)
    assert Case.get_by_id(case.id).name == NAME


def test_erasing_twice_is_refused_and_changes_nothing(person, managers):
    meg, ali = managers
    case = person["case"]
    ask(meg, case.id)
    assert ask(ali, case.id).status_code == 409  # one waits already
    request_id = waiting_request(case.id)
    confirm(ali, case.id, request_id)
    stored = everything_stored()
    again = confirm(ali, case.id, request_id)
    assert again.status_code == 409 and "already erased" in text(again)
    assert ask(meg, case.id).status_code == 409
    assert everything_stored() == stored


def test_an_open_subject_access_request_holds_the_erasure_until_it_is_answered(person, managers):
    meg, ali = managers
    case = person["case"]
    sar = access_requests.log_request(date(2026, 11, 16), "letter", meg.user, case_id=case.id)
    assert "still open: answer it first" in text(meg.get(f"/cases/{case.id}/erase"))
    ask(meg, case.id)
    held = confirm(ali, case.id)
    assert held.status_code == 409 and "received on 16/11/2026 is still open" in text(held)
    assert Case.get_by_id(case.id).name == NAME
    access_requests.answer_request(sar.id, meg.user)
    assert confirm(ali, case.id).status_code == 303
    assert Case.get_by_id(case.id).name == "Erased record"


def test_a_request_can_be_withdrawn_and_nothing_is_erased(person, managers):
    meg, ali = managers
    case = person["case"]
    ask(meg, case.id)
    request_id = waiting_request(case.id)
    assert ali.post(f"/cases/{case.id}/erase/withdraw", data={"request": request_id}).status_code == 303
    assert Erasure.get_by_id(request_id).status == "withdrawn"
    assert confirm(ali, case.id, request_id).status_code == 409
    assert Case.get_by_id(case.id).name == NAME
    assert ask(meg, case.id).status_code == 303  # asked for again


@pytest.mark.parametrize("details, message", [
    ("Zebedee asked at the desk", "Leave the person's name"),
    ("Born 07/03/1988, asked by letter", "Leave the person's name"),
    ("", "Say which reason under Article 17 applies."),
])
def test_a_reason_that_names_the_person_or_says_nothing_is_refused(person, managers, details, message):
    meg, _ = managers
    response = ask(meg, person["case"].id, reason="other", details=details)
    assert response.status_code == 400 and message in text(response)
    assert details in response.get_data(as_text=True)  # what they wrote is still there to put right
    assert not Erasure.select().exists()


def test_an_unknown_case_or_request_is_a_404(person, managers):
    meg, ali = managers
    assert meg.get("/cases/9999/erase").status_code == 404
    assert ask(meg, 9999).status_code == 404
    ask(meg, person["case"].id)
    assert confirm(ali, person["other"].id, waiting_request(person["case"].id)).status_code == 404


# --- anonymising at the end of the retention period ---------------------------------------------

@pytest.fixture
def long_closed(app, clock):
    """Three cases closed in 2019 and 2020 (past the six years by November 2026), and one closed this year."""
    kim = make_staff("keyworker", "kim", "Kim Worker")
    cases = []
    for name, opened, closed in (("Quentin Blyth", (2018, 3, 1), (2019, 6, 3)),
                                 ("Rhona Pettigrew", (2019, 1, 7), (2020, 2, 11)),
                                 ("Somhairle Vance", (2019, 5, 5), (2020, 10, 30)),
                                 ("Tamsin Recent", (2025, 1, 6), (2026, 3, 2))):
        at(clock, *opened, 10, 0)
        case = make_case(kim, name=name, keyworker=kim, phone="0141 496 0101")
        casework.add_contact(case.id, "phone", datetime(*opened, 11, 0), f"{name} rang", kim)
        at(clock, *closed, 10, 0)
        casework.update_case(case.id, {"status": "closed", "close_outcome": "completed"}, 1, kim)
        cases.append(Case.get_by_id(case.id))
    clock.move_to(MID_SESSION)
    return cases


def test_anonymise_one_and_several_from_the_retention_list(app, long_closed, managers):
    meg, _ = managers
    first, second, third, recent = long_closed
    this_year = build_report(date(2019, 1, 1), date(2026, 11, 22))
    listed = text(meg.get("/cases/retention"))
    assert all(c.reference in listed for c in (first, second, third)) and recent.reference not in listed
    assert "Closed cases past retention (3)" in text(meg.get("/cases/erasures"))

    asked = meg.post("/cases/retention", data={"cases": [first.id]})  # a row's button: asked first
    assert asked.status_code == 200 and "Anonymise 1 closed case?" in text(asked) and first.reference in text(asked)
    assert Case.get_by_id(first.id).name == "Quentin Blyth" and not Erasure.select().exists()
    assert meg.post("/cases/retention", data={"cases": [first.id], "confirm": "yes"}).status_code == 303
    assert meg.post("/cases/retention", data={"cases": [second.id, third.id, first.id],
                                              "confirm": "yes"}).status_code == 303
    for case in (first, second, third):
        row = Case.get_by_id(case.id)
        assert (row.name, row.phone, row.status, row.close_outcome) == ("Erased record", None, "closed", "completed")
    assert Case.get_by_id(recent.id).name == "Tamsin Recent"
    assert "No closed case is past its retention period." in text(meg.get("/cases/retention"))
    assert [(e.kind, e.reason, e.requested_by_id, e.confirmed_by_id) for e in Erasure.select().order_by(Erasure.id)] \
        == [("retention", "retention_ended", meg.user.id, meg.user.id)] * 3
    assert [r.action for r in AuditEvent.select().where(AuditEvent.object_type == "Erasure")] == ["anonymise"] * 3
    after = build_report(date(2019, 1, 1), date(2026, 11, 22))
    assert [(t.key, t.rows) for t in after.casework] == [(t.key, t.rows) for t in this_year.casework]
    stored = everything_stored()
    assert not [name for name in ("Quentin", "Rhona", "Somhairle") if name in stored]
    assert "Closed cases past retention (0)" in text(meg.get("/cases/erasures"))
    assert [case.reference for case in purge(30, 6).cases] == []  # the daily purge lists them no more


def test_a_case_not_yet_due_is_not_anonymised_and_nothing_else_is_either(long_closed, managers):
    meg, _ = managers
    first, _, _, recent = long_closed
    refused = meg.post("/cases/retention", data={"cases": [first.id, recent.id], "confirm": "yes"})
    assert refused.status_code == 409 and f"{recent.reference} is not due" in text(refused)
    assert Case.get_by_id(first.id).name == "Quentin Blyth" and not Erasure.select().exists()
    assert meg.post("/cases/retention", data={"cases": ["x"]}).status_code == 400
    assert meg.post("/cases/retention", data={}).status_code == 400


def test_anonymising_waits_for_an_erasure_request_already_made(long_closed, managers):
    meg, ali = managers
    first = long_closed[0]
    ask(meg, first.id)
    held = ali.post("/cases/retention", data={"cases": [first.id], "confirm": "yes"})
    assert held.status_code == 409 and "waiting for a second manager" in text(held)
