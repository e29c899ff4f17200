"""End to end in headless Debian Chromium against the real app started as `python app.py`.

The app starts on an empty data dir, so these tests also prove the first-start path: it builds
the real store from ../shared/data (no synthetic rows), then serves. Expected values come from the
publisher's files read here with plain pandas (Leefbaarometer 3.0 wijk CSV), never from the app.
"""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
from _browser_util import choose, graph_data, open_page, wait_for
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from pages import ids

THIN = "\u202f"


@pytest.fixture(scope="module")
def lbm(shared_dir) -> pd.DataFrame:  # noqa: ANN001
    """The published Leefbaarometer 3.0 wijk scores, read as the publisher wrote them."""
    return pd.read_csv(shared_dir / "lbm" / "wijk_scores_2002_2024.csv", na_values=["NA"])


def geojson_fetches(browser) -> int:  # noqa: ANN001
    return browser.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/geo/WK/2024.geojson')).length;"
    )


def open_map(browser, url: str) -> dict:  # noqa: ANN001
    open_page(browser, url)
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"#{ids.MAP} canvas"), what="map")
    return wait_for(lambda: graph_data(browser, ids.MAP), what="map figure")


def nl2(x: float) -> str:
    """Two decimals with a decimal comma, written out here (not the app's formatter)."""
    return f"{x:.2f}".replace(".", ",").replace("-", "\u2212")


def test_map_classes_values_belong_to_their_wijk_and_recolour_keeps_geometry(
    live_app, browser, lbm
):
    fig = open_map(browser, live_app + "/?indicator=lbm&year=2024")
    trace = fig["data"][0]
    assert trace["geojson"] == "/geo/WK/2024.geojson"  # geometry by URL, fetched once
    # value i belongs to location i: the hover text of a few wijken is the published score
    pub = lbm[lbm["jaar"] == 2024].set_index("wk_code")["lbm"].dropna()
    shown = dict(zip(trace["locations"], trace["text"], strict=True))
    for code in ("WK059915", "WK030710", pub.index[100]):
        assert shown[code] == nl2(pub[code]), code
    # classed legend: one legend entry per class plus "geen gegevens"; no continuous colour bar
    legend = [t["name"] for t in fig["data"][1:] if t.get("visible", True) is not False]
    assert legend[-1] == "geen gegevens" and len(legend) >= 6
    assert trace.get("showscale") is False
    for loc, z in zip(trace["locations"], trace["z"], strict=True):  # "geen gegevens" = no value
        assert (z == -1) == (loc not in pub.index), loc
    # hover: name with gemeente, value, unit and "rang X van N" (never a bare gemeente code)
    assert "rang %{hovertext} van" in trace["hovertemplate"]
    assert f"van {len(pub):,}".replace(",", THIN) in trace["hovertemplate"]
    label = dict(zip(trace["locations"], [c[0] for c in trace["customdata"]], strict=True))
    assert label["WK059915"] == "Charlois · Rotterdam"
    wait_for(lambda: geojson_fetches(browser) == 1, what="one geometry fetch")
    z_before = list(trace["z"])
    choose(browser, ids.INDICATOR, "Overlast en onveiligheid")
    fig2 = wait_for(
        lambda: (f := graph_data(browser, ids.MAP)) and "Overlast" in f["title"] and f,
        what="recoloured map",
    )
    assert fig2["data"][0]["z"] != z_before
    onv = lbm[lbm["jaar"] == 2024].set_index("wk_code")["onv"].dropna()
    shown2 = dict(zip(fig2["data"][0]["locations"], fig2["data"][0]["text"], strict=True))
    assert shown2["WK059915"] == nl2(onv["WK059915"])
    assert geojson_fetches(browser) == 1  # recolour did not fetch geometry again
    q = parse_qs(urlparse(browser.current_url).query)  # the permalink followed the view
    assert q["indicator"] == ["onv"] and q["year"] == ["2024"]


def test_permalink_restores_state(live_app, browser):
    open_page(browser, live_app + "/?indicator=onv&year=2022&level=WK&view=table&lang=en")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"#{ids.TABLE} td"), what="table rows")
    value = browser.execute_script(
        f"return document.querySelector('#{ids.YEAR} .Select-value-label').textContent"
    )
    assert value == "2022"
    assert "Nuisance and unsafety" in browser.page_source  # English labels from the registry
    wait_for(
        lambda: browser.find_element(By.ID, ids.MAP_WRAP).value_of_css_property("display")
        == "none",
        timeout=15,
        what="map hidden in table view",
    )
    first_rank = browser.find_element(
        By.CSS_SELECTOR, f"#{ids.TABLE} td[data-dash-column=rank]"
    ).text
    assert first_rank == "1"


