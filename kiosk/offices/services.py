"""Adding offices and saying who works at which: each change in one transaction."""
from ..dropin.models import QueueState, Room
from ..errors import BadInput
from ..transactions import write_transaction
from .models import Office, StaffOffice

DEFAULT_ROOMS = ("Room 1", "Room 2", "Room 3", "Interview room")


def add_office(name):
    """A new office with its own queue and the usual rooms."""
    with write_transaction():
        if Office.select().where(Office.name == name).exists():
            raise BadInput(f"There is already an office called {name}.")
        office = Office.create(name=name)
        furnish(office)
    return office


def furnish(office):
    """A new office's queue counter and the usual rooms."""
    QueueState.create(id=office.id, version=0)
    for position, room in enumerate(DEFAULT_ROOMS):
        Room.create(office=office, name=room, position=position)


def set_offices(user, offices):
    """The offices someone works at, replaced in one go: never a moment with none listed."""
    with write_transaction():
        StaffOffice.delete().where(StaffOffice.staff == user).execute()
        for office in offices:
            StaffOffice.create(staff=user, office=office)
