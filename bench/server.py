"""gunicorn on loopback, serving Debrief from this checkout in the production settings of the
process that starts it (bench.database.configure_environment), for the benchmark's ingestion
figures and the load test."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving Debrief in `settings` (by default the benchmark's, with its URLs),
    with database connections kept between requests; `workers` processes of `threads`
    threads each, in this process's environment with `environment`'s changes."""

    def __init__(
        self,
        *,
        workers: int,
        threads: int,
        settings: str = "bench.settings",
        environment: dict[str, str] | None = None,
    ):
        self.port = free_port()
        environment = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE=settings,
            DATABASE_CONN_MAX_AGE="60",
            **(environment or {}),
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "debrief.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            "--keep-alive=30",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(command, cwd=REPOSITORY, env=environment)
        self._wait_until_ready()

    def _wait_until_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            # Refused until gunicorn listens: try again shortly.
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on port {self.port}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command's name: state, then the parent's pid.
            if int(fields[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def workers_peak_memory_mb(self) -> float:
        """The largest peak resident memory (VmHWM) among the workers."""
        peaks = [0.0]
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self) -> None:
        stop(self.process)


class Worker:
    """A Celery worker, as production runs one (`celery -A debrief worker`: a process per
    core), in the same settings and environment as a Server."""

    def __init__(self, *, settings: str = "bench.settings", environment: dict[str, str]):
        environment = dict(
            os.environ, DJANGO_SETTINGS_MODULE=settings, DATABASE_CONN_MAX_AGE="60", **environment
        )
        command = [sys.executable, "-m", "celery", "-A", "debrief", "worker", "-l", "warning"]
        self.process = subprocess.Popen(command, cwd=REPOSITORY, env=environment)

    def stop(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
