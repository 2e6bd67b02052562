"""A caseload import of 5,000 rows, measured: the upload with its preview, then the import, each timed and its
peak memory taken, in-process on a fresh SQLite database (bench/results/import.json).

    python -m bench.import_bench               # 5,000 rows, five of them bad
    python -m bench.import_bench --rows 500    # a quicker look

The app runs in this process (Flask's test client, ProductionConfig, CSRF on, two-factor off for the bench's
manager), on a database in a temporary folder, so instance/ is never touched. Each step is run twice on its
own fresh database: once timed, once under tracemalloc (which slows Python down) for its peak memory.
"""
import argparse
import csv
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.page_readers import csrf_token
from bench.report import machine, write_json

RESULTS = Path(__file__).resolve().parent / "results" / "import.json"
PASSWORD = "bench import password"
KEYWORKERS = ("kim", "jamal", "aileen", "morven", "tariq", "Fiona Reid")  # by username, or by name
FIRST = ("Alex", "Sam", "Jamie", "Ryan", "Connor", "Kyle", "Scott", "Lewis", "Callum", "Sean", "Dean", "Liam",
         "Kirsty", "Amy", "Siobhán", "Zainab", "Piotr", "Mariusz", "Ewan", "Craig")
LAST = ("Morgan", "Reid", "Campbell", "McLean", "Stewart", "Duffy", "O'Neill", "MacLeod", "Hussain", "Nowak",
        "Brown", "Wilson", "Kerr", "Fraser", "Docherty", "Gallacher", "Quinn", "Byrne", "Boyle", "Sweeney")
PRISONS = ("HMP Barlinnie", "HMP Low Moss", "HMP Greenock", "HMP Addiewell", "HMP Shotts")
SOURCES = ("Prison throughcare support officer", "prison_social_work", "Community justice social work", "Self",
           "family", "A partner organisation")
AREAS = ("Accommodation", "Money and benefits", "drugs_alcohol", "Health", "Education, training and employment",
         "Family and relationships")
# Five ways a row goes wrong, as real files do: each is shown on the preview with its reason.
BAD = ({"date_of_birth": "31/02/1985"}, {"phone": "=HYPERLINK(\"http://example.com\")"},
       {"referral_source": "Police"}, {"status": "closed"}, {"release_date": "12/31/2026"})


