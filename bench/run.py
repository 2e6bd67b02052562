"""`make bench`: the app served as in production, under load, beside a hello-world baseline.

    python -m bench.run            # the full run (about 15 minutes on 2 cores)
    python -m bench.run --quick    # a short smoke run (about 2 minutes): no growth tables, a short office day
    python -m bench.run --soak     # the office day for 10 minutes, the server's memory sampled (bench/soak.py)
    python -m bench.run --only reports --merge   # one request type, put into bench/results/latest.json

Each request type gets a fresh copy of a seeded database (bench/seed.py) and a
fresh server: `python run.py` exactly as shipped (waitress, its default thread
count, ProductionConfig with CSRF on), with SQLITE_PATH and SECRET_KEY pointing
into a temporary folder so the developer's own instance/ is never touched. The
baseline is bench/hello.py, served by waitress with the same thread count. The
load is locust (FastHttpUser, headless) in its own process (bench/locustfile.py).
Both bind 127.0.0.1 only and are stopped by PID when the phase ends or fails
(bench/harness.py, bench/servers.py).

The idle polls are each measured between two hello world runs, one just before and one just
after, and their ratios use the mean of the two (profiles.py, BRACKETED); so is hello world
reading the queue's version from a copy of the seeded database once a request (hello_read).

The reports page is measured on a database of its own (bench/seed_reports.py: three
offices, a year of drop-ins, 2,000 cases), its past days folded into daily figures while
seeding, as the nightly purge does. Before its load, bench/query_count.py counts the SQL
queries of one warm request in-process over the year and over a quarter; the run fails if
they differ.

Results go to bench/results/latest.json and a table in README.md between the
bench markers (bench/report.py); what is measured and for how long is in
bench/profiles.py.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.harness import Harness
from bench.profiles import (
    BRACKETED, GROWTH_HISTORY, GROWTH_PHASES, GROWTH_SESSION, MAIN, OFFICE_CLASSES, OVERRIDES, PHASES,
    PROFILES, REPORT_PHASES, SOAK, THREADS,
)
from bench.query_count import unequal
from bench.report import (  # noqa: F401 - MARK_START, MARK_END, README: this module's API too
    MARK_END, MARK_START, README, machine, merge_results, ms, readme_table, update_readme, version, write_json,
)
from bench.servers import ROOT, log

RESULTS = ROOT / "bench" / "results" / "latest.json"
SOAK_RESULTS = ROOT / "bench" / "results" / "soak.json"


def bracket(row, before, after):
    """An idle poll's row measured against the mean of hello world's just before and just after it (profiles.py,
    BRACKETED): its ratios use that mean, and the row keeps both."""
    rps = (before["rps"] + after["rps"]) / 2
    cpu = (before["server_cpu_us_per_request"] + after["server_cpu_us_per_request"]) / 2
    row["hello_bracket"] = {"before_rps": before["rps"], "after_rps": after["rps"],
                            "before_cpu_us": before["server_cpu_us_per_request"],
                            "after_cpu_us": after["server_cpu_us_per_request"], "rps": rps, "cpu_us": cpu,
                            "after_machine_busy_percent": after["machine_busy_percent"],
                            "after_server_pid": after["server_pid"]}
    row["ratio"] = row["rps"] / max(1e-9, rps)
    target = row.get("target_ratio")
    row["meets_target"] = None if target is None else row["ratio"] >= target
    row["cpu_cost_ratio"] = cpu / max(1e-9, row["server_cpu_us_per_request"])
    log(f"{row['key']} against hello world before and after it ({before['server_cpu_us_per_request']:.0f} and "
        f"{after['server_cpu_us_per_request']:.0f} µs): ratio {row['ratio']:.2f}, CPU ratio {row['cpu_cost_ratio']:.2f}")


class BenchFailure(RuntimeError):
    """Something the bench checks before measuring went wrong; the message says what."""


class Bench(Harness):
    """What `make bench` measures and reports, on the servers and load Harness gives it."""

    def __init__(self, profile, workdir, out, keep_logs=False):
        super().__init__(workdir)
        self.p = PROFILES[profile]
        self.profile = profile
        self.out = Path(out)
        self.keep_logs = keep_logs
        self.hello_rps = self.hello_cpu = None
        self.reports = None  # the reports phase's template, manifest and query counts, once seeded

    def phase(self, key, template, manifest, duration, warmup, tag, baseline=True):
        """One request type under load on a fresh server: its row. Hello world's first row is the baseline the
        others' ratios use (`baseline`); the idle polls' are then measured against their brackets (bracket)."""
        cls, measured, label, target = PHASES[key]
        users = self.p["users"]
        if key == "call_next":  # one keyworker per ticket that can be called, at most
            movable = sum(manifest["by_state"].get(s, 0) for s in ("waiting", "called", "in_progress"))
            users = max(1, min(users, len(manifest["keyworkers"]), movable))
        if key in REPORT_PHASES:  # a recovery code each
            users = max(1, min(users, len(manifest["recovery_codes"])))
        if key.startswith("hello"):
            server = self.start_hello(template if key == "hello_read" else None)
        else:
            server = self.start_app(template, tag, OVERRIDES["request types and growth"])
        try:
            manifest_path = Path(f"{template}.json") if template and not key.startswith("hello") else None
            result = self.locust(server, manifest_path, [cls], users, duration,
                                 warmup, tag)
        finally:
            self.stop(server)
        main = result["requests"].get(measured, {})
        row = {
            "key": key, "label": label, "users": users, "measured_request": measured, "server_pid": result["server_pid"],
            "rps": main.get("rps", 0.0), "p50_ms": main.get("p50_ms"), "p95_ms": main.get("p95_ms"),
            "p99_ms": main.get("p99_ms"), "count": main.get("count", 0), "errors": result["errors"],
            "statuses": main.get("statuses", {}), "peak_rss_mb": result["server_peak_rss_mb"],
            "server_cpu_percent": result["server_cpu_percent"],
            "loadgen_cpu_percent": result["loadgen_cpu_percent"],
            "machine_busy_percent": result["machine_busy_percent"],
            "server_cpu_us_per_request": result["server_cpu_us_per_request"],
            "target_ratio": target, "other_requests": {k: v for k, v in result["requests"].items() if k != measured},
            "error_examples": {k: v["error_example"] for k, v in result["requests"].items() if v["errors"]},
        }
        if key == "hello" and baseline:
            self.hello_rps, self.hello_cpu = row["rps"], row["server_cpu_us_per_request"]
        if self.hello_rps:
            row["ratio"] = row["rps"] / self.hello_rps
            row["meets_target"] = None if target is None else row["ratio"] >= target
            row["cpu_cost_ratio"] = self.hello_cpu / max(1e-9, row["server_cpu_us_per_request"])
        log(f"{tag}: {row['rps']:.0f} req/s, p50 {ms(row['p50_ms'])}, p95 {ms(row['p95_ms'])}, "
            f"p99 {ms(row['p99_ms'])} ms, errors {row['errors']}, ratio {row.get('ratio', 0):.2f}, "
            f"CPU {row['server_cpu_us_per_request']:.0f} µs/request (ratio {row.get('cpu_cost_ratio', 0):.2f}), "
            f"server CPU {row['server_cpu_percent']:.0f}%, locust CPU {row['loadgen_cpu_percent']:.0f}%, "
            f"machine {row['machine_busy_percent']:.0f}% of {100 * (os.cpu_count() or 1)}%, "
            f"peak {row['peak_rss_mb']:.0f} MB")
        return row

    def seed(self, name, session_tickets, history_tickets):
        from bench.seed import seed  # noqa: PLC0415 - imports the app, only when seeding
        path = self.workdir / f"template-{name}.sqlite3"
        started = time.monotonic()
        manifest = seed(path, session_tickets=session_tickets, history_tickets=history_tickets)
        log(f"seeded {name}: session of {session_tickets} {manifest['by_state']}, {history_tickets} historic "
            f"tickets in {manifest['history_sessions']} sessions ({time.monotonic() - started:.1f}s)")
        return path, manifest

    def seed_reports(self):
        """The reports phase's database (seeded once), and its query counts: a year's must equal a quarter's."""
        if self.reports:
            return self.reports
        from bench.seed_reports import seed_reports  # noqa: PLC0415 - imports the app, only when seeding
        path = self.workdir / "template-reports.sqlite3"
        manifest = seed_reports(path, **self.p["reports_history"])
        log(f"seeded reports: {manifest['history_tickets']} tickets in {manifest['history_sessions']} drop-ins at "
            f"{len(manifest['offices'])} offices over {manifest['weeks']} weeks, {manifest['cases']} cases "
            f"({manifest['seed_s']:.1f}s); {manifest['folded_days']} past days folded ({manifest['fold_s']:.1f}s)")
        counted = subprocess.run([sys.executable, "-m", "bench.query_count", str(path)], cwd=ROOT,
                                 env=self.env(self.workdir / "unused.sqlite3"), capture_output=True, text=True,
                                 timeout=300)
        if counted.returncode != 0:
            raise BenchFailure(f"counting the reports page's queries failed:\n{counted.stderr[-3000:]}")
        pages = json.loads(counted.stdout)
        statements = self.workdir / "reports-queries.json"
        statements.write_text(json.dumps(pages, indent=1, default=str))
        log("reports page, SQL queries in one warm request: "
            + ", ".join(f"{name} {page['queries']} ({page['ms']:.0f} ms in-process)"
                        for name, page in pages.items()))
        problems = unequal(pages)
        if problems:
            raise BenchFailure("the reports page's SQL queries grow with the rows in its period: "
                               + "; ".join(problems) + f". Every statement of each is in {statements}.")
        public = {k: v for k, v in manifest.items() if k not in ("password", "recovery_codes", "db", "urls",
                                                                 "report_url")}
        self.reports = {
            "template": path, "manifest": manifest,
            "summary": {"seed": public, "measured_url": manifest["report_url"], "queries_equal": True,
                        "queries": {name: {k: page[k] for k in ("url", "queries", "ms")}
                                    for name, page in pages.items()}},
        }
        return self.reports

    def office_day(self, template, manifest):
        office = dict(self.p["office"])
        users = sum(v for k, v in office.items() if k != "KIOSK_EVERY")
        server = self.start_app(template, "office-day", OVERRIDES["office day"])
        try:
            result = self.locust(server, Path(f"{template}.json"), OFFICE_CLASSES, users,
                                 self.p["office_duration"], self.p["office_warmup"], "office-day", office)
        finally:
            self.stop(server)
        requests = result["requests"]
        polls = [requests[n] for n in ("queue poll", "desk poll", "display poll") if n in requests]
        checkin = requests.get("kiosk check-in (POST)", {})
        fresh = result.get("freshness") or {}
        checks = {
            "zero errors": result["errors"] == 0,
            "polls p95 < 50 ms": bool(polls) and all((r["p95_ms"] or 0) < 50 for r in polls),
            "check-in p95 < 150 ms": bool(checkin) and (checkin.get("p95_ms") or 0) < 150,
            "check-in shown on staff screens p95 <= 2.5 s": bool(fresh.get("samples"))
            and fresh["p95_ms"] <= 2500 and not fresh.get("missed"),
        }
        log(f"office day: {result['errors']} errors, "
            + ", ".join(f"{n} p95 {ms(r['p95_ms'])} ms" for n, r in requests.items()
                        if n in ("queue poll", "desk poll", "display poll", "kiosk check-in (POST)"))
            + f", check-in to staff screen p95 {ms(fresh.get('p95_ms'))} ms over {fresh.get('samples')} samples")
        return {"duration_s": self.p["office_duration"], "users": office, "errors": result["errors"],
                "requests": requests, "freshness": fresh, "refused": result.get("refused", {}),
                "server_cpu_percent": result["server_cpu_percent"], "peak_rss_mb": result["server_peak_rss_mb"],
                "server_pid": result["server_pid"], "machine_busy_percent": result["machine_busy_percent"],
                "loadgen_cpu_percent": result["loadgen_cpu_percent"], "checks": checks,
                "passed": all(checks.values())}

    def growth(self, main_template, main_manifest, main_rows):
        p = self.p
        by_key = {row["key"]: row for row in main_rows}
        tables = {"session": [], "history": []}
        scenarios = [("session", n, p["history_tickets"]) for n in GROWTH_SESSION] + \
                    [("history", p["session_tickets"], h) for h in GROWTH_HISTORY]
        for axis, session_tickets, history_tickets in scenarios:
            if session_tickets == p["session_tickets"] and history_tickets == p["history_tickets"]:
                rows = [dict(by_key[k]) for k in GROWTH_PHASES if k in by_key]  # the main table's run
            else:
                name = f"s{session_tickets}-h{history_tickets}"
                template, manifest = self.seed(name, session_tickets, history_tickets)
                rows = [self.phase(k, template, manifest, p["growth_duration"], p["growth_warmup"],
                                   f"{name}-{k}") for k in GROWTH_PHASES]
            tables[axis].append({"session_tickets": session_tickets, "history_tickets": history_tickets,
                                 "rows": [{k: row.get(k) for k in ("key", "label", "rps", "ratio", "p50_ms",
                                                                  "p95_ms", "p99_ms", "errors", "peak_rss_mb",
                                                                  "server_cpu_us_per_request", "cpu_cost_ratio",
                                                                  "machine_busy_percent")}
                                          for row in rows]})
        return tables

    def caseload_import(self, rows):
        """A caseload file of `rows` rows previewed and imported (bench/import_bench.py), in a process of its own
        so that its memory figures are its own."""
        out = self.workdir / "import.json"
        subprocess.run([sys.executable, "-m", "bench.import_bench", "--rows", str(rows), "--out", str(out)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        result = json.loads(out.read_text())
        log(f"caseload import, {rows:,} rows: preview {result['preview_seconds']} s, import {result['import_seconds']} s "
            f"({result['cases_created']:,} cases), process peak {result['process_max_rss_mb']} MB")
        return result

    def run(self):
        started = time.monotonic()
        p = self.p
        # The main database only where something runs on it (not for `--only reports`).
        if p["office"] or p["growth"] or any(k not in REPORT_PHASES and k != "hello" for k in p["phases"]):
            template, manifest = self.seed("main", p["session_tickets"], p["history_tickets"])
        else:
            template, manifest = None, {"session_tickets": p["session_tickets"], "by_state": None,
                                        "history_tickets": p["history_tickets"], "history_sessions": None}
        if REPORT_PHASES & set(p["phases"]):  # its query check first: a failure there stops the run before any load
            self.seed_reports()
        rows, hello_before = [], None
        for k in p["phases"]:
            if k in REPORT_PHASES:
                reports = self.seed_reports()
                rows.append(self.phase(k, reports["template"], reports["manifest"], p["duration"], p["warmup"], k))
            else:
                rows.append(self.phase(k, template, manifest, p["duration"], p["warmup"], k))
            if k == "hello":
                hello_before = rows[-1]
            elif k in BRACKETED and hello_before is not None:
                hello_after = self.phase("hello", None, None, p["duration"], p["warmup"], f"hello after {k}",
                                         baseline=False)
                bracket(rows[-1], hello_before, hello_after)
                hello_before = hello_after
        office = self.office_day(template, manifest) if p["office"] else None
        growth = self.growth(template, manifest, rows) if p["growth"] else None
        caseload_import = self.caseload_import(p["import_rows"]) if p.get("import_rows") else None
        all_rows = rows + [r for t in (growth or {}).values() for s in t for r in s["rows"]]
        loadgen = max([r.get("loadgen_cpu_percent") or 0 for r in rows]
                      + [office["loadgen_cpu_percent"] if office else 0])
        results = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "profile": self.profile,
            "machine": machine(),
            "settings": {
                "server": "python run.py (waitress, ProductionConfig, CSRF on), SQLite in a temporary folder",
                "baseline": "bench/hello.py: Flask hello world under waitress",
                "threads": THREADS, "users": p["users"], "duration_s": p["duration"], "warmup_s": p["warmup"],
                "load_generator": f"locust {version('locust')} FastHttpUser, headless, its own process",
                "session_tickets": p["session_tickets"], "history_tickets": p["history_tickets"],
                "history_cases": manifest.get("history_cases", 0),
                "overrides": OVERRIDES,
            },
            "seed": {k: manifest[k] for k in ("session_tickets", "history_tickets", "history_sessions", "by_state",
                                              "housekeeping")},
            "baseline": rows[0] if rows and rows[0]["key"] == "hello" else None,
            "request_types": rows,
            "office_day": office,
            "growth": growth,
            "reports": self.reports["summary"] if self.reports else None,
            "caseload_import": caseload_import,
            "load_generator": {
                "max_cpu_percent": loadgen,
                "not_the_bottleneck": loadgen < 90,
                "note": "locust runs every user on one thread (gevent): it is the limit only near 100% of one core; "
                        "the server is one process whose Python threads share one GIL, so it is the limit near 100%.",
            },
            "errors": sum(r.get("errors") or 0 for r in all_rows) + (office["errors"] if office else 0),
            "runtime_s": round(time.monotonic() - started, 1),
        }
        return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_const", dest="profile", const="quick", default="full",
                        help="a short run: seconds per request type, a 30 s office day, no growth tables")
    parser.add_argument("--smoke", action="store_const", dest="profile", const="smoke",
                        help="the machinery only, in seconds (the test suite's check)")
    parser.add_argument("--soak", action="store_true",
                        help=f"only the office day, for {SOAK['seconds']} s, sampling the server's memory; "
                             "passes if it grows by at most 10%% after the warm-up, with no errors "
                             "(results in bench/results/soak.json)")
    parser.add_argument("--soak-seconds", type=int, metavar="N",
                        help=f"the soak's length (default {SOAK['seconds']}; implies --soak), for trying it out")
    parser.add_argument("--out", help="where the JSON goes (default bench/results/latest.json, "
                                      "or bench/results/soak.json for --soak)")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    parser.add_argument("--workdir", help="keep databases and logs here instead of a temporary folder")
    parser.add_argument("--only", help="comma-separated request types (and/or office_day, growth, import) to run, "
                                       "for working on one path; hello always runs")
    parser.add_argument("--merge", action="store_true",
                        help="with --only: put the request types run into the existing results (--out) in place "
                             "of their earlier figures, each marked with its date and its own hello world; "
                             "everything else there is kept")
    args = parser.parse_args(argv)
    if args.merge and not args.only:
        parser.error("--merge goes with --only")
    soak = args.soak or args.soak_seconds is not None
    if soak and (args.only or args.profile != "full"):
        parser.error("--soak runs on its own: no --quick, --smoke or --only with it")
    if args.soak_seconds is not None and args.soak_seconds < 30:
        parser.error("--soak-seconds must be at least 30")
    out = Path(args.out or (SOAK_RESULTS if soak else RESULTS))

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="dropin-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.profile, workdir, out)
    if args.only:
        only = set(args.only.split(","))
        bench.p = {**bench.p, "phases": ["hello"] + [k for k in MAIN if k in only and k != "hello"],
                   "growth": "growth" in only, "office": bench.p["office"] if "office_day" in only else None,
                   "import_rows": bench.p.get("import_rows") if "import" in only else None}
    failed = True
    try:
        if soak:
            from bench.soak import run_soak  # noqa: PLC0415 - only the soak needs it
            log(f"soak; databases and logs in {workdir}")
            failed = not run_soak(bench, args.soak_seconds or SOAK["seconds"], out, readme=not args.no_readme)
            return 1 if failed else 0
        log(f"{args.profile} run; databases and logs in {workdir}")
        results = bench.run()
        runtime = results["runtime_s"]
        if args.merge and out.exists():
            results = merge_results(json.loads(out.read_text()), results)
        write_json(results, out)
        if not args.no_readme:
            update_readme(results)
        print(readme_table(results), flush=True)
        log(f"wrote {out} in {runtime:.0f}s")
        failed = False
    except KeyboardInterrupt:
        log("interrupted")
    except BenchFailure as failure:
        log(f"FAILED: {failure}")
    finally:
        bench.stop_all()
        if not args.workdir and not failed:
            shutil.rmtree(workdir, ignore_errors=True)
        elif failed:
            log(f"logs kept in {workdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
