"""Fuzzing the case pages: a case, its action plan, contacts, family, appointments and safety flags,
and finding one (the rules are in tests/security/test_fuzz.py's docstring)."""
from datetime import date

import pytest
from hypothesis import strategies as st

from kiosk.cases.models import (
    CASE_STATUSES, CONTACT_KINDS, CONTACT_PREFERENCES, FLAG_KINDS, PLAN_AREAS, PLAN_STATUSES, REFERRAL_SOURCES, ActionPlanItem, Case,
)
from kiosk.people.models import StaffUser
from kiosk.dropin.models import Ticket

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
            "status": choice(CASE_STATUSES), "closed_reason": words(200),
            "keyworker": pick(w.ids(StaffUser, StaffUser.role.in_(("keyworker", "manager"))) + [0]).map(str),
        })
    return fields


def case_version(w):
    return pick({str(c.version) for c in Case.select(Case.version)} or {"1"})


def plan_fields(w):
    return {"area": choice(PLAN_AREAS), "goal": words(1000), "actions": words(2000), "owner": person(100),
            "status": choice(PLAN_STATUSES), "review_date": day(date(2020, 1, 1)),
            "version": pick({str(i.version) for i in ActionPlanItem.select(ActionPlanItem.version)} or {"1"})}


CASE_ID = {"case_id": INT_PATHS["case_id"]}

POST_SPECS = [
    p("cases.new", "keyworker", fields=lambda w: {**case_fields(w), "reference": reference()},
      query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    p("cases.new[reception]", "reception",
      fields=lambda w: {**case_fields(w, casework=False), "reference": reference()},
      query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    p("cases.edit", "keyworker", path=CASE_ID, fields=lambda w: {**case_fields(w), "version": case_version(w)}),
    p("cases.edit[reception]", "reception", path=CASE_ID,
      fields=lambda w: {**case_fields(w, casework=False), "version": case_version(w)}),
    p("cases.add_plan_item", "keyworker", path=CASE_ID, fields=plan_fields),
    p("cases.plan_item", "keyworker", path={**CASE_ID, "item_id": INT_PATHS["item_id"]}, fields=plan_fields),
    p("cases.add_contact", "keyworker", path=CASE_ID, fields=lambda w: {
        "kind": choice(CONTACT_KINDS), "happened_at": local_datetime(), "summary": words(4000)}),
    p("cases.add_family_member", "reception", path=CASE_ID, fields=lambda w: {
        "name": person(100), "relationship": st.sampled_from(["Mother", "Partner", "Son", "Friend"]) | words(60),
        "phone": phone(), "address": words(500), "consent_date": day(date(2020, 1, 1))}),
    p("cases.add_appointment", "reception", path=CASE_ID, fields=lambda w: {
        "keyworker": pick(w.ids(StaffUser, StaffUser.role.in_(("keyworker", "manager")))).map(str),
        # Today (23 Nov 2026) on, and now and then a day just gone, which is refused.
        "day": st.one_of(day(date(2026, 11, 23), date(2027, 3, 1)), day(date(2026, 11, 23), date(2027, 3, 1)),
                         day(date(2026, 11, 1), date(2026, 11, 22))), "time": hhmm(), "note": words(200)}),
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