def test_click_on_map_opens_profile(live_app, browser, shared_dir):  # noqa: ANN001
    open_map(browser, live_app + "/?indicator=lbm&year=2024")
    time.sleep(2)  # let MapLibre draw the fetched geometry
    canvas = browser.find_element(By.CSS_SELECTOR, f"#{ids.MAP} canvas")
    # where the click lands, asked of the map library itself (pixel -> lon/lat), not of the app
    lon, lat = browser.execute_script(
        "const g = document.getElementById(arguments[0]);"
        "const p = g.classList.contains('js-plotly-plot') ? g : g.querySelector('.js-plotly-plot');"
        "const m = p._fullLayout.map._subplot.map; const c = m.getCanvas();"
        "const q = m.unproject([c.clientWidth / 2, c.clientHeight / 2]); return [q.lng, q.lat];",
        ids.MAP,
    )
    # a real mouse click in the middle of the canvas (the Netherlands: land)
    ActionChains(browser).move_to_element(canvas).pause(0.5).click().perform()
    wait_for(lambda: "/wijk/WK" in browser.current_url, what="profile URL after a map click")
    code = urlparse(browser.current_url).path.rsplit("/", 1)[-1]
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".profile .js-plotly-plot"),
             what="profile charts")  # fmt: skip
    assert code in browser.page_source and "Kerncijfers" in browser.page_source
    # the opened wijk is the one under the click in the published 2024 boundaries (within the
    # 160 m the web geometry is simplified by): a wrong code order would open another wijk
    import geopandas as gpd
    from shapely.geometry import Point

    raw = gpd.read_file(shared_dir / "geo" / "wijk_2024.geojson").set_index("wijkcode")
    here = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(28992).iloc[0]
    under = raw.to_crs(28992)
    assert code in under.index, f"{code} is not a wijk of the 2024 boundaries"
    dist = under.loc[code].geometry.distance(here)
    containing = under.index[under.contains(here)].tolist()
    assert dist <= 250, (
        f"clicked at {lon:.4f},{lat:.4f} (in {containing}); profile of {code} lies {dist:.0f} m away"
    )


def test_language_switch_and_html_lang(live_app, browser):
    open_page(browser, live_app + "/?indicator=lbm")
    assert browser.execute_script("return document.documentElement.lang") == "nl"
    wait_for(lambda: browser.find_element(By.ID, ids.LANG_SWITCH).text == "English", what="switch")
    browser.find_element(By.ID, ids.LANG_SWITCH).click()
    wait_for(lambda: "lang=en" in browser.current_url, what="English URL")
    wait_for(lambda: "Liveability" in browser.page_source, what="English labels")
    wait_for(lambda: "Compare" in browser.find_element(By.ID, ids.NAV).text, what="English nav")
    assert browser.find_element(By.ID, ids.LANG_SWITCH).text == "Nederlands"
    assert browser.execute_script("return document.documentElement.lang") == "en"
    # served HTML already carries the language (before any script runs)
    assert '<html lang="en">' in requests.get(live_app + "/trends?lang=en", timeout=30).text
    assert '<html lang="nl">' in requests.get(live_app + "/trends", timeout=30).text


def test_english_mode_shows_no_dutch_themes_units_or_titles(live_app, browser):
    open_page(browser, live_app + "/wijk/WK059915?lang=en")
    text = browser.find_element(By.TAG_NAME, "main").text
    for dutch in ("inwoners", "Kerncijfers", "Wonen en leefomgeving", "verslechterd", "rang ",
                  "gemeente Rotterdam", "Bron:"):  # fmt: skip
        assert dutch not in text, dutch
    assert "per 1,000 inhabitants" in text and "Key figures" in text
    assert browser.title.endswith("Neighbourhood profile — Wijkpeil")
    open_page(browser, live_app + "/wijk/WK059915")
    text = browser.find_element(By.TAG_NAME, "main").text
    for english in ("inhabitants", "Key figures", "Worsened", "rank ", "Source:"):
        assert english not in text, english
    assert browser.title.endswith("Wijkprofiel — Wijkpeil")


def test_embed_renders_in_iframe(live_app, browser):
    browser.get(live_app + "/healthz")
    src = live_app + "/embed/trend?indicator=lbm&regions=NPLV:Rotterdam-Zuid,REST:Rotterdam-Zuid"
    browser.execute_script(
        "document.body.innerHTML = '<iframe id=f width=900 height=600 src=\"' + arguments[0] + '\"></iframe>';",
        src,
    )
    browser.switch_to.frame("f")
    try:
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f"#{ids.EMBED_GRAPH} .main-svg"),
                 what="embed chart")  # fmt: skip
        wait_for(
            lambda: not browser.find_element(By.ID, ids.HEADER).is_displayed(), what="chromeless"
        )
        names = {t["name"] for t in graph_data(browser, ids.EMBED_GRAPH)["data"]}
        assert names == {"Rotterdam-Zuid", "Nederland", "rest van de gemeente (Rotterdam-Zuid)"}
        assert "LBM3.0" in browser.page_source  # source line
        assert browser.find_elements(By.LINK_TEXT, "Open in Wijkpeil")
    finally:
        browser.switch_to.default_content()


