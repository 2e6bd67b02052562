"""Fuzzing signing in and out, the first-run page, a person's own account and two-factor set-up, and
the managers' pages: staff, devices, offices and their timetables, and the audit log (the rules are in
tests/security/test_fuzz.py's docstring)."""
import re
from datetime import date, datetime, time, timedelta

import pyotp
import pytest
from hypothesis import strategies as st

from kiosk.web.admin.forms import ACTIONS as AUDIT_ACTIONS
from kiosk.web.admin.forms import OBJECT_TYPES, ROLE_CHOICES
from kiosk.cases.models import Case
from kiosk.dropin.models import Room
from kiosk.offices import services as offices
from kiosk.offices.models import Office, OfficeDay, OfficeHours
from kiosk.reports.periods import PERIODS
from kiosk.dropin.devices import KINDS
from kiosk.people.accounts import setup_code

from ..factories import PASSWORD
from ..fuzz_strategies import choice, day, hhmm, known_or_any, person, phone, pick, strong_password, words
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


def a_second_office(w):
    """A second office and one of its rooms named in Gaelic (not plain ASCII), a retired room, and one of
    each dated change, one of them passed (the world itself has one office and no changes)."""
    second = offices.add_office("Dùn Èideann", w.manager)
    rooms = {room.name: room.id for room in Room.select().where(Room.office == second.id)}
    offices.rename_room(second.id, rooms["Interview room"], "Àite Agallaimh", w.manager)
    offices.set_room_active(second.id, rooms["Room 3"], False, w.manager)
    offices.add_closure(second.id, date(2026, 12, 10), "Staff training", w.manager)
    offices.add_extra_session(second.id, date(2026, 11, 24), time(10, 0), time(12, 0), "", w.manager)
    offices.keep_holiday_open(second.id, date(2026, 12, 25), w.manager)
    OfficeDay.create(office=second, day=date(2026, 11, 2), kind="closed", reason="Power cut")


def taken_or_new(names, new):
    """A name in use, as it is or in capitals (another office's or room's is refused), or a new one."""
    return st.one_of(pick(names), pick(names).map(str.upper), new)


def office_names(w):
    return taken_or_new([o.name for o in Office.select()], person(60))


def room_names(w):
    return taken_or_new([r.name for r in Room.select()], words(40))


OFFICE_ID = {"office_id": lambda w: known_or_any(w.ids(Office))}
ROOM_ID = {"room_id": lambda w: known_or_any(w.ids(Room))}
OFFICE_DAYS = day(date(2026, 11, 1), date(2027, 12, 31))

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
    p("admin.office_add", "manager", setup=a_second_office, fields=lambda w: {"name": office_names(w)}),
    p("admin.office_update", "manager", setup=a_second_office, path=OFFICE_ID, fields=lambda w: {
        "name": office_names(w), "address": words(120), "phone": st.sampled_from(["0141 248 1763", "+44 141 496 0000"])
        | phone(), "public_base_url": st.sampled_from(["https://dropin.example.org/", "http://10.0.0.5:8000", ""])
        | st.from_regex(r"https?://[a-z0-9.-]{1,40}(:[0-9]{1,5})?/?", fullmatch=True),
        "opens_before_minutes": st.integers(-5, 130).map(str), "public_holidays": st.sampled_from(["y", ""])}),
    p("admin.office_hours_add", "manager", setup=a_second_office, path=OFFICE_ID, fields=lambda w: {
        "weekday": choice(map(str, range(7))), "starts": hhmm(), "ends": hhmm()}),
    p("admin.office_hours_remove", "manager", setup=a_second_office,
      path={**OFFICE_ID, "hours_id": lambda w: known_or_any(w.ids(OfficeHours))}),
    p("admin.office_room_add", "manager", setup=a_second_office, path=OFFICE_ID,
      fields=lambda w: {"name": room_names(w)}),
    p("admin.office_room_rename", "manager", setup=a_second_office, path={**OFFICE_ID, **ROOM_ID},
      fields=lambda w: {"name": room_names(w)}),
    p("admin.office_room_active", "manager", setup=a_second_office, path={**OFFICE_ID, **ROOM_ID},
      fields=lambda w: {"active": choice(["yes", "no"])}),
    p("admin.office_closure_add", "manager", setup=a_second_office, path=OFFICE_ID, fields=lambda w: {
        "day": OFFICE_DAYS, "reason": words(120)}),
    p("admin.office_extra_add", "manager", setup=a_second_office, path=OFFICE_ID, fields=lambda w: {
        "day": OFFICE_DAYS, "starts": hhmm(), "ends": hhmm(), "reason": words(120)}),
    p("admin.office_holiday_open", "manager", setup=a_second_office, path=OFFICE_ID, fields=lambda w: {
        "day": st.sampled_from(["2026-12-25", "28/12/2026", "2027-01-01", "2026-11-30"]) | OFFICE_DAYS}),
    p("admin.office_day_remove", "manager", setup=a_second_office,
      path={**OFFICE_ID, "day_id": lambda w: known_or_any(w.ids(OfficeDay))}),
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
    get("admin.office", "manager", setup=a_second_office, path=OFFICE_ID),
]


# --- the tests -----------------------------------------------------------------------------------

(world, test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses,
 test_every_address_parameter_takes_anything_without_a_500) = fuzz_tests(POST_SPECS, GET_SPECS)
