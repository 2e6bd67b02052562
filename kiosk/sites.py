"""Offices. Each has its own drop-in sessions, queue, rooms and devices; staff belong to one or more.

A one-office install only ever has the default office and never sees any of this.
"""
from flask import g, has_app_context, has_request_context, session

DEFAULT_SITE_ID = 1
DEFAULT_SITE_NAME = "Glasgow"
DEFAULT_ROOMS = ("Room 1", "Room 2", "Room 3", "Interview room")


def current_site_id():
    """The office this request is about: the enrolled device's, else the one staff chose, else the default."""
    if has_app_context() and "site_id" in g:
        return g.site_id
    if has_request_context():
        return session.get("site_id", DEFAULT_SITE_ID)
    return DEFAULT_SITE_ID


def use_site(site_id):
    g.site_id = site_id


def offices_of(user):
    """The offices a member of staff works at, default first; someone with none listed works at the default."""
    from .models import Site, StaffSite
    sites = list(Site.select().join(StaffSite).where(StaffSite.staff == user).order_by(Site.id))
    return sites or [Site.get_by_id(DEFAULT_SITE_ID)]


def add_office(name):
    """A new office with its own queue and the usual rooms."""
    from .db import write_transaction
    from .errors import BadInput
    from .models import Site
    with write_transaction():
        if Site.select().where(Site.name == name).exists():
            raise BadInput(f"There is already an office called {name}.")
        site = Site.create(name=name)
        furnish(site)
    return site


def furnish(site):
    """A new office's queue counter and the usual rooms."""
    from .models import QueueState, Room
    QueueState.create(id=site.id, version=0)
    for position, room in enumerate(DEFAULT_ROOMS):
        Room.create(site=site, name=room, position=position)


def set_offices(user, sites):
    """The offices someone works at, replaced in one go: never a moment with none listed."""
    from .db import write_transaction
    from .models import StaffSite
    with write_transaction():
        StaffSite.delete().where(StaffSite.staff == user).execute()
        for site in sites:
            StaffSite.create(staff=user, site=site)
