"""Importing an existing caseload from a CSV file: the upload kept between steps, what it would do, and the
import itself, all or nothing in one transaction, through the same services as a case typed in.

A case already here (the same reference, or the same name and date of birth) is left exactly as it is,
family and plan included: someone may have worked on it since, and running the same file again then
creates nothing twice. The upload is kept in the database (never in a file), and only until it is
imported, discarded or an hour old.
"""
import hashlib
import json
from datetime import timedelta

from flask import current_app
from peewee import JOIN, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import audit
from ..clock import utcnow
from ..db import BaseModel, is_sqlite
from ..errors import NotFound, Refused, StaleRecord
from ..offices.models import Office
from ..offices.timetable import timetable
from ..people.models import StaffUser
from ..transactions import write_transaction
from . import families
from . import services as casework
from .import_plan import plan
from .import_rows import parse_text
from .models import Case

UPLOAD_KEPT = timedelta(hours=1)
CARRIED_OVER_GOAL = "Carried over from the previous records: agree the goal at the first review."


class CaseloadImport(BaseModel):
    """One CSV file uploaded to import a caseload: who, when, what it held and, once imported, what it made."""
    created_at = DateTimeField(default=utcnow, index=True)
    staff = ForeignKeyField(StaffUser, backref="+")
    file_name = CharField(max_length=200)
    file_hash = CharField(max_length=64, index=True)  # SHA-256 of the bytes: the same file uploaded again
    encoding = CharField(max_length=60)
    row_count = IntegerField()
    status = CharField(max_length=20, default="uploaded")  # uploaded, imported, discarded, expired
    content = TextField(null=True)  # the file as read; removed once imported, discarded or an hour old
    columns = TextField(null=True)  # JSON {app column: the file's column number}, once known
    preview = TextField(null=True)  # JSON: what importing would do, then which rows were not imported
    new_count = IntegerField(null=True)
    matched_count = IntegerField(null=True)
    refused_count = IntegerField(null=True)
    imported_at = DateTimeField(null=True)
    imported_by = ForeignKeyField(StaffUser, null=True, backref="+")
    created_cases = TextField(null=True)  # JSON list of the ids of the cases the import made

    @property
    def table(self):
        return parse_text(self.content, self.encoding)

    @property
    def chosen_columns(self):
        return json.loads(self.columns) if self.columns else None

    @property
    def plan(self):
        return json.loads(self.preview) if self.preview else None


class UploadGone(Refused):
    status = 410


def _count(number, thing):
    return f"{number:,} {thing if number == 1 else thing + 's'}"


def file_name(name):
    """The name the file had on the manager's computer, without its folders or anything unprintable."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200] or "caseload.csv"


def receive(name, raw, table, staff, columns=None, readings=None):
    """Keep an uploaded file until it is imported; with its columns known, what importing it would do."""
    with write_transaction():
        forget_stale_uploads()
        record = CaseloadImport.create(
            staff=staff, file_name=file_name(name), file_hash=hashlib.sha256(raw).hexdigest(),
            encoding=table.encoding, row_count=len(table.rows), content=table.text)
        audit.record("upload caseload", record, f"{_count(len(table.rows), 'row')}, read as {table.encoding}",
                     staff=staff)
        if readings is not None:
            _store_plan(record, columns, readings)
    return get_import(record.id)


def choose_columns(import_id, columns, readings):
    """Save which of the file's columns holds what, and what importing would then do."""
    with write_transaction():
        forget_stale_uploads()
        record = pending(import_id)
        _store_plan(record, columns, readings)
    return get_import(record.id)


def _store_plan(record, columns, readings):
    summary, _ = plan(readings)
    CaseloadImport.update(columns=json.dumps(columns), preview=json.dumps(summary), new_count=len(summary["new"]),
                          matched_count=len(summary["matched"]), refused_count=len(summary["refused"])
                          ).where(CaseloadImport.id == record.id).execute()


def get_import(import_id):
    record = CaseloadImport.get_or_none(CaseloadImport.id == import_id)
    if record is None:
        raise NotFound("There is no such import.")
    return record


def pending(import_id):
    """An upload still waiting to be imported."""
    record = get_import(import_id)
    if record.status == "imported":
        raise Refused("This file has been imported already: its cases are listed on its page.")
    if record.status != "uploaded" or record.created_at < utcnow() - UPLOAD_KEPT:
        raise UploadGone("This upload was discarded, or is over an hour old and was removed so that no copy "
                         "of the file stays here. Upload the file again.")
    return record


# Cases listed on a page (the rest are counted), and so audited as shown with one insert: many more would
# pass the number of values one statement may carry (65,535 on PostgreSQL, 32,766 on SQLite).
SHOWN_AT_MOST = 1000


def view_plan(import_id):
    """An upload and what importing it would do, audited as a view of the cases here that it matches
    (those listed: the first SHOWN_AT_MOST)."""
    record = pending(import_id)
    summary = record.plan
    if summary:
        audit.record_shown([m["case_id"] for m in summary["matched"][:SHOWN_AT_MOST]],
                           f"matched by caseload import {record.id}")
    return record, summary


