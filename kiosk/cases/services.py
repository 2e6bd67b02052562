"""Casework services: cases, plans and their ratings, contacts, flags, search, caseloads and reviews
(family records are in families.py).

Each write runs in one transaction with its audit row; an edit made from an
older version of a record is refused rather than saved over someone else's.
Every read of a case record is audited here too (view_case and the lists).
"""
from datetime import date
from typing import NamedTuple

from peewee import JOIN, IntegrityError, fn

from .. import audit
from ..clock import utcnow
from ..db import database
from ..dropin import live
from ..errors import BadInput, NotFound, StaleRecord
from ..offices.models import works_at
from ..people.models import CASEWORKERS, StaffUser
from ..transactions import write_transaction
from .models import (
    CLOSE_OUTCOMES, OPEN_PLAN_STATUSES, PLAN_AREAS, RATINGS, ActionPlanItem, Case, ContactEntry,
    FamilyMember, PlanRating, SafetyFlag,
)

REFERENCE_PREFIX = "GTC-"
CASE_FIELDS = ("name", "preferred_name", "date_of_birth", "phone", "address", "contact_preference",
               "establishment", "sentence_under_four_years", "statutory_order", "release_date",
               "release_date_confirmed", "referral_source", "referral_date", "consent_date", "status",
               "closed_reason", "close_outcome", "keyworker")
CONTACT_ONLY_FIELDS = ("name", "preferred_name", "date_of_birth", "phone", "address", "contact_preference")


def get_case(case_id):
    case = Case.get_or_none(Case.id == case_id)
    if case is None:
        raise NotFound("There is no case with that number.")
    return case


def view_case(case_id, what="case"):
    case = get_case(case_id)
    audit.record("view", case, what)
    return case


def _next_reference():
    highest = (Case.select(fn.MAX(Case.id)).scalar() or 0) + 1
    while Case.select().where(Case.reference == f"{REFERENCE_PREFIX}{highest:04d}").exists():
        highest += 1
    return f"{REFERENCE_PREFIX}{highest:04d}"


def _check_dates(data):
    dob, release = data.get("date_of_birth"), data.get("release_date")
    if dob and dob > utcnow().date():
        raise BadInput("The date of birth is in the future.")
    if dob and release and release < dob:
        raise BadInput("The release date is before the date of birth.")


def _check_outcome(changes):
    """How a case ended is one of CLOSE_OUTCOMES, and only a closed case has one: reopening clears it.

    The case form asks for an outcome whenever it saves a case closed; cases closed before outcomes
    existed keep their reason alone until then, so an outcome is not demanded here.
    """
    if "status" in changes and changes["status"] != "closed":
        changes["close_outcome"] = None
    elif changes.get("close_outcome") not in (None, *CLOSE_OUTCOMES):
        raise BadInput("Choose how the case ended from the list.")


def create_case(data, staff, reference=None):
    _check_dates(data)
    fields = {k: v for k, v in data.items() if k in CASE_FIELDS}
    _check_outcome(fields)
    if fields.get("status") == "closed":
        fields["closed_at"] = utcnow()
    if fields.get("consent_date"):
        fields["consent_recorded_by"] = staff
    with write_transaction():
        reference = (reference or "").strip().upper() or _next_reference()
        if Case.select().where(Case.reference == reference).exists():
            raise BadInput(f"There is already a case {reference}.")
        try:
            with database.atomic():
                case = Case.create(reference=reference, **fields)
        except IntegrityError:
            raise BadInput(f"There is already a case {reference}.") from None
        audit.record("create", case, f"reference {reference}", staff=staff)
    return case


