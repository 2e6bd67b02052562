"""Reading a caseload spreadsheet saved as CSV: its encoding, delimiter and rows, and which column holds what."""
import csv
import io
import re
from typing import NamedTuple

from ..errors import BadInput
from .models import CASE_STATUSES, CONTACT_PREFERENCES, REFERRAL_SOURCES

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
EXAMPLE_REFERENCE = "EXAMPLE"  # the template's example row, which an import leaves out


class Column(NamedTuple):
    label: str
    example: str
    also: tuple = ()  # other headings that mean this column, as other spreadsheets write them


# The template's columns, in its order, then two a mapping may use instead of one name column.
COLUMNS = {
    "reference": Column("Reference", EXAMPLE_REFERENCE, ("ref", "case ref", "case number", "case id", "client id")),
    "name": Column("Full name", "Alex Example", ("full name", "client name", "client", "person", "service user")),
    "preferred_name": Column("Preferred name", "Alex", ("known as", "nickname", "goes by")),
    "date_of_birth": Column("Date of birth", "01/05/1990", ("dob", "d o b", "birth date", "born")),
    "phone": Column("Phone", "0141 496 0000", ("telephone", "tel", "mobile", "phone number", "contact number")),
    "address": Column("Address", "1 Example Street, Glasgow G1 1AA", ("home address", "postal address")),
    "contact_preference": Column("How they want to be contacted", "phone", ("contact by", "contact method")),
    "establishment": Column("Establishment", "HMP Barlinnie", ("prison", "hmp", "institution", "establishment")),
    "sentence_under_four_years": Column("Sentence under four years", "yes", ("under four years", "short sentence")),
    "statutory_order": Column("Subject to a statutory order", "no", ("statutory supervision", "on licence")),
    "release_date": Column("Release date", "14/11/2026", ("liberation date", "date of liberation", "release",
                                                          "earliest date of liberation", "edl", "eds")),
    "referral_source": Column("Referred by", "Prison throughcare support officer", ("referral source", "source")),
    "referral_date": Column("Referral date", "01/10/2026", ("date referred", "referred on")),
    "consent_date": Column("Consent to support given on", "01/10/2026", ("consent date", "consented on")),
    "status": Column("Status", "active", ("case status",)),
    "keyworker": Column("Keyworker", "", ("key worker", "worker", "caseworker", "allocated worker", "allocated to")),
    "plan_areas": Column("Open plan areas", "Accommodation; Money and benefits",
                         ("plan areas", "support needs", "needs", "areas", "action plan")),
    "family_name": Column("Family member's name", "Jean Example", ("family member", "next of kin")),
    "family_relationship": Column("Family member's relationship", "Mother", ("relationship", "relation")),
    "family_phone": Column("Family member's phone", "", ("next of kin phone", "family phone number")),
    "family_consent_date": Column("Family member's consent given on", "", ()),
    "family_link_agreed": Column("Both agree to the family link", "yes", ("family link", "link agreed")),
    "first_names": Column("First names", "", ("first name", "forename", "forenames", "given name", "given names")),
    "surname": Column("Surname", "", ("last name", "second name")),
}
TEMPLATE_COLUMNS = [code for code in COLUMNS if code not in ("first_names", "surname")]
DATE_COLUMNS = ("date_of_birth", "release_date", "referral_date", "consent_date", "family_consent_date")
YES_NO_COLUMNS = ("sentence_under_four_years", "statutory_order", "family_link_agreed")
CHOICE_COLUMNS = {"contact_preference": CONTACT_PREFERENCES, "referral_source": REFERRAL_SOURCES,
                  "status": CASE_STATUSES}


class Table(NamedTuple):
    header: list
    rows: list  # (row number as a spreadsheet shows it, [cells])
    encoding: str  # what the file was read as, in words
    text: str  # the file as read, kept until it is imported


class RowReading(NamedTuple):
    """One row of the file read as a case: its data as the case form gives it, or the problems that stop it."""
    number: int
    name_key: str  # who the row is about, to find their other rows and their case if they have one
    day_key: str
    reference: str  # "" for the next GTC number
    case: dict = None
    family: dict = None
    areas: tuple = ()
    problems: tuple = ()
    warnings: tuple = ()
    left_out: bool = False  # the template's example row, or a row with nothing in the columns used


# --- the file ------------------------------------------------------------------------------------

