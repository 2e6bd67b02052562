"""The reports page, each table's CSV file, and the printable funder's version."""
from flask import Blueprint, abort, render_template, request

from ...clock import utcnow
from ...dropin.schedule import schedule
from ...offices.models import Office
from ...reports.periods import bounds
from ...reports.report import build_report
from ...reports.tables import FEWER_THAN
from ..access import managers_only
from ..respond import refuse
from ..spreadsheets import csv_download
from .forms import ReportForm

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _form():
    form = ReportForm(request.args)
    form.office.choices = [("", "All offices")] + [(str(i), name) for i, name in
                                                   Office.select(Office.id, Office.name).order_by(Office.name).tuples()]
    return form


def _asked_for(form):
    today = schedule().local_today(utcnow())
    first, last = (form.first.data, form.last.data) if form.period.data == "range" else bounds(form.period.data, today)
    office_id = int(form.office.data) if form.office.data else None
    return build_report(first, last, office_id, form.view.data)


@bp.route("/")
@managers_only
def index():
    form = _form()
    if not form.validate():  # the choices again, with what to put right; no figures
        return render_template("reports/index.html", form=form, report=None, query={}), 400
    return render_template("reports/index.html", form=form, report=_asked_for(form), fewer_than=FEWER_THAN,
                           query=request.args.to_dict())


@bp.route("/<key>.csv")
@managers_only
def table_csv(key):
    form = _form()
    if not form.validate():
        refuse(form)
    report = _asked_for(form)
    table = report.table(key)
    if table is None:
        abort(404)
    suffix = "-funders" if report.view == "funders" else ""
    return csv_download(f"{key}{suffix}.csv", table.columns, table.rows)
