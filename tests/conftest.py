"""Shared fixtures. Tests that need ../shared/data or Chromium fail loudly when it is missing."""

from __future__ import annotations

import os
import re
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


@pytest.fixture(scope="session")
def real_store(tmp_path_factory, shared_dir):  # noqa: ANN001, ANN201
    """The real store, built once per session from ../shared/data by the pipeline (as
    `python -m loaders build --source shared` does) into a session data folder. In-process code
    (views, export, dataset) reads it: WIJKPEIL_DATA_DIR points there for the whole session."""
    import pipeline
    from indicators import views

    d = tmp_path_factory.mktemp("realdata")
    os.environ["WIJKPEIL_DATA_DIR"] = str(d)
    os.environ.pop("WIJKPEIL_STORE_KIND", None)
    settings.get.cache_clear()
    views.clear()
    version = pipeline.build("shared", progress=lambda _m: None)
    assert version.kind == "real"
    return version


@pytest.fixture(scope="module")
def servers(shared_dir):  # noqa: ANN001, ANN201
    """Local publishers (CBS OData, PDOK, Leefbaarometer) for the online tests, per module."""
    from tests.online_env import start_servers

    srv = start_servers(shared_dir)
    yield srv
    srv["odata"].stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory) -> Path:  # noqa: ANN001
    """The (initially empty) data dir of the live app: it builds its store there on first start."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, shared_dir, app_data_dir):  # noqa: ANN001, ANN201
    """The real app, started as a user would (`python app.py`), on a free loopback port.

    For local iteration only, WIJKPEIL_TEST_APP_URL points the tests at an app already running.
    """
    if os.environ.get("WIJKPEIL_TEST_APP_URL"):
        yield os.environ["WIJKPEIL_TEST_APP_URL"].rstrip("/")
        return
    port = _free_port()
    env = dict(
        os.environ,
        PORT=str(port),
        HOST="127.0.0.1",
        WIJKPEIL_DATA_DIR=str(app_data_dir),
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

    for _ in range(1200):  # first start builds the store and the dataset (a few minutes at most)
        if proc.poll() is not None:
            log.flush()
            pytest.fail(f"python app.py exited with {proc.returncode}; see {log.name}")
        try:
            if requests.get(url + "/healthz", timeout=5).ok:
                break
        except requests.RequestException:  # not listening yet, or still verifying the store
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
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    drv.set_page_load_timeout(120)
    yield drv
    drv.quit()


ARTIFACTS = REPO / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    """Save a screenshot and the page source of every failed browser test."""
    outcome = yield
    rep = outcome.get_result()
    drv = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if rep.when == "call" and rep.failed and drv is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", item.name)[:150]  # ids may hold '/' or '?'
        drv.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        (ARTIFACTS / f"{name}.html").write_text(drv.page_source, encoding="utf-8")
