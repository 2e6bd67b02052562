"""How many SQL queries one warm reports request makes, over a year and over a quarter.

    python -m bench.query_count /tmp/template-reports.sqlite3    # prints JSON

The app runs in this process (Flask's test client, ProductionConfig, CSRF on) on a copy of
the reports phase's database (bench/seed_reports.py), so the template the servers get is
left as it was. The bench manager signs in with a recovery code, opens each page once (which
is then warm), then again with peewee's DEBUG log counted. Past days come from daily figures
and the casework is counted in grouped queries, so a year must make exactly as many queries
as a quarter, for every office and for one; bench/run.py fails the run when it does not.
"""
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.page_readers import csrf_token
from tests.queries import counting_queries

# Pairs whose counts must be equal: (many rows in the period, few rows in the period).
SAME = (("year", "quarter"), ("year_one_office", "quarter_one_office"))
TIMED = 3  # warm requests timed for each page, beside the counted one


def _sign_in(client, manifest):
    """Password, then a recovery code: production asks managers for two-factor sign-in."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    step = client.post("/login", data={"csrf_token": token, "username": manifest["manager"],
                                       "password": manifest["password"]})
    if step.status_code != 302 or not step.headers["Location"].endswith("/login/code"):
        raise RuntimeError(f"the manager's password step gave {step.status_code} {step.headers.get('Location')}")
    token = csrf_token(client.get("/login/code").get_data(as_text=True))
    done = client.post("/login/code", data={"csrf_token": token, "code": manifest["recovery_codes"][-1]})
    if done.status_code != 302:
        raise RuntimeError(f"the manager's two-factor step gave {done.status_code}")


def count(template, manifest):
    """{page: {"url", "queries", "ms", "sql"}} for each of the manifest's report URLs."""
    from config import ProductionConfig  # noqa: PLC0415 - the app only where it is measured
    from kiosk import create_app  # noqa: PLC0415
    from bench.seed import close_all  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="bench-queries-") as folder:
        db = Path(folder) / "reports.sqlite3"
        shutil.copyfile(template, db)
        db.chmod(0o600)  # as the app would narrow it (with a warning)
        app = create_app(ProductionConfig, DATABASE_URL="", SQLITE_PATH=str(db), SECRET_KEY="bench-queries-only")
        pages = {}
        try:
            client = app.test_client()
            _sign_in(client, manifest)
            for name, url in manifest["urls"].items():
                if client.get(url).status_code != 200:  # the first time: anything done once per server
                    raise RuntimeError(f"{url} did not answer 200")
                with counting_queries() as sql:
                    client.get(url)
                took = []
                for _ in range(TIMED):
                    started = time.perf_counter()
                    client.get(url)
                    took.append((time.perf_counter() - started) * 1000)
                pages[name] = {"url": url, "queries": len(sql), "ms": round(statistics.median(took), 1), "sql": sql}
        finally:
            with app.app_context():
                close_all()
    return pages


def unequal(pages):
    """The pairs whose query counts differ, as sentences; empty when every pair matches."""
    return [f"{many} ({pages[many]['url']}) made {pages[many]['queries']} SQL queries but {few} "
            f"({pages[few]['url']}) made {pages[few]['queries']}" for many, few in SAME
            if many in pages and few in pages and pages[many]["queries"] != pages[few]["queries"]]


def main():
    template = Path(sys.argv[1])
    manifest = json.loads(Path(f"{template}.json").read_text())
    print(json.dumps(count(template, manifest)))


if __name__ == "__main__":
    main()
