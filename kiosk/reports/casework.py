"""The casework half of the managers' and funders' report: each table counted by the database in a few
grouped queries, so a year of several offices costs what a week of one does."""
from collections import Counter
from datetime import timedelta
from statistics import median

from peewee import JOIN, fn
from peewee import Case as When  # the model is called Case too

from ..cases.bookings import OPEN, SETTLED
from ..cases.models import (
    APPOINTMENT_STATUSES, BOOKING_KINDS, CLOSE_OUTCOMES, CONTACT_KINDS, OLD_REFERRAL_SOURCES, PLAN_AREAS,
    PLAN_STATUSES, REFERRAL_SOURCES, REFERRAL_STATUSES, ActionPlanItem, Appointment, Case, ContactEntry, Partner,
    PlanRating, Referral,
)
from ..dropin.schedule import schedule
from ..offices.models import DEFAULT_OFFICE_ID, Office, StaffOffice
from .tables import TOTAL, Table

NOT_RECORDED = "Not recorded"
OUTREACH_KINDS = {code: label for code, label in BOOKING_KINDS.items() if code != "office"}
SEEN_WITHIN = (1, 7, 28)  # days from release to the first contact


def casework_tables(start, end, office_id=None):
    """The casework tables for start <= t < end (naive UTC), for one office's cases or, with None, every office's."""
    period = _Period(start, end, office_id)
    return [table(period) for table in (_cases, _closed_by_outcome, _referrals_in, _referrals_out, _contacts,
                                        _plan_items, _outreach, _release_to_contact, _ratings)]


class _Period:
    """The period and office asked for, as the conditions the queries share."""

    def __init__(self, start, end, office_id):
        self.start, self.end, self.schedule = start, end, schedule()
        # A date is in the period when its day (in the office's time zone) begins in it, so back-to-back
        # periods never count one date twice.
        self.first_day, self.after_day = self._day_from(start), self._day_from(end)
        self.office_id, self.whose = office_id, "at every office"
        if office_id is not None:
            name = Office.select(Office.name).where(Office.id == office_id).scalar() or f"office {office_id}"
            unheld = " or who have no keyworker" if office_id == DEFAULT_OFFICE_ID else ""
            self.whose = f"whose keyworker works at {name}{unheld} (a keyworker at several offices counts at each)"

    def _day_from(self, moment):
        day = self.schedule.to_local(moment).date()
        return day if self.schedule.local_day_bounds(day)[0] >= moment else day + timedelta(days=1)

    def days(self):
        return [self.first_day + timedelta(days=n) for n in range((self.after_day - self.first_day).days)]

    def within(self, field):
        return (field >= self.start) & (field < self.end)

    def within_days(self, field):
        return (field >= self.first_day) & (field < self.after_day)

    def of_cases(self, case_field):
        """The rows of cases in the report: all, or those whose keyworker works at the office."""
        if self.office_id is None:
            return case_field.is_null(False)
        staff_here = StaffOffice.select(StaffOffice.staff).where(StaffOffice.office == self.office_id)
        at_office = Case.keyworker.in_(staff_here)
        if self.office_id == DEFAULT_OFFICE_ID:
            # Staff with no office listed work at the default one; a case nobody holds is counted there too.
            at_office |= Case.keyworker.is_null() | Case.keyworker.not_in(StaffOffice.select(StaffOffice.staff))
        return case_field.in_(Case.select(Case.id).where(at_office))


def _count_if(condition):
    return fn.COUNT(When(None, [(condition, 1)]))


def _tally(query):
    """{code: count}, or {(code, code): count}, from rows of codes then a count; an empty code is not recorded."""
    found = Counter()
    for *codes, n in query.tuples():
        codes = tuple(None if code == "" else code for code in codes)
        found[codes if len(codes) > 1 else codes[0]] += n
    return found


def _codes(labels, found, old=(), unrecorded=False):
    """Every code of `labels` in order, then retired and unknown codes found, then "not recorded"."""
    others = {code for code in found if code is not None and code not in labels}
    retired = [code for code in old if code in others]
    unknown = sorted(others - set(retired), key=str)
    return [*labels, *retired, *unknown, *([None] if unrecorded or None in found else [])]


def _label(code, *labels):
    for named in labels:
        if code in named:
            return named[code]
    return NOT_RECORDED if code is None else str(code)


def _bars(key, title, made_of, heading, column, labels, found, old=None, unrecorded=False):
    old = old or {}
    rows = [[_label(code, labels, old), found[code]] for code in _codes(labels, found, old, unrecorded)]
    return Table(key, title, made_of, [heading, column], rows, counts=(1,), chart="bars")


