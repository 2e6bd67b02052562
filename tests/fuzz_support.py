"""The machinery of the fuzzing tests: a Spec says what one route gets; Drawn builds its strategies
once per test function and draws a request from them; judge() holds the response to the rules in
tests/security/test_fuzz.py's docstring; fuzz_one() runs one example in a transaction undone after it."""
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from kiosk.cases.models import ActionPlanItem, Case, FamilyMember, SafetyFlag
from kiosk.web.limits import limiter
from kiosk.dropin.models import Device, Ticket
from kiosk.people.models import StaffUser
from kiosk.dropin.live import poll_key

from .fuzz_strategies import (
    EXTRA_FIELDS, EXTRA_QUERY, HTMX, JUNK, MISSING, MODES, WRONG, draw_body, known_or_any, mixed, mixed_multi,
    path_strategy, pick, short,
)
from .fuzz_world import World, rolled_back, stored_values_are_valid

# --- what each route gets ------------------------------------------------------------------------

@dataclass
class Spec:
    name: str  # the endpoint, with [role] where one endpoint is fuzzed as two roles
    method: str
    who: str  # a role, "kiosk", "display", "anon" or "pending"
    fields: Callable = lambda w: {}  # world -> {field: strategy of right values}
    query: Callable = lambda w: {}
    path: dict = field(default_factory=dict)  # path argument -> world -> strategy of right values
    fresh: bool = False  # a new browser for each example
    prepare: Callable = None  # world -> None, before each example (outside the request)
    complete: Callable = None  # (world, right values) -> right values, for fields that depend on each other
    audited: bool = False  # a rejection records itself in the audit log
    empty: bool = False  # no staff or records at all (the first-run page)
    setup: Callable = None  # world -> None, once per test function
    signs_in: bool = True  # a staff spec's request must get past sign-in to the form
    after: Callable = None  # (world, response) -> None, after each example
    changing: bool = False  # its right values change between examples (strategies built again each time)

    @property
    def endpoint(self):
        return self.name.split("[")[0]


STATIC_FILES = ["css/app.css", "js/live.js", "favicon.svg", "vendor/htmx.min.js"]
INT_PATHS = {
    "ticket_id": lambda w: known_or_any(w.ids(Ticket)),
    "case_id": lambda w: known_or_any(w.ids(Case)),
    "item_id": lambda w: known_or_any(w.ids(ActionPlanItem)),
    "member_id": lambda w: known_or_any(w.ids(FamilyMember)),
    "flag_id": lambda w: known_or_any(w.ids(SafetyFlag)),
    "user_id": lambda w: known_or_any(w.ids(StaffUser)),
    "device_id": lambda w: known_or_any(w.ids(Device)),
}
TOKEN_PATHS = {
    "token": lambda w: pick(w.tokens()),
    "code": lambda w: st.just(w.link_code or "no-link-made"),
    "filename": lambda w: st.sampled_from(STATIC_FILES),
}


def poll_version(w):
    return st.just(poll_key())


def p(name, who, **kw):
    return Spec(name, "POST", who, **kw)


def get(name, who, **kw):
    return Spec(name, "GET", who, **kw)


# --- drawing a request ---------------------------------------------------------------------------

def rule_for(app, endpoint):
    rules = list(app.url_map.iter_rules(endpoint))
    assert len(rules) == 1, rules
    return rules[0]


WITH_EXTRA_QUERY = st.booleans()


def _is_multi(name):
    return name == "needs"


class Drawn:
    """The strategies for one spec, built once per test function: the world is the same for every
    example (each runs in a transaction undone after it), so the rows they pick from are too."""

    def __init__(self, spec, world):
        self.spec, self.world = spec, world
        rule = rule_for(world.app, spec.endpoint)
        self.rule = rule.rule
        self.paths = []
        for match in re.finditer(r"<(?:(\w+):)?(\w+)>", rule.rule):
            converter, name = match.group(1) or "default", match.group(2)
            right = spec.path.get(name, lambda w: JUNK)(world)
            self.paths.append((match.group(0), path_strategy(converter, right)))
        self.rebuild()

    def rebuild(self):
        spec, world = self.spec, self.world
        fields = spec.fields(world)
        self.names = sorted(fields)
        self.wrong_name = st.sampled_from(self.names)
        self.right = st.fixed_dictionaries(fields)
        self.anything = st.fixed_dictionaries({}, optional={name: (mixed_multi(s) if _is_multi(name) else mixed(s))
                                                            for name, s in fields.items()})
        query = spec.query(world)
        self.query_names = sorted(query)
        self.wrong_query_name = st.sampled_from(self.query_names)
        self.query_right = st.fixed_dictionaries(query)
        self.query = st.fixed_dictionaries({}, optional={name: (mixed_multi(s) if _is_multi(name) else mixed(s))
                                                         for name, s in query.items()})

    def url(self, draw):
        url = self.rule
        for placeholder, strategy in self.paths:
            url = url.replace(placeholder, draw(strategy), 1)
        return url

    def fields(self, draw):
        """All right values; or right ones with one wrong or left out; or anything at all; plus extras."""
        mode = draw(MODES) if self.names else "anything"
        if mode == "anything":
            values = draw(self.anything)
        else:
            values = draw(self.right)
            if self.spec.complete:
                values = self.spec.complete(self.world, values)
            if mode == "one wrong":
                name = draw(self.wrong_name)
                wrong = draw(WRONG)
                if wrong is MISSING:
                    values.pop(name, None)
                else:
                    values[name] = wrong
        for name, value in draw(EXTRA_FIELDS).items():
            values.setdefault(name, value)
        return mode, values

    def query_string(self, draw):
        """Like the fields: all right, one wrong or left out, or anything."""
        mode = draw(MODES) if self.query_names else "anything"
        if mode == "anything":
            query = draw(self.query)
        else:
            query = draw(self.query_right)
            if mode == "one wrong":
                name = draw(self.wrong_query_name)
                wrong = draw(WRONG)
                if wrong is MISSING:
                    query.pop(name, None)
                else:
                    query[name] = wrong
        if draw(WITH_EXTRA_QUERY):
            for name, value in draw(EXTRA_QUERY).items():
                query.setdefault(name, value)
        return query


