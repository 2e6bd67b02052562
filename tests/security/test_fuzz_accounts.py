"""Fuzzing signing in and out, the first-run page, a person's own account and two-factor set-up, and
the managers' pages: staff, devices and the audit log (the rules are in tests/security/test_fuzz.py's docstring)."""
import re
from datetime import date, datetime, timedelta

import pyotp
import pytest
from hypothesis import strategies as st

from kiosk.web.admin.forms import ACTIONS as AUDIT_ACTIONS
from kiosk.web.admin.forms import OBJECT_TYPES, ROLE_CHOICES
from kiosk.cases.models import Case
from kiosk.offices.models import Office
from kiosk.reports.periods import PERIODS
from kiosk.dropin.devices import KINDS
from kiosk.people.accounts import setup_code

from ..factories import PASSWORD
from ..fuzz_strategies import choice, day, known_or_any, person, strong_password
from ..fuzz_support import INT_PATHS, fuzz_tests, get, p

pytestmark = pytest.mark.slow


def start_two_factor_setup(w):
    """The set-up page opened (once, and again after a set-up went through), so its key is known."""
    if w.totp_secret is None:
        two_factor_key_shown(w, w.client("keyworker").get("/account/two-factor"))


def two_factor_key_shown(w, response):
    """The key this browser's set-up now uses: on the page when it is shown; new after a set-up succeeds."""
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', response.get_data(as_text=True))
    w.totp_secret = found.group(1) if found else (None if response.status_code == 200 else w.totp_secret)


def same_confirm(w, values):
    if "new" in values:
        values["confirm"] = values["new"]
    if "password" in values and "display_name" in values:
        values["confirm"] = values["password"]
    return values


def next_code(secret):
    """The app's code for the next 30 seconds, accepted (one step either side) and not used yet."""
    return pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30))


def totp_now(w):
    return st.just(pyotp.TOTP(w.totp_secret).now())


AUDIT_FILTERS = lambda w: {  # noqa: E731
    "username": st.sampled_from(["boss", "aileen", "rab", ""]), "action": choice(AUDIT_ACTIONS),
    "object_type": choice(OBJECT_TYPES), "object_id": known_or_any(w.ids(Case)),
    "since": st.dates(date(2025, 1, 1), date(2027, 1, 1)).map(date.isoformat),
    "until": st.dates(date(2025, 1, 1), date(2027, 1, 1)).map(date.isoformat), "page": st.integers(1, 5).map(str)}

REPORT_CHOICES = lambda w: {  # noqa: E731
    "period": choice(PERIODS), "first": day(date(2024, 1, 1)), "last": day(date(2024, 1, 1)),
    "office": known_or_any(w.ids(Office)) | st.just(""), "view": st.sampled_from(["managers", "funders"])}

POST_SPECS = [
    p("account.account", "keyworker", complete=same_confirm, fields=lambda w: {
        "current": st.just(PASSWORD), "new": strong_password(), "confirm": strong_password()}),
    p("account.two_factor_setup", "keyworker", prepare=start_two_factor_setup, after=two_factor_key_shown,
      changing=True,
      fields=lambda w: {"code": totp_now(w)}),
    p("account.two_factor_off", "keyworker", fields=lambda w: {"password": st.just(PASSWORD)}),
    p("admin.staff_create", "manager", fields=lambda w: {
        "display_name": person(60), "username": st.from_regex(r"[A-Za-z0-9._-]{2,40}", fullmatch=True),
        "role": choice(ROLE_CHOICES), "password": strong_password()}),
    p("admin.staff_role", "manager", path={"user_id": INT_PATHS["user_id"]},
      fields=lambda w: {"role": choice(ROLE_CHOICES)}),
    p("admin.staff_active", "manager", path={"user_id": INT_PATHS["user_id"]}),
    p("admin.staff_end_sessions", "manager", path={"user_id": INT_PATHS["user_id"]}),
    p("admin.staff_reset_password", "manager", path={"user_id": INT_PATHS["user_id"]},
      fields=lambda w: {"password": strong_password()}),
    p("admin.staff_reset_two_factor", "manager", path={"user_id": INT_PATHS["user_id"]}),
    p("admin.device_enrol", "manager", fields=lambda w: {"name": person(60), "kind": choice(KINDS)}),
    p("admin.device_link", "manager", fields=lambda w: {"name": person(60), "kind": choice(KINDS)}),
    p("admin.device_revoke", "manager", path={"device_id": INT_PATHS["device_id"]}),
    p("auth.login", "anon", fresh=True, audited=True, fields=lambda w: {
        "username": st.sampled_from(["boss", "rab", "aileen", "RAB ", "nobody"]), "password": st.just(PASSWORD)},
      query=lambda w: {"next": st.sampled_from(["/cases/", "/staff/desk", "//evil.example/", "https://evil.example/",
                                                "/\\evil.example", "javascript:alert(1)"])}),
    p("auth.code", "pending", fresh=True, audited=True,
      fields=lambda w: {"code": st.just(next_code(w.two_factor_secret))}),
    p("auth.logout", "keyworker", fresh=True),
    p("auth.first_run", "anon", fresh=True, empty=True, complete=same_confirm, fields=lambda w: {
        "setup_code": st.just(setup_code(w.app.secret_key)),
        "display_name": person(60), "username": st.from_regex(r"[A-Za-z0-9._-]{2,40}", fullmatch=True),
        "password": strong_password(), "confirm": strong_password()}),
]

GET_SPECS = [
    get("admin.audit_log", "manager", query=AUDIT_FILTERS),
    get("admin.audit_csv", "manager", query=AUDIT_FILTERS),
    get("reports.index", "manager", query=REPORT_CHOICES),
    get("reports.table_csv", "manager", query=REPORT_CHOICES,
        path={"key": lambda w: st.sampled_from(["dropin", "needs", "sessions", "referrals_out", "ratings"])}),
    get("auth.login", "anon", query=lambda w: {"next": st.sampled_from(["/cases/", "//evil.example/", "/staff/"])}),
]


# --- the tests -----------------------------------------------------------------------------------

(world, test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses,
 test_every_address_parameter_takes_anything_without_a_500) = fuzz_tests(POST_SPECS, GET_SPECS)
