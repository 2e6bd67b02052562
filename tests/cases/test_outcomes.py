"""Outcomes: where a person is in each action plan area (rated in two taps, or as an item closes), and how a
case ended (a fixed outcome and an optional note)."""
import re
from datetime import date, timedelta

import pytest

from kiosk.audit import AuditEvent
from kiosk.cases import services as casework
from kiosk.cases.models import ActionPlanItem, Case, PlanRating
from kiosk.errors import BadInput

from ..factories import make_case, make_staff
from ..pages import text

CASE_FORM = {
    "name": "Alex Morgan", "date_of_birth": "1990-05-01", "contact_preference": "phone",
    "sentence_under_four_years": "yes", "statutory_order": "no", "release_date": "2026-11-14",
    "referral_source": "self", "status": "active", "closed_reason": "", "keyworker": "0",
}


def version_on(response):
    match = re.search(r'name="version"[^>]*value="(\d+)"', response.get_data(as_text=True))
    assert match, "no version in the form"
    return match.group(1)


def checked(response, name):
    """The value of the radio button of `name` the page has chosen."""
    for tag in re.findall(r"<input[^>]*>", response.get_data(as_text=True)):
        if f'name="{name}"' in tag and re.search(r"\bchecked\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def writes():
    """Ratings and audited writes: a refused request must add neither."""
    return PlanRating.select().count(), AuditEvent.select().where(AuditEvent.action == "update").count()


@pytest.fixture
def item(app):
    case = make_case()
    return casework.add_plan_item(case.id, {"area": "accommodation", "goal": "Settled tenancy",
                                            "status": "in_progress"}, None)


def plan_item_form(item, **change):
    return {"area": item.area, "goal": item.goal, "status": item.status, "version": str(item.version), **change}


# --- rating a plan area in two taps ---------------------------------------------------------------

def test_each_open_item_offers_the_five_steps_behind_one_tap(client, auth, item):
    auth.login("keyworker")
    closed = casework.add_plan_item(item.case_id, {"area": "money", "goal": "Old debt cleared",
                                                   "status": "achieved"}, None)
    body = client.get(f"/cases/{item.case_id}").get_data(as_text=True)
    # The first tap opens "Where are they now?"; each of its buttons saves with the second.
    row = body[body.index(f'id="plan-item-{item.id}"'):body.index(f'id="plan-item-{closed.id}"')]
    assert '<details class="rate"><summary>Where are they now?</summary>' in row
    assert f'action="/cases/{item.case_id}/plan/{item.id}/rating"' in row
    buttons = re.findall(r'<button type="submit" name="score" value="(\d)"[^>]*>([^<]+)</button>', row)
    assert buttons == [("1", "In crisis"), ("2", "Struggling"), ("3", "Getting there"), ("4", "Coping"),
                       ("5", "Doing well")]
    closed_row = body[body.index(f'id="plan-item-{closed.id}"'):]
    assert 'name="score"' not in closed_row[:closed_row.index("</li>")], "a closed item offers no quick rating"


def test_a_rating_is_saved_and_shown_with_the_change_since_the_first(client, auth, clock, item):
    worker = auth.login("keyworker")
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": "2"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cases/{item.case_id}#plan"
    page = text(client.get(response.headers["Location"]))
    assert "Rating saved." in page
    assert "Settled tenancy In progress Where they are: Struggling rated Monday 23 November" in page

    clock.shift(timedelta(days=14))  # the review, a fortnight on (signed in afresh: the sign-in timed out)
    colleague = auth.login("keyworker")
    assert client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": "4"}).status_code == 303
    page = text(client.get(f"/cases/{item.case_id}"))
    assert "Where they are: Struggling → Coping since Monday 23 November; last rated Monday 7 December" in page
    ratings = list(PlanRating.select().order_by(PlanRating.id))
    assert [(r.item_id, r.score, r.staff_id) for r in ratings] == [(item.id, 2, worker.id),
                                                                   (item.id, 4, colleague.id)]
    # The item's own page shows the same, and every rating with who gave it.
    page = text(client.get(f"/cases/{item.case_id}/plan/{item.id}"))
    assert "Where they are Struggling → Coping" in page
    assert f"Monday 7 December 1:30pm · Coping · {colleague.display_name}" in page
    assert f"Monday 23 November 1:30pm · Struggling · {worker.display_name}" in page


def test_with_htmx_only_the_rated_row_comes_back(client, auth, item):
    auth.login("keyworker")
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": "3"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li class="plan-item plan-in_progress" id="plan-item-{item.id}">')
    assert "Where they are: Getting there" in text(response) and "Rating saved." in text(response)
    assert "<html" not in body
    assert PlanRating.get().score == 3


def test_each_rating_writes_an_audit_row(client, auth, item):
    worker = auth.login("keyworker")
    client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": "4"})
    row = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (row.staff_id, row.action, row.object_type, row.object_id, row.detail) == (
        worker.id, "update", "Case", item.case_id, f"rated action plan item {item.id}: 4")


@pytest.mark.parametrize("score", ["0", "6", "", " ", "abc", "3.5", "-1", "99999999999999999999"])
def test_a_score_outside_the_five_steps_is_refused_and_nothing_is_saved(client, auth, item, score):
    auth.login("keyworker")
    before = writes()
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": score})
    assert response.status_code == 400
    assert "Choose where they are now: one of the five steps, from In crisis to Doing well." in text(response)
    assert writes() == before


def test_a_missing_score_is_refused(client, auth, item):
    auth.login("keyworker")
    before = writes()
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}/rating")
    assert response.status_code == 400 and writes() == before


