"""Twenty offices on one deployment: PostgreSQL, Redis and gunicorn, each office on a busy drop-in day.

    PG_DURABLE=1 scripts/pg_test_server.sh scripts/redis_test_server.sh .venv/bin/python -m bench.offices
    ... -m bench.offices --quick        # about 3 minutes: 1 and 4 workers, 30 s each
    ... -m bench.offices --smoke        # seconds: 2 offices, a handful of users, 2 workers (the test suite's)
    ... -m bench.offices --workers 1,4 --offices 10 --seconds 60 --out /tmp/o.json --no-readme

The PostgreSQL and Redis test servers export DATABASE_URL and REDIS_URL (PG_DURABLE=1
turns fsync on, so writes are measured as a real server makes them); without them
this refuses to run. For each worker count the database is emptied and seeded afresh
(bench/offices_seed.py: every office with its rooms, staff, devices and a drop-in
under way, through the app's services), then served by `gunicorn --workers N`
(bench/offices_serve.py) with production settings, the rate limits counted in Redis
and every office open all day. Each office gets the office day of `make bench`
(bench/locust_office.py: 30 staff screens and 3 displays polling every 2 s, 2 kiosks
checking someone in every 10 s, 8 keyworkers calling and finishing), each simulated
person working at one office; locust runs headless in its own process. The kiosks
keep the shipped check-in limit; only the sign-in limits are lifted, since every
screen comes from 127.0.0.1 (bench/profiles.py).

Measured after a warm-up (sign-ins, first renders): p50 and p95 of every poll, check-in
and Call next; check-in to the first poll of each of that office's staff screens
showing the ticket; errors; the server's CPU (gunicorn's master and workers together)
per second and per request, and its peak memory (their RSS summed). Results go to
bench/results/offices.json and README.md between the offices markers (bench/report.py).
"""
import argparse
import json
import os
import runpy
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil

from bench.offices_seed import OPEN_ALL_DAY, STAFF, TICKETS
from bench.offices_serve import Gunicorn
from bench.profiles import CHECKIN_LIMIT, OFFICE_CLASSES, SIGN_IN_LIMITS
from bench.report import machine, ms, offices_table, update_readme_offices, version, write_json
from bench.harness import LOCUSTFILE
from bench.servers import ROOT, log

RESULTS = ROOT / "bench" / "results" / "offices.json"
ONE_OFFICE = {"SCREENS": 30, "DISPLAYS": 3, "KIOSKS": 2, "KEYWORKERS": 8, "KIOSK_EVERY": 10}
PROFILES = {
    "full": {"offices": 20, "workers": (1, 2, 4), "seconds": 90, "warmup": 45, "spawn_rate": 30,
             "office": ONE_OFFICE, "staff": STAFF, "tickets": TICKETS},
    "quick": {"offices": 20, "workers": (1, 4), "seconds": 30, "warmup": 45, "spawn_rate": 30,
              "office": ONE_OFFICE, "staff": STAFF, "tickets": TICKETS},
    # For tests/load/test_offices_bench_smoke.py: proves the machinery, measures nothing worth reading.
    "smoke": {"offices": 2, "workers": (2,), "seconds": 10, "warmup": 3, "spawn_rate": 20,
              "office": {"SCREENS": 2, "DISPLAYS": 1, "KIOSKS": 1, "KEYWORKERS": 2, "KIOSK_EVERY": 3},
              "staff": {"reception_accounts": 1, "keyworkers": 2, "kiosks": 1, "displays": 1},
              "tickets": {"seen": 2, "waiting": 6}},
}
# The requests each worker count's row shows, as locust names them, and what the README calls them.
MEASURED = {"queue poll": "queue poll", "desk poll": "desk poll", "display poll": "display poll",
            "kiosk check-in (POST)": "check-in", "call next (POST)": "Call next"}
POLLS = ("queue poll", "desk poll", "display poll")
TARGETS = {"poll_p95_ms": 50, "visible_p95_ms": 2500}


