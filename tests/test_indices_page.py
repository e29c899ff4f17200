"""The composite-index page in a real browser: weights in the URL, editable, effect visible."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from _browser_util import graph_data, wait_for
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from pages import ids


def _index_trace(fig: dict) -> dict:
    return next(tr for tr in fig["data"] if tr.get("mode") == "lines+markers")


def test_weights_from_url_are_shown_and_editable(live_app, browser):  # noqa: ANN001
    # real data: KWB 2023 (the shared xlsx) holds income and social assistance for Charlois
    url = live_app + "/indices?kind=leefbaarheid&regions=WK059915&weights=inkomen:2,bijstand:1"
    browser.get(url)
    fig = wait_for(lambda: (f := graph_data(browser, ids.INDEX_GRAPH)) and f["data"] and f,
                   what="index figure")  # fmt: skip
    trace = _index_trace(fig)
    assert trace["name"].startswith("Charlois")
    assert [x for x, v in zip(trace["x"], trace["y"], strict=True) if v is not None] == [2023]
    bars = {tr["name"] for tr in fig["data"] if tr["type"] == "bar"}
    assert len(bars) == 2  # one contribution per weighted component
    inputs = browser.find_elements(By.CSS_SELECTOR, "fieldset.weights input")
    assert [i.get_attribute("value") for i in inputs] == ["2", "1"]
    before = list(trace["y"])
    inputs[1].send_keys(Keys.CONTROL, "a")
    inputs[1].send_keys("0", Keys.ENTER)  # leave social assistance out: the index changes
    after = wait_for(
        lambda: (t := _index_trace(graph_data(browser, ids.INDEX_GRAPH)))["y"] != before and t,
        what="recomputed index",
    )
    assert (
        len([tr for tr in graph_data(browser, ids.INDEX_GRAPH)["data"] if tr["type"] == "bar"]) == 1
    )
    assert after["y"] != before
    q = wait_for(lambda: parse_qs(urlparse(browser.current_url).query).get("weights"),
                 what="weights in the URL")  # fmt: skip
    assert q == ["inkomen:2,bijstand:0"]


def test_safety_index_without_real_components_says_what_is_missing(live_app, browser):  # noqa: ANN001
    """../shared holds only the total of registered crime (2023): the default safety index has no
    component in this copy, and the page says so instead of drawing a stand-in."""
    browser.get(live_app + "/indices?kind=veiligheid&regions=WK059915")
    fig = wait_for(lambda: (f := graph_data(browser, ids.INDEX_GRAPH)) and f, what="index figure")
    text = " ".join(a.get("text", "") for a in fig["layout"].get("annotations", []))
    text = text.replace("<br>", " ")
    assert "geen cijfers" in text and "Politie/CBS publiceert dit vanaf 2012" in text
    assert not [tr for tr in fig["data"] if tr.get("y")]


def test_bad_weights_give_a_helpful_message(live_app, browser):  # noqa: ANN001
    browser.get(live_app + "/indices?kind=veiligheid&weights=nope:1")
    msg = wait_for(lambda: browser.find_element(By.ID, ids.ERROR_PAGE).text, what="error page")
    assert "nope" in msg
    browser.get(live_app + "/indices?kind=veiligheid&weights=geweld:-1")
    msg = wait_for(lambda: browser.find_element(By.ID, ids.ERROR_PAGE).text, what="error page")
    assert "geweld" in msg
