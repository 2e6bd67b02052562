"""The bench's harness: each server on a fresh copy of a seeded database, and locust's load against it.

The app is served exactly as `make run` serves it (`python run.py`: waitress, ProductionConfig with CSRF
on), with SQLITE_PATH and SECRET_KEY pointing into the work folder so the developer's own instance/ is
never touched; hello world (bench/hello.py) is served by waitress with the same thread count. locust
(FastHttpUser, headless, bench/locustfile.py) runs in its own process. Both bind 127.0.0.1 only and are
stopped by PID (bench/servers.py). What is measured with them is bench/run.py's.
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.profiles import CHECKIN_LIMIT, SIGN_IN_LIMITS, THREADS
from bench.servers import ROOT, Server

LOCUSTFILE = ROOT / "bench" / "locustfile.py"


class Harness:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.servers = []
        self.secret = secrets.token_hex(32)

    # ---- servers ----

    def env(self, db, overrides=None):
        ours = set(SIGN_IN_LIMITS) | set(CHECKIN_LIMIT) | {"DATABASE_URL", "KIOSK_CONFIG", "THREADS"}
        env = {k: v for k, v in os.environ.items() if k not in ours}
        # No daily copy of the database at start: a one-off, not the steady load being measured.
        env.update(SQLITE_PATH=str(db), SECRET_KEY=self.secret, PYTHONUNBUFFERED="1", BACKUP_KEEP="0",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.update(overrides or {})
        return env

    def fresh_copy(self, template, name):
        """A copy of the seeded database `template` in the work folder as `name`, in place of any earlier one."""
        db = self.workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, db)
        return db

    def start_app(self, template, name, overrides):
        db = self.fresh_copy(template, name)
        server = Server(name, [sys.executable, "run.py"], self.env(db, overrides), self.workdir)
        self.servers.append(server)
        server.wait_ready("/")
        return server

    def start_hello(self, template=None):
        """Hello world; with `template`, reading the queue's version from a fresh copy of it on every request."""
        read = [] if template is None else ["--read", str(self.fresh_copy(template, "hello-read"))]
        server = Server("hello", [sys.executable, "-m", "bench.hello", "--threads", str(THREADS), *read],
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
        env.update(BENCH_OUT=str(out), BENCH_WARMUP=str(warmup), BENCH_SERVER_PID=str(server.proc.pid))
        if manifest_path is not None:  # hello world's phases need none
            env["BENCH_MANIFEST"] = str(manifest_path)
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