def update_case(case_id, data, expected_version, staff, fields=CASE_FIELDS):
    changes = {k: v for k, v in data.items() if k in fields}
    _check_outcome(changes)
    with write_transaction():
        case = get_case(case_id)
        # Check the dates as they would be saved: reception's form changes the birth date, not the release date.
        _check_dates({"date_of_birth": case.date_of_birth, "release_date": case.release_date, **changes})
        if case.version != expected_version:
            raise StaleRecord("Someone else changed this case while you were editing it. "
                              "Nothing was saved: check their changes below, then make yours again.")
        if "consent_date" in changes and changes["consent_date"] != case.consent_date:
            changes["consent_recorded_by"] = staff if changes["consent_date"] else None
        if changes.get("status") == "closed" and case.status != "closed":
            changes["closed_at"] = utcnow()
        elif "status" in changes and changes["status"] != "closed":
            changes["closed_at"] = None
        changed = sorted(k for k, v in changes.items() if getattr(case, k if k != "keyworker" else "keyworker_id")
                         != (v.id if isinstance(v, StaffUser) else v))
        updated = (Case.update(version=Case.version + 1, updated_at=utcnow(), **changes)
                   .where((Case.id == case_id) & (Case.version == expected_version)).execute())
        if not updated:
            raise StaleRecord("Someone else changed this case while you were saving. Nothing was saved.")
        audit.record("update", case, "changed " + (", ".join(changed) or "nothing"), staff=staff)
    return get_case(case_id)


def add_plan_item(case_id, data, staff):
    with write_transaction():
        case = get_case(case_id)
        item = ActionPlanItem.create(case=case, **data)
        audit.record("update", case, f"added action plan item {item.id} ({item.area})", staff=staff)
    return item


RATING_NEEDED = "Choose where they are now: one of the five steps, from In crisis to Doing well."
CLOSING_NEEDS_RATING = "Say where they are now before marking this item achieved or stopped."
CLOSED_ITEM_RATED = ("This item is closed: it was rated when it closed. "
                     "Reopen it (not started or in progress) to rate it again.")


def _check_score(score):
    if score not in RATINGS:
        raise BadInput(RATING_NEEDED)


def _rate(item, score, staff):
    return PlanRating.create(item=item, score=score, staff=staff, rated_at=utcnow())


def update_plan_item(item_id, data, expected_version, staff, score=None):
    """Save an item's changes, with where the person is now (`score`, RATINGS): needed when the save
    closes the item (achieved or stopped), welcome at a review, refused on an item that stays closed."""
    if score is not None:
        _check_score(score)
    with write_transaction():
        item = ActionPlanItem.get_or_none(ActionPlanItem.id == item_id)
        if item is None:
            raise NotFound("That action plan item no longer exists.")
        if item.version != expected_version:
            raise StaleRecord("Someone else changed this action plan item meanwhile. Nothing was saved.")
        was_open = item.status in OPEN_PLAN_STATUSES
        stays_open = data.get("status", item.status) in OPEN_PLAN_STATUSES
        if score is None and was_open and not stays_open:
            raise BadInput(CLOSING_NEEDS_RATING)
        if score is not None and not was_open and not stays_open:
            raise BadInput(CLOSED_ITEM_RATED)
        updated = (ActionPlanItem.update(version=ActionPlanItem.version + 1, updated_at=utcnow(), **data)
                   .where((ActionPlanItem.id == item_id) & (ActionPlanItem.version == expected_version))
                   .execute())
        if not updated:
            raise StaleRecord("Someone else changed this action plan item meanwhile. Nothing was saved.")
        if score is not None:
            _rate(item, score, staff)
        # One save, one audit row, saying the rating too.
        audit.record("update", item.case, f"changed action plan item {item.id}"
                     + (f" and rated it: {score}" if score is not None else ""), staff=staff)
    return ActionPlanItem.get_by_id(item_id)


def rate_plan_item(case_id, item_id, score, staff):
    """Where the person is now in an open item's area, in one tap (RATINGS)."""
    _check_score(score)
    with write_transaction():
        item = get_plan_item(case_id, item_id)
        if item.status not in OPEN_PLAN_STATUSES:
            raise BadInput(CLOSED_ITEM_RATED)
        rating = _rate(item, score, staff)
        audit.record("update", item.case, f"rated action plan item {item.id}: {score}", staff=staff)
    return rating


class RatingTrend(NamedTuple):
    """An item's first and latest ratings: where the person started in that area, and where they are."""
    first: PlanRating
    latest: PlanRating
    count: int

    @property
    def changed(self):
        return self.count > 1