def _grid(found, row_labels, column_labels, total=True):
    """Columns and rows for counts by two codes: every known code of each, the unknown ones found too."""
    row_codes = _codes(row_labels, {r for r, _ in found})
    column_codes = _codes(column_labels, {c for _, c in found})
    rows = []
    for r in row_codes:
        cells = [found[(r, c)] for c in column_codes]
        rows.append([_label(r, row_labels), *cells, *([sum(cells)] if total else [])])
    return [_label(c, column_labels) for c in column_codes] + ([TOTAL] if total else []), rows


def _cases(p):
    closed_by_end = (Case.status == "closed") & (Case.closed_at.is_null() | (Case.closed_at < p.end))
    row = (Case.select(_count_if((Case.created_at < p.end) & ~closed_by_end), _count_if(p.within(Case.created_at)),
                       _count_if((Case.status == "closed") & p.within(Case.closed_at)))
           .where(p.of_cases(Case.id)).tuples().get())
    labels = ("Open at the end of the period", "Opened in the period", "Closed in the period")
    return Table("cases", "Cases", f"Case records {p.whose}, by when each was opened and closed: a case closed after "
                 "the period counts as open at its end, and reopening a case clears its closing, so a case closed "
                 "and reopened counts as open and not as closed.",
                 ["", "Cases"], [[label, n] for label, n in zip(labels, row)], counts=(1,))


def _closed_by_outcome(p):
    found = _tally(Case.select(Case.close_outcome, fn.COUNT(Case.id))
                   .where((Case.status == "closed") & p.within(Case.closed_at) & p.of_cases(Case.id))
                   .group_by(Case.close_outcome))
    return _bars("closed_by_outcome", "Cases closed, by outcome",
                 f"Cases {p.whose} closed in the period and still closed, by the outcome recorded when they closed.",
                 "Outcome", "Cases", CLOSE_OUTCOMES, found, unrecorded=True)


def _referrals_in(p):
    day_starts = [p.schedule.local_day_bounds(day)[0] for day in (p.first_day, p.after_day)]
    referred = p.within_days(Case.referral_date) | (
        Case.referral_date.is_null() & (Case.created_at >= day_starts[0]) & (Case.created_at < day_starts[1]))
    found = _tally(Case.select(Case.referral_source, fn.COUNT(Case.id)).where(referred & p.of_cases(Case.id))
                   .group_by(Case.referral_source))
    return _bars("referrals_in", "Referrals in, by source",
                 f"Cases {p.whose} whose referral date is in the period (the day the case was opened where no "
                 "referral date is recorded), by who referred them.",
                 "Source", "Cases", REFERRAL_SOURCES, found, old=OLD_REFERRAL_SOURCES)


def _referrals_out(p):
    found, partners = Counter(), {}
    for partner_id, name, status, n in (
            Referral.select(Partner.id, Partner.name, Referral.status, fn.COUNT(Referral.id)).join(Partner)
            .where(p.within_days(Referral.made_on) & p.of_cases(Referral.case))
            .group_by(Partner.id, Partner.name, Referral.status).order_by(Partner.name).tuples()):
        partners[partner_id] = name
        found[(partner_id, status or None)] += n
    columns, rows = _grid(found, partners, REFERRAL_STATUSES)
    return Table("referrals_out", "Referrals out, by partner and status",
                 f"Referrals made in the period from cases {p.whose}, by partner and by the status each has now.",
                 ["Partner", *columns], rows, counts=tuple(range(1, len(columns) + 1)))


def _contacts(p):
    found = _tally(ContactEntry.select(ContactEntry.kind, fn.COUNT(ContactEntry.id))
                   .where(p.within(ContactEntry.happened_at) & p.of_cases(ContactEntry.case))
                   .group_by(ContactEntry.kind))
    return _bars("contacts", "Contacts by kind", f"Entries in the contact logs of cases {p.whose} dated in the "
                 "period, by kind.", "Kind", "Contacts", CONTACT_KINDS, found)


def _plan_items(p):
    found = _tally(ActionPlanItem.select(ActionPlanItem.area, ActionPlanItem.status, fn.COUNT(ActionPlanItem.id))
                   .where((ActionPlanItem.created_at < p.end) & p.of_cases(ActionPlanItem.case))
                   .group_by(ActionPlanItem.area, ActionPlanItem.status))
    columns, rows = _grid(found, PLAN_AREAS, PLAN_STATUSES)
    return Table("plan_items", "Action plan items by area and status",
                 f"Action plan items of cases {p.whose} added before the end of the period, by area and by the "
                 "status each has now (the records keep no history of statuses).",
                 ["Area", *columns], rows, counts=tuple(range(1, len(columns) + 1)))


