"""Security headers per route, frame rules, 404s and path normalisation (issue 12), over HTTP and in
headless Chromium against ``gunicorn -c gunicorn.conf.py`` on the store the live app built.

The expected header values are written out here; the script hashes are recomputed from the served
HTML with hashlib (not with Dash's csp_hashes). CSP violations are collected in the browser with a
``securitypolicyviolation`` listener installed before any page script runs; a positive control
(an injected inline script) proves the listener and the policy work.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import os
import re
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
import requests

from pages import ids
from tests.prod_server import ProdServer, free_port

PDOK = ("https://service.pdok.nl", "https://api.pdok.nl")
PAGES = ["/", "/trends", "/gebieden", "/vergelijk", "/indices", "/wijk/WK059915", "/methode",
         "/over", "/embed/kaart", "/embed/trend", "/nope", "/?indicator=lbm&indicator=onv"]  # fmt: skip
LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


def _png() -> bytes:
    """A 256x256 grey PNG tile (written by hand: signature, IHDR, IDAT, IEND)."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    head = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


class OtherOrigin:
    """A second local origin: a tile server (like PDOK's WMTS/XYZ tiles, CORS open), a JSON
    endpoint (like the Locatieserver) and a parent page that frames the app."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.hits: list[str] = []
        self.app_base = ""
        png, outer = _png(), self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                outer.hits.append(self.path)
                if self.path.endswith(".png"):
                    body, ctype = png, "image/png"
                elif self.path.startswith("/frames"):
                    src = html.escape(outer.app_base)
                    body = (f'<!doctype html><iframe id="embed" src="{src}/embed/kaart"></iframe>'
                            f'<iframe id="full" src="{src}/"></iframe>').encode()  # fmt: skip
                    ctype = "text/html"
                else:
                    body, ctype = b'{"response": {"docs": []}}', "application/json"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def other() -> OtherOrigin:  # noqa: PT004
    srv = OtherOrigin()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def prod(live_app, app_data_dir, tmp_path_factory, other):  # noqa: ANN001, ANN201
    """gunicorn (gunicorn.conf.py) with the local tile/JSON server allowed as a CSP host."""
    data = Path(os.environ.get("WIJKPEIL_TEST_DATA_DIR") or app_data_dir)
    hosts = " ".join([*PDOK, other.base])
    server = ProdServer(data, tmp_path_factory.mktemp("prod-headers"), WIJKPEIL_CSP_HOSTS=hosts)
    other.app_base = server.base
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def _csp(headers: requests.structures.CaseInsensitiveDict) -> dict[str, list[str]]:
    out = {}
    for part in headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        out[name] = values
    return out


ROUTES = [
    ("GET", "/", 200), ("GET", "/trends?indicator=onv", 200), ("GET", "/wijk/WK059915", 200),
    ("GET", "/embed/kaart", 200), ("GET", "/embed/trend?regions=WK059915", 200),
    ("GET", "/healthz", 200), ("GET", "/geo/WK/2024.geojson", 200),
    ("GET", "/download/map.csv?indicator=lbm", 200), ("GET", "/_dash-layout", 200),
    ("GET", "/_dash-dependencies", 200), ("GET", "/assets/style.css", 200),
    ("GET", "/nope", 404), ("GET", "/embed/nope", 404), ("GET", "/?indicator=lbm&indicator=onv", 400),
    ("GET", "/download/map.exe", 404), ("POST", "/_dash-update-component", 415),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "status"), ROUTES)
def test_security_headers_on_every_route(prod, method, path, status):
    r = requests.request(method, prod.base + path, timeout=120)
    assert r.status_code == status, r.text[:200]
    h = r.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = _csp(h)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    script = csp["script-src"]
    assert script[0] == "'self'" and all(s.startswith("'sha256-") for s in script[1:])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    for host in PDOK:
        assert host in csp["img-src"] and host in csp["connect-src"]
    if path.startswith("/embed/"):
        assert csp["frame-ancestors"] == ["*"] and "X-Frame-Options" not in h
    else:
        assert csp["frame-ancestors"] == ["'none'"] and h["X-Frame-Options"] == "DENY"


def test_script_hashes_cover_exactly_the_inline_scripts(prod):
    """Every executable inline script of the page is allowed by its sha256, and nothing else is."""
    r = requests.get(prod.base + "/", timeout=60)
    markup = re.sub(r"<!--.*?-->", "", r.text, flags=re.S)  # e.g. Dash's <!--[if IE]> script
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", markup, flags=re.S)
    inline = [body for attrs, body in scripts if "application/json" not in attrs]
    assert len(inline) >= 2  # the renderer and the clientside callbacks
    want = {"'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
            for b in inline}  # fmt: skip
    assert set(_csp(r.headers)["script-src"][1:]) == want


@pytest.fixture(scope="module")
def page(browser, prod):  # noqa: ANN001, ANN201
    """The shared Chromium with the CSP violation listener installed on every new document."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTENER})
    return browser


def _wait(pred, timeout: float = 60, what: str = "") -> object:  # noqa: ANN001
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        try:
            last = pred()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - page not ready yet; reported on timeout
            last = exc
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


