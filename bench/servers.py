"""The bench's server processes: the app or the baseline on 127.0.0.1, their memory sampled, stopped by PID."""
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process on 127.0.0.1, its peak memory sampled while it runs, stopped by its PID.

    record(every) also keeps a time series of its resident memory, one sample every
    `every` seconds, for the soak's growth figure.
    """

    def __init__(self, name, argv, env, logdir):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(logdir) / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([*argv, "--host", "127.0.0.1", "--port", str(self.port)], cwd=ROOT,
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.proc.pid)
        self.peak_rss = 0
        self.series = []          # (time.monotonic(), RSS in bytes), while recording
        self._record_every = None
        self._next_record = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self):
        while not self._stop.is_set():
            try:
                rss = self.ps.memory_info().rss
            except psutil.Error:
                return
            self.peak_rss = max(self.peak_rss, rss)
            now = time.monotonic()
            if self._record_every is not None and now >= self._next_record:
                self.series.append((now, rss))
                self._next_record = now + self._record_every
            self._stop.wait(0.2)

    def record(self, every):
        """Start keeping the RSS series (a sample at once, then one every `every` seconds)."""
        self.series = []
        self._next_record = 0.0
        self._record_every = every

    def rss(self):
        return self.ps.memory_info().rss

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
