"""What the fuzzing sends: the Hypothesis profiles, the values a field or an address parameter may
take, and how a request's fields travel (a form, multipart, JSON, raw bytes or nothing).

Examples per test: 200 (the "default" profile); 50 on the PostgreSQL pass of `make test` (the "postgres"
profile: the same routes and code, fuzzed again for what only that database refuses, such as over-long
text), which keeps the full run well inside its time. More with the "thorough" profile:
    HYPOTHESIS_PROFILE=thorough pytest tests/security/test_fuzz*.py          # 2000 each
    FUZZ_EXAMPLES=5000 pytest tests/security/test_fuzz*.py                   # thorough, with that many
"""
import io
import json
import os
import string
from datetime import date, datetime
from urllib.parse import quote

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# --- Hypothesis profiles -------------------------------------------------------------------------

_SETTINGS = dict(
    deadline=None,
    # The app (one per test function, from the `app` fixture) is meant to be shared by the examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("default", max_examples=200, **_SETTINGS)
settings.register_profile("postgres", max_examples=50, **_SETTINGS)
settings.register_profile("thorough", max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 2000), **_SETTINGS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("thorough" if os.environ.get("FUZZ_EXAMPLES") else "default"))

# --- values --------------------------------------------------------------------------------------

HOSTILE = [
    "' OR '1'='1", "1; DROP TABLE ticket; --", "\" OR \"\"=\"", "%' OR 1=1 --", "admin'--",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "<!--", "]]>",
    "{{ 7*7 }}", "{% debug %}", "${7*7}", "#{7*7}", "%s%s%s%n", "{0.__class__}",
    "../../../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd\x00.png", "%2e%2e%2f",
    "\x00", "a\x00b", "\r\nSet-Cookie: evil=1", "\u202egnp.exe", "\ufeff", "\u200b", "\u0301", "ﬀ", "İ", "ß",
    "𝕏𝕐", "😀👍🏽", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "Ω≈ç√", "日本語", "مرحبا", "\U0010ffff",
    "=HYPERLINK(\"http://x\")", "@SUM(1+1)", "+1", "-1", "0", "00", "007", "1e309", "-0", "1.5", "0x1f", "1_000",
    "99999999999999999999", "-99999999999999999999", "9223372036854775808", "NaN", "Infinity", "-inf",
    "true", "false", "null", "None", "undefined", "[]", "{}", "[object Object]",
    " ", "  \t\n", "\n", "\r", "\t", "GTC-0001", "GTC-9999", "2026-02-30", "31/02/2026", "0000-00-00",
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-11-23T25:61", "24:00", "23:59:60", "12:30pm", "-12:00",
]
LIMITS = [1, 2, 11, 12, 20, 21, 30, 31, 32, 33, 40, 41, 60, 61, 64, 65, 100, 101, 128, 129, 200, 201,
          256, 257, 300, 301, 500, 501, 1000, 1001, 1024, 1025, 2000, 2001, 4000, 4001, 9000, 70000]
TEXT = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be sent as UTF-8 at all
JUNK = st.one_of(
    st.text(TEXT, max_size=40),
    st.sampled_from(HOSTILE),
    st.integers().map(str),
    st.floats().map(str),
    # Long values, around each length limit the forms and columns have, and past the 64 KB body limit.
    st.builds(lambda piece, n: (piece * n)[:n] if len(piece) == 1 else piece * n,
              st.sampled_from(["a", "9", "é", "😀", " ", "<b>", "\u0301", "'"]), st.sampled_from(LIMITS)),
    st.just(""),
)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(TEXT, max_size=10),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
EXTRA_NAMES = ["id", "csrf_token", "state", "role", "version", "session", "session_id", "priority", "active",
               "token", "password_hash", "is_admin", "staff", "created_at", "number", "kind", "__proto__", "a[]",
               "next", "submit", "skip", "reference", "user_id", "ticket"]
MISSING = object()


def choice(options):
    return st.sampled_from(sorted(options))


def several(options):
    return st.lists(choice(options), max_size=len(options) + 2)


def pick(values):
    """One of values read from the database: drawn as an index, so what Hypothesis draws has the same
    shape whatever the rows are (it replays and shrinks by what it drew, not by the values)."""
    values = sorted(values)
    return st.integers(0, 1000).map(lambda i: values[i % len(values)])


def known_or_any(values):
    """Ids of rows that exist (when there are any), or any small number."""
    return st.one_of(pick(values or [0]), pick(values or [0]), st.integers(0, 40)).map(str)


def person(max_size):
    return st.from_regex(r"[A-Za-z\u00c0-\u017f][A-Za-z\u00c0-\u017f .'\-]{0,%d}" % (max_size - 1), fullmatch=True)


def words(max_size):
    return st.text(TEXT, min_size=1, max_size=max_size)


EDGE_DAYS = [date.min, date.max, date(1, 3, 1), date(9999, 1, 1), date(26, 11, 14), date(1899, 12, 31),
             date(2101, 1, 1), date(2000, 2, 29)]


