"""`make bench`: the app served as in production, under load, beside a hello-world baseline.

    python -m bench.run            # the full run (about 15 minutes on 2 cores)
    python -m bench.run --quick    # a short smoke run (about 2 minutes): no growth tables, a short office day

Each request type gets a fresh copy of a seeded database (bench/seed.py) and a
fresh server: `python run.py` exactly as shipped (waitress, its default thread
count, ProductionConfig with CSRF on), with SQLITE_PATH and SECRET_KEY pointing
into a temporary folder so the developer's own instance/ is never touched. The
baseline is bench/hello.py, served by waitress with the same thread count. The
load is locust (FastHttpUser, headless) in its own process (bench/locustfile.py).
Both bind 127.0.0.1 only and are stopped by PID when the phase ends or fails.

Results go to bench/results/latest.json and a table in README.md between the
bench markers.
"""
import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
README = ROOT / "README.md"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"
# run.py's own default, so the baseline gets exactly what the app gets.
THREADS = int(os.environ.get("THREADS", "8"))
# Settings the bench must change from the shipped ones, and why. Every simulated screen and
# tablet here comes from 127.0.0.1 and signs in within seconds, where the office's PCs each have
# their own address; and a kiosk checking people in flat out is the point of the check-in phase.
SIGN_IN_LIMITS = {"LOGIN_LIMIT_PER_ADDRESS": "100000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute"}
CHECKIN_LIMIT = {"KIOSK_CHECKIN_LIMIT": "1000000 per minute"}
OVERRIDES = {
    "request types and growth": {**SIGN_IN_LIMITS, **CHECKIN_LIMIT},
    "office day": dict(SIGN_IN_LIMITS),  # the kiosks keep the shipped check-in limit
}


# key: (locust class, the request that is measured, what the issue calls it, target ratio to hello world)
PHASES = {
    "hello": ("Hello", "hello", "hello world (baseline)", None),
    "hello_204": ("Hello204", "hello 204", "hello world's 204 (waitress closes the connection)", None),
    "queue_poll_204": ("QueuePoll204", "queue poll (204)", "queue poll, nothing changed (204)", 0.8),
    "display_poll_204": ("DisplayPoll204", "display poll (204)", "display poll, nothing changed (204)", 0.8),
    "desk_poll_204": ("DeskPoll204", "desk poll (204)", "desk poll, nothing changed (204)", None),
    "ticket_poll_204": ("TicketPoll204", "ticket poll (204)", "visitor's ticket poll, nothing changed (204)", None),
    "queue_fragment": ("QueueFragment", "queue poll (whole fragment)", "queue poll, whole fragment", 0.3),
    "desk_fragment": ("DeskFragment", "desk poll (whole fragment)", "desk poll, whole fragment", None),
    "display_fragment": ("DisplayFragment", "display poll (whole fragment)", "display poll, whole fragment", None),
    "ticket_status": ("TicketStatus", "ticket status page", "ticket status page", 0.5),
    "checkin": ("Kiosk", "kiosk check-in (POST)", "kiosk check-in (POST)", 0.15),
    "call_next": ("CallNext", "call next (POST)", "Call next (POST)", 0.15),
}
MAIN = list(PHASES)
GROWTH_PHASES = ["queue_poll_204", "display_poll_204", "queue_fragment", "ticket_status", "checkin", "call_next"]
OFFICE_CLASSES = ["OfficeStaffScreen", "OfficeDisplay", "OfficeKiosk", "OfficeKeyworker"]