NOT_CSV = {b"PK\x03\x04": "an Excel workbook (.xlsx) or another zipped file",
           b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)", b"%PDF": "a PDF",
           b"{\\rtf": "a Word document (.rtf)"}
SAVE_AS_CSV = "In Excel choose File, Save As, and “CSV UTF-8 (comma delimited)”, then upload that file."


def read_table(raw):
    """The file's heading row and its rows of people; a file that cannot be one is refused, saying why."""
    if not raw.strip():
        raise BadInput("The file is empty. Choose the CSV file with the caseload in it.")
    if len(raw) > MAX_BYTES:
        raise BadInput(f"The file is over {MAX_BYTES // 1024 // 1024} MB. Split it into smaller files "
                       f"(at most {MAX_ROWS:,} people each) and import them one after another.")
    for start, what in NOT_CSV.items():
        if raw.startswith(start):
            raise BadInput(f"This is {what}, not a CSV file. {SAVE_AS_CSV}")
    text, encoding = _decode(raw)
    # A stray character or two is dropped from the cells; many mean the file is not text at all.
    if "\x00" in text or len(CONTROL.findall(text)) > len(text) // 100 + 2:
        raise BadInput(f"This is not a CSV file: it holds characters no spreadsheet writes in one. {SAVE_AS_CSV}")
    return parse_text(text, encoding)


def _decode(raw):
    """The text and the name of the encoding it was read in: Excel's CSV UTF-8 and Unicode text carry a
    mark saying so; a plain UTF-8 file reads as UTF-8; anything else is taken as Windows' own encoding."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        attempts = [("utf-16", "UTF-16 (Excel's Unicode text)")]
    elif raw.startswith(b"\xef\xbb\xbf"):
        attempts = [("utf-8-sig", "UTF-8")]
    else:
        attempts = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252 (Excel's usual for UK files)"),
                    ("latin-1", "Latin-1 (ISO-8859-1)")]
    for codec, name in attempts:
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise BadInput(f"The file could not be read as text. {SAVE_AS_CSV}")


def _delimiter(text):
    """Comma, semicolon (Excel in some languages) or tab (Excel's Unicode text): the heading row says which."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    return max([",", ";", "\t"], key=first.count)


def parse_text(text, encoding):
    """The table in text read before (an upload kept between steps)."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as error:
        raise BadInput(f"The file is not a CSV file a spreadsheet would write ({error}). {SAVE_AS_CSV}") from None
    numbered = [(number, [_clean(cell) for cell in cells]) for number, cells in enumerate(records, start=1)]
    # A blank line keeps its row number, as a spreadsheet shows it, but holds nobody.
    numbered = [(number, cells) for number, cells in numbered if any(cells)]
    if not numbered:
        raise BadInput("The file is empty. Choose the CSV file with the caseload in it.")
    (_, header), rows = numbered[0], numbered[1:]
    if len(header) > MAX_COLUMNS:
        raise BadInput(f"The file has {len(header):,} columns; a caseload has far fewer. {SAVE_AS_CSV}")
    if not rows:
        raise BadInput("The file has a heading row but no rows of people under it.")
    if len(rows) > MAX_ROWS:
        raise BadInput(f"The file has {len(rows):,} rows of people; at most {MAX_ROWS:,} go in one import. "
                       "Split the file and import the parts one after another.")
    header = [cell or f"Column {column_letter(i)}" for i, cell in enumerate(header)]
    return Table(header, rows, encoding, text)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(cell):
    """A cell as the person meant it: no surrounding space, no control characters a spreadsheet hides."""
    return CONTROL.sub("", cell).strip()


def column_letter(index):
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- the columns ---------------------------------------------------------------------------------

def _heading(text):
    text = re.sub(r"\(.*?\)", "", text.casefold())
    return " ".join(re.sub(r"[_\-.:'’*/]", " ", text).split())


def guess_columns(header):
    """{app column: index of the file's column} for the headings that say plainly what they hold."""
    names = {}
    for code, column in COLUMNS.items():
        for words in (code, column.label, *column.also):
            names.setdefault(_heading(words), code)
    guessed = {}
    for index, heading in enumerate(header):
        code = names.get(_heading(heading))
        if code and code not in guessed:
            guessed[code] = index
    return guessed


def is_template(header, columns):
    """Whether every heading is one of the app's own, so no mapping needs to be asked for."""
    return "name" in columns and len(columns) == len(header)
