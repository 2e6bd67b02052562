"""A session loaded before the write lock (as a walk-in's is) still gets the next free number."""
from kiosk.dropin.queue import check_in
from kiosk.dropin.sessions import working_session

from ..factories import make_ticket


def test_a_session_read_before_other_check_ins_still_numbers_after_them(app):
    make_ticket()
    session = working_session()      # reception's view of the session, loaded now ...
    kiosk = make_ticket()           # ... then the kiosk checks someone in ...
    walk_in = check_in("self", session=session, source="reception")  # ... then the walk-in is added
    again = check_in("family", session=session, source="reception")
    assert [kiosk.number, walk_in.number, again.number] == [2, 3, 4]
