"""Fuzzing: Hypothesis sends every form and every address parameter values a person, a slip or an
attacker might: right ones, wrong types, huge and empty ones, unicode, hostile strings, fields left
out and fields nobody asked for, as a form, multipart, JSON or raw bytes.

For every request:
- never a 5xx (the test client re-raises an unhandled error, which fails the example too);
- a rejection is a 4xx, or the page again with a message on it, and it says why;
- a rejection saves nothing: every table is as it was (the audit log may gain a row only where a
  failed sign-in is itself the thing to record);
- a redirect stays on this site, and the page it leads to opens (stored input renders);
- a GET changes nothing but the audit log;
- after an accepted request, what is stored is still one of the values the app offers, and every
  string fits its column and has no NUL (PostgreSQL would refuse either with a 500).

Each request goes with the role or device that lets it reach the form's validation: a manager for
/admin, a keyworker for case plans, the enrolled kiosk for check-in, and so on.

The routes are fuzzed by area, each module with its Specs (what each route gets) and its tests:
test_fuzz_kiosk.py (kiosk, ticket, display, enrolment, static files), test_fuzz_staff.py (queue, desk,
office), test_fuzz_cases.py (cases and casework), test_fuzz_accounts.py (sign-in, account, admin). This
module holds what spans them. fuzz_strategies.py has the values, fuzz_world.py the seeded world and the
stored-value rules, fuzz_support.py the drawing of a request and the judging of its response.

Examples per test: 200 (the "default" Hypothesis profile). More with the "thorough" profile:
    HYPOTHESIS_PROFILE=thorough pytest tests/security/test_fuzz*.py          # 2000 each
    FUZZ_EXAMPLES=5000 pytest tests/security/test_fuzz*.py                   # thorough, with that many
One app and database per test function (the `app` fixture, so DATABASE_URL runs it on PostgreSQL), seeded
with staff, a session in progress, cases and devices; each example runs in a transaction undone after it.
`pytest tests/security/test_fuzz*.py --hypothesis-show-statistics` shows how the examples fared (status, saved or not).
"""
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from . import test_fuzz_accounts, test_fuzz_cases, test_fuzz_kiosk, test_fuzz_staff
from ..fuzz_strategies import HTMX, JUNK, TEXT, short
from ..fuzz_support import Spec, judge, make_world, rule_for
from ..fuzz_world import rolled_back

pytestmark = pytest.mark.slow

AREAS = [test_fuzz_kiosk, test_fuzz_staff, test_fuzz_cases, test_fuzz_accounts]
POST_SPECS = [spec for area in AREAS for spec in area.POST_SPECS]
GET_SPECS = [spec for area in AREAS for spec in area.GET_SPECS]

ANY_PAGE = Spec("every page", "GET", "manager", fresh=False)
VISITORS = st.sampled_from(["manager", "reception", "keyworker", "kiosk", "display", "anon"])
ODD_QUERY = st.dictionaries(st.sampled_from(["q", "v", "page", "next", "ticket", "k"])
                            | st.text(TEXT, min_size=1, max_size=8), JUNK | st.lists(JUNK, max_size=3),
                            max_size=4)


@pytest.fixture
def world(app, clock, spec):
    return make_world(app, clock, spec)


@pytest.fixture
def pages(app):
    """Every GET page without a parameter in its address, as a strategy built once per test function."""
    return st.sampled_from(sorted(r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments))


@pytest.mark.parametrize("spec", [ANY_PAGE], ids=["pages without parameters"])
@given(data=st.data())
def test_pages_without_parameters_ignore_any_query_string(world, spec, pages, data):
    """Every other GET page, with a query string nobody expects, as staff and as the kiosk and display."""
    url = data.draw(pages)
    who = data.draw(VISITORS)
    client = world.client(who)
    query = data.draw(ODD_QUERY)
    headers = {"HX-Request": "true"} if data.draw(HTMX) else {}
    note(f"GET {url} as {who} query={short(query, 1000)} headers={headers}")
    with rolled_back():
        before = world.snapshot.take()
        response = client.get(url, query_string=query, headers=headers)
        after = world.snapshot.take()
        try:
            # /setup, say, sends signed-in staff to sign in: these pages have no form to reach.
            judge(world, Spec(url, "GET", who, signs_in=False), client, response, before, after)
        finally:
            response.close()


def test_every_form_and_address_parameter_is_fuzzed(app):
    """A new POST route, or a GET route with a parameter in its address, needs a Spec in its area's module."""
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    gets_with_arguments = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and r.arguments}
    assert posts <= {s.endpoint for s in POST_SPECS}, posts - {s.endpoint for s in POST_SPECS}
    assert gets_with_arguments <= {s.endpoint for s in GET_SPECS}, gets_with_arguments - {s.endpoint for s in GET_SPECS}
    for spec in POST_SPECS + GET_SPECS:
        rule_for(app, spec.endpoint)  # still there, under that name


# --- what the fuzzing found, pinned down ---------------------------------------------------------

@pytest.mark.parametrize("where", ["form", "query", "path"])
def test_a_nul_character_is_refused_everywhere(client, where):
    from kiosk.audit import AuditEvent
    audited = AuditEvent.select().count()
    if where == "form":  # a failed sign-in would have stored it in the audit log (PostgreSQL: a 500)
        response = client.post("/login", data={"username": "rab\x00", "password": "x"})
    elif where == "query":
        response = client.get("/kiosk/who", query_string={"k": "a" * 32 + "\x00"})
    else:
        response = client.get("/t/abc%00def")
    assert response.status_code == 400 and "cannot be used" in response.get_data(as_text=True)
    assert AuditEvent.select().count() == audited