PROFILES = {
    "full": {"duration": 10, "warmup": 3, "users": 8, "growth_duration": 6, "growth_warmup": 2,
             "office_duration": 120, "office_warmup": 15, "phases": MAIN, "growth": True,
             "session_tickets": 60, "history_tickets": 10_000,
             "office": {"SCREENS": 30, "DISPLAYS": 3, "KIOSKS": 2, "KEYWORKERS": 8}},
    "quick": {"duration": 3, "warmup": 2, "users": 8, "growth_duration": 0, "growth_warmup": 0,
              "office_duration": 30, "office_warmup": 10, "phases": MAIN, "growth": False,
              "session_tickets": 60, "history_tickets": 10_000,
              "office": {"SCREENS": 30, "DISPLAYS": 3, "KIOSKS": 2, "KEYWORKERS": 8}},
    # For tests/test_bench_smoke.py: proves the machinery, measures nothing worth reading.
    "smoke": {"duration": 1, "warmup": 1, "users": 2, "growth_duration": 0, "growth_warmup": 0,
              "office_duration": 4, "office_warmup": 3, "phases": ["hello", "queue_poll_204", "checkin"],
              "growth": False, "session_tickets": 20, "history_tickets": 200,
              "office": {"SCREENS": 3, "DISPLAYS": 1, "KIOSKS": 1, "KEYWORKERS": 2, "KIOSK_EVERY": 2}},
}
GROWTH_SESSION = (10, 100, 1000)
GROWTH_HISTORY = (1_000, 10_000, 100_000)


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process on 127.0.0.1, its peak memory sampled while it runs, stopped by its PID."""

    def __init__(self, name, argv, env, logdir):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(logdir) / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([*argv, "--host", "127.0.0.1", "--port", str(self.port)], cwd=ROOT,
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.proc.pid)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self):
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, self.ps.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(0.2)

    def wait_ready(self, path="/", timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.log_path.read_text()[-2000:])
            try:
                with urllib.request.urlopen(self.url + path, timeout=2):
                    return
            except urllib.error.HTTPError as error:
                error.close()
                if error.code < 500:
                    return  # it answers; refusing this browser is its business
                time.sleep(0.1)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s; see {self.log_path}")

    def cpu_seconds(self):
        times = self.ps.cpu_times()
        return times.user + times.system

    def peak_rss_mb(self):
        """The kernel's high-water mark (VmHWM) where there is one, else the sampled peak."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(int(line.split()[1]) * 1024, self.peak_rss) / 2**20
        except OSError:
            pass
        return self.peak_rss / 2**20

    def stop(self):
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class Bench:
    def __init__(self, profile, workdir, out, keep_logs=False):
        self.p = PROFILES[profile]
        self.profile = profile
        self.workdir = Path(workdir)
        self.out = Path(out)
        self.servers = []
        self.keep_logs = keep_logs
        self.secret = secrets.token_hex(32)
        self.hello_rps = self.hello_cpu = None

    # ---- servers ----

    def env(self, db, overrides=None):
        ours = set(SIGN_IN_LIMITS) | set(CHECKIN_LIMIT) | {"DATABASE_URL", "KIOSK_CONFIG", "THREADS"}
        env = {k: v for k, v in os.environ.items() if k not in ours}
        env.update(SQLITE_PATH=str(db), SECRET_KEY=self.secret, PYTHONUNBUFFERED="1",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.update(overrides or {})
        return env

    def start_app(self, template, name, overrides):
        db = self.workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, db)
        server = Server(name, [sys.executable, "run.py"], self.env(db, overrides), self.workdir)
        self.servers.append(server)
        server.wait_ready("/")
        return server

    def start_hello(self):
        server = Server("hello", [sys.executable, "-m", "bench.hello", "--threads", str(THREADS)],
                        self.env(self.workdir / "unused.sqlite3"), self.workdir)
        self.servers.append(server)
        server.wait_ready("/")
        return server

    def stop(self, server):
        server.stop()
        if server in self.servers:
            self.servers.remove(server)

    def stop_all(self):
        for server in list(self.servers):
            self.stop(server)

    # ---- load ----

    def locust(self, server, manifest_path, classes, users, duration, warmup, tag, extra_env=None):
        out = self.workdir / f"{tag}.json"
        out.unlink(missing_ok=True)
        env = self.env(self.workdir / "unused.sqlite3")
        env.update(BENCH_MANIFEST=str(manifest_path), BENCH_OUT=str(out), BENCH_WARMUP=str(warmup),
                   BENCH_SERVER_PID=str(server.proc.pid))
        for key, value in (extra_env or {}).items():
            env[f"BENCH_OFFICE_{key}"] = str(value)
        argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
                "-r", str(max(users, 1)), "-t", f"{warmup + duration}s", "--host", server.url,
                "--only-summary", "--stop-timeout", "0", "--loglevel", "WARNING", *classes]
        cpu0, wall0, machine0 = server.cpu_seconds(), time.monotonic(), psutil.cpu_times()
        with open(self.workdir / f"{tag}.locust.log", "w") as logfile:
            proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
                                  timeout=warmup + duration + 120)
        wall = time.monotonic() - wall0
        server_cpu = 100 * (server.cpu_seconds() - cpu0) / wall
        machine1 = psutil.cpu_times()
        busy = sum(machine1) - sum(machine0) - (machine1.idle - machine0.idle) \
            - (getattr(machine1, "iowait", 0) - getattr(machine0, "iowait", 0))
        if not out.exists():
            raise RuntimeError(f"locust wrote no results (exit {proc.returncode}); see "
                               f"{self.workdir / f'{tag}.locust.log'}:\n"
                               + (self.workdir / f"{tag}.locust.log").read_text()[-3000:])
        result = json.loads(out.read_text())
        result["server_cpu_percent"] = server_cpu
        result["server_pid"] = server.proc.pid
        if result.get("server_cpu_us_per_request") is None:  # no window figure: the whole run's
            result["server_cpu_us_per_request"] = 1e6 * (server.cpu_seconds() - cpu0) / max(1, result["http_requests"])
        # All cores together (200% on two): what else ran besides this server and locust shows here.
        result["machine_busy_percent"] = 100 * busy / wall
        result["server_peak_rss_mb"] = server.peak_rss_mb()
        return result

    def phase(self, key, template, manifest, duration, warmup, tag):
        cls, measured, label, target = PHASES[key]
        users = self.p["users"]
        if key == "call_next":  # one keyworker per ticket that can be called, at most
            movable = sum(manifest["by_state"].get(s, 0) for s in ("waiting", "called", "in_progress"))
            users = max(1, min(users, len(manifest["keyworkers"]), movable))
        server = self.start_hello() if key.startswith("hello") else \
            self.start_app(template, tag, OVERRIDES["request types and growth"])
        try:
            result = self.locust(server, Path(f"{template}.json"), [cls], users, duration, warmup, tag)
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
        if key == "hello":
            self.hello_rps, self.hello_cpu = row["rps"], row["server_cpu_us_per_request"]
        if self.hello_rps:
            row["ratio"] = row["rps"] / self.hello_rps
            row["meets_target"] = None if target is None else row["ratio"] >= target
            row["cpu_cost_ratio"] = self.hello_cpu / max(1e-9, row["server_cpu_us_per_request"])
        log(f"{tag}: {row['rps']:.0f} req/s, p50 {_ms(row['p50_ms'])}, p95 {_ms(row['p95_ms'])}, "
            f"p99 {_ms(row['p99_ms'])} ms, errors {row['errors']}, ratio {row.get('ratio', 0):.2f}, "
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
            + ", ".join(f"{n} p95 {_ms(r['p95_ms'])} ms" for n, r in requests.items()
                        if n in ("queue poll", "desk poll", "display poll", "kiosk check-in (POST)"))
            + f", check-in to staff screen p95 {_ms(fresh.get('p95_ms'))} ms over {fresh.get('samples')} samples")
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

    def run(self):
        started = time.monotonic()
        p = self.p
        template, manifest = self.seed("main", p["session_tickets"], p["history_tickets"])
        rows = [self.phase(k, template, manifest, p["duration"], p["warmup"], k) for k in p["phases"]]
        office = self.office_day(template, manifest) if p["office"] else None
        growth = self.growth(template, manifest, rows) if p["growth"] else None
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
                "load_generator": f"locust {_version('locust')} FastHttpUser, headless, its own process",
                "session_tickets": p["session_tickets"], "history_tickets": p["history_tickets"],
                "history_cases": manifest.get("history_cases", 0),
                "overrides": OVERRIDES,
            },
            "seed": {k: manifest[k] for k in ("session_tickets", "history_tickets", "history_sessions", "by_state")},
            "baseline": rows[0] if rows and rows[0]["key"] == "hello" else None,
            "request_types": rows,
            "office_day": office,
            "growth": growth,
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