def gunicorn_settings():
    """What the project's gunicorn.conf.py sets (the worker class, threads, keep-alive, the heartbeat's folder), which
    the server reads."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {name: settings[name] for name in ("worker_class", "threads", "keepalive", "worker_tmp_dir")
            if name in settings}


class Refused(Exception):
    """The run cannot start as asked; the message says why."""


def servers_from_environment():
    """DATABASE_URL (PostgreSQL) and REDIS_URL, or a refusal saying how to get them."""
    how = ("run it inside the test servers: PG_DURABLE=1 scripts/pg_test_server.sh scripts/redis_test_server.sh "
           ".venv/bin/python -m bench.offices")
    url, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    missing = [name for name, value in (("DATABASE_URL", url), ("REDIS_URL", redis)) if not value]
    if missing:
        raise Refused(f"bench.offices needs PostgreSQL and Redis, but {' and '.join(missing)} "
                      f"{'is' if len(missing) == 1 else 'are'} not set: {how}")
    if not url.startswith(("postgres://", "postgresql://")):
        raise Refused(f"bench.offices needs DATABASE_URL to name a PostgreSQL database: {how}")
    return url, redis


# The load generator's scheduling priority (nice). It shares the two cores with the server it measures: at the
# default priority a response that has arrived waits until locust next gets a core, and that wait was counted
# as the server's (side by side, p95 polls about twice as long while the server kept up). Ahead of the server,
# locust's clock reads an answer when it comes and every poll is sent on time, as browsers on screens of their
# own would (so an overloaded server is seen to be: at the default priority locust slowed down with it); it
# still takes its CPU from the same cores.
LOADGEN_NICE = -10


def ahead_of_server(pid):
    """Give the load generator (`pid`) LOADGEN_NICE; the niceness it runs at (0 when the system does not allow it)."""
    try:
        process = psutil.Process(pid)
        process.nice(LOADGEN_NICE)
        return process.nice()
    except psutil.AccessDenied:
        return 0
    except psutil.NoSuchProcess:
        return None


def reference_loop_ms(tries=5):
    """How fast this machine runs Python just now: the fastest of `tries` runs of a fixed loop, in ms. A virtual
    machine's speed can change from one minute to the next; the figures beside it are read with it."""
    fastest = None
    for _ in range(tries):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        took = (time.perf_counter() - started) * 1000
        fastest = took if fastest is None else min(fastest, took)
    return round(fastest, 1)


def fsync_on(url):
    import psycopg2  # noqa: PLC0415 - the PostgreSQL run alone needs it

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW fsync")
            return cursor.fetchone()[0] == "on"
    finally:
        connection.close()