# --- judging a response --------------------------------------------------------------------------

# Where the app says what was wrong: a field's message, the error flash, the error page, not enrolled.
SAYS_WHY = re.compile(r'class="(field-error|flash flash-error)"|<p class="lead">\S|This screen is not enrolled')
ERRORS_ON_PAGE = re.compile(r'class="(field-error|flash flash-error)"')
SIGN_IN = re.compile(r"^(https?://[^/]+)?/login(\?|$)")


def says_why(response):
    if response.status_code in (401, 403) and ("HX-Redirect" in response.headers or "HX-Refresh" in response.headers):
        return True  # htmx is told where to go; that page says why
    return bool(SAYS_WHY.search(response.get_data(as_text=True)))


def changed_tables(before, after, audited):
    return sorted(t for t in before if before[t] != after[t] and not (audited and t == "audit_event"))


def judge(world, spec, client, response, before, after):
    status = response.status_code
    assert status < 500, f"{status}: {response.get_data(as_text=True)[:500]}"
    body = response.get_data(as_text=True) if response.mimetype in ("text/html", "text/plain", "") else ""
    rejected = 400 <= status < 500 or (status == 200 and spec.method == "POST" and ERRORS_ON_PAGE.search(body))
    if rejected:
        assert says_why(response), f"a {status} that does not say why: {body[:500]}"
    if spec.method == "POST" and rejected:
        changed = changed_tables(before, after, spec.audited)
        assert not changed, f"a rejected request ({status}) changed {changed}: " + "; ".join(
            f"{t}: {short(before[t], 200)} -> {short(after[t], 200)}" for t in changed)
    if spec.method == "GET":
        changed = changed_tables(before, after, audited=True)
        assert not changed, f"a GET changed {changed}"
    if spec.signs_in and spec.who not in ("anon", "kiosk", "display", "pending") and spec.endpoint != "auth.logout":
        # The request got past sign-in to the form (a test that signs itself out fuzzes nothing).
        assert status != 401 and not SIGN_IN.match(response.headers.get("Location", "")), status
    if 300 <= status < 400:
        location = response.headers["Location"]
        # As a browser reads it: backslashes are slashes, tabs and newlines are dropped.
        seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
        off_site = urlsplit(seen).netloc not in ("", "localhost") or seen.startswith("//")
        assert not off_site, f"a redirect off the site: {location}"
        followed = client.get(location)
        followed.close()
        assert followed.status_code < 500, f"the page after it ({location}): {followed.status_code}"
    if spec.method == "POST" and not rejected and before != after:
        stored_values_are_valid()


# --- one example ---------------------------------------------------------------------------------

def make_world(app, clock, spec):
    """The world for one test function (the `world` fixture of each fuzzing module)."""
    w = World(app, clock, empty=spec.empty)
    if spec.setup:
        spec.setup(w)
    return w


def fuzz_one(world, spec, data):
    limiter.reset()
    if spec.prepare:
        spec.prepare(world)
    drawn = world.drawn.get(spec.name)
    if drawn is None:
        drawn = world.drawn[spec.name] = Drawn(spec, world)
    elif spec.changing:
        drawn.rebuild()
    client = world.client(spec.who, fresh=spec.fresh)
    url = drawn.url(data.draw)
    query = drawn.query_string(data.draw)
    kwargs = {"query_string": query}
    if spec.method == "POST":
        mode, values = drawn.fields(data.draw)
        style, body = draw_body(data.draw, values)
        kwargs.update(body)
        note(f"fields ({mode}, sent as {style}): {short(values, 2000)}")
    headers = {"HX-Request": "true"} if data.draw(HTMX) else {}
    note(f"{spec.method} {short(url)} query={short(query, 1000)} headers={headers}")
    with rolled_back():
        before = world.snapshot.take()
        response = client.open(url, method=spec.method, headers=headers, **kwargs)
        after = world.snapshot.take()
        note(f"-> {response.status_code} {response.headers.get('Location', '')}")
        # `pytest --hypothesis-show-statistics` shows how the examples fared, per test.
        event(f"{response.status_code}, {'saved' if before != after else 'nothing saved'}"
              + (f", {mode} fields" if spec.method == "POST" else ""))
        try:
            judge(world, spec, client, response, before, after)
            if spec.after:
                spec.after(world, response)
        finally:
            response.close()


def fuzz_tests(post_specs, get_specs):
    """The `world` fixture and the two fuzzing tests over one area's specs, for its module to take:

        world, test_every_form..., test_every_address... = fuzz_tests(POST_SPECS, GET_SPECS)
    """
    @pytest.fixture
    def world(app, clock, spec):
        return make_world(app, clock, spec)

    @pytest.mark.parametrize("spec", post_specs, ids=lambda s: s.name)
    @given(data=st.data())
    def test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses(world, spec, data):
        fuzz_one(world, spec, data)

    @pytest.mark.parametrize("spec", get_specs, ids=lambda s: s.name)
    @given(data=st.data())
    def test_every_address_parameter_takes_anything_without_a_500(world, spec, data):
        fuzz_one(world, spec, data)

    return (world, test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses,
            test_every_address_parameter_takes_anything_without_a_500)
