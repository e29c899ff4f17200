"""Shared fixtures. Tests that need ../shared/data or Chromium fail loudly when it is missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    d = settings.get().shared_dir
    if not (d / "lbm" / "wijk_scores_2002_2024.csv").exists():
        pytest.fail(
            f"shared data not found at {d}; put ../shared beside the repo or set WIJKPEIL_SHARED_DIR"
        )
    return d


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, shared_dir):  # noqa: ANN001, ANN201
    """The real app, started as a user would (`python app.py`), on a free loopback port."""
    port = _free_port()
    env = dict(
        os.environ,
        PORT=str(port),
        HOST="127.0.0.1",
        WIJKPEIL_DATA_DIR=str(tmp_path_factory.mktemp("data")),
    )
    log = open(tmp_path_factory.mktemp("log") / "app.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(120):
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"app did not start on {url}; see {log.name}")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not Path("/usr/bin/chromium").exists() or not Path("/usr/bin/chromedriver").exists():
        pytest.fail(
            "Chromium not found: apt-get install chromium chromium-driver (done by .ci/run)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    yield drv
    drv.quit()
