"""`make bench` works from a fresh clone: seed, app and baseline servers, locust, results, README table.

Runs the bench's --smoke profile (a few seconds of load) in its own process, as
`make bench` does, and checks what it did, never how fast: timings on a shared
two-core machine prove nothing in a test.
"""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from bench.run import MARK_END, MARK_START, update_readme

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "peak_rss_mb", "ratio", "count")


def housekeeping_claims(path):
    """Which process claimed each of the day's housekeeping jobs in the SQLite file at `path`, by job."""
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT job, claimed_by FROM housekeeping").fetchall())
    finally:
        db.close()


def test_smoke_bench_seeds_serves_loads_and_reports(tmp_path):
    out = tmp_path / "results" / "latest.json"
    work = tmp_path / "work"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out), "--no-readme", "--workdir", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    results = json.loads(out.read_text())
    for key in ("date", "machine", "settings", "seed", "baseline", "request_types", "office_day",
                "load_generator", "errors", "runtime_s"):
        assert key in results, key
    examples = {row["key"]: row.get("error_examples") for row in results["request_types"]}
    examples["office day"] = {name: row.get("error_example") for name, row in results["office_day"]["requests"].items()
                              if row.get("errors")}
    assert results["errors"] == 0, examples
    assert results["machine"]["cores"] >= 1 and results["machine"]["cpu"]

    rows = {row["key"]: row for row in results["request_types"]}
    assert list(rows) == ["hello", "queue_poll_idle", "hello_read", "checkin", "reports"]
    for row in rows.values():
        assert all(figure in row and row[figure] is not None for figure in FIGURES), row
        assert row["count"] > 0 and row["errors"] == 0 and row["peak_rss_mb"] > 0, row
    # The idle poll is measured against hello world run just before it and again just after: their mean.
    bracket = rows["queue_poll_idle"]["hello_bracket"]
    assert bracket["before_cpu_us"] == rows["hello"]["server_cpu_us_per_request"] and bracket["after_cpu_us"] > 0
    assert bracket["cpu_us"] == (bracket["before_cpu_us"] + bracket["after_cpu_us"]) / 2
    assert rows["queue_poll_idle"]["cpu_cost_ratio"] == bracket["cpu_us"] / rows["queue_poll_idle"]["server_cpu_us_per_request"]
    assert rows["checkin"]["cpu_cost_ratio"] == rows["hello"]["server_cpu_us_per_request"] / rows["checkin"]["server_cpu_us_per_request"]
    # Hello world reading the seeded database once a request, between two hello worlds of its own: every read
    # found its table (a missing one would have been a 500).
    assert rows["hello_read"]["statuses"] == {"200": rows["hello_read"]["count"]}
    assert rows["hello_read"]["hello_bracket"]["before_cpu_us"] == bracket["after_cpu_us"]
    # Nothing changed during the poll phase, so every poll was answered "nothing new".
    assert set(rows["queue_poll_idle"]["statuses"]) == {"200"}
    assert rows["checkin"]["statuses"] == {"303": rows["checkin"]["count"]}
    # Each check-in's ticket page and QR code were fetched and were what they should be.
    others = rows["checkin"]["other_requests"]
    assert others["ticket QR code (SVG)"]["errors"] == 0 and others["ticket QR code (SVG)"]["count"] > 0
    # Managers signed in with two-factor saw the reports page, whose queries do not grow with its period.
    assert rows["reports"]["statuses"] == {"200": rows["reports"]["count"]}
    queries = {name: page["queries"] for name, page in results["reports"]["queries"].items()}
    assert queries["year"] == queries["quarter"] and queries["year_one_office"] == queries["quarter_one_office"]

    office = results["office_day"]
    assert office["errors"] == 0
    for name in ("queue poll", "desk poll", "display poll"):
        assert office["requests"][name]["count"] > 0, name
    assert set(office["checks"]) == {"zero errors", "polls p95 < 50 ms", "check-in p95 < 150 ms",
                                     "check-in shown on staff screens p95 <= 2.5 s"}
    assert "p95_ms" in office["freshness"]

    # The seed did the day's housekeeping, as a running deployment's database has it done: the servers
    # started on copies of it found nothing due rather than clearing history beside the load measured.
    assert results["seed"]["housekeeping"]["purge"].startswith("cleared ")
    seeded = housekeeping_claims(work / "template-main.sqlite3")
    assert set(seeded) == {"purge", "backup"}, seeded
    for name, pid in (("queue_poll_idle", rows["queue_poll_idle"]["server_pid"]),
                      ("office-day", office["server_pid"])):
        claimed = housekeeping_claims(work / f"{name}.sqlite3")
        assert claimed == seeded and not claimed["purge"].endswith(f":{pid}"), (name, claimed, seeded)

    # Every server it started has been stopped.
    for pid in [row["server_pid"] for row in rows.values()] + [office["server_pid"], bracket["after_server_pid"]]:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE

    # The README table goes between the markers, and a second run replaces it rather than adding one.
    readme = tmp_path / "README.md"
    readme.write_text("# Drop-in\n\nIntro.\n")
    update_readme(results, readme)
    update_readme(results, readme)
    text = readme.read_text()
    assert text.count(MARK_START) == 1 and text.count(MARK_END) == 1
    assert "| queue poll, nothing changed |" in text and "Intro." in text
    assert "just before and just after each idle poll's phase" in text
    assert "Hello world reading the queue's version from the database once" in text
