"""The production server for tests: ``gunicorn -c gunicorn.conf.py app:server`` as the README runs it,
on a free loopback port, with the error log (app messages, tracebacks) and the access log in
separate files so a test can count the app's log lines per request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProdServer:
    """gunicorn with the repo's gunicorn.conf.py on ``data_dir``; ``.base`` is its URL."""

    def __init__(self, data_dir: Path, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.error_log = log_dir / "gunicorn-error.log"
        self.access_log = log_dir / "gunicorn-access.log"
        full_env = dict(
            os.environ,
            HOST="127.0.0.1",
            PORT=str(self.port),
            WIJKPEIL_DATA_DIR=str(data_dir),
            WIJKPEIL_ERROR_LOG=str(self.error_log),
            WIJKPEIL_ACCESS_LOG=str(self.access_log),
            **env,
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"],
            cwd=REPO,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_listening(self, timeout: float = 180) -> None:
        """Until the port answers any HTTP response (not necessarily a healthy 200)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.log()}")
            try:
                requests.get(self.base + "/healthz", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not listen on {self.base} in {timeout} s: {self.log()}")

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.log()}")
            try:
                last = requests.get(self.base + "/healthz", timeout=5)
                if last.status_code == 200:
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.3)
        raise RuntimeError(f"not healthy in {timeout} s (last: {last!r}): {self.log()}")

    def log(self) -> str:
        """The error log so far (gunicorn's own lines, the app's lines, tracebacks)."""
        return self.error_log.read_text(encoding="utf-8") if self.error_log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
