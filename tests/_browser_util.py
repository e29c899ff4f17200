"""Helpers and fixtures for the browser tests (test_browser, test_stories, test_a11y).

Importing this module (at collection, before any app starts) points the live app at a local fake
PDOK Locatieserver: it reserves a free loopback port and sets ``WIJKPEIL_LOCATIESERVER_URL``,
which ``tests/conftest.py``'s ``live_app`` passes on to ``python app.py`` with the rest of the
environment. The fixture :func:`locatieserver` then serves on that port. (With
``WIJKPEIL_TEST_APP_URL`` the app is yours: start it with the same variable.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from locatieserver_server import PREFIX, FakeLocatieserver

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
AXE_DIR = REPO / "tests" / "_artifacts" / "npm"  # git-ignored; .ci/run installs axe-core here
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if not os.environ.get("WIJKPEIL_LOCATIESERVER_URL"):
    _LS_PORT = _free_port()
    os.environ["WIJKPEIL_LOCATIESERVER_URL"] = f"http://127.0.0.1:{_LS_PORT}{PREFIX}"
else:
    _LS_PORT = int(os.environ["WIJKPEIL_LOCATIESERVER_URL"].split(":")[2].split("/")[0])


@pytest.fixture(scope="session")
def locatieserver():  # noqa: ANN201
    """The fake PDOK Locatieserver on the port the app was told about."""
    srv = FakeLocatieserver(_LS_PORT).start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _online_locatieserver(request):  # noqa: ANN001, ANN202
    """Every test starts with the fake Locatieserver reachable (when the test uses it)."""
    if "locatieserver" in request.fixturenames:
        request.getfixturevalue("locatieserver").offline = False
    yield


def wait_for(predicate, timeout: float = 60, what: str = "condition"):  # noqa: ANN001, ANN201
    """Poll ``predicate`` until it returns something truthy; fail loudly with the last value."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - DOM not ready yet; retried, reported on timeout
            last = exc
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


def settled(browser) -> bool:  # noqa: ANN001
    """The page has its h1, no Dash callback is running and every graph has drawn."""
    return browser.execute_script(
        "if (!document.querySelector('main h1')) return false;"
        "if (document.querySelector('[data-dash-is-loading=\"true\"]')) return false;"
        "const g = document.querySelectorAll('.dash-graph');"
        "for (const x of g) { if (!x.querySelector('.main-svg')) return false; }"
        "return document.readyState === 'complete';"
    )


def open_page(browser, url: str, width: int = 1280, timeout: float = 90) -> None:  # noqa: ANN001
    browser.set_window_size(width, 900)
    browser.get(url)
    wait_for(lambda: settled(browser), timeout=timeout, what=f"{url} to settle")
    time.sleep(0.4)
    wait_for(lambda: settled(browser), timeout=timeout, what=f"{url} to settle (2)")


def graph_data(browser, graph_id: str):  # noqa: ANN001, ANN201
    return browser.execute_script(
        "const g = document.getElementById(arguments[0]);"
        "const p = g && (g.classList.contains('js-plotly-plot') ? g : g.getElementsByClassName('js-plotly-plot')[0]);"
        "if (!p || !p.data) return null;"
        "const a = (p.layout.annotations || []).find(x => x.name === 'title');"
        "return {data: p.data, title: a ? a.text : (p.layout.title || {}).text, layout: p.layout};",
        graph_id,
    )


def type_into(element, text: str) -> None:  # noqa: ANN001
    """Replace the text of a React-controlled input (``clear()`` does not reach React)."""
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.BACKSPACE)
    element.send_keys(text)


def choose(browser, dropdown_id: str, text: str) -> None:  # noqa: ANN001
    """Pick an option of a dcc.Dropdown by typing its label."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.CSS_SELECTOR, f"#{dropdown_id} input")
    box.send_keys(text)
    time.sleep(0.5)
    box.send_keys(Keys.ENTER)


def axe_source() -> str:
    """axe-core from the npm registry (installed by .ci/run; installed here if missing)."""
    if not AXE_JS.exists():
        try:
            subprocess.run(
                ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
                 str(AXE_DIR), "axe-core@4"],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.fail(f"axe-core is not installed at {AXE_JS} and `npm install axe-core` failed: "
                        f"{exc}; run .ci/run or `npm install --prefix {AXE_DIR} axe-core@4`")  # fmt: skip
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(browser, source: str) -> list[dict]:  # noqa: ANN001
    """All axe-core rules on the current document; violations with impact and targets."""
    browser.execute_script(source)
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        "  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )


def screenshot(browser, name: str) -> Path:  # noqa: ANN001
    """A full-page screenshot in test-artifacts/screens (for people to look at)."""
    out = ARTIFACTS / "screens"
    out.mkdir(parents=True, exist_ok=True)
    w = browser.execute_script("return window.innerWidth")
    h = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(w, min(max(h, 600), 8000))
    time.sleep(0.5)
    path = out / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(w, 900)
    return path