def caseload_csv(rows, bad=5, keyworkers=KEYWORKERS):
    """A filled-in template of `rows` rows: one per person, and a second for every seventh person's other
    family member; `bad` people spread through it spoilt in one of the five BAD ways. Returns the text and
    the row numbers of the spoilt rows, as the preview gives them (the heading row is row 1)."""
    from kiosk.cases.import_rows import TEMPLATE_COLUMNS  # noqa: PLC0415 - the app only where it is used

    out = io.StringIO()
    writer = csv.DictWriter(out, TEMPLATE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    spread = rows * 7 // 8 // (bad + 1) if bad else 0
    spoilt, row, n = [], 1, 0
    while row <= rows:
        person = _person(n, keyworkers)
        spoil = bad and n % spread == 0 and 0 < n // spread <= bad
        if spoil:
            person.update(BAD[len(spoilt) % len(BAD)])
            spoilt.append(row + 1)
        writer.writerow(person)
        row += 1
        if n % 7 == 6 and not spoil and row <= rows:
            writer.writerow({**person, "family_name": f"Chris {person['name'].split()[-1]}",
                             "family_relationship": "Brother", "family_phone": "", "family_link_agreed": "yes"})
            row += 1
        n += 1
    return out.getvalue(), spoilt


def _person(n, keyworkers):
    first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
    person = {
        "reference": f"OLD-{n + 1:05d}" if n % 3 else "", "name": f"{first} {last}",
        "date_of_birth": (date(1960, 1, 1) + timedelta(days=(n * 37) % 16000)).strftime("%d/%m/%Y"),
        "phone": f"07700 9{n % 100000:05d}", "address": f"{n + 1} Example Street\nGlasgow G{n % 80 + 1}",
        "contact_preference": ("phone", "Letter", "in person")[n % 3], "establishment": PRISONS[n % len(PRISONS)],
        "sentence_under_four_years": "yes", "statutory_order": "no",
        "release_date": (date(2026, 1, 5) + timedelta(days=n % 300)).isoformat(),
        "referral_source": SOURCES[n % len(SOURCES)], "referral_date": "01/09/2026",
        "consent_date": "02/09/2026" if n % 4 else "", "status": "active" if n % 5 else "Referred",
        "keyworker": keyworkers[n % len(keyworkers)] if keyworkers and n % 9 else "",
        "plan_areas": "; ".join(AREAS[(n + k) % len(AREAS)] for k in range(n % 3 + 1)),
    }
    if n % 4 == 0:
        person.update(family_name=f"Jean {last}", family_relationship="Mother", family_phone="0141 496 0300",
                      family_link_agreed="yes" if n % 8 == 0 else "")
    return person


def _app(folder):
    from config import ProductionConfig  # noqa: PLC0415
    from kiosk import create_app  # noqa: PLC0415
    from kiosk.people.accounts import create_user  # noqa: PLC0415

    app = create_app(ProductionConfig, DATABASE_URL="", SQLITE_PATH=str(Path(folder) / "import.sqlite3"),
                     SECRET_KEY="bench-import-only", TWO_FACTOR_ROLES=(), BACKUP_KEEP=0,
                     IMPORT_WHILE_OPEN_MAX_NEW=0)  # measured on the real clock, drop-in hours or not
    with app.app_context():
        create_user("bench-manager", "Bench Manager", "manager", PASSWORD)
        for username in KEYWORKERS[:-1]:
            create_user(username, f"{username.title()} Worker", "keyworker", PASSWORD)
        create_user("fiona", "Fiona Reid", "keyworker", PASSWORD)
    return app


def _signed_in(app):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "username": "bench-manager", "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"signing in gave {response.status_code}")
    return client


def _steps(app, text):
    """The upload (with its preview) and the import, each as a callable, run in order by the caller."""
    client = _signed_in(app)
    token = csrf_token(client.get("/cases/import").get_data(as_text=True))
    state = {}

    def upload():
        response = client.post("/cases/import", content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "caseload.csv")})
        if response.status_code != 303 or "/columns" in response.headers["Location"]:
            raise RuntimeError(f"the upload gave {response.status_code}: {response.get_data(as_text=True)[:300]}")
        state["preview"] = response.headers["Location"]

    def apply():
        response = client.post(state["preview"] + "/apply", data={"csrf_token": token})
        if response.status_code != 303:
            raise RuntimeError(f"the import gave {response.status_code}: {response.get_data(as_text=True)[:300]}")

    return client, state, upload, apply


def _run(text, measure):
    """{step: figure} for one fresh database; `measure(step)` runs the step and returns its figure."""
    from kiosk.cases.models import Case  # noqa: PLC0415
    from kiosk.db import database  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        app = _app(folder)
        # No app context held around the requests: each gets its own, as when served (flask.g included).
        client, state, upload, apply = _steps(app, text)
        figures = {"preview": measure(upload), "import": measure(apply)}
        figures["page_kb"] = round(len(client.get(state["preview"]).get_data()) / 1024)
        with app.app_context():
            figures["cases"] = Case.select().count()
            getattr(database.obj, "close_all", database.close)()
        return figures


def _seconds(step):
    started = time.perf_counter()
    step()
    return round(time.perf_counter() - started, 2)


def _peak_mb(step):
    tracemalloc.start()
    try:
        step()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def measure(rows):
    text, spoilt = caseload_csv(rows)
    timed = _run(text, _seconds)
    traced = _run(text, _peak_mb)
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
        "rows": rows, "bad_rows": spoilt, "file_kb": round(len(text.encode()) / 1024),
        "cases_created": timed["cases"], "preview_seconds": timed["preview"], "import_seconds": timed["import"],
        "preview_peak_mb": traced["preview"], "import_peak_mb": traced["import"],
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "preview_page_kb": timed["page_kb"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    results = measure(args.rows)
    write_json(results, args.out)
    print(f"Caseload import, {results['rows']:,} rows ({results['file_kb']:,} KB, {len(results['bad_rows'])} bad): "
          f"upload and preview {results['preview_seconds']} s (peak {results['preview_peak_mb']} MB traced), "
          f"import {results['import_seconds']} s (peak {results['import_peak_mb']} MB traced), "
          f"{results['cases_created']:,} cases made; process peak {results['process_max_rss_mb']} MB. "
          f"Written to {args.out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
