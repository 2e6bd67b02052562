"""The access table: every route, every method, every kind of visitor. A route with no rule fails here.

A request is *denied* when it gets 401 or 403, or is sent to the sign-in page;
anything else (a page, a redirect elsewhere, a 400 for an empty form, a 409)
means it got past the door. Signing out always ends on the sign-in page, so
there it counts as let in when it ended a session on the server.
"""
from datetime import date, datetime
from urllib.parse import urlsplit

from kiosk.cases import bookings, families, referrals
from kiosk.cases import access_requests
from kiosk.cases import services as casework
from kiosk.dropin import devices
from kiosk.dropin.models import Room
from kiosk.db import database
from kiosk.offices import services as offices
from kiosk.offices.models import OfficeHours

from ..factories import PASSWORD, enrol_device, make_case, make_staff, make_ticket
from ..factories import make_caseload_upload

ROLES = ("anonymous", "kiosk", "display", "reception", "keyworker", "manager")
EVERYONE = frozenset(ROLES)
NOBODY = frozenset()
KIOSK = frozenset({"kiosk"})
STAFF = frozenset({"reception", "keyworker", "manager"})
CASEWORK = frozenset({"keyworker", "manager"})
MANAGER = frozenset({"manager"})
BOARD = STAFF | {"display"}

RULES = {
    "static": EVERYONE,
    "auth.index": EVERYONE,
    "auth.login": EVERYONE,
    "auth.code": STAFF,  # signed-in staff are sent home; anyone else back to sign in (nobody is half-way)
    "auth.first_run": NOBODY,  # only while there are no staff at all
    "auth.logout": STAFF,  # "let in" here means a server-side session really ended
    "account.account": STAFF,
    "account.two_factor_setup": STAFF,
    "account.two_factor_off": STAFF,
    "enrol.claim": EVERYONE,  # whoever holds the one-time link
    "ticket.status": EVERYONE,  # whoever holds the ticket's unguessable token
    "ticket.live": EVERYONE,
    "ticket.qr": EVERYONE,
    "checkin.welcome": KIOSK,
    "checkin.who": KIOSK,
    "checkin.needs": KIOSK,
    "checkin.name": KIOSK,
    "checkin.submit": KIOSK,
    "checkin.ticket": KIOSK,
    "checkin.speech": KIOSK,
    "display.board": BOARD,
    "display.live": BOARD,
    "display.speech": BOARD,  # off by default: a 404 behind the door, which only the board passes
    "reception.home": STAFF,
    "reception.queue": STAFF,
    "reception.queue_live": STAFF,
    "desk.desk": STAFF,
    "desk.desk_live": STAFF,
    "desk.desk_room_choice": STAFF,
    "desk.desk_call_next": STAFF,
    "reception.ticket_action": STAFF,
    "reception.walk_in": STAFF,
    "reception.close_session_checkin": STAFF,
    "reception.close_session_early": STAFF,
    "reception.reopen_session_checkin": STAFF,
    "reception.extra_session": STAFF,
    "reception.link_ticket": STAFF,
    "reception.link_family": STAFF,
    "reception.family_record_from_ticket": STAFF,
    "reception.match_appointment": STAFF,
    "reception.switch_office": STAFF,
    "cases.index": STAFF,
    "cases.search": STAFF,
    "cases.new": STAFF,
    "cases.view": STAFF,
    "cases.edit": STAFF,
    "cases.add_family_member": STAFF,
    "cases.family_member": STAFF,
    "cases.families_index": STAFF,
    "cases.new_family_member": STAFF,
    "cases.family_consent": STAFF,  # families are reception's daily work
    "cases.family_link": CASEWORK,  # the person in custody's say, recorded by those who hold their case
    "cases.add_family_contact": CASEWORK,
    "cases.record_family_travel_help": CASEWORK,
    "cases.add_appointment": STAFF,
    "cases.add_plan_item": CASEWORK,
    "cases.plan_item": CASEWORK,
    "cases.rate_plan_item": CASEWORK,
    "cases.add_contact": CASEWORK,
    "cases.add_flag": CASEWORK,
    "cases.clear_flag": CASEWORK,
    "cases.caseload": CASEWORK,
    "cases.reviews": CASEWORK,
    "cases.make_referral": CASEWORK,
    "cases.referral_status": CASEWORK,
    "cases.record_travel_help": CASEWORK,
    "cases.settle_booking": STAFF,  # office appointments; outreach and Done are refused inside for reception
    "cases.mark_expected": CASEWORK,
    "cases.releases_list": CASEWORK,
    "admin.audit_log": MANAGER,
    "admin.audit_csv": MANAGER,
    "reports.index": MANAGER,
    "reports.table_csv": MANAGER,
    "admin.device_list": MANAGER,
    "admin.device_enrol": MANAGER,
    "admin.device_link": MANAGER,
    "admin.device_revoke": MANAGER,
    "admin.staff_list": MANAGER,
    "admin.staff_create": MANAGER,
    "admin.staff_role": MANAGER,
    "admin.staff_active": MANAGER,
    "admin.staff_end_sessions": MANAGER,
    "admin.staff_reset_password": MANAGER,
    "admin.staff_reset_two_factor": MANAGER,
    "admin.partner_list": MANAGER,
    "admin.partner_add": MANAGER,
    "admin.partner_active": MANAGER,
    "admin.office_list": MANAGER,
    "admin.office_add": MANAGER,
    "admin.office": MANAGER,
    "admin.office_update": MANAGER,
    "admin.office_hours_add": MANAGER,
    "admin.office_hours_remove": MANAGER,
    "admin.office_room_add": MANAGER,
    "admin.office_room_rename": MANAGER,
    "admin.office_room_active": MANAGER,
    "admin.office_closure_add": MANAGER,
    "admin.office_extra_add": MANAGER,
    "admin.office_holiday_open": MANAGER,
    "admin.office_day_remove": MANAGER,
    # Subject access requests: the register, a person's requests, the document and file, the answer.
    "cases.subject_access_list": MANAGER,
    "cases.case_subject_access": MANAGER,
    "cases.family_subject_access": MANAGER,
    "cases.subject_access_request": MANAGER,
    "cases.subject_access_document": MANAGER,
    "cases.subject_access_file": MANAGER,
    "cases.subject_access_answered": MANAGER,
    # Erasure on request (asked for, confirmed by a second manager, or withdrawn) and anonymising at retention's end.
    "cases.erasure_form": MANAGER,
    "cases.request_erasure": MANAGER,
    "cases.confirm_erasure": MANAGER,
    "cases.withdraw_erasure": MANAGER,
    "cases.erasures": MANAGER,
    "cases.retention_review": MANAGER,
    "cases.anonymise_cases": MANAGER,
    # Importing a caseload from a CSV file: the page, the template, the upload, its columns and preview, the import.
    "cases.import_page": MANAGER,
    "cases.import_template": MANAGER,
    "cases.import_upload": MANAGER,
    "cases.import_columns": MANAGER,
    "cases.import_preview": MANAGER,
    "cases.import_apply": MANAGER,
    "cases.import_discard": MANAGER,
}


