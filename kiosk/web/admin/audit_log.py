"""The audit log for managers, filtered on screen or exported as CSV."""
from datetime import datetime, time, timedelta, timezone

from flask import render_template, request

from ... import audit
from ...cases.services import case_references
from ...dropin.schedule import schedule
from ..access import managers_only
from ..respond import valid
from ..spreadsheets import csv_download
from .blueprint import bp
from .forms import AuditFilterForm

PAGE_SIZE = 100


def _local_midnight_utc(day):
    local = datetime.combine(day, time.min, tzinfo=schedule().tz)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _filtered():
    form = valid(AuditFilterForm(request.args))
    query = audit.events(
        username=(form.username.data or "").strip().lower() or None, action=form.action.data or None,
        object_type=form.object_type.data or None, object_id=form.object_id.data,
        since=_local_midnight_utc(form.since.data) if form.since.data else None,
        until=_local_midnight_utc(form.until.data + timedelta(days=1)) if form.until.data else None)
    return form, query


@bp.route("/audit")
@managers_only
def audit_log():
    form, query = _filtered()
    page = max(1, request.args.get("page", 1, type=int))
    events = list(query.paginate(page, PAGE_SIZE))
    references = case_references({e.object_id for e in events if e.object_type == "Case" and e.object_id})
    return render_template("admin/audit.html", form=form, events=events, page=page, references=references,
                           more=len(events) == PAGE_SIZE)


@bp.route("/audit.csv")
@managers_only
def audit_csv():
    _, query = _filtered()
    rows = ([event.at.isoformat(timespec="seconds") + "Z", event.username or "", event.action,
             event.object_type or "", event.object_id or "", event.detail or "", event.address or ""]
            for event in query.iterator())
    return csv_download("audit-log.csv", ["when_utc", "username", "action", "record", "record_id", "detail", "from"],
                        rows)
