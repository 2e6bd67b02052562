"""The reports page as a manager uses it: choices, figures, the funder's version, CSV files, and refusals."""
import csv
import io
from datetime import date

from kiosk.audit import AuditEvent
from kiosk.cases import referrals

from ..factories import make_case, make_ticket
from ..pages import text


def rows_of(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_only_managers_see_reports_and_it_is_in_their_menu(client, auth):
    auth.login("keyworker")
    assert client.get("/reports/").status_code == 403
    assert 'href="/reports/"' not in client.get("/staff/desk").get_data(as_text=True)
    client.post("/logout")
    auth.login("manager", "boss")
    page = client.get("/reports/")
    assert page.status_code == 200 and 'href="/reports/"' in page.get_data(as_text=True)


def test_last_quarter_by_default_with_what_each_figure_is_made_of(client, auth):
    auth.login("manager", "boss")
    page = text(client.get("/reports/"))
    assert "01 July 2026 to 30 September 2026 · all offices" in page
    assert "Drop-in at a glance" in page and "Counted from anonymous daily figures" in page
    assert "Managers' view: exact figures" in page
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.detail) == ("view", "report 2026-07-01 to 2026-09-30, all offices, managers")


def test_this_month_counts_today_and_the_funder_s_version_hides_small_numbers(client, auth):
    auth.login("manager", "boss")
    make_ticket(needs=("housing",))
    exact = text(client.get("/reports/?period=this_month"))
    assert "01 November 2026 to 30 November 2026" in exact and "Visits 1" in exact
    shared = client.get("/reports/?period=this_month&view=funders")
    assert "Visits fewer than 5" in text(shared) and "Funder's version" in text(shared)
    assert '<rect' in shared.get_data(as_text=True), "charts are drawn on the page, as SVG"


def test_each_table_downloads_as_csv_that_runs_nothing_in_a_spreadsheet(client, auth):
    boss = auth.login("manager", "boss")
    case = make_case(keyworker=boss)
    partner = referrals.add_partner("=HYPERLINK(\"http://x\")", "accommodation", None, boss)
    referrals.make_referral(case.id, partner.id, "accommodation", date(2026, 11, 20), None, boss)
    response = client.get("/reports/referrals_out.csv?period=this_month")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=referrals_out.csv" in response.headers["Content-Disposition"]
    header, *body = rows_of(response)
    assert header[0] == "Partner" and body[0][0].startswith("'=HYPERLINK")
    funders = client.get("/reports/needs.csv?period=this_month&view=funders")
    assert "needs-funders.csv" in funders.headers["Content-Disposition"]
    assert client.get("/reports/nothing.csv").status_code == 404


def test_a_chosen_range_is_checked_with_a_clear_message(client, auth):
    auth.login("manager", "boss")
    backwards = client.get("/reports/?period=range&first=2026-11-20&last=2026-11-01")
    assert backwards.status_code == 400 and "The range ends before it starts." in text(backwards)
    half = client.get("/reports/?period=range&first=2026-11-01")
    assert half.status_code == 400 and "Enter both dates of the range." in text(half)
    long = client.get("/reports/?period=range&first=2020-01-01&last=2026-11-01")
    assert long.status_code == 400 and "three years or less" in text(long)
    assert client.get("/reports/?office=999").status_code == 400
    assert client.get("/reports/needs.csv?period=nonsense").status_code == 400
    fine = client.get("/reports/?period=range&first=01/11/2026&last=23/11/2026")
    assert fine.status_code == 200 and "01 November 2026 to 23 November 2026" in text(fine)


def test_the_report_s_queries_do_not_grow_with_the_days_or_tickets_in_the_period(client, auth):
    """Past days are folded once; after that a report reads a constant number of aggregate queries whether the
    period holds two weeks of drop-ins or thirteen."""
    from kiosk.demo_history import past_dropins
    from kiosk.clock import utcnow
    from ..queries import counting_queries
    boss = auth.login("manager", "boss")
    assert past_dropins([1], [boss], utcnow(), weeks=13) > 300
    short, long = "/reports/?period=range&first=2026-11-09&last=2026-11-22", "/reports/?period=last_quarter"
    counts = []
    for url in (short, long):
        assert client.get(url).status_code == 200  # the first time folds the period's days
        with counting_queries() as sql:
            assert client.get(url).status_code == 200
        counts.append(len(sql))
    assert counts[0] == counts[1], counts
    assert counts[0] < 40, counts  # sign-in, the form's offices, the figures, the casework tables, the audit row