def rating_trends(item_ids):
    """{item id: RatingTrend} for the items that have been rated, in one query."""
    trends, item_ids = {}, list(item_ids)
    if not item_ids:
        return trends
    query = (PlanRating.select().where(PlanRating.item.in_(item_ids))
             .order_by(PlanRating.rated_at, PlanRating.id))
    for rating in query:
        trend = trends.get(rating.item_id)
        trends[rating.item_id] = (RatingTrend(rating, rating, 1) if trend is None
                                  else RatingTrend(trend.first, rating, trend.count + 1))
    return trends


def item_ratings(item):
    """Every rating of one item, newest first, with who gave it."""
    return list(PlanRating.select(PlanRating, StaffUser).join(StaffUser, join_type=JOIN.LEFT_OUTER)
                .where(PlanRating.item == item).order_by(PlanRating.rated_at.desc(), PlanRating.id.desc()))


def add_contact(case_id, kind, happened_at, summary, staff, ticket=None):
    with write_transaction():
        case = get_case(case_id)
        entry = ContactEntry.create(case=case, kind=kind, happened_at=happened_at, summary=summary,
                                    staff=staff, ticket=ticket)
        audit.record("update", case, f"added {kind} contact {entry.id}", staff=staff)
    return entry


def add_flag(case_id, kind, note, staff, other_case=None):
    with write_transaction():
        case = get_case(case_id)
        if kind == "keep_apart" and (other_case is None or other_case.id == case.id):
            raise BadInput("Choose the other case this person must be kept apart from.")
        flag = SafetyFlag.create(case=case, kind=kind, note=note, other_case=other_case, created_by=staff)
        live.bump_all()  # every office's queue shows alerts from flags
        audit.record("update", case, f"added {kind} flag {flag.id}", staff=staff)
    return flag


def clear_flag(flag_id, staff):
    with write_transaction():
        flag = SafetyFlag.get_or_none(SafetyFlag.id == flag_id)
        if flag is None:
            raise NotFound("That flag no longer exists.")
        flag.active = False
        flag.save()
        live.bump_all()
        audit.record("update", flag.case, f"cleared flag {flag.id}", staff=staff)
    return flag


SEARCH_MAX_LENGTH = 100  # Case.name's length


def search_cases(text, limit=10):
    """Cases matching a name, reference or date of birth (dd/mm/yyyy or yyyy-mm-dd) as typed."""
    # % and _ are LIKE's wildcards; no name or reference has them.
    text = (text or "").replace("%", "").replace("_", "").strip()
    # Longer than any name can be, it matches nothing; and SQLite refuses a LIKE pattern over 50,000
    # characters with an error, which a pasted page of text would otherwise turn into a 500.
    if not 2 <= len(text) <= SEARCH_MAX_LENGTH:
        return []
    query = Case.select(Case.id, Case.reference, Case.name, Case.preferred_name, Case.date_of_birth, Case.status)
    born = _parse_day(text)
    if born:
        query = query.where(Case.date_of_birth == born)
    else:
        pattern = f"%{text}%"
        query = query.where(Case.name.ilike(pattern) | Case.preferred_name.ilike(pattern)
                            | Case.reference.ilike(pattern))
    results = list(query.order_by(Case.name).limit(limit))
    # What was typed is a name or a date of birth: the audit log, kept for years and never edited,
    # records what kind of search it was and which cases it showed, not the words.
    kind = "date of birth" if born else "name or reference"
    audit.record("search", None, f"by {kind}: {len(results)} found")
    audit.record_shown(results, f"search result (by {kind})")
    return results


def _parse_day(text):
    for parse in (lambda t: date.fromisoformat(t),
                  lambda t: date(*reversed([int(p) for p in t.replace(".", "/").split("/")]))):
        try:
            return parse(text)
        except (ValueError, TypeError, OverflowError):  # OverflowError: a year too big for a date
            continue
    return None


