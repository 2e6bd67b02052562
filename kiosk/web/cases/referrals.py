"""Referrals out to partners and prison-visit travel help, on the case page (caseworkers only)."""
from flask import flash, redirect, url_for

from ...cases import referrals, travel
from ...cases.models import APVS_HELP, PLAN_AREAS, REFERRAL_STATUSES, FamilyMember
from ...clock import utcnow
from ...dropin.schedule import schedule
from ..access import caseworkers_only, me
from ..respond import valid
from .blueprint import bp
from .forms import ReferralForm, ReferralStatusForm, TravelHelpForm

# The usual next steps, offered as one tap each; any other change is a correction, made from the list.
NEXT_STATUSES = {"made": ("accepted", "declined"), "accepted": ("attended", "declined"), "attended": (),
                 "declined": ()}


def _referral_form():
    form = ReferralForm()
    groups = {}
    for partner in referrals.active_partners():
        groups.setdefault(PLAN_AREAS.get(partner.area, partner.area), {})[partner.id] = partner.name
    form.partner.choices = groups
    if not form.is_submitted():
        form.made_on.data = schedule().local_today(utcnow())
    return form


def _travel_form(case):
    form = TravelHelpForm()
    form.family_member.choices = {0: f"{case.short_name} (the person)", **{
        member.id: f"{member.name} ({member.relationship})" for member in case.family.where(FamilyMember.linked())}}
    return form


def case_context(case):
    """What the case page's referrals and travel help sections show (read as part of its audited view)."""
    return {"referrals": referrals.case_referrals(case), "referral_form": _referral_form(),
            "referral_statuses": REFERRAL_STATUSES, "next_statuses": NEXT_STATUSES, "plan_areas": PLAN_AREAS,
            "travel_help": travel.case_travel_help(case), "travel_form": _travel_form(case),
            "apvs_help": APVS_HELP, "paid_by_words": travel.PAID_BY_WORDS, "pounds": travel.pounds}


def _back(case_id, anchor):
    return redirect(url_for("cases.view", case_id=case_id, _anchor=anchor), code=303)


@bp.route("/<int:case_id>/referrals", methods=["POST"])
@caseworkers_only
def make_referral(case_id):
    form = valid(ReferralForm())
    referrals.make_referral(case_id, form.partner.data, form.area.data, form.made_on.data, form.note.data, me())
    flash("Referral made.")  # flashes ride in the readable cookie: no names, not even the partner's
    return _back(case_id, "referrals")


@bp.route("/<int:case_id>/referrals/<int:referral_id>/status", methods=["POST"])
@caseworkers_only
def referral_status(case_id, referral_id):
    form = valid(ReferralStatusForm())
    referral = referrals.change_referral_status(case_id, referral_id, form.status.data, me())
    flash(f"Referral marked {REFERRAL_STATUSES[referral.status].lower()}.")
    return _back(case_id, "referrals")


@bp.route("/<int:case_id>/travel", methods=["POST"])
@caseworkers_only
def record_travel_help(case_id):
    form = valid(TravelHelpForm())
    travel.record_travel_help(case_id, form.travel_data(), me())
    flash("Travel help recorded and added to the contact log.")
    return _back(case_id, "travel")