def test_an_item_of_another_case_or_none_at_all_is_not_found(client, auth, item):
    auth.login("keyworker")
    other = make_case(name="Sam Reid")
    before = writes()
    for url in (f"/cases/{other.id}/plan/{item.id}/rating", f"/cases/{item.case_id}/plan/{item.id + 100}/rating"):
        response = client.post(url, data={"score": "3"})
        assert response.status_code == 404
        assert "There is no such action plan item on this case." in text(response)
    assert writes() == before


def test_a_closed_item_cannot_be_rated_with_the_quick_buttons(client, auth, item):
    auth.login("keyworker")
    casework.update_plan_item(item.id, {"status": "achieved"}, item.version, None, score=5)
    before = writes()
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": "2"})
    assert response.status_code == 400
    assert "This item is closed: it was rated when it closed." in text(response)
    assert writes() == before


def test_the_service_refuses_a_bad_score_too(item):
    with pytest.raises(BadInput):
        casework.rate_plan_item(item.case_id, item.id, 7, None)
    with pytest.raises(BadInput):
        casework.update_plan_item(item.id, {"status": "stopped"}, item.version, None)  # closing, no rating
    assert writes()[0] == 0 and ActionPlanItem.get_by_id(item.id).status == "in_progress"


def test_reception_cannot_rate(client, auth, item):
    auth.login("reception")
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}/rating", data={"score": "4"})
    assert response.status_code == 403
    assert writes()[0] == 0


# --- rating as an item is reviewed or closed, on its own page ---------------------------------------

@pytest.mark.parametrize("status", ["achieved", "stopped"])
def test_closing_an_item_needs_a_rating(client, auth, item, status):
    auth.login("keyworker")
    form = client.get(f"/cases/{item.case_id}/plan/{item.id}")
    assert "needed when you mark it achieved or stopped" in text(form)
    before = writes()
    refused = client.post(f"/cases/{item.case_id}/plan/{item.id}", data=plan_item_form(item, status=status))
    assert refused.status_code == 400
    assert "Say where they are now before marking this item achieved or stopped." in text(refused)
    assert writes() == before and ActionPlanItem.get_by_id(item.id).status == "in_progress"

    saved = client.post(f"/cases/{item.case_id}/plan/{item.id}",
                        data=plan_item_form(item, status=status, rating="5"))
    assert saved.status_code == 303
    assert ActionPlanItem.get_by_id(item.id).status == status
    assert [(r.item_id, r.score) for r in PlanRating.select()] == [(item.id, 5)]
    row = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert row.detail == f"changed action plan item {item.id} and rated it: 5"
    assert f"Where they are: Doing well" in text(client.get(f"/cases/{item.case_id}"))


