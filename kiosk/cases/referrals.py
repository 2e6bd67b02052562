"""Referrals out to partner organisations, and the list of partners that managers keep."""
from peewee import IntegrityError

from .. import audit
from ..clock import utcnow
from ..db import database
from ..dropin.schedule import schedule
from ..errors import BadInput, NotFound
from ..transactions import write_transaction
from .models import PLAN_AREAS, REFERRAL_STATUSES, Partner, Referral
from .services import get_case


def partners():
    """Every partner, active ones first, by area and name (the managers' list)."""
    return list(Partner.select().order_by(Partner.active.desc(), Partner.area, Partner.name))


def active_partners():
    """The partners a new referral can go to, by area and name."""
    return list(Partner.select().where(Partner.active).order_by(Partner.area, Partner.name))


def add_partner(name, area, phone, staff):
    name = (name or "").strip()
    if not name:
        raise BadInput("Enter the partner's name.")
    if area not in PLAN_AREAS:
        raise BadInput("Choose what the partner helps with from the list.")
    with write_transaction():
        if Partner.select().where(Partner.name == name).exists():
            raise BadInput(f"There is already a partner called {name}.")
        try:
            with database.atomic():
                partner = Partner.create(name=name, area=area, phone=(phone or "").strip() or None)
        except IntegrityError:  # added by someone else a moment ago
            raise BadInput(f"There is already a partner called {name}.") from None
        audit.record("change partners", partner, f"added {name} ({area})", staff=staff)
    return partner


def set_partner_active(partner_id, active, staff):
    """Offer a partner for new referrals again, or stop offering it; its past referrals keep it."""
    with write_transaction():
        partner = Partner.get_or_none(Partner.id == partner_id)
        if partner is None:
            raise NotFound("There is no such partner.")
        if partner.active != active:
            partner.active = active
            partner.save()
            audit.record("change partners", partner, f"{'active' if active else 'inactive'}: {partner.name}",
                         staff=staff)
    return partner


def _local_today():
    return schedule().local_today(utcnow())


def make_referral(case_id, partner_id, area, made_on, note, staff):
    """Refer the person to a partner; `area` defaults to what the partner helps with."""
    if made_on is None:
        raise BadInput("Enter the date the referral was made.")
    if made_on > _local_today():
        raise BadInput("The referral date is in the future; record it on the day it is made.")
    if area and area not in PLAN_AREAS:
        raise BadInput("Choose the area of the action plan from the list.")
    with write_transaction():
        case = get_case(case_id)
        partner = Partner.get_or_none(Partner.id == partner_id) if partner_id else None
        if partner is None:
            raise BadInput("Choose a partner from the list.")
        if not partner.active:
            raise BadInput(f"{partner.name} is no longer taking referrals; choose another partner.")
        referral = Referral.create(case=case, partner=partner, area=area or partner.area, made_on=made_on,
                                   note=(note or "").strip() or None, staff=staff)
        audit.record("update", case, f"referral {referral.id} made to partner {partner.id} ({referral.area})",
                     staff=staff)
    return referral


def change_referral_status(case_id, referral_id, status, staff):
    """Move a referral on (made, then accepted or declined, then attended) or correct it: any change
    is allowed, and the audit log keeps who made it and when."""
    if status not in REFERRAL_STATUSES:
        raise BadInput("Choose the referral's status from the list.")
    with write_transaction():
        referral = Referral.get_or_none((Referral.id == referral_id) & (Referral.case == case_id))
        if referral is None:
            raise NotFound("There is no such referral on this case.")
        if referral.status != status:
            was = referral.status
            referral.status, referral.updated_at = status, utcnow()
            referral.save()
            audit.record("update", referral.case, f"referral {referral.id}: {was} to {status}", staff=staff)
    return referral


def case_referrals(case):
    """A case's referrals, newest first, with their partners (shown on the audited case page)."""
    return list(Referral.select(Referral, Partner).join(Partner).where(Referral.case == case)
                .order_by(Referral.made_on.desc(), Referral.id.desc()))