def caseload(staff):
    """A keyworker's open cases with the next review date and the last contact, in three queries."""
    cases = list(Case.select().where((Case.keyworker == staff) & (Case.status != "closed")).order_by(Case.name))
    ids = [c.id for c in cases]
    if not ids:
        return []
    reviews = dict(ActionPlanItem.select(ActionPlanItem.case, fn.MIN(ActionPlanItem.review_date))
                   .where(ActionPlanItem.case.in_(ids) & ActionPlanItem.open())
                   .group_by(ActionPlanItem.case).tuples())
    last = dict(ContactEntry.select(ContactEntry.case, fn.MAX(ContactEntry.happened_at))
                .where(ContactEntry.case.in_(ids)).group_by(ContactEntry.case).tuples())
    return [(case, reviews.get(case.id), last.get(case.id)) for case in cases]


def reviews_due(by_day, staff=None):
    query = (ActionPlanItem.select(ActionPlanItem, Case).join(Case)
             .where(ActionPlanItem.review_date.is_null(False) & (ActionPlanItem.review_date <= by_day)
                    & ActionPlanItem.open() & (Case.status != "closed")))
    if staff is not None:
        query = query.where(Case.keyworker == staff)
    return list(query.order_by(ActionPlanItem.review_date))


def keyworkers():
    """Staff who can hold a caseload, by name."""
    return list(StaffUser.select().where(StaffUser.active & StaffUser.role.in_(CASEWORKERS))
                .order_by(StaffUser.display_name))


def keyworkers_at(office_id):
    """Keyworkers who work at the office, by name: whom reception there may hand a visitor to. Only the two
    columns the queue shows; its screens draw the list after every change."""
    return live.select_prepared(StaffUser, "keyworkers-at", lambda office: (
        StaffUser.select(StaffUser.id, StaffUser.display_name)
        .where(StaffUser.active & StaffUser.role.in_(CASEWORKERS) & works_at(StaffUser.id, office))
        .order_by(StaffUser.display_name, StaffUser.id)), office=office_id)


def keyworker(staff_id):
    worker = StaffUser.get_or_none((StaffUser.id == staff_id) & StaffUser.role.in_(CASEWORKERS))
    if worker is None:
        raise BadInput("Choose a keyworker from the list.")
    return worker


def case_references(case_ids):
    """{case id: reference}, for lists that name cases (the audit log)."""
    if not case_ids:
        return {}
    return dict(Case.select(Case.id, Case.reference).where(Case.id.in_(list(case_ids))).tuples())


def case_by_reference(reference):
    return Case.get_or_none(Case.reference == (reference or "").strip().upper())


def case_page(case_id, full):
    """Everything the case page shows, audited as one view; `full` (caseworkers) adds the plan and the log."""
    case = view_case(case_id)
    # Only family linked with both sides' consent are shown; the rest are counted, for caseworkers.
    page = {"case": case, "flags": list(case.flags.where(SafetyFlag.active)),
            "family": list(case.family.where(FamilyMember.linked()).order_by(FamilyMember.name)),
            "unlinked_family": case.family.where(~FamilyMember.linked()).count()}
    if full:
        items = list(case.plan_items.order_by(ActionPlanItem.area, ActionPlanItem.id))
        page["plan"] = [(code, label, [i for i in items if i.area == code]) for code, label in PLAN_AREAS.items()]
        page["trends"] = rating_trends(i.id for i in items)
        page["ratings"] = RATINGS
        page["outcome"] = CLOSE_OUTCOMES.get(case.close_outcome)
        page["contacts"] = list(case.contacts.order_by(ContactEntry.happened_at.desc()))
    return page


def get_plan_item(case_id, item_id):
    item = ActionPlanItem.get_or_none((ActionPlanItem.id == item_id) & (ActionPlanItem.case == case_id))
    if item is None:
        raise NotFound("There is no such action plan item on this case.")
    return item


def view_plan_item(case_id, item_id):
    item = get_plan_item(case_id, item_id)
    audit.record("view", item.case, f"action plan item {item.id}")
    return item


def my_caseload(staff):
    """caseload(), audited as a view of each case listed."""
    rows = caseload(staff)
    audit.record_shown([case for case, _, _ in rows], "listed in caseload")
    return rows


def all_reviews_due(by_day):
    """Every caseworker's reviews due by a day, audited as a view of each case listed."""
    items = reviews_due(by_day)
    audit.record_shown([item.case_id for item in items], "listed in reviews due")
    return items
