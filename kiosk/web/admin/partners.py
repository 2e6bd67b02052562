"""Managers keep the list of partner organisations that keyworkers refer people to."""
from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ...cases import referrals
from ...cases.models import PLAN_AREAS
from ...errors import BadInput
from ..access import managers_only, me
from ..respond import valid
from .blueprint import bp


class PartnerForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter the partner's name."), Length(max=100)])
    area = SelectField("Helps with", choices=PLAN_AREAS)
    phone = StringField("Phone", validators=[Optional(), Length(max=40),
                                              Regexp(r"^[0-9 +()-]+$", message="Use digits and spaces only.")])


class PartnerActiveForm(FlaskForm):
    # Says which way, so a second press of the same button changes nothing.
    active = SelectField("Offered for referrals", choices={"yes": "Yes", "no": "No"}, validate_choice=False)


@bp.route("/partners")
@managers_only
def partner_list():
    return render_template("admin/partners.html", partners=referrals.partners(), form=PartnerForm(),
                           areas=PLAN_AREAS)


@bp.route("/partners", methods=["POST"])
@managers_only
def partner_add():
    form = valid(PartnerForm())
    referrals.add_partner(form.name.data, form.area.data, form.phone.data, me())
    flash("Partner added.")
    return redirect(url_for("admin.partner_list"), code=303)


@bp.route("/partners/<int:partner_id>/active", methods=["POST"])
@managers_only
def partner_active(partner_id):
    form = valid(PartnerActiveForm())
    if form.active.data not in ("yes", "no"):
        raise BadInput("Say whether the partner takes referrals.")
    partner = referrals.set_partner_active(partner_id, form.active.data == "yes", me())
    flash(f"{partner.name} is {'now' if partner.active else 'no longer'} offered for new referrals.")
    return redirect(url_for("admin.partner_list", _anchor=f"partner-{partner.id}"), code=303)
