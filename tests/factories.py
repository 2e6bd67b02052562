"""Plain functions that make test records through the same services the app uses."""
import itertools

from kiosk.auth import create_user
from kiosk.queue import check_in

_counter = itertools.count(1)

PASSWORD = "correct horse battery"


def make_staff(role="keyworker", username=None, name=None):
    n = next(_counter)
    username = username or f"{role}{n}"
    return create_user(username, name or f"{role.title()} {n}", role, PASSWORD)


def make_ticket(visit_for="self", needs=(), name=None, **kw):
    return check_in(visit_for, needs, name, **kw)
