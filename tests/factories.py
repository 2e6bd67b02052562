"""Plain functions that make test records through the same services the app uses."""
import itertools
from datetime import date

from kiosk.people.accounts import create_user
from kiosk.cases.services import create_case
from kiosk.dropin.queue import check_in

_counter = itertools.count(1)

PASSWORD = "correct horse battery"


def make_staff(role="keyworker", username=None, name=None):
    n = next(_counter)
    username = username or f"{role}{n}"
    return create_user(username, name or f"{role.title()} {n}", role, PASSWORD)


def make_ticket(visit_for="self", needs=(), name=None, **kw):
    return check_in(visit_for, needs, name, **kw)


def enrol_device(kind, client=None, name=None):
    """Enrol a kiosk or display as a manager would; give the test client its cookie. Returns the token."""
    from kiosk.dropin import devices
    _, token = devices.enrol(name or f"Test {kind}", kind, None)
    if client is not None:
        client.set_cookie(devices.COOKIES[kind], token)
    return token


def make_case(staff=None, **fields):
    """A case through the casework service: an adult, short sentence, no order, released 14 Nov 2026."""
    reference = fields.pop("reference", None)
    data = {"name": "Alex Morgan", "date_of_birth": date(1990, 5, 1), "sentence_under_four_years": True,
            "statutory_order": False, "release_date": date(2026, 11, 14), "status": "active", **fields}
    return create_case(data, staff, reference)


def make_caseload_upload(staff, csv_text="name,date_of_birth\r\nAnn Lee,31/12/1985\r\n", name="caseload.csv"):
    """A caseload file uploaded and previewed, as the import page does it (kiosk/web/cases/importing.py)."""
    from flask import current_app
    from kiosk.cases import importing, services
    from kiosk.cases.import_rows import guess_columns, read_table
    from kiosk.web.cases.import_forms import read_rows, staff_index
    raw = csv_text.encode("utf-8")
    table = read_table(raw)
    columns = guess_columns(table.header)
    with current_app.test_request_context():  # the rows are read by the case forms
        readings = read_rows(table, columns, staff_index(services.keyworkers()))
    return importing.receive(name, raw, table, staff, columns, readings)
