"""gunicorn for the bench: a Server (bench/servers.py) whose CPU and memory are its master's and workers' together.

    python -m bench.offices_serve --workers 4 --host 127.0.0.1 --port 8000

Run as a module, it becomes `python -m gunicorn --workers N --bind HOST:PORT
--no-control-socket kiosk.wsgi:app` in the same process (exec), so the PID the bench
holds is gunicorn's master: the --host/--port that Server passes become gunicorn's
--bind. Settings come from the environment, as for any deployment.
"""
import argparse
import os
import sys

import psutil

from bench.servers import Server


class Gunicorn(Server):
    """gunicorn's master and its workers: CPU time summed over them all, memory as the sum of their RSS."""

    def __init__(self, name, workers, env, logdir):
        self.peak_total = 0
        super().__init__(name, [sys.executable, "-m", "bench.offices_serve", "--workers", str(workers)], env,
                         logdir)

    def processes(self):
        try:
            return [self.ps, *self.ps.children(recursive=True)]
        except psutil.Error:
            return []

    def total_rss(self):
        total = 0
        for process in self.processes():
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _sample(self):
        while not self._stop.is_set():
            if self.proc.poll() is not None:
                return
            total = self.total_rss()
            self.peak_total = max(self.peak_total, total)
            self.peak_rss = max(self.peak_rss, total)
            self._stop.wait(0.2)

    def cpu_seconds(self):
        total = 0.0
        for process in self.processes():
            try:
                total += sum(process.cpu_times()[:2])
            except psutil.Error:
                pass
        return total

    def peak_rss_mb(self):
        """The sampled peak of master and workers together (each one's own high-water mark would overstate it)."""
        return self.peak_total / 2**20

    def stop(self):
        """SIGTERM to the master (which stops its workers), SIGKILL after 10 s; then any worker left, by PID.

        psutil checks a process is still the one it was (its start time) before signalling it."""
        workers = self.processes()[1:]
        super().stop()
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except psutil.TimeoutExpired:
                worker.kill()
            except psutil.Error:
                pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind",
                              f"{args.host}:{args.port}", "--no-control-socket", "kiosk.wsgi:app"])


if __name__ == "__main__":
    main()