def day(low=date(1930, 1, 1), high=date(2035, 12, 31)):
    """A date as a date input sends it, or as typed: in range, at the edges of what a date can be (0026 for
    2026 is one slip away), or any at all."""
    return st.one_of(st.dates(low, high), st.sampled_from(EDGE_DAYS), st.dates()).flatmap(
        lambda d: st.sampled_from([f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
                                   f"{d.day:02d}/{d.month:02d}/{d.year:04d}"]))


def hhmm():
    return st.times().map(lambda t: t.strftime("%H:%M"))


def local_datetime():
    """As a datetime-local input sends it: recent, or at the edges of what a datetime can be."""
    return st.one_of(st.datetimes(datetime(2000, 1, 1), datetime(2027, 12, 31)),
                     st.sampled_from([datetime.min, datetime(1, 1, 1, 0, 1), datetime(1900, 1, 1), datetime.max]),
                     st.datetimes()).map(lambda d: f"{d.year:04d}-{d:%m-%dT%H:%M}")


def hexkey():
    return st.text("0123456789abcdef", min_size=32, max_size=32)


def reference():
    return st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True)


def phone():
    return st.from_regex(r"\+?[0-9][0-9 ()-]{5,20}", fullmatch=True)


def strong_password():
    return st.sampled_from(["correct horse battery staple", "kettle drizzle paperclip 42", "Clyde-tunnel-ferry-9"]) \
        | st.text(string.ascii_letters + string.digits + " !-", min_size=12, max_size=40)


def mixed(valid):
    """A field's value: usually a right one, often anything at all."""
    return st.one_of(valid, valid, JUNK)


def mixed_multi(valid):
    return st.one_of(valid, st.lists(st.one_of(JUNK, valid.flatmap(lambda v: st.sampled_from(v or [""]))),
                                     max_size=5))


# --- the shape of a request ----------------------------------------------------------------------

BIG_NUMBERS = [2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**20, 10**100]
ODD_NUMBERS = st.sampled_from(["-1", "1.0", "0x1", "١٢", "1e3", "+1", " 1"])
ODD_SEGMENTS = st.sampled_from(["..", ".", "%00", "a/b", "../../config.py", "~", "%2e%2e"])
MODES = st.sampled_from(["right", "one wrong", "anything"])
WRONG = st.one_of(st.just(MISSING), JUNK, st.lists(JUNK, min_size=2, max_size=3))
EXTRA_FIELDS = st.dictionaries(st.sampled_from(EXTRA_NAMES) | st.text(TEXT, min_size=1, max_size=12),
                               JUNK | st.lists(JUNK, max_size=3), max_size=3)
EXTRA_QUERY = st.dictionaries(st.sampled_from(EXTRA_NAMES) | st.text(TEXT, min_size=1, max_size=8), JUNK, max_size=2)
STYLES = st.sampled_from(["form"] * 6 + ["multipart", "json", "raw", "none"])
HTMX = st.booleans()


def path_strategy(converter, right):
    """A path argument: a right value, or numbers too big for any column, negative, not numbers, junk."""
    if converter == "int":
        value = st.one_of(right, right, right, right, st.integers(0, 10**6).map(str),
                          st.sampled_from(BIG_NUMBERS).map(str), ODD_NUMBERS, JUNK)
        return value.map(lambda v: quote(v, safe="") or "0")
    value = st.one_of(right, right, right, JUNK, ODD_SEGMENTS)
    return value.map(lambda v: quote(v, safe="/" if converter == "path" else "") or "x")


UPLOAD_BYTES = st.binary(max_size=200)
UPLOAD_NAME = st.sampled_from(["a.txt", "../../x.sh", "ü.png"])
UPLOAD_FIELD = st.sampled_from(["file", "name", "k"])
RAW_TYPE = st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data",
                            "multipart/form-data; boundary=x", "text/plain", "application/xml"])
RAW_BODY = st.binary(max_size=300)


def draw_body(draw, values):
    """How the fields travel: mostly a plain form, sometimes multipart, JSON, raw bytes or nothing."""
    style = draw(STYLES)
    if style == "form":
        return style, {"data": values}
    if style == "multipart":
        upload = (io.BytesIO(draw(UPLOAD_BYTES)), draw(UPLOAD_NAME))
        return style, {"data": {**values, draw(UPLOAD_FIELD): upload},
                       "content_type": "multipart/form-data"}
    if style == "json":  # the fields, or any JSON at all: numbers, null, lists, objects where text goes
        payload = draw(st.one_of(st.just(values), st.dictionaries(st.sampled_from(sorted(values) or ["name"]), JSON),
                                 JSON))
        return style, {"data": json.dumps(payload), "content_type": "application/json"}
    if style == "raw":
        content_type = draw(RAW_TYPE)
        return style, {"data": draw(RAW_BODY), "content_type": content_type}
    return style, {}


def short(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"
