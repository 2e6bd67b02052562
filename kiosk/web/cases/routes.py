"""Case records for logged-in staff. Reception sees contact details and flags; caseworkers see everything."""
from datetime import timedelta

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ...cases import families
from ...cases import services as casework
from ...cases import visits
from ...cases.eligibility import eligibility, window_warning
from ...cases.models import CONTACT_KINDS, FLAG_KINDS, OLD_REFERRAL_SOURCES, RATINGS, REFERRAL_SOURCES
from ...clock import utcnow
from ...dropin.queue import ticket_by_id
from ...dropin.schedule import schedule
from ...errors import BadInput, StaleRecord
from ..access import caseworkers_only, me, staff_required
from ..respond import valid
from . import bookings as bookings_page
from . import referrals as referrals_page
from .blueprint import bp
from .forms import (
    CASEWORK_ONLY, CaseFamilyForm, CaseForm, ContactForm, FlagForm, PlanItemForm, PlanRatingForm, yes_no_value,
)

def _today():
    return schedule().local_today(utcnow())


def sees_casework():
    return current_user.sees_casework


def _version(form):
    """The record version the form was opened at; anything not a number is refused, not a 500."""
    try:
        return int(form.version.data or 0)
    except ValueError:
        raise BadInput("This form is out of date. Reload the page and make your change again.") from None


def _keyworker_choices():
    return [(0, "Not allocated")] + [(w.id, w.display_name) for w in casework.keyworkers()]


def _case_form(case=None, formdata=None, **prefill):
    form = CaseForm(formdata=formdata) if formdata is not None else CaseForm()
    form.keyworker.choices = _keyworker_choices()
    if "referral_source" in form and case is not None and case.referral_source in OLD_REFERRAL_SOURCES:
        # A source no longer offered stays choosable on the cases that have it, so an edit keeps it.
        form.referral_source.choices = [*REFERRAL_SOURCES.items(),
                                        (case.referral_source, OLD_REFERRAL_SOURCES[case.referral_source])]
    if not sees_casework():
        for name in CASEWORK_ONLY:
            delattr(form, name)
    if case is not None and request.method == "GET":
        for field in form:
            if field.name in ("csrf_token", "reference"):
                continue
            if field.name == "version":
                field.data = case.version
            elif field.name in ("sentence_under_four_years", "statutory_order"):
                field.data = yes_no_value(getattr(case, field.name))
            elif field.name == "keyworker":
                field.data = case.keyworker_id or 0
            else:
                field.data = getattr(case, field.name)
    for name, value in prefill.items():
        if request.method == "GET" and name in form:
            form[name].data = value
    return form


def _ticket_asked_for():
    """The queue ticket a search or a new case is for (?ticket=), if any."""
    ticket_id = request.args.get("ticket", type=int)
    return ticket_by_id(ticket_id, required=False) if ticket_id else None


@bp.route("/")
@staff_required
def index():
    q = request.args.get("q", "").strip()
    results = casework.search_cases(q) if q else []
    return render_template("cases/index.html", q=q, results=results)


@bp.route("/search")
@staff_required
def search():
    """Search as you type; with ?ticket= each result offers to link that ticket."""
    ticket = _ticket_asked_for()
    return render_template("cases/_results.html", results=casework.search_cases(request.args.get("q", "")),
                           ticket=ticket, q=request.args.get("q", ""))


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    ticket = _ticket_asked_for()
    form = _case_form(name=ticket.name if ticket else None)
    if form.validate_on_submit():
        if ticket:
            case = visits.create_case_from_ticket(ticket.id, form.case_data(), me(), form.reference.data)
            flash(f"Created {case.reference} and linked ticket {ticket.number} to it.")
            return redirect(url_for("reception.queue"), code=303)
        case = casework.create_case(form.case_data(), me(), form.reference.data)
        flash(f"Created {case.reference}.")
        return redirect(url_for("cases.view", case_id=case.id), code=303)
    return render_template("cases/form.html", form=form, case=None, ticket=ticket), 400 if form.errors else 200


@bp.route("/<int:case_id>")
@staff_required
def view(case_id):
    full = sees_casework()
    context = {**casework.case_page(case_id, full), "casework": full, "flag_form": FlagForm(),
               "family_form": _case_family_form(), "flag_kinds": FLAG_KINDS,
               "referral_sources": {**REFERRAL_SOURCES, **OLD_REFERRAL_SOURCES}}
    context.update(bookings_page.case_context(context["case"], full))
    if full:
        context.update(eligibility=eligibility(context["case"], _today()), plan_form=PlanItemForm(),
                       contact_form=_contact_form(), contact_kinds=CONTACT_KINDS)
        context.update(referrals_page.case_context(context["case"]))
    return render_template("cases/view.html", **context)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(case_id):
    case = casework.get_case(case_id) if request.method == "POST" else casework.view_case(case_id, "edit form")
    form = _case_form(case)
    del form.reference
    status = 200
    if form.validate_on_submit():
        try:
            casework.update_case(case_id, form.case_data(), _version(form), me(),
                                 fields=casework.CASE_FIELDS if sees_casework() else casework.CONTACT_ONLY_FIELDS)
        except StaleRecord as stale:
            current = casework.get_case(case_id)
            form.version.data = current.version
            return render_template("cases/form.html", form=form, case=current, conflict=stale.message), 409
        flash("Saved.")
        return redirect(url_for("cases.view", case_id=case_id), code=303)
    if form.errors:
        status = 400
    return render_template("cases/form.html", form=form, case=case), status


