"""The soak: the office day's load for ten minutes, the app server's memory sampled all through it.

    python -m bench.run --soak                      # 600 s; bench/results/soak.json and README.md
    python -m bench.run --soak --soak-seconds 90    # a short try: the same, with a shorter warm-up

The load is the full run's office day (bench/locust_office.py: 30 staff screens and 3
displays polling every 2 s, 2 kiosks checking someone in every 10 s, 8 keyworkers
calling, starting and finishing visits) against one `python run.py` with the shipped
settings but the sign-in limits (bench/profiles.py). Every few seconds the server
process's resident memory (RSS) is noted. The first two minutes (the first fifth of a
shorter run) are warm-up; after them the peak may be at most 10% above the figure at
the end of the warm-up, and no request may fail. Every request counts, warm-up
included. The queue's length is read from the database every half-minute, to show it
neither ran dry nor piled up.
"""
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.profiles import OFFICE_CLASSES, OVERRIDES, PROFILES, SOAK, THREADS
from bench.report import machine, ms, soak_table, update_readme_soak, version, write_json
from bench.servers import ROOT, log

MB = 2**20


def warmup_for(seconds):
    return min(SOAK["warmup_s"], seconds * SOAK["warmup_share"])


def memory_figures(series, started, warmup, max_growth=SOAK["max_growth_percent"]):
    """From (time, RSS) samples: RSS at the end of the warm-up, the peak after it, the end, the growth."""
    if not series:
        raise RuntimeError("no memory samples: the server stopped or could not be read")
    boundary = started + warmup
    before = [rss for at, rss in series if at <= boundary]
    after = [rss for at, rss in series if at > boundary]
    if not before or not after:
        raise RuntimeError(f"memory samples do not span the warm-up ({len(before)} before, {len(after)} after)")
    base, peak = before[-1], max(after)
    growth = 100 * (peak - base) / base
    return {
        "start_mb": series[0][1] / MB,
        "rss_end_of_warmup_mb": base / MB,
        "peak_after_warmup_mb": peak / MB,
        "end_mb": series[-1][1] / MB,
        "growth_percent": growth,
        "within_limit": growth <= max_growth,
        "samples_mb": [[round(at - started, 1), round(rss / MB, 2)] for at, rss in series],
    }


class QueueWatch:
    """The session's tickets by state, read from the server's database (read-only) every so often."""

    def __init__(self, db, session_id, started, every):
        self.db, self.session_id, self.started, self.every = db, session_id, started, every
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read(self):
        connection = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        try:
            rows = connection.execute("SELECT state, COUNT(*) FROM ticket WHERE session_id = ? GROUP BY state",
                                      (self.session_id,)).fetchall()
        finally:
            connection.close()
        return dict(rows)

    def _run(self):
        while True:
            try:
                states = self._read()
            except sqlite3.Error as error:
                states = {"unreadable": str(error)[:100]}
            self.samples.append({"t_s": round(time.monotonic() - self.started, 1), **states})
            if self._stop.wait(self.every):
                return

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)
        try:
            self.samples.append({"t_s": round(time.monotonic() - self.started, 1), **self._read()})
        except sqlite3.Error:
            pass
        return self.samples


def shipped_checkin_limit(bench, db):
    """KIOSK_CHECKIN_LIMIT as the soak's server reads it: config.py in the server's own environment."""
    env = bench.env(db, OVERRIDES["office day"])
    found = subprocess.run([sys.executable, "-c", "from config import ProductionConfig as C; "
                            "print(C.KIOSK_CHECKIN_LIMIT)"], cwd=ROOT, env=env, capture_output=True, text=True)
    return found.stdout.strip() or None


