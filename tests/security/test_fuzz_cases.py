"""Fuzzing the case pages: a case, its action plan, contacts, family, appointments and safety flags,
and finding one (the rules are in tests/security/test_fuzz.py's docstring)."""
from datetime import date, datetime

import pytest
from hypothesis import strategies as st

from kiosk.cases.models import (
    CASE_STATUSES, CLOSE_OUTCOMES, CONTACT_KINDS, CONTACT_PREFERENCES, FLAG_KINDS, PLAN_AREAS, PLAN_STATUSES, RATINGS,
    REFERRAL_SOURCES, ActionPlanItem, Case, PlanRating,
)
from kiosk.people.models import StaffUser
from kiosk.dropin.models import Ticket
from kiosk.cases import bookings, referrals
from kiosk.cases.bookings import SETTLED
from kiosk.cases.models import APPOINTMENT_STATUSES, BOOKING_KINDS, CONFERENCE_ATTENDEES, Appointment
from kiosk.cases.models import APVS_HELP, PAID_BY, REFERRAL_STATUSES, FamilyMember, Partner, Referral, TravelHelp

from ..factories import make_case
from ..fuzz_strategies import choice, day, hhmm, known_or_any, local_datetime, person, phone, pick, reference, words
from ..fuzz_support import INT_PATHS, fuzz_tests, get, p

pytestmark = pytest.mark.slow


def case_fields(w, casework=True):
    fields = {
        "name": person(100), "preferred_name": person(60), "date_of_birth": day(high=date(2008, 1, 1)),
        "phone": phone(), "address": words(500), "contact_preference": choice(CONTACT_PREFERENCES),
    }
    if casework:
        fields.update({
            "establishment": st.sampled_from(["HMP Barlinnie", "HMP Low Moss", "HMP Greenock"]) | words(100),
            # Mostly eligible, so the support window is worked out from the dates.
            "sentence_under_four_years": st.sampled_from(["yes", "yes", "no", ""]),
            "statutory_order": st.sampled_from(["no", "no", "yes", ""]), "release_date": day(date(2020, 1, 1)),
            "release_date_confirmed": st.just("y"), "referral_source": choice(REFERRAL_SOURCES),
            "referral_date": day(date(2020, 1, 1)), "consent_date": day(date(2020, 1, 1)),
            "status": choice(CASE_STATUSES), "closed_reason": words(200), "close_outcome": choice(CLOSE_OUTCOMES),
            "keyworker": pick(w.ids(StaffUser, StaffUser.role.in_(("keyworker", "manager"))) + [0]).map(str),
        })
    return fields


def case_version(w):
    return pick({str(c.version) for c in Case.select(Case.version)} or {"1"})


def plan_fields(w):
    return {"area": choice(PLAN_AREAS), "goal": words(1000), "actions": words(2000), "owner": person(100),
            "status": choice(PLAN_STATUSES), "review_date": day(date(2020, 1, 1)), "rating": rating(),
            "version": pick({str(i.version) for i in ActionPlanItem.select(ActionPlanItem.version)} or {"1"})}


def rating():
    return st.sampled_from([str(score) for score in RATINGS])


def outcomes_are_valid(w, response):
    """Only a closed case has an outcome, one of the list; every rating is one of the five steps."""
    assert not Case.select().where(Case.close_outcome.is_null(False)
                                   & (Case.close_outcome.not_in(list(CLOSE_OUTCOMES)) | (Case.status != "closed"))
                                   ).exists()
    assert not PlanRating.select().where(PlanRating.score.not_in(list(RATINGS))).exists()


CASE_ID = {"case_id": INT_PATHS["case_id"]}


def booking_fields(w, office_only=False):
    kinds = {"office": ""} if office_only else {**BOOKING_KINDS, "": ""}
    return {
        "kind": choice(kinds), "keyworker": pick(w.ids(StaffUser, StaffUser.role.in_(("keyworker", "manager")))).map(str),
        # Today (23 Nov 2026) on, and now and then a day just gone, which is refused.
        "day": st.one_of(day(date(2026, 11, 23), date(2027, 3, 1)), day(date(2026, 11, 23), date(2027, 3, 1)),
                         day(date(2026, 11, 1), date(2026, 11, 22))), "time": hhmm(), "note": words(200),
        "prison": st.sampled_from(["HMP Barlinnie", "", " "]) | words(100), "place": words(200),
        "attendees": st.lists(choice({**CONFERENCE_ATTENDEES, "judge": ""}), max_size=3)}


