"""Case records for logged-in staff. Reception sees contact details and flags; caseworkers see everything."""
from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import casework
from ..auth import roles_required
from ..case_models import CONTACT_KINDS, FLAG_KINDS, PLAN_AREAS, ActionPlanItem, Case, ContactEntry
from ..errors import BadInput, StaleRecord
from ..models import StaffUser, Ticket
from ..schedule import utcnow
from ..sessions import schedule
from .forms import (
    CASEWORK_ONLY, AppointmentForm, CaseForm, ContactForm, FamilyForm, FlagForm, PlanItemForm, yes_no_value,
)

bp = Blueprint("cases", __name__, url_prefix="/cases")
ALL_STAFF = ("reception", "keyworker", "manager")
CASEWORKERS = ("keyworker", "manager")
staff_only = roles_required(*ALL_STAFF)
caseworkers_only = roles_required(*CASEWORKERS)


def _today():
    return schedule().local_today(utcnow())


def sees_casework():
    return current_user.role in CASEWORKERS


def _me():
    return current_user._get_current_object()


def _form_error(form):
    raise BadInput(next(iter(form.errors.values()))[0])


def _version(form):
    """The record version the form was opened at; anything not a number is refused, not a 500."""
    try:
        return int(form.version.data or 0)
    except ValueError:
        raise BadInput("This form is out of date. Reload the page and make your change again.") from None


def _keyworker_choices():
    workers = StaffUser.select().where(StaffUser.active & StaffUser.role.in_(CASEWORKERS)).order_by(StaffUser.display_name)
    return [(0, "Not allocated")] + [(w.id, w.display_name) for w in workers]


def _case_form(case=None, formdata=None, **prefill):
    form = CaseForm(formdata=formdata) if formdata is not None else CaseForm()
    form.keyworker.choices = _keyworker_choices()
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


@bp.route("/")
@staff_only
def index():
    q = request.args.get("q", "").strip()
    results = casework.search_cases(q) if q else []
    return render_template("cases/index.html", q=q, results=results)


@bp.route("/search")
@staff_only
def search():
    """Search as you type; with ?ticket= each result offers to link that ticket."""
    ticket = Ticket.get_or_none(Ticket.id == request.args.get("ticket", type=int)) if request.args.get("ticket") else None
    return render_template("cases/_results.html", results=casework.search_cases(request.args.get("q", "")),
                           ticket=ticket, q=request.args.get("q", ""))


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    ticket = Ticket.get_or_none(Ticket.id == request.args.get("ticket", type=int)) if request.args.get("ticket") else None
    form = _case_form(name=ticket.name if ticket else None)
    if form.validate_on_submit():
        if ticket:
            case = casework.create_case_from_ticket(ticket.id, form.case_data(), _me(), form.reference.data)
            flash(f"Created {case.reference} and linked ticket {ticket.number} to it.")
            return redirect(url_for("staff.queue"), code=303)
        case = casework.create_case(form.case_data(), _me(), form.reference.data)
        flash(f"Created {case.reference}.")
        return redirect(url_for("cases.view", case_id=case.id), code=303)
    return render_template("cases/form.html", form=form, case=None, ticket=ticket), 400 if form.errors else 200