def routes(app):
    """(endpoint, method) for every registered route; signing out comes last so it does not end the walk."""
    found = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    return sorted(found, key=lambda route: (route == ("auth.logout", "POST"), route))


def world(app):
    """One of every record a URL can name, and a browser for each kind of visitor."""
    worker = make_staff("keyworker", "kim")
    case = make_case(keyworker=worker)
    ticket = make_ticket(name="Sam")
    partner = referrals.add_partner("Clyde Housing Advice", "accommodation", None, worker)
    office = offices.add_office("Paisley", worker)  # a second office, with its own hours and rooms
    args = {
        "ticket_id": ticket.id, "token": ticket.token, "case_id": case.id, "filename": "js/live.js",
        "item_id": casework.add_plan_item(case.id, {"area": "health", "goal": "See a GP"}, worker).id,
        "flag_id": casework.add_flag(case.id, "two_workers", None, worker).id,
        "member_id": families.add_family_member({"name": "Mary", "relationship": "Mother"}, worker, case.id).id,
        "user_id": make_staff("reception", "target").id,  # a colleague the manager acts on
        "device_id": devices.enrol("Spare display", "display", None)[0].id,
        "partner_id": partner.id,
        "office_id": office.id,
        "hours_id": OfficeHours.get(OfficeHours.office == office.id).id,
        "room_id": Room.get(Room.office == office.id).id,
        "day_id": offices.add_closure(office.id, date(2026, 12, 10), "Staff training", worker).id,
        "key": "needs",  # a report's table, as a CSV file
        "step": "who",  # a kiosk step read aloud
        "number": ticket.number,  # a called number the wall display reads aloud
        "referral_id": referrals.make_referral(case.id, partner.id, None, date(2026, 11, 23), None, worker).id,
        # A fresh one-time link for each request, so each can really be used.
        "code": lambda: devices.make_link("Screen", "display", None)[1],
    }
    args["booking_id"] = bookings.book(case.id, worker, datetime(2026, 11, 23, 14, 0), worker).id
    args["request_id"] = access_requests.log_request(date(2026, 11, 20), "letter", worker, case_id=case.id).id
    args["import_id"] = make_caseload_upload(worker).id
    browsers = {role: app.test_client() for role in ROLES}
    enrol_device("kiosk", browsers["kiosk"])
    enrol_device("display", browsers["display"])
    for role in ("reception", "keyworker", "manager"):
        user = make_staff(role, f"walk-{role}")
        response = browsers[role].post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
    return args, browsers