def _version(package):
    from importlib.metadata import version  # noqa: PLC0415
    return version(package)


def _ms(value):
    return "–" if value is None else f"{value:.1f}"


def machine():
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "os": platform.platform(), "python": platform.python_version()}


def readme_table(results):
    """The short table for README.md."""
    m = results["machine"]
    lines = [
        f"Measured {results['date'][:10]} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"{m['os']}, Python {m['python']}; `make bench` ({results['profile']} run, {results['runtime_s'] / 60:.0f} min). "
        f"{results['settings']['load_generator']}, {results['settings']['users']} users per request type; "
        f"waitress {results['settings']['threads']} threads; a session of {results['seed']['session_tickets']} "
        f"tickets and {results['seed']['history_tickets']:,} historic ones. Full figures in "
        "`bench/results/latest.json`.",
        "",
        "| request | req/s | p50 ms | p95 ms | p99 ms | errors | peak MB | × hello | CPU µs | CPU × | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results["request_types"]:
        target = row.get("target_ratio")
        verdict = "" if target is None else f"≥ {target} {'✓' if row.get('meets_target') else '✗'}"
        lines.append(f"| {row['label']} | {row['rps']:.0f} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | "
                     f"{_ms(row['p99_ms'])} | {row['errors']} | {row['peak_rss_mb']:.0f} | "
                     f"{row.get('ratio', 0):.2f} | {row['server_cpu_us_per_request']:.0f} | "
                     f"{row.get('cpu_cost_ratio', 0):.2f} | {verdict} |")
    busy = [row["machine_busy_percent"] for row in results["request_types"]]
    lines += ["", f"The whole machine was busy {min(busy):.0f}–{max(busy):.0f}% of {100 * m['cores']}% during "
                  "these phases (server, locust and anything else running)."]
    office = results["office_day"]
    if office:
        lines += _office_lines(office)
    growth = results.get("growth")
    if growth:
        lines += ["", "Growth: req/s, p95 ms and the server's CPU µs per request (the steadiest of the three "
                      "on a shared machine):", ""]
        keys = GROWTH_PHASES
        lines.append("| session / history | " + " | ".join(PHASES[k][2] for k in keys) + " |")
        lines.append("|---|" + "---:|" * len(keys))
        for axis in ("session", "history"):
            for scenario in growth[axis]:
                cells = {r["key"]: r for r in scenario["rows"]}
                lines.append(f"| {scenario['session_tickets']:,} / {scenario['history_tickets']:,} | " + " | ".join(
                    f"{cells[k]['rps']:.0f} / {_ms(cells[k]['p95_ms'])} / {cells[k]['server_cpu_us_per_request']:.0f}"
                    if k in cells else "–" for k in keys) + " |")
    lines.append("")
    lines.append(f"Load generator at most {results['load_generator']['max_cpu_percent']:.0f}% of one core "
                 f"({'not' if results['load_generator']['not_the_bottleneck'] else 'possibly'} the bottleneck).")
    return "\n".join(lines)


def _office_lines(office):
    req = office["requests"]
    fresh = office["freshness"] or {}
    u = office["users"]
    return [
        "",
        f"Office day ({office['duration_s']} s: {u['SCREENS']} staff screens and {u['DISPLAYS']} displays polling "
        f"every 2 s, {u['KIOSKS']} kiosks checking someone in every {u.get('KIOSK_EVERY', 10)} s, "
        f"{u['KEYWORKERS']} keyworkers calling and finishing): {office['errors']} errors; p95 queue poll "
        f"{_ms(req.get('queue poll', {}).get('p95_ms'))} ms, desk poll {_ms(req.get('desk poll', {}).get('p95_ms'))} ms, "
        f"display poll {_ms(req.get('display poll', {}).get('p95_ms'))} ms, check-in "
        f"{_ms(req.get('kiosk check-in (POST)', {}).get('p95_ms'))} ms; check-in to first staff-screen poll showing it "
        f"p95 {_ms(fresh.get('p95_ms'))} ms; peak {office['peak_rss_mb']:.0f} MB. "
        + ("All office-day checks pass." if office["passed"] else
           "Failed: " + ", ".join(k for k, ok in office["checks"].items() if not ok) + "."),
    ]


def update_readme(results, readme=README):
    text = readme.read_text()
    block = f"{MARK_START}\n{readme_table(results)}\n{MARK_END}"
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        _, after = rest.split(MARK_END, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n## Performance\n\n`make bench` (`make bench BENCH_ARGS=--quick` for a short run)\n\n" \
            + block + "\n"
    readme.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_const", dest="profile", const="quick", default="full",
                        help="a short run: seconds per request type, a 30 s office day, no growth tables")
    parser.add_argument("--smoke", action="store_const", dest="profile", const="smoke",
                        help="the machinery only, in seconds (the test suite's check)")
    parser.add_argument("--out", default=str(RESULTS), help="where the JSON goes (default bench/results/latest.json)")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    parser.add_argument("--workdir", help="keep databases and logs here instead of a temporary folder")
    parser.add_argument("--only", help="comma-separated request types (and/or office_day, growth) to run, "
                                       "for working on one path; hello always runs")
    args = parser.parse_args(argv)

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="dropin-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.profile, workdir, args.out)
    if args.only:
        only = set(args.only.split(","))
        bench.p = {**bench.p, "phases": ["hello"] + [k for k in MAIN if k in only and k != "hello"],
                   "growth": "growth" in only, "office": bench.p["office"] if "office_day" in only else None}
    failed = True
    try:
        log(f"{args.profile} run; databases and logs in {workdir}")
        results = bench.run()
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(results, indent=1) + "\n")
        tmp.replace(out)
        if not args.no_readme:
            update_readme(results)
        print(readme_table(results), flush=True)
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
