"""A whole report: the drop-in and casework tables for a period and an office, for managers or funders."""
from dataclasses import dataclass

from .. import audit
from ..clock import utcnow
from ..dropin.schedule import schedule
from ..offices.models import Office
from .casework import casework_tables
from .dropin import dropin_tables, period_figures
from .periods import describe

VIEWS = {"managers": "Exact figures", "funders": "For funders"}


@dataclass
class Report:
    period: str
    office: str
    view: str
    dropin: list
    casework: list

    def table(self, key):
        return next((t for t in self.dropin + self.casework if t.key == key), None)


def build_report(first_day, last_day, office_id=None, view="managers", now=None):
    """The report, audited as a view of figures (no record is named in it)."""
    today = schedule().local_today(now or utcnow())
    offices = dict(Office.select(Office.id, Office.name).tuples())
    start, _ = schedule().local_day_bounds(first_day)
    _, end = schedule().local_day_bounds(last_day)
    dropin = dropin_tables(period_figures(first_day, last_day, today, office_id), offices)
    casework = casework_tables(start, end, office_id)
    if view == "funders":
        dropin, casework = [t.for_funders() for t in dropin], [t.for_funders() for t in casework]
    where = offices.get(office_id, "all offices") if office_id else "all offices"
    audit.record("view", None, f"report {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}, {where}, {view}")
    return Report(describe(first_day, last_day), where, view, dropin, casework)