def run_soak(bench, seconds, out, readme=True):
    """Run the soak, write its JSON (and README lines); True if it passed."""
    began = time.monotonic()
    full = PROFILES["full"]
    office = dict(full["office"])
    users = sum(v for k, v in office.items() if k != "KIOSK_EVERY")
    warmup = warmup_for(seconds)
    template, manifest = bench.seed("soak", full["session_tickets"], full["history_tickets"])
    # The app keeps real time here: the seeded session must take check-ins all through the soak.
    ends_at = datetime.fromisoformat(manifest["session_ends_at"])
    if ends_at < datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=seconds + 300):
        raise RuntimeError(f"the seeded session ends at {ends_at} UTC, before the soak would")
    server = bench.start_app(template, "soak", OVERRIDES["office day"])
    server_db = bench.workdir / "soak.sqlite3"  # start_app's copy of the template
    limit = shipped_checkin_limit(bench, server_db)
    log(f"soak: {seconds} s of the office day ({users} users), warm-up {warmup:.0f} s, memory every "
        f"{SOAK['sample_every_s']} s; kiosk check-in limit {limit}")
    server.record(SOAK["sample_every_s"])
    started = time.monotonic()
    queue = QueueWatch(server_db, manifest["session_id"], started, SOAK["queue_every_s"])
    try:
        result = bench.locust(server, Path(f"{template}.json"), OFFICE_CLASSES, users, seconds, 0, "soak", office)
    finally:
        queue_samples = queue.stop()
        series = list(server.series)
        bench.stop(server)
    memory = memory_figures(series, started, warmup)
    memory["kernel_peak_mb"] = result["server_peak_rss_mb"]
    checks = {f"memory growth <= {SOAK['max_growth_percent']:.0f}% after warm-up": memory["within_limit"],
              "zero errors": result["errors"] == 0}
    waiting = [s.get("waiting", 0) for s in queue_samples if "unreadable" not in s]
    results = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "kind": "soak",
        "machine": machine(),
        "settings": {
            "seconds": seconds, "default_seconds": SOAK["seconds"], "warmup_s": warmup,
            "sample_every_s": SOAK["sample_every_s"],
            "max_growth_percent": SOAK["max_growth_percent"], "users": office,
            "kiosk_every_s": office.get("KIOSK_EVERY", 10), "kiosk_checkin_limit": limit,
            "server": "python run.py (waitress, ProductionConfig, CSRF on), SQLite in a temporary folder",
            "threads": THREADS, "load_generator": f"locust {version('locust')} FastHttpUser, headless, its own process",
            "session_tickets": full["session_tickets"], "history_tickets": full["history_tickets"],
            "overrides": OVERRIDES["office day"],
            "growth": "(peak RSS after the warm-up - RSS at the end of the warm-up) / RSS at the end of the warm-up",
        },
        "memory": memory,
        "queue": {"samples": queue_samples, "waiting_min": min(waiting, default=None),
                  "waiting_max": max(waiting, default=None)},
        "http": result.get("http"),
        "requests": result["requests"],
        "errors": result["errors"],
        "refused": result.get("refused", {}),
        "freshness": result.get("freshness"),
        "server_pid": result["server_pid"],
        "server_cpu_percent": result["server_cpu_percent"],
        "machine_busy_percent": result["machine_busy_percent"],
        "loadgen_cpu_percent": result["loadgen_cpu_percent"],
        "checks": checks,
        "passed": all(checks.values()),
        "runtime_s": round(time.monotonic() - began, 1),
    }
    write_json(results, out)
    if readme:
        update_readme_soak(results)
    print(soak_table(results), flush=True)
    log(f"soak: RSS {memory['rss_end_of_warmup_mb']:.1f} MB at the end of the warm-up, peak after it "
        f"{memory['peak_after_warmup_mb']:.1f} MB, end {memory['end_mb']:.1f} MB: growth "
        f"{memory['growth_percent']:.1f}%; {results['http']['count']} requests, {results['errors']} errors, "
        f"p95 {ms(results['http']['p95_ms'])} ms; queue waiting {results['queue']['waiting_min']}–"
        f"{results['queue']['waiting_max']}; {'passed' if results['passed'] else 'FAILED'}; wrote {out}")
    return results["passed"]