def outreach_booked(w):
    """A pre-release visit and an office appointment still to happen (the world has an office one only)."""
    case = w.ids(Case)[0]
    bookings.book(case, w.keyworker, datetime(2026, 12, 2, 10, 0), w.keyworker, kind="prison_visit",
                  prison="HMP Barlinnie")


def bookings_are_valid(w, response):
    """Every booking is of a kind the app offers with what that kind needs; one done has its contact."""
    for b in Appointment.select():
        assert b.kind in BOOKING_KINDS and b.status in APPOINTMENT_STATUSES, (b.kind, b.status)
        assert b.kind not in ("prison_visit", "gate_pickup") or (b.prison or "").strip(), b.id
        assert b.kind != "gate_pickup" or (b.place or "").strip(), b.id
        assert (b.status == "done") == (b.contact_id is not None), b.id
        assert b.status not in ("missed", "cancelled") or (b.reason or "").strip(), b.id

POST_SPECS = [
    p("cases.new", "keyworker", fields=lambda w: {**case_fields(w), "reference": reference()},
      query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}, after=outcomes_are_valid),
    p("cases.new[reception]", "reception",
      fields=lambda w: {**case_fields(w, casework=False), "reference": reference()},
      query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    p("cases.edit", "keyworker", path=CASE_ID, fields=lambda w: {**case_fields(w), "version": case_version(w)},
      after=outcomes_are_valid),
    p("cases.edit[reception]", "reception", path=CASE_ID,
      fields=lambda w: {**case_fields(w, casework=False), "version": case_version(w)}),
    p("cases.add_plan_item", "keyworker", path=CASE_ID, fields=plan_fields),
    p("cases.plan_item", "keyworker", path={**CASE_ID, "item_id": INT_PATHS["item_id"]}, fields=plan_fields,
      after=outcomes_are_valid),
    p("cases.rate_plan_item", "keyworker", path={**CASE_ID, "item_id": INT_PATHS["item_id"]},
      fields=lambda w: {"score": rating()}, after=outcomes_are_valid),
    p("cases.add_contact", "keyworker", path=CASE_ID, fields=lambda w: {
        "kind": choice(CONTACT_KINDS), "happened_at": local_datetime(), "summary": words(4000)}),
    p("cases.add_family_member", "reception", path=CASE_ID, fields=lambda w: {
        "name": person(100), "relationship": st.sampled_from(["Mother", "Partner", "Son", "Friend"]) | words(60),
        "phone": phone(), "address": words(500), "consent_date": day(date(2020, 1, 1)),
        "link_consent_family": st.sampled_from(["y", ""]), "link_consent_person": st.sampled_from(["y", ""])},
      after=lambda w, response: families_are_valid(w, response)),
    p("cases.add_appointment", "reception", path=CASE_ID, fields=lambda w: booking_fields(w, office_only=True)),
    p("cases.add_appointment[keyworker]", "keyworker", path=CASE_ID, fields=booking_fields, after=bookings_are_valid),
    p("cases.settle_booking", "keyworker", setup=outreach_booked, after=bookings_are_valid,
      path={"booking_id": lambda w: known_or_any(w.ids(Appointment))}, fields=lambda w: {
          "status": choice({**SETTLED, "seen": "Seen", "booked": "Booked"}), "summary": words(4000),
          "reason": words(200)}),
    p("cases.settle_booking[reception]", "reception", setup=outreach_booked, after=bookings_are_valid,
      path={"booking_id": lambda w: known_or_any(w.ids(Appointment))}, fields=lambda w: {
          "status": choice(SETTLED), "summary": words(4000), "reason": words(200)}),
    p("cases.mark_expected", "keyworker", path=CASE_ID, fields=lambda w: {
        "day": day(date(2026, 11, 1), date(2027, 3, 1)), "clear": st.sampled_from(["", "1"])}),
    p("cases.add_flag", "keyworker", path=CASE_ID, fields=lambda w: {
        "kind": choice(FLAG_KINDS), "other_reference": st.sampled_from(["GTC-0001", "GTC-0002", "gtc-0002 "]),
        "note": words(200)}),
    p("cases.clear_flag", "keyworker", path={"flag_id": INT_PATHS["flag_id"]}),
]

