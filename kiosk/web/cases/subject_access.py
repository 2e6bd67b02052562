"""Subject access requests for managers (/cases/subject-access/): the open requests and their deadlines,
logging one from a case or family record, the readable document (printed to PDF), the JSON file, and
marking a request answered."""
from datetime import date, datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from ...cases import access_requests, subject_access, third_parties
from ...cases.access_requests import HOW_RECEIVED, REQUEST_STATUSES
from ..access import managers_only, me
from ..respond import valid
from .blueprint import bp
from .forms import date_field

CASE_SECTIONS = [
    ("person", "Their details", "facts"), ("eligibility", "Eligibility and support", "facts"),
    ("action_plan", "Action plan", "blocks"), ("contact_log", "Contact log", "table"),
    ("bookings", "Appointments and outreach", "blocks"), ("referrals", "Referrals to partner organisations", "table"),
    ("travel_help", "Help with prison visits", "table"), ("safety_flags", "Safety flags", "table"),
    ("family", "Family and friends linked to the case", "table"), ("tickets", "Drop-in tickets", "table"),
    ("audit_trail", "Who looked at or changed the record", "table"),
]
FAMILY_SECTIONS = [
    ("person", "Their details", "facts"), ("linked_case", "The case their record is linked to", "facts"),
    ("contact_log", "Contact log", "table"), ("travel_help", "Help with prison visits", "table"),
    ("tickets", "Drop-in tickets", "table"), ("audit_trail", "Who looked at or changed the record", "table"),
]


class AccessRequestForm(FlaskForm):
    received_on = date_field("Date received", required=True)
    how = SelectField("How it came in", choices=HOW_RECEIVED, validate_choice=False)  # the service says which


class AnsweredForm(FlaskForm):
    sent = BooleanField("The document and the file have been checked, redacted where needed, and sent",
                        validators=[DataRequired(message="Tick the box to confirm they have been sent.")])


# Field names read as words on the page ("date_of_birth": "Date of birth"); these few say it better.
LABELS = {"assisted_prison_visits_scheme": "Assisted Prison Visits Scheme", "who_does_them": "Who does the actions",
          "what": "What they did", "staff": "Staff", "expected_in_on": "Expected in on"}


def label(key):
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def shown(value):
    """A value of the document as the page shows it: UK dates, local times, an empty field as a dash."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return value


def _person_page(subject, requests, form):
    today = access_requests.local_today()
    return render_template("cases/subject_access_person.html", subject=subject, requests=requests, form=form,
                           today=today, statuses=REQUEST_STATUSES, how_received=HOW_RECEIVED,
                           due_if_today=access_requests.deadline(today),
                           still_open=next((r for r in requests if r.status == "open"), None))


def _new_form():
    form = AccessRequestForm()
    if not form.is_submitted():
        form.received_on.data = access_requests.local_today()
    return form


def _log(case_id=None, member_id=None):
    form = valid(AccessRequestForm())
    logged = access_requests.log_request(form.received_on.data, form.how.data, me(), case_id=case_id,
                                         member_id=member_id)
    flash(f"Subject access request logged. The answer is due by {logged.due_on:%d/%m/%Y}.")
    return redirect(url_for("cases.subject_access_request", request_id=logged.id), code=303)


@bp.route("/subject-access/")
@managers_only
def subject_access_list():
    still_open, answered = access_requests.register()
    return render_template("cases/subject_access_list.html", still_open=still_open, answered=answered,
                           today=access_requests.local_today())


@bp.route("/<int:case_id>/subject-access", methods=["GET", "POST"])
@managers_only
def case_subject_access(case_id):
    if request.method == "POST":
        return _log(case_id=case_id)
    return _person_page(*access_requests.person_page(case_id=case_id), _new_form())


@bp.route("/family/<int:member_id>/subject-access", methods=["GET", "POST"])
@managers_only
def family_subject_access(member_id):
    if request.method == "POST":
        return _log(member_id=member_id)
    return _person_page(*access_requests.person_page(member_id=member_id), _new_form())


@bp.route("/subject-access/<int:request_id>")
@managers_only
def subject_access_request(request_id):
    found = access_requests.view_request(request_id)
    return render_template("cases/subject_access_request.html", sar=found, today=access_requests.local_today(),
                           statuses=REQUEST_STATUSES, how_received=HOW_RECEIVED, answered_form=AnsweredForm())


@bp.route("/subject-access/<int:request_id>/document")
@managers_only
def subject_access_document(request_id):
    document, for_the_manager = subject_access.gather(request_id, me(), "document gathered")
    sections = CASE_SECTIONS if document["about"] == "case" else FAMILY_SECTIONS
    return render_template("cases/subject_access_document.html", doc=document, sections=sections,
                           for_the_manager=for_the_manager, request_id=request_id, shown=shown, label=label,
                           check=third_parties.CHECK)


@bp.route("/subject-access/<int:request_id>/file.json")
@managers_only
def subject_access_file(request_id):
    document, _ = subject_access.gather(request_id, me(), "machine-readable file downloaded")
    return Response(subject_access.as_json(document), mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=subject-access-request-{request_id}.json"})


@bp.route("/subject-access/<int:request_id>/answered", methods=["POST"])
@managers_only
def subject_access_answered(request_id):
    valid(AnsweredForm())
    access_requests.answer_request(request_id, me())
    flash("Request marked answered.")
    return redirect(url_for("cases.subject_access_request", request_id=request_id), code=303)
