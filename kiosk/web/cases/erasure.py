"""Erasing a person's records on request and anonymising closed cases at the end of retention (managers only)."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import audit
from ...cases import erasure
from ...cases import services as casework
from ...cases.erasure_models import KINDS, STATUSES
from ...cases.erasure_scrub import what_goes
from ...cases.models import CLOSE_OUTCOMES
from ...dropin.schedule import schedule
from ...errors import BadInput, Refused
from ..access import managers_only, me
from ..respond import valid
from .blueprint import bp
from .erasure_forms import AnonymiseForm, ErasureDecisionForm, ErasureRequestForm


def _full_date(moment):
    """A stored moment's local date with its year: these pages reach back years."""
    return f"{schedule().to_local(moment):%d/%m/%Y}" if moment else ""


@bp.context_processor
def _erasure_pages():
    """The case page asks whether the case is erased, or waiting to be (cases/erasure_notice.html)."""
    return {"erasure_of": erasure.erasure_of, "full_date": _full_date}


# Pages that still act on an erased case: its erasure's own, and subject access (what is held is then nothing).
STILL_OPEN_WHEN_ERASED = ("cases.request_erasure", "cases.confirm_erasure", "cases.withdraw_erasure")


def _case_written_to():
    """The case a staff POST writes to: named in its address, or, linking a ticket or a family record to a
    case, in its form (by number or reference)."""
    if request.endpoint == "reception.link_ticket":
        number = request.form.get("case", "")
        return int(number) if number.isdigit() and len(number) < 19 else None
    if request.endpoint == "cases.family_link":
        found = casework.case_by_reference(request.form.get("reference", "")[:40])
        return found.id if found else None
    if (request.endpoint or "").startswith("cases.") and request.endpoint not in STILL_OPEN_WHEN_ERASED \
            and "subject_access" not in request.endpoint:
        return (request.view_args or {}).get("case_id")
    return None


@bp.before_app_request
def _nothing_more_on_an_erased_case():
    """An erased case holds only what the reports count: nothing more is written on it (a name typed back in,
    a contact logged, a visit linked). Signed-out requests go on to the sign-in page as usual."""
    if request.method != "POST" or not current_user.is_authenticated:
        return
    case_id = _case_written_to()
    found = erasure.erasure_of(case_id) if case_id is not None else None
    if found is not None and found.status == "done":
        raise Refused("This person's records were erased: nothing more is recorded on this case.")


def _years():
    return current_app.config["CLOSED_CASE_REVIEW_YEARS"]


def _request_page(case, form, status=200):
    return render_template("cases/erasure_request.html", case=case, form=form, erasure=erasure.erasure_of(case.id),
                           goes=what_goes(case), holds=erasure.holds(case)), status


@bp.route("/<int:case_id>/erase")
@managers_only
def erasure_form(case_id):
    return _request_page(casework.view_case(case_id, "erasure form"), ErasureRequestForm())


@bp.route("/<int:case_id>/erase", methods=["POST"])
@managers_only
def request_erasure(case_id):
    case = casework.get_case(case_id)
    erasure.not_asked_already(case)
    form = ErasureRequestForm()
    if not form.validate():
        # The page again with what they wrote and why not (it was audited when it was opened).
        return _request_page(case, form, 400)
    try:
        erasure.request_erasure(case_id, form.reason.data, form.details.data, me())
    except BadInput as problem:  # the reason names them: put it right, with what they wrote still there
        form.details.errors = [problem.message]
        return _request_page(case, form, 400)
    flash(f"Erasure of case {case_id} asked for. Another manager must confirm it before anything is erased.")
    return redirect(url_for("cases.erasures"), code=303)


@bp.route("/<int:case_id>/erase/confirm", methods=["POST"])
@managers_only
def confirm_erasure(case_id):
    form = valid(ErasureDecisionForm())
    erasure.confirm_erasure(case_id, form.request_id(), me())
    # Flashes ride in the readable cookie: the case by its number only.
    flash(f"Case {case_id} erased. The reports' figures are unchanged; what was done is listed below.")
    return redirect(url_for("cases.erasures", _anchor="done"), code=303)


@bp.route("/<int:case_id>/erase/withdraw", methods=["POST"])
@managers_only
def withdraw_erasure(case_id):
    form = valid(ErasureDecisionForm())
    erasure.withdraw_erasure(case_id, form.request_id(), me())
    flash(f"Erasure of case {case_id} withdrawn. Nothing was erased.")
    return redirect(url_for("cases.erasures"), code=303)


@bp.route("/erasures")
@managers_only
def erasures():
    return render_template("cases/erasures.html", waiting=erasure.waiting_erasures(), done=erasure.finished_erasures(),
                           due=len(erasure.due_for_anonymising(_years())), kinds=KINDS, statuses=STATUSES,
                           decision=ErasureDecisionForm(), me=me())


@bp.route("/retention")
@managers_only
def retention_review():
    due = erasure.retention_list(_years())
    return render_template("cases/erasure_retention.html", due=due, years=_years(), form=AnonymiseForm(),
                           outcomes=CLOSE_OUTCOMES)


@bp.route("/retention", methods=["POST"])
@managers_only
def anonymise_cases():
    form = valid(AnonymiseForm())
    if form.confirm.data != "yes":  # one tap on a row's button only asks: this cannot be undone
        chosen = set(form.case_ids())
        due = [case for case in erasure.due_for_anonymising(_years()) if case.id in chosen]
        audit.record_shown(due, "listed for retention review")
        return render_template("cases/erasure_retention_confirm.html", chosen=sorted(chosen), due=due,
                               not_listed=len(chosen) - len(due), form=form, outcomes=CLOSE_OUTCOMES)
    done = erasure.anonymise(form.case_ids(), me(), _years())
    flash(f"Anonymised {len(done)} case{'s' if len(done) != 1 else ''}. The reports' figures are unchanged."
          if done else "Those cases were already anonymised.")
    return redirect(url_for("cases.retention_review"), code=303)