GET_SPECS = [
    get("cases.index", "keyworker", query=lambda w: {"q": st.sampled_from(["Alex", "gtc", "01/05/1990", "Sam Reid"])}),
    get("cases.search", "reception", query=lambda w: {"q": st.sampled_from(["Alex", "GTC-0002", "1990-05-01"]),
                                                      "ticket": known_or_any(w.ids(Ticket))}),
    get("cases.new", "keyworker", query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    get("cases.view", "keyworker", path=CASE_ID),
    get("cases.edit", "keyworker", path=CASE_ID),
    get("cases.plan_item", "keyworker", path={**CASE_ID, "item_id": INT_PATHS["item_id"]}),
    get("cases.family_member", "keyworker", path={"member_id": INT_PATHS["member_id"]}),
]


# --- referrals to partners, the partner list, prison-visit travel help --------------------------

def partners_and_a_referral(w):
    """Two partners, one no longer offered, and a referral (the world itself has none)."""
    housing = referrals.add_partner("Clyde Housing Advice", "accommodation", "0141 496 0101", w.manager)
    closed = referrals.add_partner("Govan Recovery Hub", "drugs_alcohol", None, w.manager)
    referrals.set_partner_active(closed.id, False, w.manager)
    referrals.make_referral(w.ids(Case)[0], housing.id, None, date(2026, 11, 20), "Homeless application", w.keyworker)


def referral_values_are_valid(w, response):
    """What fuzz_world's rules do not know: the referral and travel codes stored are ones the app offers."""
    assert not Referral.select().where(Referral.status.not_in(list(REFERRAL_STATUSES))
                                       | Referral.area.not_in(list(PLAN_AREAS))).exists()
    assert not Partner.select().where(Partner.area.not_in(list(PLAN_AREAS))).exists()
    assert not TravelHelp.select().where(TravelHelp.apvs.not_in(list(APVS_HELP))
                                         | TravelHelp.paid_by.not_in(list(PAID_BY))
                                         | (TravelHelp.cost_pence < 0) | (TravelHelp.cost_pence > 1_000_000)).exists()


MONEY = st.one_of(st.decimals(-10, 12000, places=2).map(str), st.sampled_from(["£23.40", "1,200", "0", "7.5", ""]))

POST_SPECS += [
    p("cases.make_referral", "keyworker", path=CASE_ID, setup=partners_and_a_referral, after=referral_values_are_valid,
      fields=lambda w: {"partner": pick(w.ids(Partner)).map(str), "area": choice({"", *PLAN_AREAS}),
                        "made_on": day(date(2026, 1, 1), date(2026, 11, 24)), "note": words(200)}),
    p("cases.referral_status", "keyworker", setup=partners_and_a_referral, after=referral_values_are_valid,
      path={**CASE_ID, "referral_id": lambda w: known_or_any(w.ids(Referral))},
      fields=lambda w: {"status": choice(REFERRAL_STATUSES)}),
    p("cases.record_travel_help", "keyworker", path=CASE_ID, after=referral_values_are_valid, fields=lambda w: {
        "family_member": pick(w.ids(FamilyMember) + [0]).map(str),
        "prison": st.sampled_from(["HMP Barlinnie", "HMP Low Moss", "HMP Greenock"]) | words(100),
        "visit_date": day(date(2025, 12, 1), date(2027, 12, 31)), "apvs": choice(APVS_HELP), "travel": words(200),
        "cost": MONEY, "paid_by": choice(PAID_BY)}),
    p("admin.partner_add", "manager", setup=partners_and_a_referral, after=referral_values_are_valid,
      fields=lambda w: {"name": st.sampled_from(["Clyde Housing Advice", "Riverside Health"]) | person(100),
                        "area": choice(PLAN_AREAS), "phone": phone()}),
    p("admin.partner_active", "manager", setup=partners_and_a_referral,
      path={"partner_id": lambda w: known_or_any(w.ids(Partner))}, fields=lambda w: {"active": choice(["yes", "no"])}),
]


# --- families as clients in their own right ------------------------------------------------------
# fuzz_world has a family member linked to GTC-0001, one with no case, and one whose consent was withdrawn.

from kiosk.cases.models import FAMILY_CONTACT_KINDS, FamilyContact  # noqa: E402
from kiosk.web.cases.forms import FAMILY_CONSENT_CHANGES  # noqa: E402

MEMBER_ID = {"member_id": INT_PATHS["member_id"]}


def families_are_valid(w, response):
    """Consent is never withdrawn before it was given nor dated ahead; a withdrawn record gets no new
    contacts and does not agree to the link."""
    for member in FamilyMember.select():
        given, gone = member.consent_date, member.consent_withdrawn_on
        assert not (given and gone and gone < given), member.id
        assert all(d is None or d <= date(2026, 11, 23) for d in (given, gone)), member.id
        assert not (gone and member.link_consent_family), member.id
    assert not FamilyContact.select().join(FamilyMember).where(
        FamilyMember.consent_withdrawn_on.is_null(False)).exists()


def travel_fields(w):
    return {"prison": st.sampled_from(["HMP Barlinnie", "HMP Low Moss", "HMP Greenock"]) | words(100),
            "visit_date": day(date(2025, 12, 1), date(2027, 12, 31)), "apvs": choice(APVS_HELP),
            "travel": words(200), "cost": MONEY, "paid_by": choice(PAID_BY)}


POST_SPECS += [
    p("cases.new_family_member", "reception", after=families_are_valid, fields=lambda w: {
        "name": person(100), "relationship": st.sampled_from(["Mother", "Partner", "Friend"]) | words(60),
        "phone": phone(), "address": words(500), "in_custody": person(100),
        "prison": st.sampled_from(["HMP Low Moss", ""]) | words(100), "consent_date": day(date(2020, 1, 1))}),
    p("cases.family_consent", "reception", path=MEMBER_ID, after=families_are_valid, fields=lambda w: {
        "change": choice(FAMILY_CONSENT_CHANGES), "on": day(date(2026, 1, 1), date(2026, 12, 31))}),
    p("cases.family_link", "keyworker", path=MEMBER_ID, after=families_are_valid, fields=lambda w: {
        "change": choice({"agrees", "disagrees"}), "reference": st.sampled_from(["GTC-0001", "gtc-0002 ", "", "X"])}),
    p("cases.add_family_contact", "keyworker", path=MEMBER_ID, after=families_are_valid, fields=lambda w: {
        "kind": choice(FAMILY_CONTACT_KINDS), "happened_at": local_datetime(), "summary": words(4000)}),
    p("cases.record_family_travel_help", "keyworker", path=MEMBER_ID, fields=travel_fields,
      after=lambda w, response: (referral_values_are_valid(w, response), families_are_valid(w, response))),
]

GET_SPECS += [
    get("cases.families_index", "reception", query=lambda w: {
        "q": st.sampled_from(["Jean", "Rose Duffy", "0141 496 0300", "01414960300", "an"])}),
]


# --- subject access requests (managers) ---------------------------------------------------------

from kiosk.cases.access_requests import (  # noqa: E402
    HOW_RECEIVED, REQUEST_STATUSES, SubjectAccessRequest, deadline, log_request,
)

REQUEST_ID = {"request_id": lambda w: known_or_any(w.ids(SubjectAccessRequest))}


def a_subject_access_request(w):
    """An open request about GTC-0001 (the world has none), for the addresses that name one."""
    log_request(date(2026, 11, 20), "letter", w.manager, case_id=w.ids(Case)[0])


def requests_are_valid(w, response):
    """Each request is due a calendar month after it came in, on a day gone by, in a status the app knows;
    answered ones say when; a person has one open request at most."""
    people = []
    for r in SubjectAccessRequest.select():
        assert r.how in HOW_RECEIVED and r.status in REQUEST_STATUSES, r.id
        assert r.due_on == deadline(r.received_on) and date(2025, 11, 22) <= r.received_on <= date(2026, 11, 23)
        assert (r.status == "answered") == (r.answered_at is not None), r.id
        if r.status == "open":
            people.append((r.case_id, r.family_member_id))
    assert len(people) == len(set(people)), people


def request_fields(w):
    # Mostly a day the app takes (the last year), so requests are saved as well as refused.
    taken = st.dates(date(2025, 11, 22), date(2026, 11, 23))
    received = st.one_of(taken.map(date.isoformat), taken.map(lambda d: d.strftime("%d/%m/%Y")),
                         day(date(2025, 10, 1), date(2026, 12, 31)))
    return {"received_on": received, "how": choice(HOW_RECEIVED)}


POST_SPECS += [
    p("cases.case_subject_access", "manager", path=CASE_ID, setup=a_subject_access_request, fields=request_fields,
      after=requests_are_valid),
    p("cases.family_subject_access", "manager", path=MEMBER_ID, fields=request_fields, after=requests_are_valid),
    p("cases.subject_access_answered", "manager", path=REQUEST_ID, setup=a_subject_access_request,
      fields=lambda w: {"sent": st.sampled_from(["y", "", "yes"])}, after=requests_are_valid),
]

GET_SPECS += [
    get("cases.case_subject_access", "manager", path=CASE_ID, setup=a_subject_access_request),
    get("cases.family_subject_access", "manager", path=MEMBER_ID),
    get("cases.subject_access_request", "manager", path=REQUEST_ID, setup=a_subject_access_request),
    get("cases.subject_access_document", "manager", path=REQUEST_ID, setup=a_subject_access_request),
    get("cases.subject_access_file", "manager", path=REQUEST_ID, setup=a_subject_access_request),
]


# --- erasure on request and anonymising at the end of retention (managers) ----------------------

from datetime import timezone  # noqa: E402

from kiosk.cases.erasure import request_erasure  # noqa: E402
from kiosk.cases.erasure_models import ERASURE_REASONS, KINDS, RETENTION_ENDED, STATUSES, Erasure  # noqa: E402
from kiosk.cases.erasure_scrub import ERASED_NAME  # noqa: E402
from kiosk.cases.services import update_case  # noqa: E402

from ..factories import make_staff  # noqa: E402


def erasures_waiting_and_due(w):
    """Another manager asked for Sam Reid's records (GTC-0002) to be erased, so the world's manager may confirm
    it; and a case closed in 2019, past its retention period, to anonymise."""
    request_erasure(Case.get(Case.reference == "GTC-0002").id, "consent_withdrawn", "By letter", make_staff("manager", "meg", "Meg Second"))
    w.clock.move_to(datetime(2019, 3, 1, 12, 0, tzinfo=timezone.utc))
    old = make_case(w.keyworker, name="Quentin Blyth", reference="GTC-0003", keyworker=w.keyworker)
    update_case(old.id, {"status": "closed", "close_outcome": "completed"}, 1, w.keyworker)
    w.clock.to("mid-session")


def erasures_are_valid(w, response):
    """Each erasure has a reason and state the app knows; one done was confirmed, by a second manager when it was
    asked for, and its case names nobody; a case has one erasure waiting or done at most."""
    cases = []
    for e in Erasure.select():
        assert e.kind in KINDS and e.status in STATUSES and e.reason in (*ERASURE_REASONS, RETENTION_ENDED), e.id
        if e.status == "done":
            assert e.confirmed_at and e.done, e.id
            assert e.kind == "retention" or e.confirmed_by_id != e.requested_by_id, e.id
            erased = Case.get_by_id(e.case_number)
            assert (erased.name, erased.phone, erased.date_of_birth, erased.status) == (ERASED_NAME, None, None,
                                                                                        "closed"), e.id
        if e.status != "withdrawn":
            cases.append(e.case_number)
    assert len(cases) == len(set(cases)), cases


def waiting_case(w):
    """Mostly the case whose erasure waits, so confirming or withdrawing it gets past the checks."""
    waiting = [e.case_number for e in Erasure.select().where(Erasure.status == "waiting")]
    return st.one_of(pick(waiting or [0]).map(str), known_or_any(w.ids(Case)))


def decision_fields(w):
    return {"request": known_or_any(w.ids(Erasure))}


POST_SPECS += [
    p("cases.request_erasure", "manager", path=CASE_ID, setup=erasures_waiting_and_due, after=erasures_are_valid,
      fields=lambda w: {"reason": choice(ERASURE_REASONS), "details": words(300)}),
    p("cases.confirm_erasure", "manager", path={"case_id": waiting_case}, setup=erasures_waiting_and_due,
      fields=decision_fields, after=erasures_are_valid),
    p("cases.withdraw_erasure", "manager", path={"case_id": waiting_case}, setup=erasures_waiting_and_due,
      fields=decision_fields, after=erasures_are_valid),
    p("cases.anonymise_cases", "manager", setup=erasures_waiting_and_due, after=erasures_are_valid,
      fields=lambda w: {"cases": st.lists(st.one_of(pick(w.ids(Case, Case.reference == "GTC-0003")).map(str),
                                                    known_or_any(w.ids(Case))), min_size=1, max_size=3),
                        "confirm": st.sampled_from(["yes", "", "no"])}),
]

GET_SPECS += [
    get("cases.erasure_form", "manager", path=CASE_ID, setup=erasures_waiting_and_due),
]


# --- importing a caseload from a CSV file (managers) ---------------------------------------------
# Files of every kind are fuzzed in tests/cases/test_import_fuzz.py; here, every form around them.

from kiosk.cases.import_rows import COLUMNS  # noqa: E402
from kiosk.cases.importing import CaseloadImport  # noqa: E402

from ..factories import make_caseload_upload  # noqa: E402

IMPORT_ID = {"import_id": lambda w: known_or_any(w.ids(CaseloadImport))}
CASELOAD = ("reference,name,date_of_birth,keyworker,plan_areas,family_name,family_relationship,family_link_agreed\r\n"
            "GTC-0001,Alex Morgan,01/05/1990,,,,,\r\n"
            ",Ann Lee,31/12/1985,aileen,Accommodation; Health,Jim Lee,Brother,yes\r\n"
            ",Ann Lee,31/12/1985,aileen,,Mary Lee,Mother,no\r\n"
            ",Bo Chan,31/02/1985,,,,,\r\n")


def a_caseload_upload(w):
    """A file waiting to be imported: a case already here, a person with two family members, a bad row."""
    make_caseload_upload(w.manager, CASELOAD)


def each_column_once(w, values):
    """Right values for the columns screen: each of the file's columns chosen once at most, a name among them."""
    seen = set()
    for code in sorted(values):
        if values[code] in seen:
            values[code] = ""
        seen.add(values[code] or None)
    if not values.get("name") and not values.get("surname"):
        values["name"] = "1" if "1" not in seen else values.get("name", "")
    return values


def imported_cases_are_valid(w, response):
    outcomes_are_valid(w, response)
    families_are_valid(w, response)


POST_SPECS += [
    p("cases.import_upload", "manager", fields=lambda w: {"file": st.sampled_from(["", CASELOAD]) | words(200)}),
    p("cases.import_columns", "manager", path=IMPORT_ID, setup=a_caseload_upload,
      fields=lambda w: {code: st.sampled_from(["", "", "", "0", "1", "2", "3", "5", "6", "7"]) for code in COLUMNS},
      complete=each_column_once),
    p("cases.import_apply", "manager", path=IMPORT_ID, setup=a_caseload_upload, after=imported_cases_are_valid),
    p("cases.import_discard", "manager", path=IMPORT_ID, setup=a_caseload_upload),
]

GET_SPECS += [
    get("cases.import_columns", "manager", path=IMPORT_ID, setup=a_caseload_upload),
    get("cases.import_preview", "manager", path=IMPORT_ID, setup=a_caseload_upload),
]


# --- the tests -----------------------------------------------------------------------------------

(world, test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses,
 test_every_address_parameter_takes_anything_without_a_500) = fuzz_tests(POST_SPECS, GET_SPECS)


# --- what the fuzzing found, pinned down ---------------------------------------------------------

def test_a_search_longer_than_any_name_finds_nothing_rather_than_failing(client, auth):
    auth.login("keyworker")
    make_case(name="Alex Morgan")
    for path in ("/cases/", "/cases/search"):
        response = client.get(path, query_string={"q": "a" * 70_000})
        assert response.status_code == 200
        assert "Alex Morgan" not in response.get_data(as_text=True)


@pytest.mark.parametrize("release", ["9999-12-31", "0026-11-14", "14/11/0026", "01/01/2101"])
def test_a_case_date_outside_any_real_year_is_refused(client, auth, release):
    """Stored, year 9999 or year 26 broke the support window's arithmetic: every view of the case was a 500."""
    auth.login("keyworker")
    response = client.post("/cases/new", data={
        "name": "Alex Morgan", "release_date": release, "sentence_under_four_years": "yes", "statutory_order": "no",
        "contact_preference": "phone", "referral_source": "self", "status": "active", "keyworker": "0"})
    assert response.status_code == 400
    assert "Enter a real date" in response.get_data(as_text=True)
    assert Case.select().count() == 0
