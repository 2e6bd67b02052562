"""Demo data for the throughcare year around the drop-in: ratings and an outcome, partners, referrals,
families with their own logs and travel help, outreach booked and done, and who is expected today."""
from datetime import date, datetime, time, timedelta

from .cases.models import ActionPlanItem, Appointment, Case, ContactEntry, FamilyContact, FamilyMember, PlanRating
from .cases.models import Partner, Referral, TravelHelp
from .cases.travel import summary as travel_summary


def throughcare_year(cases, keyworker, now):
    """All of it, for the demo's cases (by first name); returns how many cases it added."""
    _demo_referrals_and_travel(cases, now)
    _demo_bookings(cases, now)
    return _demo_outcomes(cases, keyworker, now) + 1


# Where each active case's accommodation item was rated, days ago: low at first, better since.
ACCOMMODATION_RATINGS = [((56, 1), (28, 2), (6, 3)), ((70, 2), (21, 4)), ((35, 1), (7, 2)), ((21, 1), (5, 2)),
                         ((90, 2), (45, 3), (10, 5))]


def _demo_outcomes(cases, keyworker, now):
    """Plan ratings over time on the active cases, and a case closed with its outcome. Returns the cases added."""
    for case, ratings in zip(cases.values(), ACCOMMODATION_RATINGS):
        item = case.plan_items.where(ActionPlanItem.area == "accommodation").get()
        for days_ago, score in ratings:
            PlanRating.create(item=item, score=score, rated_at=now - timedelta(days=days_ago), staff=case.keyworker)
    today = now.date()
    closed = Case.create(reference="GTC-0099", name="Gary Lennox", date_of_birth=date(1986, 6, 21),
                         phone="07700 900099", establishment="HMP Low Moss", sentence_under_four_years=True,
                         statutory_order=False, release_date=today - timedelta(days=330), release_date_confirmed=True,
                         referral_source="prison_social_work", referral_date=today - timedelta(days=430),
                         consent_date=today - timedelta(days=425),
                         consent_recorded_by=keyworker, status="closed", close_outcome="completed",
                         closed_reason="Own tenancy and a college place; agreed he no longer needs us.",
                         closed_at=now - timedelta(days=12), keyworker=keyworker)
    for area, goal, scores in (("accommodation", "Own tenancy", (1, 3, 5)), ("ete", "College course", (2, 4))):
        item = ActionPlanItem.create(case=closed, area=area, goal=goal, status="achieved")
        for step, score in enumerate(scores):
            PlanRating.create(item=item, score=score, rated_at=now - timedelta(days=300 - 120 * step), staff=keyworker)
    return 1


PARTNERS = [("Clyde Housing Advice", "accommodation", "0141 496 0200"),
            ("Southside Recovery Hub", "drugs_alcohol", "0141 496 0201"),
            ("Riverside Community Health Team", "health", "0141 496 0202"),
            ("Glasgow Money Matters", "money", "0141 496 0203"),
            ("Next Step Employability", "ete", None)]


