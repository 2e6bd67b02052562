"""`python -m bench.offices` works: several offices seeded, gunicorn on PostgreSQL and Redis, every office loaded.

Runs the scenario's --smoke profile (two offices, a handful of users, one worker count)
in its own process and checks what it did, never how fast: timings on a shared two-core
machine prove nothing in a test. It needs both servers, so it runs in the PostgreSQL
pass of `make test`, which starts them.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from bench.offices import LOADGEN_NICE, ahead_of_server
from bench.report import OFFICES_END, OFFICES_START, update_readme_offices

from ..backends import POSTGRES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (POSTGRES and os.environ.get("REDIS_URL")),
                       reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)"),
]

ROOT = Path(__file__).resolve().parents[2]
MEASURED = ("queue poll", "desk poll", "display poll", "kiosk check-in (POST)", "call next (POST)")
FIGURES = ("count", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")


def test_smoke_offices_bench_seeds_serves_loads_every_office_and_reports(tmp_path):
    out = tmp_path / "results" / "offices.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.offices", "--smoke", "--no-readme", "--out", str(out),
         "--workdir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    results = json.loads(out.read_text())
    assert results["settings"]["offices"] == 2 and results["settings"]["database"].startswith("PostgreSQL")
    assert len(results["runs"]) == 1
    row = results["runs"][0]
    assert results["errors"] == 0 and row["errors"] == 0, row["error_examples"]
    # The load generator ran ahead of the server where the system allows it, so its clock is not the server's.
    assert results["settings"]["load_generator_nice"] == (LOADGEN_NICE if _may_run_ahead() else 0)
    # The machine's speed was read before the load, to read the figures with.
    assert list(results["reference_loop_ms"].values())[0] > 0 and len(results["reference_loop_ms"]) == 1
    # gunicorn's master and the workers asked for, all measured.
    assert row["workers"] == results["settings"]["workers"][0] and row["server_processes"] == row["workers"] + 1

    for name in MEASURED:
        request = row["requests"][name]
        assert all(request[figure] is not None for figure in FIGURES), (name, request)
        assert request["count"] > 0 and request["errors"] == 0, (name, request)
    assert set(row["requests"]["queue poll"]["statuses"]) == {"200"}
    for figure in ("server_cpu_per_s", "server_cpu_us_per_request", "server_peak_rss_mb", "postgres_cpu_per_s",
                   "loadgen_cpu_percent", "rps"):
        assert row[figure] is not None and row[figure] > 0, figure

    # Every office's staff screens showed that office's check-ins, and none was missed.
    assert row["visible"]["samples"] > 0 and row["visible"]["p95_ms"] is not None and row["visible"]["missed"] == 0
    offices = row["visible_by_office"]
    assert len(offices) == 2 and row["offices_seeing_checkins"] == 2
    for office, figures in offices.items():
        assert figures["checkins"] > 0 and figures["samples"] > 0 and figures["screens"] == 2, (office, figures)

    # The server and its workers have been stopped.
    assert not psutil.pid_exists(row["server_pid"]) or \
        psutil.Process(row["server_pid"]).status() == psutil.STATUS_ZOMBIE

    # The README block goes between its markers, and a second run replaces it rather than adding one.
    readme = tmp_path / "README.md"
    readme.write_text("# Drop-in\n\nIntro.\n\n<!-- bench:start -->\ntable\n<!-- bench:end -->\n\nAfter.\n")
    update_readme_offices(results, readme)
    update_readme_offices(results, readme)
    text = readme.read_text()
    assert text.count(OFFICES_START) == 1 and text.count(OFFICES_END) == 1
    assert text.index("<!-- bench:end -->") < text.index(OFFICES_START) < text.index("After.")
    assert "| 2 |" in text and "Intro." in text


def _may_run_ahead():
    """Whether a process here may be given a higher priority (root, with the right to change it)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        return ahead_of_server(child.pid) == LOADGEN_NICE
    finally:
        child.kill()
        child.wait()


def test_refuses_without_postgres_and_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run([sys.executable, "-m", "bench.offices", "--smoke", "--no-readme",
                          "--out", str(tmp_path / "o.json")], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 2
    assert "DATABASE_URL and REDIS_URL are not set" in run.stderr and "pg_test_server.sh" in run.stderr
    assert not (tmp_path / "o.json").exists()