def test_a_review_may_be_rated_or_not(client, auth, item):
    auth.login("keyworker")
    unrated = client.post(f"/cases/{item.case_id}/plan/{item.id}",
                          data=plan_item_form(item, review_date="2026-12-07"))
    assert unrated.status_code == 303 and PlanRating.select().count() == 0
    item = ActionPlanItem.get_by_id(item.id)
    rated = client.post(f"/cases/{item.case_id}/plan/{item.id}",
                        data=plan_item_form(item, review_date="2027-01-11", rating="3"))
    assert rated.status_code == 303
    assert [(r.score, ActionPlanItem.get_by_id(item.id).review_date) for r in PlanRating.select()] == [
        (3, date(2027, 1, 11))]


@pytest.mark.parametrize("rating", ["0", "6", "abc"])
def test_a_bad_rating_on_the_item_page_is_refused(client, auth, item, rating):
    auth.login("keyworker")
    before = writes()
    response = client.post(f"/cases/{item.case_id}/plan/{item.id}",
                           data=plan_item_form(item, status="achieved", rating=rating))
    assert response.status_code == 400
    assert "Choose where they are now: one of the five steps" in text(response)
    assert writes() == before and ActionPlanItem.get_by_id(item.id).version == 1


def test_a_closed_item_is_rated_again_only_when_reopened(client, auth, item):
    auth.login("keyworker")
    item = casework.update_plan_item(item.id, {"status": "achieved"}, item.version, None, score=4)
    page = client.get(f"/cases/{item.case_id}/plan/{item.id}")
    assert "Only if you reopen it" in text(page) and 'name="score"' not in page.get_data(as_text=True)
    refused = client.post(f"/cases/{item.case_id}/plan/{item.id}", data=plan_item_form(item, rating="2"))
    assert refused.status_code == 400 and "Reopen it (not started or in progress) to rate it again." in text(refused)
    reopened = client.post(f"/cases/{item.case_id}/plan/{item.id}",
                           data=plan_item_form(item, status="in_progress", rating="2"))
    assert reopened.status_code == 303
    assert [r.score for r in PlanRating.select().order_by(PlanRating.id)] == [4, 2]


# --- closing a case with a fixed outcome ----------------------------------------------------------

def close(client, case, **change):
    form = client.get(f"/cases/{case.id}/edit")
    return client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "status": "closed", "version": version_on(form),
                                                        **change})


def test_closing_a_case_needs_an_outcome(client, auth):
    auth.login("keyworker")
    case = make_case()
    form = text(client.get(f"/cases/{case.id}/edit"))
    assert ("How the case ended (when closed) Support completed Moved away Declined further support "
            "Returned to custody Lost contact Other Note (optional)") in form
    refused = close(client, case)
    assert refused.status_code == 400 and "Choose how the case ended." in text(refused)
    assert Case.get_by_id(case.id).status == "active"

    saved = close(client, case, close_outcome="returned_to_custody", closed_reason="Remanded, HMP Barlinnie")
    assert saved.status_code == 303
    closed = Case.get_by_id(case.id)
    assert (closed.status, closed.close_outcome, closed.closed_reason) == (
        "closed", "returned_to_custody", "Remanded, HMP Barlinnie")
    assert "Closed Returned to custody — Remanded, HMP Barlinnie (Monday 23 November)" in text(
        client.get(f"/cases/{case.id}"))


