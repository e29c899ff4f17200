"""Accessibility and small screens: axe-core (from the npm registry, all rules) on every page in
Dutch and English at 390 px, with 0 serious or critical violations; one h1 per page; a skip link;
every chart with an accessible name and a table alternative; no horizontal scroll at 390 px.
Screenshots of every page at 390 px land in test-artifacts/screens/ for people to look at.
"""

from __future__ import annotations

import pytest
from _browser_util import axe_source, open_page, run_axe, screenshot
from selenium.webdriver.common.by import By

PAGES = [
    "/",
    "/?view=table",
    "/?indicator=criminaliteit&level=GM",
    "/trends",
    "/gebieden",
    "/vergelijk",
    "/indices",
    "/data",
    "/methode",
    "/over",
    "/wijk/WK059915",
    "/wijk/GM0518",
    "/embed/kaart",
    "/embed/trend",
    "/embed/gebied?area=Rotterdam-Zuid&indicator=lbm",
    "/embed/gebieden",
    "/embed/index",
    "/embed/vergelijk",
    "/no/such/page",
]


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


def _url(live_app: str, path: str, lang: str) -> str:
    if lang == "nl":
        return live_app + path
    return live_app + path + ("&" if "?" in path else "?") + "lang=en"


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible_and_fits_390px(live_app, browser, axe, path, lang):
    open_page(browser, _url(live_app, path, lang), width=390)
    assert browser.execute_script("return document.documentElement.lang") == lang
    assert browser.execute_script("return window.innerWidth") == 390
    width = browser.execute_script("return document.documentElement.scrollWidth")
    name = f"{lang}{path.replace('/', '_').replace('?', '_').replace('&', '_').replace('=', '-')}"
    shot = screenshot(browser, f"390-{name}")
    assert width <= 390, f"{path} ({lang}) is {width} px wide at 390 px; see {shot}"
    assert len(browser.find_elements(By.CSS_SELECTOR, "h1")) == 1, "one h1 per page"
    if not path.startswith("/embed"):
        skip = browser.find_element(By.CSS_SELECTOR, "a.skip-link")
        assert skip.get_attribute("href").endswith("#main") and skip.get_attribute("textContent")
    # every chart has an accessible name and (outside embeds) a table alternative
    for graph in browser.find_elements(By.CSS_SELECTOR, ".dash-graph"):
        fig = graph.find_element(By.XPATH, "./ancestor::figure")
        named = fig.get_attribute("aria-label") or fig.get_attribute("aria-labelledby")
        assert named, f"a chart on {path} has no accessible name"
        if not path.startswith("/embed"):
            block = graph.find_element(
                By.XPATH, "./ancestor::section[contains(@class,'chart-block')]"
            )
            assert block.find_elements(By.CSS_SELECTOR, "details.chart-table")
    bad = [v for v in run_axe(browser, axe) if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}" for v in bad)
