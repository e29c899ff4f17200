"""End to end in headless Debian Chromium against the real app started as `python app.py`.

The app starts on an empty data dir, so these tests also prove the first-start path: it builds
the store from ../shared/data + synthetic gap filling, then serves.
"""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from pages import ids


def wait_for(predicate, timeout: float = 60, what: str = "condition"):  # noqa: ANN001, ANN201
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - DOM not ready yet; retried, reported on timeout
            last = exc
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


def graph_data(browser, graph_id: str):  # noqa: ANN001, ANN201
    return browser.execute_script(
        "const g = document.getElementById(arguments[0]);"
        "const p = g && g.getElementsByClassName('js-plotly-plot')[0];"
        "return p && p.data ? {data: p.data, title: (p.layout.title||{}).text} : null;",
        graph_id,
    )


def geojson_fetches(browser) -> int:  # noqa: ANN001
    return browser.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/geo/WK/2024.geojson')).length;"
    )


def choose(browser, dropdown_id: str, text: str) -> None:  # noqa: ANN001
    box = browser.find_element(By.CSS_SELECTOR, f"#{dropdown_id} input")
    box.send_keys(text)
    time.sleep(0.4)
    box.send_keys(Keys.ENTER)


def open_map(browser, url: str) -> dict:  # noqa: ANN001
    browser.get(url)
    wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, f"#{ids.MAP} canvas"), what="map canvas"
    )
    return wait_for(lambda: graph_data(browser, ids.MAP), what="map figure")


def test_map_renders_recolours_without_resending_geometry(live_app, browser):
    fig = open_map(browser, live_app + "/?indicator=lbm&year=2024")
    trace = fig["data"][0]
    assert trace["geojson"] == "/geo/WK/2024.geojson"  # geometry by URL, fetched once
    z_before = list(trace["z"])
    assert sum(v is not None for v in z_before) > 3000  # real Leefbaarometer 2024 scores
    assert "Leefbaarheid" in fig["title"]
    wait_for(lambda: geojson_fetches(browser) == 1, what="one geometry fetch")
    choose(browser, ids.INDICATOR, "Overlast en onveiligheid")
    fig2 = wait_for(
        lambda: (f := graph_data(browser, ids.MAP)) and "Overlast" in f["title"] and f,
        what="recoloured map",
    )
    assert fig2["data"][0]["z"] != z_before
    assert geojson_fetches(browser) == 1  # recolour did not fetch geometry again
    q = parse_qs(urlparse(browser.current_url).query)  # the permalink followed the view
    assert q["indicator"] == ["onv"] and q["year"] == ["2024"]


def test_permalink_restores_state(live_app, browser):
    url = live_app + "/?indicator=onv&year=2022&level=WK&view=table&lang=en"
    browser.get(url)
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"#{ids.TABLE} td"), what="table rows")
    value = browser.execute_script(
        f"return document.querySelector('#{ids.YEAR} .Select-value-label').textContent"
    )
    assert value == "2022"
    assert "Nuisance and unsafety" in browser.page_source  # English labels from the registry
    wait_for(  # the page may render twice (layout, then URL callback): wait for it to settle
        lambda: browser.find_element(By.ID, ids.MAP).value_of_css_property("display") == "none",
        timeout=15,
        what="map hidden in table view",
    )
    first_rank = browser.find_element(
        By.CSS_SELECTOR, f"#{ids.TABLE} td[data-dash-column=rank]"
    ).text
    assert first_rank == "1"


def test_click_on_map_opens_profile(live_app, browser):
    open_map(browser, live_app + "/?indicator=lbm&year=2024")
    time.sleep(2)  # let MapLibre draw the fetched geometry
    canvas = browser.find_element(By.CSS_SELECTOR, f"#{ids.MAP} canvas")
    # a real mouse click in the middle of the Netherlands (map centre 52.2N 5.3E is land)
    ActionChains(browser).move_to_element(canvas).pause(0.5).click().perform()
    wait_for(lambda: "/wijk/WK" in browser.current_url, what="profile URL after a map click")
    code = urlparse(browser.current_url).path.rsplit("/", 1)[-1]
    wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, ".profile .js-plotly-plot"),
        what="profile charts",
    )
    assert code in browser.page_source and "Kerncijfers" in browser.page_source