def _demo_referrals_and_travel(cases, now):
    """Partners, referrals at each stage, and a partner's prison visit with travel help."""
    today = now.date()
    partners = {area: Partner.get_or_create(name=name, defaults={"area": area, "phone": phone})[0]
                for name, area, phone in PARTNERS}
    for person, area, days_ago, status in (("Chris", "accommodation", 14, "accepted"),
                                           ("Lorraine", "drugs_alcohol", 3, "made"),
                                           ("Mo", "money", 40, "attended"),
                                           ("Stevie", "accommodation", 7, "accepted")):
        case = cases[person]
        Referral.create(case=case, partner=partners[area], area=area, made_on=today - timedelta(days=days_ago),
                        status=status, staff=case.keyworker, updated_at=now - timedelta(days=days_ago // 2))
    stevie = cases["Stevie"]
    janet = FamilyMember.create(case=stevie, name="Janet McAllister", relationship="Partner",
                                phone="07700 900200", consent_date=today - timedelta(days=60), link_consent_family=True,
                                link_consent_person=True, in_custody="Steven McAllister", prison="HMP Barlinnie")
    visit = TravelHelp.create(case=stevie, family_member=janet, prison="HMP Barlinnie",
                              visit_date=today + timedelta(days=5), apvs="claim_helped",
                              travel="bus tickets from Easterhouse", cost_pence=2340, paid_by="service",
                              staff=stevie.keyworker)
    # Her conversations are in her own log, never in Steven's.
    FamilyContact.create(family_member=janet, kind="visit_travel", happened_at=now - timedelta(days=1),
                         staff=stevie.keyworker, summary=travel_summary(visit))
    _demo_family_on_her_own(stevie.keyworker, now)


def _demo_family_on_her_own(keyworker, now):
    """A mother who comes to the drop-in for herself: her son at HMP Low Moss is not a case here."""
    today = now.date()
    rose = FamilyMember.create(name="Rose Duffy", relationship="Mother", phone="0141 496 0300",
                               address="4 Kirk Road\nBishopbriggs G64 1AB", consent_date=today - timedelta(days=21),
                               in_custody="Her son Ryan", prison="HMP Low Moss")
    FamilyContact.create(family_member=rose, kind="drop_in", happened_at=now - timedelta(days=21), staff=keyworker,
                         summary="First time in. Ryan was remanded last month; she has not visited yet. Explained "
                                 "visiting, the visitors' centre and the Assisted Prison Visits Scheme.")
    FamilyContact.create(family_member=rose, kind="phone", happened_at=now - timedelta(days=6), staff=keyworker,
                         summary="Rang: first visit booked. Talked through the bus from Buchanan Street; she will "
                                 "come in on Friday for help with the claim form.")


def _demo_bookings(cases, now):
    """The throughcare year around the drop-in: outreach booked, done and missed, and who is expected today."""
    today = now.date()
    stevie, chris, lorraine = cases["Stevie"], cases["Chris"], cases["Lorraine"]
    at = lambda days, hour: datetime.combine(today + timedelta(days=days), time(hour))  # noqa: E731
    Appointment.create(case=stevie, keyworker=stevie.keyworker, kind="prison_visit", prison="HMP Barlinnie",
                       starts_at=at(9, 10), note="Housing forms and the bank account")
    Appointment.create(case=stevie, keyworker=stevie.keyworker, kind="gate_pickup", prison="HMP Barlinnie",
                       place="Visitors' car park, Lee Avenue", starts_at=at(30, 8))
    Appointment.create(case=lorraine, keyworker=lorraine.keyworker, kind="case_conference", place="Social work office",
                       attendees="person,social_work,partners", starts_at=at(6, 14))
    pickup = ContactEntry.create(case=chris, kind="gate_pickup", happened_at=at(-20, 8), staff=chris.keyworker,
                                 summary="Met at the gate; to the council's homeless team, then the pharmacy.")
    Appointment.create(case=chris, keyworker=chris.keyworker, kind="gate_pickup", prison="HMP Low Moss",
                       place="Main gate", starts_at=at(-20, 8), status="done", contact=pickup)
    Appointment.create(case=chris, keyworker=chris.keyworker, kind="prison_visit", prison="HMP Low Moss",
                       starts_at=at(-34, 10), status="missed", reason="Prison lockdown")
    soon = Case.create(reference="GTC-0106", name="Ryan Docherty", date_of_birth=date(1990, 2, 2),
                       establishment="HMP Addiewell", sentence_under_four_years=True, statutory_order=False,
                       release_date=today + timedelta(days=6), referral_source="throughcare_officer",
                       referral_date=today - timedelta(days=20), status="referred", keyworker=stevie.keyworker)
    Case.update(expected_on=today).where(Case.id == lorraine.id).execute()
    return soon  # one more case: released in six days, nothing planned yet
