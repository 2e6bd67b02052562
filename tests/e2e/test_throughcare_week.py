"""A keyworker's week beyond the drop-in, in the browser at a laptop's size: book a pre-release visit
and a gate pick-up, see them on the releases list, record the pick-up as done, help with a prison
visit's travel, make a referral and follow it to attended, add his mother with her consent, rate where
the person is, close the case with its outcome."""
from datetime import timedelta

from playwright.sync_api import expect

from kiosk.cases import referrals
from kiosk.cases import services as casework
from kiosk.clock import utcnow
from kiosk.dropin.schedule import schedule
from kiosk.people.models import StaffUser

from .helpers import assert_no_serious_axe_violations, screenshot


def test_a_keyworkers_week(server, pages):
    page = pages.staff_page("kim", "keyworker")
    with server.app.app_context():
        kim = StaffUser.get(StaffUser.username == "kim")
        today = schedule().local_today(utcnow())
        release = today  # the week is short: the visit and the pick-up both fall today
        case = casework.create_case({"name": "Alex Morgan", "sentence_under_four_years": True, "statutory_order": False,
                                     "release_date": release, "establishment": "HMP Barlinnie", "status": "active",
                                     "keyworker": kim}, kim)
        item = casework.add_plan_item(case.id, {"area": "accommodation", "goal": "Settled tenancy"}, kim)
        referrals.add_partner("Clyde Housing Advice", "accommodation", "0141 496 0200", kim)

    page.goto(f"/cases/{case.id}")
    expect(page.locator("#release-warning")).to_contain_text("nothing is planned")

    # Book the pre-release visit. The prison box appears once the kind needs it.
    book = page.locator(".booking-form")
    page.locator("#bookings summary", has_text="Book a visit").click()
    expect(book.get_by_label("Prison", exact=True)).to_be_hidden()
    book.get_by_label("Pre-release visit").check()
    expect(book.get_by_label("Prison", exact=True)).to_be_visible()
    book.get_by_label("Date").fill(today.isoformat())
    book.get_by_label("Time").fill("00:00")
    book.get_by_label("Prison", exact=True).fill("HMP Barlinnie")
    book.get_by_role("button", name="Book").click()
    expect(page.locator("#flash")).to_contain_text("Pre-release visit booked with Kim")
    expect(page.locator("#release-warning")).to_have_count(0)

    # And the gate pick-up on release day.
    page.locator("#bookings summary", has_text="Book a visit").click()
    book.get_by_label("Gate pick-up").check()
    book.get_by_label("Date").fill(release.isoformat())
    book.get_by_label("Time").fill("00:30")
    book.get_by_label("Prison", exact=True).fill("HMP Barlinnie")
    book.get_by_label("Where (meeting point or venue)").fill("Visitors' car park")
    book.get_by_role("button", name="Book").click()
    expect(page.locator("#bookings")).to_contain_text("Meet at Visitors' car park")

    # Both are on the releases list.
    page.get_by_role("link", name="Releases").click()
    row = page.locator("tbody tr", has_text="Alex Morgan")
    expect(row).not_to_contain_text("Nothing planned")
    expect(row).not_to_contain_text("Not booked")
    screenshot(page, "week-releases")

    # Release day: the pick-up happened.
    row.get_by_role("link").click()
    pickup = page.locator(".booking", has_text="Gate pick-up")
    pickup.locator("summary", has_text="How did it go?").click()
    pickup.get_by_label("What happened").fill("Met at the gate; straight to the council's homeless team.")
    pickup.get_by_role("button", name="Done").click()
    expect(page.locator("#flash")).to_contain_text("Done: added to the contact log.")
    expect(page.locator(".contact-log")).to_contain_text("Gate pick-up")
    expect(page.locator(".contact-log")).to_contain_text("straight to the council's homeless team")

    # His first visit to his brother inside: help with the travel.
    page.locator("#travel summary", has_text="Record travel help").click()
    travel = page.locator("#travel form")
    travel.get_by_label("Prison", exact=True).fill("HMP Low Moss")
    travel.get_by_label("Visit date").fill((today + timedelta(days=3)).isoformat())
    travel.get_by_label("Assisted Prison Visits Scheme").select_option(label="Helped with the claim")
    travel.get_by_label("Travel arranged").fill("bus tickets")
    travel.get_by_label("Cost in pounds").fill("12.50")
    travel.get_by_label("Paid by").select_option(label="This service")
    travel.get_by_role("button", name="Record travel help").click()
    expect(page.locator("#travel")).to_contain_text("HMP Low Moss")
    expect(page.locator("#travel")).to_contain_text("£12.50")

    # A referral to housing, followed to attended.
    page.locator("#referrals summary", has_text="Make a referral").click()
    page.locator("#referrals form").get_by_label("Partner").select_option(label="Clyde Housing Advice")
    page.locator("#referrals").get_by_role("button", name="Make the referral").click()
    referral = page.locator("#referrals tbody tr", has_text="Clyde Housing Advice")
    expect(referral).to_contain_text("Made")
    referral.get_by_role("button", name="Mark accepted").click()
    referral.get_by_role("button", name="Mark attended").click()
    expect(referral).to_contain_text("Attended")

    # His mother, with her consent and both agreeing to the link: her own record, listed on his case.
    page.locator("#family summary", has_text="Add a family member").click()
    family = page.locator("#family form")
    family.get_by_label("Name", exact=True).fill("Mary Morgan")
    family.get_by_label("Relationship").fill("Mother")
    family.get_by_label("Their consent given on").fill(today.isoformat())
    family.get_by_label("They agree to their record being linked").check()
    family.get_by_label("agrees to the link too").check()
    family.get_by_role("button", name="Add").click()
    expect(page.locator("#family")).to_contain_text("Mary Morgan (Mother)")

    # Where is he now with housing? Two taps.
    plan = page.locator(f"#plan-item-{item.id}")
    plan.locator("summary", has_text="Where are they now?").click()
    plan.get_by_role("button", name="Coping").click()
    expect(page.locator(f"#plan-item-{item.id}")).to_contain_text("Coping")

    assert_no_serious_axe_violations(page, "a case in its throughcare year")
    screenshot(page, "week-case", full_page=True)

    # A year on: closed with its outcome.
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Status").select_option(label="Closed")
    page.get_by_label("Support completed").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#flash")).to_contain_text("Saved.")
    expect(page.locator(".case-meta .tag")).to_have_text("Closed")
    expect(page.locator(".facts", has_text="Closed")).to_contain_text("Support completed")