def test_language_switch(live_app, browser):
    open_map(browser, live_app + "/?indicator=lbm")
    wait_for(lambda: browser.find_element(By.ID, ids.LANG_SWITCH).text == "English", what="switch")
    browser.find_element(By.ID, ids.LANG_SWITCH).click()
    wait_for(lambda: "lang=en" in browser.current_url, what="English URL")
    wait_for(lambda: "Liveability" in browser.page_source, what="English labels")
    wait_for(lambda: "Compare" in browser.find_element(By.ID, ids.NAV).text, what="English nav")
    assert "Map" in browser.find_element(By.ID, ids.NAV).text
    assert browser.find_element(By.ID, ids.LANG_SWITCH).text == "Nederlands"


def test_embed_renders_in_iframe(live_app, browser):
    browser.get(live_app + "/healthz")
    src = live_app + "/embed/trend?indicator=lbm&regions=WK059915"
    browser.execute_script(
        "document.body.innerHTML = '<iframe id=f width=900 height=600 src=\"' + arguments[0] + '\"></iframe>';",
        src,
    )
    browser.switch_to.frame("f")
    try:
        wait_for(
            lambda: browser.find_elements(By.CSS_SELECTOR, "#embed-graph .main-svg"),
            what="embed chart",
        )
        wait_for(
            lambda: not browser.find_element(By.ID, ids.HEADER).is_displayed(), what="chromeless"
        )
        assert (
            "Leefbaarometer" in browser.page_source or "LBM3.0" in browser.page_source
        )  # source line
        assert browser.find_elements(By.LINK_TEXT, "Open in Wijkpeil")
    finally:
        browser.switch_to.default_content()


def test_downloads_are_valid_files(live_app, browser):
    open_map(browser, live_app + "/?indicator=lbm&year=2024")
    links = {
        a.text: a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")
    }
    csv = requests.get(links["CSV"], timeout=60)
    assert csv.ok and csv.headers["Content-Type"].startswith("text/csv")
    df = pd.read_csv(io.StringIO(csv.text))
    assert {"value", "unit", "source", "synthetic"} <= set(df.columns)
    assert len(df) > 3000 and (df["source"] == "LBM3.0").all() and not df["synthetic"].any()
    xlsx = requests.get(links["XLSX"], timeout=60)
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert set(sheets) == {"data", "metadata"}
    assert len(sheets["data"]) == len(df)
    gj = requests.get(links["GEOJSON"], timeout=120).json()
    assert len(gj["features"]) > 3000 and gj["features"][0]["geometry"]["type"].endswith("Polygon")


def test_synthetic_values_carry_the_banner(live_app, browser):
    # 2016 wijk inhabitants are not in ../shared/data: the default store fills them synthetically
    browser.get(live_app + "/?indicator=inwoners&year=2016")
    banner = wait_for(lambda: browser.find_element(By.ID, ids.BANNER), what="banner")
    wait_for(lambda: banner.is_displayed() and "SYNTHETISCH" in banner.text, what="visible banner")
    browser.get(live_app + "/?indicator=lbm&year=2024")  # real data: no banner
    wait_for(lambda: graph_data(browser, ids.MAP), what="map")
    assert not browser.find_element(By.ID, ids.BANNER).is_displayed()


def test_bad_urls_give_helpful_pages(live_app, browser):
    for path, text in [
        ("/?indicator=bogus", "unknown indicator 'bogus'"),
        ("/?indicator=lbm&year=1999", "choose one of"),
        ("/wijk/WK999999", "Onbekende wijk"),
        ("/trends?regions=../../etc/passwd", "malformed region code"),
        ("/no/such/page", "niet gevonden"),
    ]:
        browser.get(live_app + path)
        wait_for(lambda t=text: t in browser.page_source, what=f"error text on {path}")
        assert "Traceback" not in browser.page_source
