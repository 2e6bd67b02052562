"""Adding offices and saying who works at which: each change in one transaction."""
from ..dropin.models import QueueState, Room
from .. import audit
from ..errors import BadInput
from ..people import sign_in
from ..transactions import write_transaction
from .models import Office, StaffOffice, offices_of

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
    """The offices someone works at, replaced in one go: never a moment with none listed. Taken off
    an office, they are signed out everywhere, so no open screen keeps showing its queue."""
    before = {o.id for o in offices_of(user)}
    with write_transaction():
        StaffOffice.delete().where(StaffOffice.staff == user).execute()
        for office in offices:
            StaffOffice.create(staff=user, office=office)
        after = offices_of(user)
        ended = sign_in.end_all(user) if before - {o.id for o in after} else 0
        audit.record("change offices", user, f"{user.username}: {', '.join(o.name for o in after)}"
                     + (f"; {ended} sign-ins ended" if ended else ""))
