"""The three stories of issue 13, replayed end to end in headless Chromium against the real app
(``python app.py``, see conftest's ``live_app``):

* the journalist finds the NPLV chart for an area, copies its embed code and sees it render in an
  iframe of a plain HTML page served from another origin;
* the resident finds a wijk by "Den Haag", by a buurt name and by a postcode (answered by a local
  fake PDOK Locatieserver, tests/locatieserver_server.py), reads the profile at 390 px, and is
  told that postcode search needs the internet when the Locatieserver cannot be reached;
* the researcher opens the bulk data page and downloads a CSV whose rows match the CLI export.

Expected values come from the publishers' files read here with plain pandas/json (Leefbaarometer
CSV, CBS 2024 boundaries and KWB 2024 values, CBS 2015 buurt boundaries), never from the app.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
from _browser_util import (
    REPO,
    _online_locatieserver,  # noqa: F401 - autouse fixture
    choose,
    graph_data,
    locatieserver,  # noqa: F401 - fixture
    open_page,
    screenshot,
    type_into,
    wait_for,
)
from selenium.webdriver.common.by import By

from pages import ids

THIN = "\u202f"


# --- independent expectations -----------------------------------------------------------------


@pytest.fixture(scope="module")
def gemeenten(shared_dir) -> dict[str, str]:  # noqa: ANN001
    gj = json.loads((shared_dir / "geo" / "gemeente_2024.geojson").read_text(encoding="utf-8"))
    return {
        f["properties"]["gemeentenaam"]: f["properties"]["gemeentecode"] for f in gj["features"]
    }


@pytest.fixture(scope="module")
def wijken(shared_dir) -> dict[str, dict]:  # noqa: ANN001
    gj = json.loads((shared_dir / "geo" / "wijk_2024.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["wijkcode"]: f["properties"] for f in gj["features"]}


@pytest.fixture(scope="module")
def lbm(shared_dir) -> pd.DataFrame:  # noqa: ANN001
    return pd.read_csv(shared_dir / "lbm" / "wijk_scores_2002_2024.csv", na_values=["NA"])


def test_alias_table_matches_official_gemeenten(gemeenten):
    """Every common name in pages/aliases.py leads to the official CBS 2024 gemeente."""
    from pages.aliases import GEMEENTE_ALIASES

    for alias, (code, official) in GEMEENTE_ALIASES.items():
        assert gemeenten.get(official) == code, alias
    assert GEMEENTE_ALIASES["den haag"][0] == gemeenten["'s-Gravenhage"]
    assert GEMEENTE_ALIASES["den bosch"][0] == gemeenten["'s-Hertogenbosch"]


# --- journalist ---------------------------------------------------------------------------------


@pytest.fixture()
def other_origin(tmp_path):  # noqa: ANN001, ANN201
    """A plain web server on another loopback port: a journalist's own page."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_journalist_embeds_the_nplv_chart_of_an_area(live_app, browser, other_origin):
    area = "Den Haag Zuidwest"
    open_page(browser, live_app + "/gebieden")
    choose(browser, ids.AREA_SELECT, area)
    fig = wait_for(lambda: (f := graph_data(browser, ids.AREA_GRAPH)) and area in f["title"] and f,
                   what="the area chart")  # fmt: skip
    # permalink: the URL follows the pick
    assert wait_for(lambda: parse_qs(urlparse(browser.current_url).query).get("area"),
                    what="area in the URL") == [area]  # fmt: skip
    names = {t["name"] for t in fig["data"]}
    assert names == {area, "rest van de gemeente", "Nederland"}
    # the downloads hold exactly the drawn lines
    link = browser.find_element(By.CSS_SELECTOR, f"#{ids.part(ids.AREA_GRAPH, 'downloads')} a")
    rows = pd.read_csv(io.StringIO(requests.get(link.get_attribute("href"), timeout=60).text))
    assert set(rows["region_code"]) == {f"NPLV:{area}", f"REST:{area}", "NL00"}
    drawn = next(t for t in fig["data"] if t["name"] == area)
    drawn_vals = {int(x): y for x, y in zip(drawn["x"], drawn["y"], strict=True) if y is not None}
    got = rows[rows["region_code"] == f"NPLV:{area}"].set_index("year")["value"].dropna()
    assert {int(k): round(v, 9) for k, v in got.items()} == {
        k: round(v, 9) for k, v in drawn_vals.items()
    }
    # PNG/SVG export carries the title and the source line (they are part of the figure)
    svg = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "Plotly.toImage(gd, {format: 'svg', width: 800, height: 500})"
        ".then(u => done(decodeURIComponent(u.split(',')[1]))).catch(e => done(String(e)));",
        ids.AREA_GRAPH,
    )
    assert area in svg and "Bron:" in svg and "<svg" in svg
    # copy the embed code
    browser.find_element(By.CSS_SELECTOR, f"#{ids.part(ids.AREA_GRAPH, 'embed')}").find_element(
        By.XPATH, "./ancestor::details").find_element(By.TAG_NAME, "summary").click()  # fmt: skip
    code_box = browser.find_element(By.ID, ids.part(ids.AREA_GRAPH, "embed"))
    snippet = code_box.get_attribute("value")
    button = code_box.find_element(By.XPATH, "./ancestor::details//button")
    button.click()
    wait_for(lambda: button.get_attribute("data-copied") == "1", what="copy confirmed")
    assert "{ORIGIN}" not in snippet and snippet.startswith('<iframe src="http://127.0.0.1:')
    src = snippet.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert src.startswith(live_app + "/embed/gebied?")
    assert parse_qs(urlparse(src).query) == {"area": [area], "indicator": ["lbm"]}
    # paste it into a plain page on another origin
    folder, origin = other_origin
    (folder / "artikel.html").write_text(
        f"<!doctype html><html lang=nl><head><title>Artikel</title></head><body>"
        f"<h1>Halen de focusgebieden hun gemeente in?</h1>{snippet}</body></html>",
        encoding="utf-8",
    )
    browser.set_window_size(1000, 900)
    browser.get(origin + "/artikel.html")
    frame = wait_for(lambda: browser.find_element(By.TAG_NAME, "iframe"), what="iframe")
    browser.switch_to.frame(frame)
    try:
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"#{ids.EMBED_GRAPH} .main-svg"),
                 what="chart inside the iframe")  # fmt: skip
        emb = wait_for(lambda: graph_data(browser, ids.EMBED_GRAPH), what="embedded figure")
        assert {t["name"] for t in emb["data"]} == names
        assert [t["y"] for t in emb["data"]] == [t["y"] for t in fig["data"]]  # the same chart
        assert not browser.find_element(By.ID, ids.HEADER).is_displayed()  # chromeless
        assert "Bron:" in browser.find_element(By.CSS_SELECTOR, ".embed-page .source").text
    finally:
        browser.switch_to.default_content()
    # the NPLV codes also work in the trend embed
    open_page(browser, live_app + f"/embed/trend?regions=NPLV:{area},REST:{area}&indicator=lbm")
    assert "bestaat niet" not in browser.page_source
    assert {t["name"] for t in graph_data(browser, ids.EMBED_GRAPH)["data"]} == {
        area, "Nederland", f"rest van de gemeente ({area})"}  # fmt: skip