def same_file_imported(record):
    return list(CaseloadImport.select().where((CaseloadImport.file_hash == record.file_hash)
                                              & (CaseloadImport.status == "imported")
                                              & (CaseloadImport.id != record.id)).order_by(CaseloadImport.id))


# --- importing -----------------------------------------------------------------------------------

def run_import(import_id, readings, staff):
    """Create every new case the preview showed, all or none; refused if anything changed since it was shown."""
    with write_transaction():
        forget_stale_uploads()
        record = _claim(pending(import_id), "importing")
        summary, creating = plan(readings)
        if record.plan is None or summary["fingerprint"] != record.plan["fingerprint"]:
            raise StaleRecord("Cases here changed since the preview was made, so the import could be different. "
                              "Nothing was imported: check the new preview, then import again.")
        _not_while_open(len(creating))
        created = []
        for new in creating:
            case = casework.create_case(new.case, staff, new.reference or None)
            for area in new.areas:
                casework.add_plan_item(case.id, {"area": area, "goal": CARRIED_OVER_GOAL}, staff)
            for member in new.family:
                families.add_family_member(member, staff, case.id)
            created.append(case.id)
        refused_rows = sorted(number for number, _ in summary["refused"])
        CaseloadImport.update(
            status="imported", content=None, columns=None, preview=json.dumps({"refused_rows": refused_rows}),
            new_count=len(created), matched_count=len(summary["matched"]), refused_count=len(refused_rows),
            imported_at=utcnow(), imported_by=staff, created_cases=json.dumps(created)
        ).where(CaseloadImport.id == record.id).execute()
        audit.record("import", record, f"caseload file {record.file_name}: {_count(len(created), 'new case')}, "
                     f"{len(summary['matched']):,} already here left as they were, "
                     f"{_count(len(refused_rows), 'row')} not imported", staff=staff)
    return get_import(import_id)


def _not_while_open(new_cases):
    """Refuse, on SQLite, an import too big to run while a drop-in is on: it would hold the write lock
    for longer than a kiosk's check-in waits (see IMPORT_WHILE_OPEN_MAX_NEW)."""
    most = current_app.config["IMPORT_WHILE_OPEN_MAX_NEW"]
    if not most or new_cases <= most or not is_sqlite():
        return
    now = utcnow()
    open_now = [office.name for office in Office.select(Office.id, Office.name)
                if timetable(office.id).slot_at(now) is not None]
    if open_now:
        raise Refused(f"This import makes {new_cases:,} new cases, which takes a minute or more, and the kiosks "
                      f"could not check anyone in meanwhile: a drop-in is on at {', '.join(open_now)}. "
                      "Nothing was imported: import it after the drop-in, or in parts of "
                      f"{most:,} cases or fewer.")


def _claim(record, status):
    """The upload moved on from waiting, by this transaction alone: on PostgreSQL two managers at different
    offices do not share a write lock, and the second one's update waits for the first and then finds none."""
    moved = (CaseloadImport.update(status=status)
             .where((CaseloadImport.id == record.id) & (CaseloadImport.status == "uploaded")).execute())
    if not moved:
        raise Refused("Someone else has just imported or discarded this file: see its page.")
    return record


def refresh_plan(import_id, readings):
    """The preview made again, after the cases here changed under it."""
    with write_transaction():
        record = pending(import_id)
        _store_plan(record, record.chosen_columns, readings)


def discard(import_id, staff):
    with write_transaction():
        record = _claim(pending(import_id), "discarded")
        CaseloadImport.update(content=None, columns=None, preview=None).where(CaseloadImport.id == record.id).execute()
        audit.record("discard caseload upload", record, record.file_name, staff=staff)


def forget_stale_uploads():
    """Remove the files of uploads left more than an hour without being imported."""
    return (CaseloadImport.update(status="expired", content=None, columns=None, preview=None)
            .where((CaseloadImport.status == "uploaded") & (CaseloadImport.created_at < utcnow() - UPLOAD_KEPT))
            .execute())


def forget_waiting_uploads():
    """Remove the files of every upload not yet imported: an erasure does, since any of them may hold the
    person erased (the manager uploads the file again, and the preview then finds nothing of them here)."""
    return (CaseloadImport.update(status="expired", content=None, columns=None, preview=None)
            .where(CaseloadImport.status == "uploaded").execute())


def recent_imports(limit=10):
    return list(CaseloadImport.select(CaseloadImport, StaffUser).join(StaffUser, on=CaseloadImport.staff)
                .order_by(CaseloadImport.id.desc()).limit(limit))


def imported_cases(record):
    """The first SHOWN_AT_MOST cases an import made that are still here, audited as listed."""
    ids = json.loads(record.created_cases or "[]")[:SHOWN_AT_MOST]
    cases = list(Case.select(Case, StaffUser).join(StaffUser, JOIN.LEFT_OUTER, on=Case.keyworker)
                 .where(Case.id.in_(ids)).order_by(Case.id)) if ids else []
    audit.record_shown(cases, f"listed as made by caseload import {record.id}")
    return cases
