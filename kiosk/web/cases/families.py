"""Family records (/cases/family/): finding and adding them, a family member's record with their consent, the
link to the person's case, and, for caseworkers, their own contact log and travel help."""
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...cases import families, travel
from ...cases import services as casework
from ...cases.models import APVS_HELP, FAMILY_CONTACT_KINDS
from ...clock import utcnow
from ...dropin.schedule import schedule
from ...errors import BadInput
from ..access import caseworkers_only, me, staff_required
from ..respond import valid
from .blueprint import bp
from .forms import FamilyConsentForm, FamilyContactForm, FamilyLinkForm, NewFamilyForm, TravelHelpForm


def _back(member_id, anchor):
    return redirect(url_for("cases.family_member", member_id=member_id, _anchor=anchor), code=303)


def _travel_form():
    form = TravelHelpForm()
    del form.family_member  # the family record's own: the visit is theirs
    return form


@bp.route("/family/")
@staff_required
def families_index():
    q = request.args.get("q", "").strip()
    results = families.search_family(q) if q else []
    return render_template("cases/families.html", q=q, results=results, form=NewFamilyForm())


@bp.route("/family/new", methods=["POST"])
@staff_required
def new_family_member():
    form = NewFamilyForm()
    if not form.validate():
        return render_template("cases/families.html", q="", results=[], form=form), 400
    member = families.add_family_member(form.family_data(), me())
    flash("Family record added.")  # flashes ride in the readable cookie: no names
    return redirect(url_for("cases.family_member", member_id=member.id), code=303)


@bp.route("/family/<int:member_id>")
@staff_required
def family_member(member_id):
    full = current_user.sees_casework
    context = {**families.family_page(member_id, full), "casework": full}
    if full:
        contact_form = FamilyContactForm()
        contact_form.happened_at.data = schedule().to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
        context.update(contact_form=contact_form, contact_kinds=FAMILY_CONTACT_KINDS, travel_form=_travel_form(),
                       apvs_help=APVS_HELP, paid_by_words=travel.PAID_BY_WORDS, pounds=travel.pounds)
    return render_template("cases/family.html", **context)


@bp.route("/family/<int:member_id>/consent", methods=["POST"])
@staff_required
def family_consent(member_id):
    """Their consent given or withdrawn on a day, and whether they agree to the link (any member of staff)."""
    form = valid(FamilyConsentForm())
    change, on = form.change.data, form.on.data
    if change == "given":
        families.give_consent(member_id, on, me())
        flash("Consent recorded.")
    elif change == "withdrawn":
        families.withdraw_consent(member_id, on, me())
        flash("Consent withdrawn: nothing more will be recorded for them.")
    else:
        families.record_link_consent(member_id, "family", change == "family_agrees", me())
        flash("Their say on the link is recorded.")
    return _back(member_id, "consent")


@bp.route("/family/<int:member_id>/link", methods=["POST"])
@caseworkers_only
def family_link(member_id):
    """The person in custody's say on the link, and which case is theirs (caseworkers, who hold that case)."""
    form = valid(FamilyLinkForm())
    case = None
    if (form.reference.data or "").strip():
        case = casework.case_by_reference(form.reference.data)
        if case is None:
            raise BadInput("There is no case with that reference; check it, e.g. GTC-0042.")
    families.record_link_consent(member_id, "person", form.change.data == "agrees", me(), case)
    flash("The person's say on the link is recorded.")
    return _back(member_id, "consent")


@bp.route("/family/<int:member_id>/contacts", methods=["POST"])
@caseworkers_only
def add_family_contact(member_id):
    form = valid(FamilyContactForm())
    when = schedule().to_utc(form.happened_at.data)
    if when > utcnow() + timedelta(minutes=5):
        raise BadInput("A contact cannot be in the future.")
    families.add_family_contact(member_id, form.kind.data, when, form.summary.data.strip(), me())
    flash("Contact added to their log.")
    return _back(member_id, "contacts")


@bp.route("/family/<int:member_id>/travel", methods=["POST"])
@caseworkers_only
def record_family_travel_help(member_id):
    form = _travel_form()
    valid(form)
    travel.record_family_travel_help(member_id, form.travel_data(), me())
    flash("Travel help recorded and added to their log.")
    return _back(member_id, "travel")
