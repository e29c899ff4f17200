"""The real app over HTTP and in headless Chromium."""

import json
import time

import requests
from selenium.webdriver.common.by import By


def test_geometry_once_and_small_recolour(live_app):
    gj = requests.get(live_app + "/geo/WK/2024.geojson", timeout=60).json()
    assert len(gj["features"]) > 3300
    assert set(gj["features"][0]["properties"]) == {"code"}
    assert requests.get(live_app + "/geo/XX/2024.geojson", timeout=5).status_code == 404
    assert requests.get(live_app + "/geo/WK/1999.geojson", timeout=5).status_code == 404


def test_map_renders_in_browser(live_app, browser):
    browser.get(live_app + "/?indicator=onv&year=2022")
    deadline = time.time() + 60
    while time.time() < deadline:
        paths = browser.find_elements(
            By.CSS_SELECTOR, "#map-graph canvas, #map-graph .maplibregl-canvas"
        )
        if paths:
            break
        time.sleep(0.5)
    assert paths, "map canvas did not render"
    fig = browser.execute_script(
        "return document.getElementById('map-graph').getElementsByClassName('js-plotly-plot')[0].data[0]"
    )
    assert len(fig["z"]) > 3000
    assert fig["geojson"] == "/geo/WK/2024.geojson"  # geometry by URL, not embedded
    assert "Overlast" in browser.page_source


def test_bad_url_gives_helpful_page(live_app, browser):
    browser.get(live_app + "/?indicator=bogus")
    time.sleep(2)
    assert "bestaat niet" in browser.page_source
    browser.get(live_app + "/wijk/WK999999")
    time.sleep(2)
    assert "Onbekende wijk" in browser.page_source


def test_recolour_callback_sends_values_not_geometry(live_app):
    body = {
        "output": "map-graph.figure",
        "outputs": {"id": "map-graph", "property": "figure"},
        "inputs": [
            {"id": "map-indicator", "property": "value", "value": "onv"},
            {"id": "map-year", "property": "value", "value": 2022},
        ],
        "changedPropIds": ["map-year.value"],
        "state": [],
    }
    r = requests.post(live_app + "/_dash-update-component", json=body, timeout=30)
    assert r.ok, r.text[:300]
    assert "coordinates" not in r.text
    assert len(r.content) < 300_000
    ops = json.loads(r.text)["response"]["map-graph"]["figure"]["operations"]
    z = next(o for o in ops if o["location"][-1] == "z")["params"]["value"]
    assert len(z) > 3000


def test_focus_area_page(live_app, browser):
    browser.get(live_app + "/gebieden?indicator=onv")
    for _ in range(60):
        if "Overvecht" in browser.page_source and browser.find_elements(
            By.CSS_SELECTOR, "#areas-graph .main-svg"
        ):
            break
        time.sleep(0.5)
    assert "Utrecht Overvecht" in browser.page_source
    assert "zekerheid" in browser.page_source