def test_reception_links_a_family_visit_to_her_own_record(server, pages):
    """A mother checks in at the kiosk as "family or friend in prison": reception's Link opens family records,
    makes hers from the ticket, and the queue row then leads to her record, never to a case."""
    from .helpers import add_ticket
    ticket = add_ticket(server, visit_for="family", name="Rose")
    reception = pages.staff_page("rab", "reception", viewport={"width": 1280, "height": 800}, has_touch=True)
    reception.click(f"#link-{ticket.id}")
    expect(reception.locator("h1")).to_have_text(f"Link ticket {ticket.number} (Rose) to a family record")
    expect(reception.locator("#family-results-box")).to_contain_text("No family record matches")
    form = reception.locator(".family-new form")
    form.get_by_label("Name").fill("Rose Duffy")
    form.get_by_label("Relationship").fill("Mother")
    form.get_by_label("Who they support in custody").fill("Her son Ryan")
    form.get_by_label("Prison").fill("HMP Low Moss")
    screenshot(reception, "reception-link-family")
    assert_no_serious_axe_violations(reception, "linking a family visit")
    reception.click("#new-family-from-ticket")
    expect(reception.locator("#flash")).to_contain_text(f"ticket {ticket.number} linked to it")
    row = reception.locator("#waiting-table tr", has_text="Rose")
    expect(row.get_by_role("link", name="Family record")).to_be_visible()
    row.get_by_role("link", name="Family record").click()
    expect(reception.locator("h1")).to_contain_text("Rose Duffy")
