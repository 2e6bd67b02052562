"""The drop-in half of the report, read from the anonymous daily figures (reports.daily) of a period."""
from collections import defaultdict

from peewee import fn

from ..dropin.models import NEEDS, VISIT_FOR
from ..offices.models import Office
from ..people.models import StaffUser
from .daily import FOLDED, figures_for_day, fold_past_days
from .models import DailyFigure
from .tables import Table

PEOPLE = {"new": "New to the service", "returning": "Returning", "not_linked": "Not linked to a record"}
MADE_OF = ("Counted from anonymous daily figures of each drop-in day (kept when tickets' names and needs are "
           "purged after 30 days); today's from the live queue.")


def period_figures(first_day, last_day, today, office_id=None):
    """{measure: {key: value}} summed over the local days first_day..last_day (inclusive) and the offices asked
    for. Past days are read from stored daily figures (folding any still missing); today from the queue."""
    fold_past_days(first_day, office_id, last_day=last_day)
    query = (DailyFigure.select(DailyFigure.measure, DailyFigure.key, fn.SUM(DailyFigure.value))
             .where((DailyFigure.day >= first_day) & (DailyFigure.day <= min(last_day, today))
                    & (DailyFigure.measure != FOLDED))
             .group_by(DailyFigure.measure, DailyFigure.key))
    if office_id is not None:
        query = query.where(DailyFigure.office == office_id)
    figures = defaultdict(lambda: defaultdict(int))
    for measure, key, value in query.tuples():
        figures[measure][key] += int(value)
    if first_day <= today <= last_day:
        offices = [office_id] if office_id is not None else [o for (o,) in Office.select(Office.id).tuples()]
        for office in offices:
            for (measure, key), value in figures_for_day(office, today).items():
                figures[measure][key] += value
    return figures


def _by_code(figures, measure, labels):
    """One row per code in the office's words, zeros included, then any code the labels do not know."""
    found = figures.get(measure, {})
    rows = [[str(label), found.get(code, 0)] for code, label in labels.items()]
    return rows + [[code, value] for code, value in sorted(found.items()) if code not in labels]


def dropin_tables(figures, office_names):
    one = {measure: values.get("", 0) for measure, values in figures.items()}
    state = figures.get("state", {})
    seen = one.get("staff_seen", 0)
    tables = [
        Table("dropin", "Drop-in at a glance", MADE_OF + " A visit is a ticket not cancelled.",
              ["Figure", "Number"], [
                  ["Drop-in sessions held", one.get("sessions", 0)],
                  ["Visits", one.get("visits", 0)],
                  ["Seen", state.get("done", 0)],
                  ["Called but did not come (no-shows)", state.get("no_show", 0)],
                  ["Left before being seen", state.get("left", 0)],
                  ["Seen after the session's end", one.get("seen_late", 0)],
                  ["Tickets cancelled (not counted as visits)", state.get("cancelled", 0)],
              ], counts=(1,)),
        Table("time_with_staff", "Time with staff", "Minutes from being called in to Done, for visits seen.",
              ["Figure", "Minutes"], [["Average time with staff", round(one.get("staff_minutes", 0) / seen) if seen
                                       else None]]),
        Table("people", "Visits by new and returning people",
              "A visit is returning when the person's case or family record had a visit or a contact before that "
              "day; visits never linked to a record cannot be told apart.",
              ["People", "Visits"], _by_code(figures, "people", PEOPLE), counts=(1,), chart="bars"),
        Table("visit_for", "Who the visit was for", "As chosen at the kiosk or by reception.",
              ["Visit for", "Visits"], _by_code(figures, "visit_for", VISIT_FOR), counts=(1,), chart="bars"),
        Table("needs", "Help asked for", "Each need ticked on a ticket counts once; a visit may ask for several.",
              ["Need", "Visits"], _by_code(figures, "need", NEEDS), counts=(1,), chart="bars"),
        _sessions_table(figures, office_names),
        _busiest(figures, office_names),
        Table("hours", "Check-ins by hour of the day", "Visits by the local hour they checked in.",
              ["Hour", "Visits"], [[f"{hour}:00", value] for hour, value in sorted(figures.get("hour", {}).items())],
              counts=(1,), chart="bars"),
        _seen_by(figures),
    ]
    return tables


def _session_label(key, office_names):
    office_id, _, when = key.partition("|")
    where = office_names.get(int(office_id), "") if len(office_names) > 1 else ""
    return f"{when}{' · ' + where if where else ''}"


def _sessions_table(figures, office_names):
    visits, median, p90 = (figures.get(m, {}) for m in ("session_visits", "wait_median", "wait_p90"))
    rows = [[_session_label(key, office_names), visits[key], median.get(key), p90.get(key)] for key in sorted(visits)]
    return Table("sessions", "Waits per drop-in session",
                 "Minutes from check-in to being called, for visits that were called: the median (half waited "
                 "less) and the 90th percentile (nine in ten waited no longer).",
                 ["Session", "Visits", "Median wait (min)", "90th percentile wait (min)"], rows, counts=(1,),
                 chart="line")


def _busiest(figures, office_names):
    visits = figures.get("session_visits", {})
    top = sorted(visits.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return Table("busiest", "Busiest sessions", "The five sessions with the most visits.",
                 ["Session", "Visits"], [[_session_label(key, office_names), value] for key, value in top],
                 counts=(1,))


def _seen_by(figures):
    seen = figures.get("seen_by", {})
    names = dict(StaffUser.select(StaffUser.id, StaffUser.display_name)
                 .where(StaffUser.id.in_([int(k) for k in seen])).tuples()) if seen else {}
    rows = sorted(([names.get(int(k), "Former staff"), v] for k, v in seen.items()), key=lambda r: (-r[1], r[0]))
    return Table("seen_by", "Visits seen, by member of staff", "Visits marked Done, by who called them in.",
                 ["Staff", "Visits seen"], rows, counts=(1,), chart="bars")