def _content_ready(drv) -> bool:  # noqa: ANN001
    """Dash has rendered the page content and no callback is pending."""
    return drv.execute_script(
        "const c = document.getElementById('_pages_content');"
        "return !!(c && c.children.length) && !document.querySelector('[data-dash-is-loading]');"
    )


def _id(path: str) -> str:
    """A test id without '/' (conftest saves failure artifacts under the test name)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"


@pytest.mark.parametrize("path", PAGES, ids=_id)
def test_pages_run_with_zero_csp_violations(page, prod, path):
    page.get("about:blank")
    page.get_log("browser")  # drop older messages
    page.get(prod.base + path)
    _wait(lambda: _content_ready(page), what=f"content of {path}")
    if path in ("/", "/embed/kaart"):  # the map: MapLibre's worker (blob:) and the geometry fetch
        _wait(lambda: page.execute_script(
            "return performance.getEntriesByType('resource')"
            ".some(e => e.name.includes('/geo/WK/2024.geojson'))"), what="geometry fetch")  # fmt: skip
        _wait(lambda: page.execute_script("return !!document.querySelector('.maplibregl-canvas')"),
              what="map canvas")  # fmt: skip
    time.sleep(1.5)  # late async chunks (dropdowns, tables) and plot styles
    assert page.execute_script("return window.__csp") == []
    console = [m["message"] for m in page.get_log("browser")]
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
    # positive control: an inline script added now must be refused and reported
    page.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        "document.body.appendChild(s);"
    )
    _wait(lambda: page.execute_script("return window.__csp.length"), 10, "violation report")
    assert page.execute_script("return window.__ran") is None
    assert page.execute_script("return window.__csp")[0].startswith("script-src")


def test_tiles_and_search_from_allowed_hosts_only(page, prod, other):
    """A raster basemap and a Locatieserver-style fetch from a host in WIJKPEIL_CSP_HOSTS load with
    no violation; a fetch to a host not listed is blocked."""
    page.get(prod.base + "/")
    _wait(lambda: _content_ready(page), what="map page")
    _wait(lambda: page.execute_script("return !!document.querySelector('.maplibregl-canvas')"),
          what="map canvas")  # fmt: skip
    before = len([h for h in other.hits if h.endswith(".png")])
    page.execute_script(
        "const gd = document.querySelector('#" + ids.MAP + " .js-plotly-plot');"
        "Plotly.relayout(gd, {'map.layers': [{sourcetype: 'raster', below: 'traces',"
        " source: [arguments[0] + '/tiles/{z}/{x}/{y}.png']}]});",
        other.base,
    )
    _wait(lambda: len([h for h in other.hits if h.endswith(".png")]) > before, 30, "tile requests")
    page.execute_script(
        "window.__ok = null; fetch(arguments[0] + '/search/v3_1/free?q=Charlois')"
        ".then(r => window.__ok = r.status);"
        "window.__blocked = null; fetch('http://127.0.0.1:9/elsewhere')"
        ".then(() => window.__blocked = 'loaded', e => window.__blocked = 'blocked');",
        other.base,
    )
    _wait(lambda: page.execute_script("return window.__ok && window.__blocked"), 20, "fetches")
    assert page.execute_script("return window.__ok") == 200
    assert page.execute_script("return window.__blocked") == "blocked"
    csp = page.execute_script("return window.__csp")
    assert csp == ["connect-src http://127.0.0.1:9/elsewhere :0"] or (
        len(csp) == 1 and csp[0].startswith("connect-src http://127.0.0.1:9/elsewhere")
    ), csp


def test_only_embeds_can_be_framed(page, prod, other):
    """A page on another origin frames /embed/kaart (rendered) and / (refused by the browser)."""
    page.get(other.base + "/frames")
    page.switch_to.frame("embed")
    try:
        _wait(lambda: page.execute_script("return !!document.getElementById('embed-graph')"),
              what="embed rendered inside the frame")  # fmt: skip
    finally:
        page.switch_to.default_content()
    page.switch_to.frame("full")
    try:
        time.sleep(2)
        assert not page.execute_script("return !!document.getElementById('_pages_content')")
        assert page.execute_script("return document.URL").startswith("chrome-error://")
    finally:
        page.switch_to.default_content()


@pytest.mark.parametrize(
    "raw", ["//evil.example/x", "/\\evil.example/x", "//evil.example"], ids=_id
)
def test_language_link_never_points_to_another_host(page, prod, raw):
    """The language switch is built from the path the browser shows; it must stay on this site."""
    page.get(prod.base + raw)
    assert page.execute_script("return location.pathname").startswith("//")
    initial = "/?lang=en"  # the frame's placeholder until the navigation callback has run
    href = _wait(lambda: (h := page.execute_script(
        f"return document.getElementById('{ids.LANG_SWITCH}').getAttribute('href')"))
        != initial and h, what="language link")  # fmt: skip
    assert href.startswith("/") and not href.startswith("//"), href
    assert href.startswith("/evil.example"), href
    resolved = page.execute_script(f"return document.getElementById('{ids.LANG_SWITCH}').href")
    assert resolved.startswith(prod.base + "/"), resolved
    r = requests.get(prod.base + raw.replace("\\", "%5C"), timeout=30)
    assert r.status_code == 404