def test_downloads_are_valid_files(live_app, browser, lbm):
    open_map(browser, live_app + "/?indicator=lbm&year=2024")
    links = {a.text: a.get_attribute("href")
             for a in browser.find_elements(By.CSS_SELECTOR, f"#{ids.part(ids.MAP, 'downloads')} a")}  # fmt: skip
    csv = requests.get(links["CSV"], timeout=60)
    assert csv.ok and csv.headers["Content-Type"].startswith("text/csv")
    df = pd.read_csv(io.StringIO(csv.text))
    assert {"value", "unit", "source", "synthetic"} <= set(df.columns)
    pub = lbm[lbm["jaar"] == 2024].set_index("wk_code")["lbm"].dropna()
    got = df.set_index("region_code")["value"].dropna()
    common = pub.index.intersection(got.index)
    assert len(common) == len(pub) and (abs(got[common] - pub[common]) < 1e-9).all()
    xlsx = requests.get(links["XLSX"], timeout=60)
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert "data" in sheets and len(sheets["data"]) == len(df)
    gj = requests.get(links["GEOJSON"], timeout=120).json()
    assert len(gj["features"]) > 3000 and gj["features"][0]["geometry"]["type"].endswith("Polygon")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, shared_dir):  # noqa: ANN001, ANN201
    """The explicit demo store: synthetic CBS-format data in a store of its own, served with
    `python app.py --demo` (two years keep it quick)."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    data = tmp_path_factory.mktemp("demo-data")
    env = dict(os.environ, WIJKPEIL_DATA_DIR=str(data))
    env.pop("WIJKPEIL_STORE_KIND", None)
    subprocess.run([sys.executable, "-m", "loaders", "build", "--source", "synthetic",
                    "--years", "2023-2024"], cwd=repo, env=env, check=True,
                   capture_output=True, timeout=900)  # fmt: skip
    assert (data / "demo").is_dir() and not (data / "store").exists()
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    env["PORT"] = str(port)
    log = open(data / "app.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "app.py", "--demo"], cwd=repo, env=env, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(url + "/healthz", timeout=2).ok, timeout=300,
             what="the demo app")  # fmt: skip
    yield url
    proc.terminate()
    proc.wait(20)


def test_real_store_shows_no_banner_anywhere(live_app, browser):
    for path in ("/?indicator=lbm&year=2016", "/?indicator=inwoners", "/trends?indicator=bijstand"):
        open_page(browser, live_app + path)
        assert not browser.find_element(By.ID, ids.BANNER).is_displayed(), path


def test_demo_store_banner_keeps_its_style_after_switching_indicator(demo_app, browser):
    open_map(browser, demo_app + "/?indicator=inwoners&year=2023")
    banner = wait_for(lambda: (b := browser.find_element(By.ID, ids.BANNER)).is_displayed() and b,
                      what="demo banner")  # fmt: skip
    assert "SYNTHETISCH" in banner.text
    choose(browser, ids.INDICATOR, "Bijstandsuitkeringen")
    wait_for(lambda: "Bijstand" in graph_data(browser, ids.MAP)["title"], what="bijstand map")
    banner = browser.find_element(By.ID, ids.BANNER)
    assert banner.is_displayed() and "SYNTHETISCH" in banner.text
    assert banner.value_of_css_property("background-color") == "rgba(176, 0, 32, 1)"
    assert banner.value_of_css_property("font-weight") == "700"


@pytest.mark.parametrize(
    ("path", "texts"),
    [
        ("/?indicator=bogus", ["Onbekende indicator", "bogus"]),
        ("/?indicator=bogus&lang=en", ["Unknown indicator", "bogus"]),
        ("/?indicator=lbm&year=1999", ["1999", "Kies een van deze jaren"]),
        ("/wijk/WK999999", ["Onbekende wijk", "WK999999"]),
        ("/trends?regions=../../etc/passwd", ["Onjuiste gebiedscode"]),
        ("/gebieden?area=Atlantis", ["Onbekend NPLV-gebied", "Atlantis"]),
        ("/no/such/page", ["niet gevonden"]),
        ("/no/such/page?lang=en", ["Page not found"]),
    ],
)
def test_bad_urls_give_helpful_pages_in_the_page_language(live_app, browser, path, texts):
    browser.get(live_app + path)
    h1 = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "main h1"), what="h1")
    body = wait_for(lambda: all(t in browser.find_element(By.TAG_NAME, "main").text for t in texts)
                    and browser.find_element(By.TAG_NAME, "main").text, what=f"texts on {path}")  # fmt: skip
    assert h1.text and "Traceback" not in body