def _warned(case_id):
    warning = window_warning(casework.get_case(case_id), _today())
    if warning:
        flash(warning)


@bp.route("/<int:case_id>/plan", methods=["POST"])
@caseworkers_only
def add_plan_item(case_id):
    form = valid(PlanItemForm())
    casework.add_plan_item(case_id, form.item_data(), me())
    _warned(case_id)
    flash("Action plan item added.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="plan"), code=303)


@bp.route("/<int:case_id>/plan/<int:item_id>", methods=["GET", "POST"])
@caseworkers_only
def plan_item(case_id, item_id):
    if request.method == "GET":
        item = casework.view_plan_item(case_id, item_id)
        form = PlanItemForm(obj=item)
        form.version.data = item.version
        return _plan_item_page(form, item)
    item = casework.get_plan_item(case_id, item_id)
    form = PlanItemForm()
    form.previous_status = item.status
    if form.validate():
        try:
            casework.update_plan_item(item_id, form.item_data(), _version(form), me(), score=form.score())
        except StaleRecord as stale:
            item = casework.get_plan_item(case_id, item_id)
            form.version.data = item.version
            return _plan_item_page(form, item, conflict=stale.message), 409
        flash("Action plan item saved.")
        return redirect(url_for("cases.view", case_id=case_id, _anchor="plan"), code=303)
    return _plan_item_page(form, item), 400


def _plan_item_page(form, item, **extra):
    return render_template("cases/plan_item.html", form=form, item=item, history=casework.item_ratings(item),
                           trend=casework.rating_trends([item.id]).get(item.id), ratings=RATINGS, **extra)


@bp.route("/<int:case_id>/plan/<int:item_id>/rating", methods=["POST"])
@caseworkers_only
def rate_plan_item(case_id, item_id):
    """The quick rating: where the person is now in an open item's area, one of five buttons."""
    form = valid(PlanRatingForm())
    casework.rate_plan_item(case_id, item_id, int(form.score.data), me())
    if request.htmx:
        # Only the item's row is swapped; it says the rating was saved.
        item = casework.get_plan_item(case_id, item_id)
        response = make_response(render_template(
            "cases/_plan_item.html", item=item, case_id=case_id, ratings=RATINGS, just_rated=True,
            trend=casework.rating_trends([item.id]).get(item.id)))
    else:
        flash("Rating saved.")  # flashes ride in the readable cookie: no names, no goal
        response = redirect(url_for("cases.view", case_id=case_id, _anchor="plan"), code=303)
    response.vary.add("HX-Request")
    return response


def _contact_form():
    form = ContactForm()
    if not form.is_submitted():
        form.happened_at.data = schedule().to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    return form


@bp.route("/<int:case_id>/contacts", methods=["POST"])
@caseworkers_only
def add_contact(case_id):
    form = valid(ContactForm())
    when = schedule().to_utc(form.happened_at.data)
    if when > utcnow() + timedelta(minutes=5):
        raise BadInput("A contact cannot be in the future; book an appointment instead.")
    casework.add_contact(case_id, form.kind.data, when, form.summary.data.strip(), me())
    _warned(case_id)
    flash("Contact added to the log.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="contacts"), code=303)


def _case_family_form():
    form = CaseFamilyForm()
    if not sees_casework():
        del form.link_consent_person  # the person's say is recorded by the caseworkers who hold their case
    return form


@bp.route("/<int:case_id>/family", methods=["POST"])
@staff_required
def add_family_member(case_id):
    member = families.add_family_member(valid(_case_family_form()).family_data(), me(), case_id)
    if member.is_linked:
        flash("Family member added.")  # flashes ride in the readable cookie: no names
        return redirect(url_for("cases.view", case_id=case_id, _anchor="family"), code=303)
    # Not shown on the case until both agree: their own record is where the rest is recorded.
    flash("Family record added. The case will show it once both agree to the link.")
    return redirect(url_for("cases.family_member", member_id=member.id), code=303)


@bp.route("/<int:case_id>/flags", methods=["POST"])
@caseworkers_only
def add_flag(case_id):
    form = valid(FlagForm())
    other = None
    if form.kind.data == "keep_apart":
        other = casework.case_by_reference(form.other_reference.data)
        if other is None:
            raise BadInput("Give the reference of the case to keep apart from, e.g. GTC-0042.")
    casework.add_flag(case_id, form.kind.data, (form.note.data or "").strip() or None, me(), other)
    flash("Flag added.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="flags"), code=303)


@bp.route("/flags/<int:flag_id>/clear", methods=["POST"])
@caseworkers_only
def clear_flag(flag_id):
    flag = casework.clear_flag(flag_id, me())
    flash("Flag cleared.")
    return redirect(url_for("cases.view", case_id=flag.case_id, _anchor="flags"), code=303)


@bp.route("/mine")
@caseworkers_only
def caseload():
    rows = casework.my_caseload(me())
    return render_template("cases/caseload.html", rows=rows,
                           reviews=casework.reviews_due(_today() + timedelta(days=7), me()), today=_today())


@bp.route("/reviews")
@caseworkers_only
def reviews():
    items = casework.all_reviews_due(_today() + timedelta(days=14))
    return render_template("cases/reviews.html", items=items, today=_today())