def url_for_rule(app, endpoint, args):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {name: (args[name]() if callable(args[name]) else args[name]) for name in rule.arguments}
    return app.url_map.bind("localhost").build(endpoint, values)


def open_sessions():
    return database.execute_sql("SELECT COUNT(*) FROM staff_session WHERE ended_at IS NULL").fetchone()[0]


def denied(response):
    if response.status_code in (401, 403):
        return True
    return response.status_code in (301, 302, 303) and urlsplit(response.headers["Location"]).path == "/login"


def test_every_route_has_a_rule(app):
    endpoints = {endpoint for endpoint, _ in routes(app)}
    assert endpoints - set(RULES) == set(), "a route with no access rule: add it to RULES"
    assert set(RULES) - endpoints == set(), "RULES names a route that no longer exists"


def test_the_access_table(app):
    args, browsers = world(app)
    wrong = []
    for role in ROLES:
        for endpoint, method in routes(app):
            sessions = open_sessions()
            response = browsers[role].open(url_for_rule(app, endpoint, args), method=method)
            assert response.status_code < 500
            allowed = open_sessions() < sessions if endpoint == "auth.logout" else not denied(response)
            response.close()
            if allowed != (role in RULES.get(endpoint, NOBODY)):
                wrong.append(f"{method} {endpoint} as {role}: {'let in' if allowed else 'refused'} "
                             f"({response.status_code})")
    assert not wrong, "\n" + "\n".join(wrong)


def snapshot():
    """Everything in the database a GET must not change (audit rows and last-seen times may)."""
    state = {}
    for table in database.get_tables():
        if table in ("audit_event", "staff_session"):
            continue
        columns = [c.name for c in database.get_columns(table) if c.name != "last_seen_at"]
        sql = "SELECT {} FROM \"{}\" ORDER BY 1".format(", ".join(f'"{c}"' for c in columns), table)
        state[table] = database.execute_sql(sql).fetchall()
    return state


def test_no_get_changes_anything(app):
    args, browsers = world(app)
    args["code"] = devices.make_link("Screen", "display", None)[1]
    signed_in = open_sessions()
    before = snapshot()
    requests = 0
    for role in ROLES:
        for endpoint, method in routes(app):
            if method == "GET":
                browsers[role].get(url_for_rule(app, endpoint, args)).close()
                requests += 1
    assert requests > 6 * 30
    assert snapshot() == before
    assert open_sessions() == signed_in == 3
    for role in ("reception", "keyworker", "manager"):
        assert browsers[role].get("/staff/").status_code == 302
        assert browsers[role].get("/account/").status_code == 200, f"{role} was signed out by a GET"


def test_two_factor_still_to_set_up_opens_nothing_but_setting_it_up(app):
    """A manager whose role needs two-factor and who has not set it up yet: every staff-only route,
    live fragments included, sends them to set it up; only their account pages and signing out work."""
    args, _ = world(app)
    app.config["TWO_FACTOR_ROLES"] = ("manager",)
    user = make_staff("manager", "no-second-factor")
    browser = app.test_client()
    assert browser.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    let_in = []
    checked = 0
    for endpoint, method in routes(app):
        rule = RULES.get(endpoint, NOBODY)
        if not rule or not rule <= STAFF or endpoint.split(".")[0] in ("account", "auth"):
            continue
        response = browser.open(url_for_rule(app, endpoint, args), method=method)
        checked += 1
        target = response.headers.get("HX-Redirect") or response.headers.get("Location") or ""
        if not (denied(response) or urlsplit(target).path == "/account/two-factor"):
            let_in.append(f"{method} {endpoint}: {response.status_code}")
        response.close()
    assert checked > 40 and not let_in, "\n" + "\n".join(let_in)
    assert "Two-factor" in browser.get("/account/two-factor").get_data(as_text=True)