@bp.route("/<int:case_id>")
@staff_only
def view(case_id):
    case = casework.view_case(case_id)
    context = {"case": case, "casework": sees_casework(), "flags": list(case.flags.where(casework.SafetyFlag.active)),
               "family": list(case.family), "appointments": list(case.appointments.order_by(casework.Appointment.starts_at.desc())),
               "flag_form": FlagForm(), "family_form": FamilyForm(), "appointment_form": _appointment_form(),
               "flag_kinds": FLAG_KINDS}
    if sees_casework():
        items = list(case.plan_items.order_by(ActionPlanItem.area, ActionPlanItem.id))
        context.update(
            eligibility=casework.eligibility(case, _today()),
            plan=[(code, label, [i for i in items if i.area == code]) for code, label in PLAN_AREAS.items()],
            contacts=list(case.contacts.order_by(ContactEntry.happened_at.desc())),
            plan_form=PlanItemForm(), contact_form=_contact_form(), contact_kinds=CONTACT_KINDS)
    return render_template("cases/view.html", **context)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(case_id):
    case = casework.get_case(case_id) if request.method == "POST" else casework.view_case(case_id, "edit form")
    form = _case_form(case)
    del form.reference
    status = 200
    if form.validate_on_submit():
        try:
            casework.update_case(case_id, form.case_data(), _version(form), _me(),
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
    warning = casework.window_warning(casework.get_case(case_id), _today())
    if warning:
        flash(warning)


@bp.route("/<int:case_id>/plan", methods=["POST"])
@caseworkers_only
def add_plan_item(case_id):
    form = PlanItemForm()
    if not form.validate():
        _form_error(form)
    casework.add_plan_item(case_id, form.item_data(), _me())
    _warned(case_id)
    flash("Action plan item added.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="plan"), code=303)


@bp.route("/<int:case_id>/plan/<int:item_id>", methods=["GET", "POST"])
@caseworkers_only
def plan_item(case_id, item_id):
    item = ActionPlanItem.get_or_none((ActionPlanItem.id == item_id) & (ActionPlanItem.case == case_id))
    if item is None:
        abort(404, "There is no such action plan item on this case.")
    form = PlanItemForm(obj=item) if request.method == "GET" else PlanItemForm()
    if request.method == "GET":
        casework.audit.record("view", item.case, f"action plan item {item.id}")
        form.version.data = item.version
    elif form.validate():
        try:
            casework.update_plan_item(item_id, form.item_data(), _version(form), _me())
        except StaleRecord as stale:
            item = ActionPlanItem.get_by_id(item_id)
            form.version.data = item.version
            return render_template("cases/plan_item.html", form=form, item=item, conflict=stale.message), 409
        flash("Action plan item saved.")
        return redirect(url_for("cases.view", case_id=case_id, _anchor="plan"), code=303)
    return render_template("cases/plan_item.html", form=form, item=item), 400 if form.errors else 200


def _contact_form():
    form = ContactForm()
    if not form.is_submitted():
        form.happened_at.data = schedule().to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    return form


def _local_to_utc(naive_local):
    return naive_local.replace(tzinfo=schedule().tz).astimezone(timezone.utc).replace(tzinfo=None)


@bp.route("/<int:case_id>/contacts", methods=["POST"])
@caseworkers_only
def add_contact(case_id):
    form = ContactForm()
    if not form.validate():
        _form_error(form)
    when = _local_to_utc(form.happened_at.data)
    if when > utcnow() + timedelta(minutes=5):
        raise BadInput("A contact cannot be in the future; book an appointment instead.")
    casework.add_contact(case_id, form.kind.data, when, form.summary.data.strip(), _me())
    _warned(case_id)
    flash("Contact added to the log.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="contacts"), code=303)


@bp.route("/<int:case_id>/family", methods=["POST"])
@staff_only
def add_family_member(case_id):
    form = FamilyForm()
    if not form.validate():
        _form_error(form)
    data = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in form.data.items() if k != "csrf_token"}
    member = casework.add_family_member(case_id, data, _me())
    flash(f"Added {member.name}.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="family"), code=303)


@bp.route("/family/<int:member_id>")
@staff_only
def family_member(member_id):
    member = casework.view_family_member(member_id)
    return render_template("cases/family.html", member=member)


def _appointment_form():
    form = AppointmentForm()
    form.keyworker.choices = _keyworker_choices()[1:]
    return form


@bp.route("/<int:case_id>/appointments", methods=["POST"])
@staff_only
def add_appointment(case_id):
    form = _appointment_form()
    if not form.validate():
        _form_error(form)
    starts = _local_to_utc(datetime.combine(form.day.data, form.time.data))
    if form.day.data < _today():
        raise BadInput("That date has passed; choose today or a later day.")
    worker = StaffUser.get_by_id(form.keyworker.data)
    casework.add_appointment(case_id, worker, starts, (form.note.data or "").strip() or None, _me())
    flash(f"Appointment booked with {worker.display_name}.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="appointments"), code=303)


@bp.route("/<int:case_id>/flags", methods=["POST"])
@caseworkers_only
def add_flag(case_id):
    form = FlagForm()
    if not form.validate():
        _form_error(form)
    other = None
    if form.kind.data == "keep_apart":
        other = Case.get_or_none(Case.reference == (form.other_reference.data or "").strip().upper())
        if other is None:
            raise BadInput("Give the reference of the case to keep apart from, e.g. GTC-0042.")
    casework.add_flag(case_id, form.kind.data, (form.note.data or "").strip() or None, _me(), other)
    flash("Flag added.")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="flags"), code=303)


@bp.route("/flags/<int:flag_id>/clear", methods=["POST"])
@caseworkers_only
def clear_flag(flag_id):
    flag = casework.clear_flag(flag_id, _me())
    flash("Flag cleared.")
    return redirect(url_for("cases.view", case_id=flag.case_id, _anchor="flags"), code=303)


@bp.route("/mine")
@caseworkers_only
def caseload():
    rows = casework.caseload(_me())
    casework.audit.record("view", None, f"caseload: {len(rows)} cases")
    return render_template("cases/caseload.html", rows=rows,
                           reviews=casework.reviews_due(_today() + timedelta(days=7), _me()), today=_today())


@bp.route("/reviews")
@caseworkers_only
def reviews():
    items = casework.reviews_due(_today() + timedelta(days=14))
    casework.audit.record("view", None, f"reviews due: {len(items)} items")
    return render_template("cases/reviews.html", items=items, today=_today())