def test_an_outcome_without_a_note_is_enough_but_other_needs_one(client, auth):
    auth.login("keyworker")
    case = make_case()
    refused = close(client, case, close_outcome="other", closed_reason="  ")
    assert refused.status_code == 400 and "Say in the note how the case ended." in text(refused)
    assert Case.get_by_id(case.id).status == "active"
    assert close(client, case, close_outcome="lost_contact").status_code == 303
    assert "Closed Lost contact (Monday 23 November)" in text(client.get(f"/cases/{case.id}"))
    case = make_case(name="Sam Reid")
    assert close(client, case, close_outcome="other", closed_reason="Died").status_code == 303
    assert "Closed Other — Died" in text(client.get(f"/cases/{case.id}"))


@pytest.mark.parametrize("outcome", ["bogus", "OTHER", "x" * 300])
def test_an_outcome_not_on_the_list_is_refused(client, auth, outcome):
    auth.login("keyworker")
    case = make_case()
    response = close(client, case, close_outcome=outcome)
    assert response.status_code == 400 and "Choose how the case ended from the list." in text(response)
    assert Case.get_by_id(case.id).version == 1


def test_a_new_case_can_be_made_closed_with_an_outcome(client, auth):
    auth.login("keyworker")
    response = client.post("/cases/new", data={**CASE_FORM, "status": "closed", "close_outcome": "declined"})
    assert response.status_code == 303
    assert (Case.get().close_outcome, Case.get().closed_at is not None) == ("declined", True)


def test_reopening_a_case_clears_its_outcome(client, auth):
    auth.login("keyworker")
    case = make_case()
    assert close(client, case, close_outcome="moved_away", closed_reason="To Aberdeen").status_code == 303
    form = client.get(f"/cases/{case.id}/edit")
    assert checked(form, "close_outcome") == "moved_away"
    reopened = client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "status": "active",
                                                           "close_outcome": "moved_away",
                                                           "version": version_on(form)})
    assert reopened.status_code == 303
    case = Case.get_by_id(case.id)
    assert (case.status, case.close_outcome, case.closed_at) == ("active", None, None)
    assert "Closed" not in text(client.get(f"/cases/{case.id}")).split("Action plan")[0]


def test_a_case_closed_before_outcomes_still_shows_and_needs_one_when_saved_closed(client, auth):
    auth.login("keyworker")
    old = make_case(status="closed", closed_reason="Moved to Aberdeen")
    assert old.close_outcome is None
    assert "Closed Moved to Aberdeen" in text(client.get(f"/cases/{old.id}"))
    form = client.get(f"/cases/{old.id}/edit")
    assert form.status_code == 200 and 'value="Moved to Aberdeen"' in form.get_data(as_text=True)
    refused = client.post(f"/cases/{old.id}/edit", data={**CASE_FORM, "status": "closed",
                                                         "closed_reason": "Moved to Aberdeen",
                                                         "version": version_on(form)})
    assert refused.status_code == 400 and "Choose how the case ended." in text(refused)
    saved = client.post(f"/cases/{old.id}/edit", data={**CASE_FORM, "status": "closed", "close_outcome": "moved_away",
                                                       "closed_reason": "Moved to Aberdeen",
                                                       "version": version_on(form)})
    assert saved.status_code == 303
    assert "Closed Moved away — Moved to Aberdeen" in text(client.get(f"/cases/{old.id}"))


def test_receptions_form_is_unchanged_and_leaves_the_outcome_alone(client, auth):
    worker = make_staff("keyworker")
    case = make_case(worker, status="closed", close_outcome="completed", closed_reason="Settled")
    auth.login("reception")
    form = client.get(f"/cases/{case.id}/edit")
    assert "How the case ended" not in text(form) and "Note (optional)" not in text(form)
    response = client.post(f"/cases/{case.id}/edit", data={"name": "Alex Morgan", "phone": "07700 900123",
                                                           "contact_preference": "phone",
                                                           "version": version_on(form)})
    assert response.status_code == 303
    saved = Case.get_by_id(case.id)
    assert (saved.phone, saved.status, saved.close_outcome, saved.closed_reason) == (
        "07700 900123", "closed", "completed", "Settled")