def _outreach(p):
    found = _tally(Appointment.select(Appointment.kind, Appointment.status, fn.COUNT(Appointment.id))
                   .where((Appointment.kind != "office") & Appointment.status.not_in(OPEN)
                          & p.within(Appointment.starts_at) & p.of_cases(Appointment.case))
                   .group_by(Appointment.kind, Appointment.status))
    columns, rows = _grid(found, OUTREACH_KINDS, {code: APPOINTMENT_STATUSES[code] for code in SETTLED}, total=False)
    return Table("outreach", "Outreach done", f"Pre-release visits, gate pick-ups and case conferences of cases "
                 f"{p.whose} booked for a time in the period, by how they went (bookings not yet marked done, "
                 "missed or cancelled are left out).",
                 ["Kind", *columns], rows, counts=tuple(range(1, len(columns) + 1)))


def _midnight(days):
    """The local midnight that begins the release day, in SQL: a tree of comparisons (nine for a year of days,
    where a plain CASE would try each day in turn for every contact)."""
    if len(days) == 1:
        return days[0][1]
    half = len(days) // 2
    return When(None, [(Case.release_date < days[half][0], _midnight(days[:half]))], _midnight(days[half:]))


def _release_to_contact(p):
    # Each release day's own local midnight, so a contact just after midnight in summer time is on that day.
    days = [(day, p.schedule.local_day_bounds(day)[0]) for day in p.days()]
    firsts = [] if not days else (
        Case.select(Case.release_date, fn.MIN(ContactEntry.happened_at))
        .join(ContactEntry, JOIN.LEFT_OUTER, on=((ContactEntry.case == Case.id) & (ContactEntry.happened_at < p.end)
                                                 & (ContactEntry.happened_at >= _midnight(days))))
        .where(p.within_days(Case.release_date) & p.of_cases(Case.id)).group_by(Case.id, Case.release_date).tuples())
    released, days = 0, []
    for release_date, first in firsts:
        released += 1
        if first is not None:
            days.append((p.schedule.to_local(first).date() - release_date).days)
    middle = median(days) if days else None
    if isinstance(middle, float) and middle.is_integer():
        middle = int(middle)
    rows = [["Released in the period", released, None],
            *[[f"Seen within {n} day{'s' if n > 1 else ''}", sum(d <= n for d in days), None] for n in SEEN_WITHIN],
            ["Not seen yet", released - len(days), None],
            ["Median days to first contact", None, middle]]
    return Table("release_to_contact", "Days from release to first contact",
                 f"Cases {p.whose} whose release date is in the period: the days from release to the first entry in "
                 "their contact log on or after that day and before the period's end (each row counts those seen "
                 "sooner too; the median is of those seen).", ["", "People", "Days"], rows, counts=(1,))


def _ratings(p):
    # Each item's ratings numbered from the first and from the latest (same moment: the later record is later).
    ordered = (PlanRating.select(
        PlanRating.item, PlanRating.score,
        fn.ROW_NUMBER().over(partition_by=[PlanRating.item], order_by=[PlanRating.rated_at, PlanRating.id])
        .alias("from_first"),
        fn.ROW_NUMBER().over(partition_by=[PlanRating.item],
                             order_by=[PlanRating.rated_at.desc(), PlanRating.id.desc()]).alias("from_latest"))
        .join(ActionPlanItem).where((PlanRating.rated_at < p.end) & p.of_cases(ActionPlanItem.case)))
    item = (ordered.select_from(ordered.c.item_id,
                                fn.MAX(When(None, [(ordered.c.from_first == 1, ordered.c.score)])).alias("first"),
                                fn.MAX(When(None, [(ordered.c.from_latest == 1, ordered.c.score)])).alias("latest"))
            .group_by(ordered.c.item_id).having(fn.COUNT(ordered.c.item_id) >= 2).alias("rated"))
    change = item.c.latest - item.c.first
    found = {area: (n, better, same, worse, round(float(average), 1)) for area, n, better, same, worse, average in (
        ActionPlanItem.select(ActionPlanItem.area, fn.COUNT(ActionPlanItem.id), _count_if(change > 0),
                              _count_if(change == 0), _count_if(change < 0), fn.AVG(change))
        .join(item, on=(ActionPlanItem.id == item.c.item_id)).group_by(ActionPlanItem.area).tuples())}
    rows = [[_label(code, PLAN_AREAS), *found.get(code, (0, 0, 0, 0, None))] for code in _codes(PLAN_AREAS, found)]
    return Table("ratings", "Change in outcome ratings, by area",
                 f"Action plan items of cases {p.whose} rated at least twice by the end of the period: the first "
                 "rating against the latest, by area (the average change is in steps of the five-step scale).",
                 ["Area", "Items rated twice or more", "Improved", "Stayed the same", "Got worse", "Average change"],
                 rows, counts=(1, 2, 3, 4))