class PostgresCPU:
    """PostgreSQL's CPU seconds so far: the postmaster's, its live processes' and those of every backend it has
    reaped (a connection's backend ends with it)."""

    def __init__(self, url):
        import psycopg2  # noqa: PLC0415

        connection = psycopg2.connect(url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW data_directory")
                data = cursor.fetchone()[0]
        finally:
            connection.close()
        self.postmaster = next((proc for proc in psutil.process_iter(["cmdline"])
                                if data in (proc.info["cmdline"] or []) and "-D" in proc.info["cmdline"]), None)

    def seconds(self):
        if self.postmaster is None:
            return None
        try:
            own = self.postmaster.cpu_times()
            total = own.user + own.system + own.children_user + own.children_system
            for child in self.postmaster.children():
                try:
                    total += sum(child.cpu_times()[:2])
                except psutil.Error:
                    pass
            return total
        except psutil.Error:
            return None


def estimate_s(p):
    return len(p["workers"]) * (p["seconds"] + p["warmup"] + 45)


def check_clock(p):
    """The offices' drop-in ends at 23:59 local time: a run that would cross it is refused, not spoiled."""
    zone = ZoneInfo(os.environ.get("TIMEZONE", "Europe/London"))
    now = datetime.now(zone)
    closes = now.replace(hour=23, minute=59, second=0, microsecond=0)
    if now + timedelta(seconds=estimate_s(p) + 60) >= closes:
        raise Refused(f"the seeded drop-ins close at 23:59 ({zone}); this run would still be going then. "
                      "Start it after midnight.")


class OfficesBench:
    def __init__(self, p, workdir, database_url, redis_url):
        self.p, self.workdir = p, Path(workdir)
        self.database_url, self.redis_url = database_url, redis_url
        self.secret = secrets.token_hex(32)
        self.servers = []
        self.loadgen_nice = None
        self.speed = {}  # reference_loop_ms() before each worker count's load

    def head_counts(self):
        """Locust's fixed counts per user class: one office's, times the offices (each user works at one)."""
        n = self.p["offices"]
        return {k: v if k == "KIOSK_EVERY" else v * n for k, v in self.p["office"].items()}

    def server_env(self):
        ours = set(SIGN_IN_LIMITS) | set(CHECKIN_LIMIT) | set(OPEN_ALL_DAY) | {
            "KIOSK_CONFIG", "SQLITE_PATH", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "GUNICORN_CMD_ARGS"}
        env = {k: v for k, v in os.environ.items() if k not in ours}
        env.update(OPEN_ALL_DAY)
        env.update(SIGN_IN_LIMITS)
        env.update(KIOSK_CONFIG="config.ProductionConfig",
                   DATABASE_URL=self.served_url(), RATELIMIT_STORAGE_URI=self.redis_url,
                   # A fresh prefix per run, so no count from an earlier run (or a test) carries over.
                   RATELIMIT_KEY_PREFIX=f"bench-offices-{secrets.token_hex(6)}",
                   BACKUP_KEEP="0", SECRET_KEY=self.secret, PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        return env

    def served_url(self):
        """The server's DATABASE_URL, as given (each worker keeps its connections: kiosk/db.py)."""
        return self.database_url

    def seed(self, workers):
        from bench.offices_seed import seed  # noqa: PLC0415 - imports the app, only when seeding
        path = self.workdir / f"manifest-{workers}w.json"
        started = time.monotonic()
        manifest = seed(path, self.p["offices"], self.p["staff"], self.p["tickets"], url=self.database_url)
        took = time.monotonic() - started
        states = manifest["offices"][0]["by_state"]
        log(f"seeded {len(manifest['offices'])} offices, each {states} ({took:.1f}s)")
        return path, manifest, took

    def load(self, server, manifest_path, tag):
        p = self.p
        counts = self.head_counts()
        users = sum(v for k, v in counts.items() if k != "KIOSK_EVERY")
        out = self.workdir / f"{tag}.json"
        env = {**os.environ, "BENCH_MANIFEST": str(manifest_path), "BENCH_OUT": str(out),
               "BENCH_WARMUP": str(p["warmup"]), "BENCH_SERVER_PID": str(server.proc.pid),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        env.update({f"BENCH_OFFICE_{k}": str(v) for k, v in counts.items()})
        argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
                "-r", str(p["spawn_rate"]), "-t", f"{p['warmup'] + p['seconds']}s", "--host", server.url,
                "--only-summary", "--stop-timeout", "0", "--loglevel", "WARNING", *OFFICE_CLASSES]
        postgres, pg_cpu = PostgresCPU(self.database_url), {}

        def note(when):
            pg_cpu[when] = (postgres.seconds(), time.monotonic())
        window = threading.Timer(p["warmup"], note, args=("from",))  # locust's own window starts about then
        machine0, wall0 = psutil.cpu_times(), time.monotonic()
        window.start()
        logfile_path = self.workdir / f"{tag}.locust.log"
        with open(logfile_path, "w") as logfile:
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT)
            try:
                self.loadgen_nice = ahead_of_server(proc.pid)
                proc.wait(timeout=p["warmup"] + p["seconds"] + 180)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        wall, machine1 = time.monotonic() - wall0, psutil.cpu_times()
        window.cancel()
        note("to")
        if not out.exists():
            raise RuntimeError(f"locust wrote no results (exit {proc.returncode}); see {logfile_path}:\n"
                               + logfile_path.read_text()[-3000:])
        result = json.loads(out.read_text())
        busy = sum(machine1) - sum(machine0) - (machine1.idle - machine0.idle) \
            - (getattr(machine1, "iowait", 0) - getattr(machine0, "iowait", 0))
        result["machine_busy_percent"] = 100 * busy / wall
        result["users"] = users
        (cpu0, t0), (cpu1, t1) = pg_cpu.get("from", (None, None)), pg_cpu["to"]
        result["postgres_cpu_per_s"] = (cpu1 - cpu0) / (t1 - t0) if cpu0 is not None and cpu1 is not None else None
        return result

    def one(self, workers):
        """Seed afresh, serve with `workers` gunicorn workers, load it; the figures for one row."""
        manifest_path, manifest, seed_s = self.seed(workers)
        self.speed[workers] = reference_loop_ms()
        server = Gunicorn(f"gunicorn-{workers}w", workers, self.server_env(), self.workdir)
        self.servers.append(server)
        try:
            server.wait_ready("/", timeout=120)
            processes = len(server.processes())
            log(f"gunicorn with {workers} workers on {server.url} (PID {server.proc.pid}, {processes} processes); "
                f"{self.p['offices']} offices, {self.p['warmup']} s warm-up, {self.p['seconds']} s measured")
            result = self.load(server, manifest_path, f"offices-{workers}w")
        finally:
            server.stop()
            self.servers.remove(server)
        return self.row(workers, manifest, result, server, processes, seed_s)

    def row(self, workers, manifest, result, server, processes, seed_s):
        requests = result["requests"]
        fresh = result.get("freshness") or {}
        by_office = fresh.get("by_office") or {}
        cpu_s = result.get("server_cpu_s")
        measured = {name: {k: requests[name][k] for k in ("count", "rps", "p50_ms", "p95_ms", "p99_ms", "errors",
                                                            "statuses")}
                    for name in MEASURED if name in requests}
        polls = [measured[n] for n in POLLS if n in measured]
        checks = {
            "zero errors": result["errors"] == 0,
            f"polls p95 < {TARGETS['poll_p95_ms']} ms": len(polls) == len(POLLS)
            and all((r["p95_ms"] or 0) < TARGETS["poll_p95_ms"] for r in polls),
            f"check-in to visible p95 <= {TARGETS['visible_p95_ms'] / 1000} s": bool(fresh.get("samples"))
            and fresh["p95_ms"] <= TARGETS["visible_p95_ms"] and not fresh.get("missed"),
        }
        row = {
            "workers": workers, "server_processes": processes, "server_pid": server.proc.pid,
            "users": result["users"], "seed_s": round(seed_s, 1), "window_s": result["window_s"],
            "rps": result["window_http_requests"] / max(1e-9, result["window_s"]),
            "requests": measured, "http": result.get("http"),
            "other_requests": {k: {f: v[f] for f in ("count", "p95_ms", "errors")}
                               for k, v in requests.items() if k not in MEASURED},
            "errors": result["errors"],
            "error_examples": {k: v["error_example"] for k, v in requests.items() if v["errors"]},
            "refused": result.get("refused", {}),
            "visible": {k: fresh.get(k) for k in ("checkins", "screens", "samples", "missed", "p50_ms", "p95_ms",
                                                  "max_ms")},
            "visible_by_office": by_office,
            "offices_seeing_checkins": sum(1 for f in by_office.values() if f.get("samples")),
            "server_cpu_s": cpu_s,
            "server_cpu_per_s": cpu_s / result["window_s"] if cpu_s is not None else None,
            "server_cpu_us_per_request": result.get("server_cpu_us_per_request"),
            "server_peak_rss_mb": server.peak_rss_mb(),
            "postgres_cpu_per_s": result["postgres_cpu_per_s"],
            "loadgen_cpu_percent": result["loadgen_cpu_percent"],
            "machine_busy_percent": result["machine_busy_percent"],
            "checks": checks, "passed": all(checks.values()),
        }
        worst = max((f["p95_ms"] or 0 for f in by_office.values()), default=None)
        log(f"{workers} workers: {row['rps']:.0f} req/s, {row['errors']} errors; "
            + ", ".join(f"{MEASURED[n]} p50/p95 {ms(r['p50_ms'])}/{ms(r['p95_ms'])} ms" for n, r in measured.items())
            + f"; check-in to visible p95 {ms(fresh.get('p95_ms'))} ms over {fresh.get('samples')} samples "
            f"(worst office {ms(worst)} ms, {fresh.get('missed')} missed); server CPU "
            f"{row['server_cpu_per_s'] or 0:.2f} s/s, {row['server_cpu_us_per_request'] or 0:.0f} µs/request; "
            f"peak {row['server_peak_rss_mb']:.0f} MB; PostgreSQL CPU {row['postgres_cpu_per_s'] or 0:.2f} s/s; "
            f"locust {row['loadgen_cpu_percent']:.0f}% of a core; "
            f"machine {row['machine_busy_percent']:.0f}% of {100 * (os.cpu_count() or 1)}%")
        return row

    def run(self, profile):
        started = time.monotonic()
        runs = [self.one(workers) for workers in self.p["workers"]]
        loadgen = max(r["loadgen_cpu_percent"] for r in runs)
        counts = self.head_counts()
        return {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "kind": "offices",
            "profile": profile,
            "machine": machine(),
            "settings": {
                "offices": self.p["offices"], "per_office": self.p["office"], "users": runs[0]["users"],
                "head_counts": counts, "staff_per_office": self.p["staff"], "tickets_per_office": self.p["tickets"],
                "seconds": self.p["seconds"], "warmup_s": self.p["warmup"], "spawn_rate": self.p["spawn_rate"],
                "workers": list(self.p["workers"]),
                "server": "gunicorn, kiosk.wsgi:app, ProductionConfig with CSRF on, on 127.0.0.1",
                "gunicorn_settings": gunicorn_settings(),
                "database": f"PostgreSQL, fsync {'on' if fsync_on(self.database_url) else 'off'}, "
                            "connections kept by each worker",
                "limits": "Redis (RATELIMIT_STORAGE_URI), a fresh key prefix per run",
                "gunicorn": version("gunicorn"),
                "load_generator": f"locust {version('locust')} FastHttpUser, headless, its own process",
                "load_generator_nice": self.loadgen_nice,
                "schedule": OPEN_ALL_DAY, "overrides": SIGN_IN_LIMITS,
                "targets": TARGETS,
            },
            "runs": runs,
            "reference_loop_ms": dict(self.speed),
            "errors": sum(r["errors"] for r in runs),
            "load_generator": {"max_cpu_percent": loadgen, "not_the_bottleneck": loadgen < 90,
                               "note": "locust runs every user on one thread (gevent): it is the limit only "
                                       "near 100% of one core."},
            "runtime_s": round(time.monotonic() - started, 1),
        }

    def stop_all(self):
        for server in list(self.servers):
            server.stop()
            self.servers.remove(server)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_const", dest="profile", const="quick", default="full",
                        help="about 3 minutes: 1 and 4 workers, 30 s of load each")
    parser.add_argument("--smoke", action="store_const", dest="profile", const="smoke",
                        help="the machinery only, in seconds (the test suite's check)")
    parser.add_argument("--workers", help="comma-separated gunicorn worker counts (default 1,2,4)")
    parser.add_argument("--offices", type=int, help="how many offices (default 20)")
    parser.add_argument("--seconds", type=int, help="measured seconds of load per worker count (default 90)")
    parser.add_argument("--out", help=f"where the JSON goes (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    parser.add_argument("--workdir", help="keep manifests and logs here instead of a temporary folder")
    args = parser.parse_args(argv)
    p = dict(PROFILES[args.profile])
    if args.workers:
        try:
            p["workers"] = tuple(int(n) for n in args.workers.split(","))
        except ValueError:
            parser.error("--workers takes numbers separated by commas, e.g. 1,2,4")
        if not p["workers"] or min(p["workers"]) < 1:
            parser.error("--workers: at least one worker each")
    if args.offices is not None:
        if args.offices < 1:
            parser.error("--offices must be at least 1")
        p["offices"] = args.offices
    if args.seconds is not None:
        if args.seconds < 5:
            parser.error("--seconds must be at least 5")
        p["seconds"] = args.seconds
    try:
        database_url, redis_url = servers_from_environment()
        check_clock(p)
    except Refused as refusal:
        print(f"bench.offices: {refusal}", file=sys.stderr)
        return 2
    out = Path(args.out or RESULTS)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="dropin-offices-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bench = OfficesBench(p, workdir, database_url, redis_url)
    log(f"{args.profile} run: {p['offices']} offices, workers {', '.join(map(str, p['workers']))}, about "
        f"{estimate_s(p) / 60:.0f} min; manifests and logs in {workdir}")
    failed = True
    try:
        results = bench.run(args.profile)
        write_json(results, out)
        if not args.no_readme:
            update_readme_offices(results)
        print(offices_table(results), flush=True)
        log(f"wrote {out} in {results['runtime_s']:.0f}s")
        failed = False
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        bench.stop_all()
        if not args.workdir and not failed:
            shutil.rmtree(workdir, ignore_errors=True)
        elif failed:
            log(f"logs kept in {workdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
