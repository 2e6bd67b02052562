"""Importing a caseload from a CSV file (managers): the template, the upload, which column holds what,
the preview, and the import itself (/cases/import)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...cases import importing
from ...cases import services as casework
from ...cases.import_rows import COLUMNS, MAX_BYTES, MAX_ROWS, TEMPLATE_COLUMNS, guess_columns, is_template, read_table
from ...cases.models import PLAN_AREAS
from ...errors import BadInput, StaleRecord
from ..access import managers_only, me
from ..respond import valid
from ..spreadsheets import csv_download
from .blueprint import bp
from .import_forms import COLUMN_GROUPS, HINTS, ConfirmForm, UploadForm, columns_form, read_rows, staff_index

FORM_ROOM = 64 * 1024  # the rest of the upload form around the file
TOO_BIG = (f"The file is over {MAX_BYTES // 1024 // 1024} MB. Split it into smaller files (at most {MAX_ROWS:,} "
           "people each) and import them one after another.")
# New cases made a second, about: bench/import_bench.py made 4,370 in 13 s on two shared cores. Every other
# write waits meanwhile, and SQLite's busy timeout is 10 s, so a large import belongs outside drop-in hours.
CASES_A_SECOND = 300
SAY_HOW_LONG_FROM = 500


def takes_a_file(view):
    """Marks a view that a file may be sent to; every other form refuses one (web/__init__.py)."""
    view.takes_a_file = True
    return view


@bp.url_value_preprocessor
def _room_for_a_caseload(endpoint, values):
    # Before any before_request hook: CSRF's check reads the body, and every other form stops at 64 KB.
    # Only a signed-in manager's upload gets the room; anyone else is refused at the door as usual.
    if endpoint == "cases.import_upload" and current_user.is_authenticated and current_user.role == "manager":
        if (request.content_length or 0) > MAX_BYTES + FORM_ROOM:
            abort(413, TOO_BIG)
        request.max_content_length = MAX_BYTES + FORM_ROOM


def _import_page(form):
    return render_template("cases/import.html", form=form, imports=importing.recent_imports(), columns=COLUMNS,
                           template_columns=TEMPLATE_COLUMNS, hints=HINTS, max_rows=MAX_ROWS,
                           max_mb=MAX_BYTES // 1024 // 1024, plan_areas=PLAN_AREAS)


@bp.route("/import")
@managers_only
def import_page():
    return _import_page(UploadForm())


@bp.route("/import/template.csv")
@managers_only
def import_template():
    return csv_download("caseload-template.csv", TEMPLATE_COLUMNS, [[COLUMNS[c].example for c in TEMPLATE_COLUMNS]])


def _readings(table, columns):
    return read_rows(table, columns, staff_index(casework.keyworkers()))


@bp.route("/import", methods=["POST"])
@takes_a_file
@managers_only
def import_upload():
    form = UploadForm()
    if form.validate():
        upload = form.file.data
        raw = upload.read(MAX_BYTES + 1)
        try:
            table = read_table(raw)
        except BadInput as refused:
            form.file.errors.append(refused.message)
        else:
            columns = guess_columns(table.header)
            if not is_template(table.header, columns):
                record = importing.receive(upload.filename, raw, table, me())
                return redirect(url_for("cases.import_columns", import_id=record.id), code=303)
            record = importing.receive(upload.filename, raw, table, me(), columns, _readings(table, columns))
            return redirect(url_for("cases.import_preview", import_id=record.id), code=303)
    return _import_page(form), 400


@bp.route("/import/<int:import_id>/columns", methods=["GET", "POST"])
@managers_only
def import_columns(import_id):
    record = importing.pending(import_id)
    table = record.table
    form = columns_form(table.header, record.chosen_columns or guess_columns(table.header), table.rows[0][1])
    status = 200
    if request.method == "POST":
        if form.validate():
            columns = form.chosen()
            importing.choose_columns(import_id, columns, _readings(table, columns))
            return redirect(url_for("cases.import_preview", import_id=import_id), code=303)
        status = 400
    chosen = form.chosen()
    unused = [heading for index, heading in enumerate(table.header) if index not in set(chosen.values())]
    return render_template("cases/import_columns.html", form=form, record=record, hints=HINTS,
                           groups=COLUMN_GROUPS, unused=unused,
                           no_name="name" not in chosen and "surname" not in chosen), status


@bp.route("/import/<int:import_id>")
@managers_only
def import_preview(import_id):
    record = importing.get_import(import_id)
    if record.status == "imported":
        return render_template("cases/import_done.html", record=record, cases=importing.imported_cases(record),
                               refused_rows=record.plan["refused_rows"], shown_at_most=importing.SHOWN_AT_MOST)
    record, plan = importing.view_plan(import_id)
    if plan is None:
        return redirect(url_for("cases.import_columns", import_id=import_id))
    return render_template("cases/import_preview.html", record=record, plan=plan, form=ConfirmForm(),
                           earlier=importing.same_file_imported(record), plan_areas=PLAN_AREAS,
                           shown_at_most=importing.SHOWN_AT_MOST, kept_until=record.created_at + importing.UPLOAD_KEPT,
                           seconds=len(plan["new"]) // CASES_A_SECOND + 1 if len(plan["new"]) >= SAY_HOW_LONG_FROM
                           else None)


@bp.route("/import/<int:import_id>/apply", methods=["POST"])
@managers_only
def import_apply(import_id):
    valid(ConfirmForm())
    record = importing.pending(import_id)
    if record.chosen_columns is None:
        raise BadInput("Choose which column holds what before importing.")
    readings = _readings(record.table, record.chosen_columns)
    try:
        record = importing.run_import(import_id, readings, me())
    except StaleRecord as changed:
        importing.refresh_plan(import_id, readings)
        flash(changed.message)
        return redirect(url_for("cases.import_preview", import_id=import_id), code=303)
    flash(f"Imported: {record.new_count} new {'case' if record.new_count == 1 else 'cases'}.")
    return redirect(url_for("cases.import_preview", import_id=import_id), code=303)


@bp.route("/import/<int:import_id>/discard", methods=["POST"])
@managers_only
def import_discard(import_id):
    valid(ConfirmForm())
    importing.discard(import_id, me())
    flash("Upload discarded: the file is no longer kept here.")
    return redirect(url_for("cases.import_page"), code=303)