# --- resident -----------------------------------------------------------------------------------


def find(browser, text: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """Type into "Vind je wijk" and return (link text, href) of the results once settled."""
    box = browser.find_element(By.ID, ids.FIND_INPUT)
    type_into(box, text)

    def done():  # noqa: ANN202
        ul = browser.find_elements(By.CSS_SELECTOR, f"#{ids.FIND_RESULTS} ul")
        if not ul or ul[0].get_attribute("data-query") != text:
            return None  # still the results of the previous text
        status = browser.find_element(By.ID, ids.FIND_STATUS).text
        if not status or "Zoeken bij PDOK" in status or "Searching PDOK" in status:
            return None
        return status

    wait_for(done, timeout=30, what=f"results for {text!r}")
    return [(a.text, a.get_attribute("href"))
            for a in browser.find_elements(By.CSS_SELECTOR, f"#{ids.FIND_RESULTS} li a")]  # fmt: skip


def test_resident_finds_a_gemeente_by_its_common_name(live_app, browser, gemeenten):
    open_page(browser, live_app + "/", width=390)
    for typed, official in (("Den Haag", "'s-Gravenhage"), ("Den Bosch", "'s-Hertogenbosch")):
        hits = find(browser, typed)
        target = "/wijk/" + gemeenten[official]
        assert any(href.endswith(target) for _, href in hits), (typed, hits)


def test_resident_finds_a_wijk_by_buurt_name(live_app, browser, shared_dir):
    """ "Tarwewijk" is a buurt (CBS buurt boundaries 2015: BU05991571) of wijk WK059915."""
    topo = json.loads((shared_dir / "geo" / "buurt_2015.topojson").read_text(encoding="utf-8"))
    geoms = next(iter(topo["objects"].values()))["geometries"]
    code = next(g["properties"]["statcode"] for g in geoms
                if g["properties"]["statnaam"] == "Tarwewijk" and g["properties"]["statcode"].startswith("BU0599"))  # fmt: skip
    wijk = "WK" + code[2:8]
    open_page(browser, live_app + "/", width=390)
    hits = find(browser, "Tarwewijk")
    assert any(href.endswith(f"/wijk/{wijk}") for _, href in hits), (
        f"searching the buurt name 'Tarwewijk' found {hits}; expected a link to its wijk {wijk}. "
        "Buurt names need indicators.views.search to return buurt rows (the lead's part)."
    )


def test_resident_finds_a_wijk_by_postcode_and_reads_the_profile(  # noqa: F811 - fixtures
    live_app, browser, locatieserver, wijken, lbm, shared_dir  # noqa: F811
):  # fmt: skip
    open_page(browser, live_app + "/", width=390)
    hits = find(browser, "3083")
    assert locatieserver.requests, "the browser did not ask the (local) Locatieserver"
    q = locatieserver.requests[-1]["params"]
    assert q["fq"] == ["type:adres"] and "wijkcode" in q["fl"][0]
    name = wijken["WK059915"]["wijknaam"]
    link = next((text, href) for text, href in hits if href.endswith("/wijk/WK059915"))
    assert link[0].startswith(name)
    # an address, too (a documented Locatieserver answer: Lijsterstraat 20, Amersfoort)
    hits = find(browser, "Lijsterstraat 20 Amersfoort")
    assert any(href.endswith("/wijk/WK030710") for _, href in hits), hits
    # read the profile
    hits = find(browser, "3083")
    browser.find_element(By.CSS_SELECTOR, f"#{ids.FIND_RESULTS} a[href$='/wijk/WK059915']").click()
    wait_for(lambda: "/wijk/WK059915" in browser.current_url, what="profile URL")
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "main h1").text == name, what="h1")
    open_page(browser, browser.current_url, width=390)
    main = browser.find_element(By.TAG_NAME, "main").text
    kwb = json.loads(
        (shared_dir / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json").read_text()
    )
    inhabitants = f"{kwb['WK059915']['AantalInwoners_5']:,}".replace(",", THIN)
    assert f"{inhabitants} inwoners (2024)" in main
    # Leefbaarometer score, rank X of N and the reading, from the published file
    s24 = lbm[lbm["jaar"] == 2024].set_index("wk_code")["lbm"].dropna()
    score = s24["WK059915"]
    rank = int((s24 > score).sum()) + 1
    n = len(s24)
    block = browser.find_element(By.CSS_SELECTOR, ".lbm-block").text
    assert f"Score {score:.2f}".replace(".", ",") in block
    assert f"rang {rank:,} van {n:,}".replace(",", THIN) in block
    s12 = lbm[(lbm["jaar"] == 2012) & (lbm["wk_code"] == "WK059915")]["lbm"].iloc[0]
    assert ("Sinds 2012 verbeterd" if score > s12 else "Sinds 2012 verslechterd") in block
    assert "klassengrenzen" in block  # says plainly that the official class boundaries are unknown
    # every key figure has a unit; Dutch numbers use a decimal comma; a key for the red rows
    table = browser.find_element(By.CSS_SELECTOR, "table.key-figures").text
    assert "per 1" + THIN + "000 inwoners" in table
    assert not re.search(r"\d\.\d", table), "a Dutch page shows a decimal point"
    if browser.find_elements(By.CSS_SELECTOR, "table.key-figures tr.synthetic"):
        assert browser.find_element(By.CSS_SELECTOR, ".key-synthetic").is_displayed()
    # where the wijk lies: its gemeente's wijken, this one highlighted
    loc = graph_data(browser, ids.PROFILE_MAP)["data"][0]
    lit = [c for c, z in zip(loc["locations"], loc["z"], strict=True) if z == 1]
    assert lit == ["WK059915"]
    rotterdam = {c for c, p in wijken.items() if p["gemeentecode"] == "GM0599"}
    assert set(loc["locations"]) <= rotterdam and len(loc["locations"]) >= 0.8 * len(rotterdam)
    # readable at 390 px: nothing wider than the screen
    assert browser.execute_script("return window.innerWidth") == 390
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot(browser, "story-resident-profile-390")
    # print view: no toolbars, no controls
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = browser.execute_script(
            "return ['.chart-tools', '.embed', '#site-header', '.modebar-container', '#print-button']"
            ".map(s => document.querySelector(s)).filter(Boolean)"
            ".every(e => getComputedStyle(e).display === 'none');"
        )
        assert hidden
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_postcode_search_offline_says_it_needs_internet(live_app, browser, locatieserver):  # noqa: F811
    open_page(browser, live_app + "/", width=390)
    locatieserver.offline = True
    hits = find(browser, "3083 AA")
    status = browser.find_element(By.ID, ids.FIND_STATUS).text
    assert "internet" in status and not hits
    locatieserver.offline = False
    open_page(browser, live_app + "/?lang=en", width=390)
    locatieserver.offline = True
    find(browser, "3083 AB")
    assert "needs the internet" in browser.find_element(By.ID, ids.FIND_STATUS).text


# --- researcher ---------------------------------------------------------------------------------


def test_researcher_downloads_a_bulk_csv_matching_the_cli_export(live_app, browser, app_data_dir,
                                                                  tmp_path):  # fmt: skip
    open_page(browser, live_app + "/data?level=wijk&indicators=lbm&years=2020-2024&regions=GM0599")
    links = {a.get_attribute("data-format") + ("-nl" if "excel-nl" in a.get_attribute("href") else ""):
             a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".bulk-links a")}  # fmt: skip
    assert set(links) == {"csv", "csv-nl", "xlsx", "parquet"}
    assert links["csv"] == (live_app + "/download/bulk.csv?level=wijk&indicators=lbm"
                            "&years=2020-2024&regions=GM0599&lang=nl")  # fmt: skip
    assert links["csv-nl"].endswith("&regions=GM0599&variant=excel-nl&lang=nl")
    # choosing changes the links and the URL (permalink)
    choose(browser, ids.DATA_REGIONS, "Rotterdam-Zuid")
    wait_for(lambda: "NPLV:Rotterdam-Zuid" in browser.current_url, what="region set in the URL")
    assert "regions=GM0599,NPLV:Rotterdam-Zuid" in browser.find_element(
        By.CSS_SELECTOR, ".bulk-links a").get_attribute("href")  # fmt: skip
    r = requests.get(links["csv"], timeout=300)
    if r.status_code == 404:
        pytest.fail("GET /download/bulk.csv answers 404: the bulk export route (the lead's part) "
                    "is not there yet")  # fmt: skip
    assert r.ok and r.headers["Content-Type"].startswith("text/csv"), r.text[:300]
    got = pd.read_csv(io.StringIO(r.content.decode("utf-8-sig")))
    out = tmp_path / "cli.csv"
    subprocess.run(
        [sys.executable, "-m", "indicators", "export", "--level", "wijk", "--format", "csv",
         "--indicators", "lbm", "--years", "2020-2024", "--out", str(out)],
        cwd=REPO, check=True, capture_output=True, timeout=600,
        env=dict(os.environ, WIJKPEIL_DATA_DIR=str(app_data_dir)),  # the app's own store
    )  # fmt: skip
    cli = pd.read_csv(out)
    cli = cli[cli["gemeente_code"] == "GM0599"]
    key = ["indicator", "region_code", "year"]
    assert len(got) == len(cli) > 0
    merged = got.merge(cli, on=key, suffixes=("_web", "_cli"))
    assert len(merged) == len(cli)
    assert ((merged["value_web"] - merged["value_cli"]).abs().fillna(0) < 1e-9).all()
    # the Dutch-Excel variant: BOM, semicolons, decimal comma — the same numbers
    nl = requests.get(links["csv-nl"], timeout=300)
    assert nl.ok and nl.content.startswith(b"\xef\xbb\xbf")
    head = nl.content.decode("utf-8-sig").splitlines()[0]
    assert ";" in head and "," not in head
    nl_df = pd.read_csv(io.StringIO(nl.content.decode("utf-8-sig")), sep=";", decimal=",")
    assert sorted(nl_df["value"].dropna().round(9)) == sorted(got["value"].dropna().round(9))
