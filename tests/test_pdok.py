"""PDOK boundaries online: services per year, cursor paging, cache and resume, faults.

Expected codes come from the real shared boundary files read with plain json.
"""

from __future__ import annotations

import json
import math

import pytest

import settings
from errors import DownloadError
from geo import _pdok, boundaries
from tests.pdok_server import PdokServer, gebiedsindeling_feature


def _feats(shared_dir, name: str) -> list[dict]:  # noqa: ANN001
    return json.loads((shared_dir / "geo" / name).read_text())["features"]


@pytest.fixture
def pdok(shared_dir, tmp_path):  # noqa: ANN001, ANN201
    w24 = _feats(shared_dir, "wijk_2024.geojson")
    for i, f in enumerate(w24):
        f["id"] = f"wijken.{i}"
    ind = {}
    for y in (2013, 2016):
        fs = _feats(shared_dir, f"wijk_{y}.geojson")
        ind[(y, "WK")] = [gebiedsindeling_feature(f, y, i, "WK") for i, f in enumerate(fs)]
    srv = PdokServer(collections={(2024, "wijken"): w24}, indelingen=ind)
    url = srv.start()
    s = settings.override(pdok_url=url, data_dir=tmp_path, shared_dir=tmp_path / "none",
                          http_backoff=0.01, http_backoff_cap=0.05, http_retries=4)  # fmt: skip
    yield srv, s, w24
    srv.stop()


@pytest.mark.parametrize("year", [2013, 2016])
def test_gebiedsindelingen_by_jaarcode_with_cursor_paging(pdok, shared_dir, year) -> None:  # noqa: ANN001
    srv, s, _ = pdok
    gdf = boundaries.load_boundaries("WK", year, source="auto", settings=s)
    want = {f["properties"]["statcode"] for f in _feats(shared_dir, f"wijk_{year}.geojson")}
    assert set(gdf["code"]) == want and len(gdf) == len(want)
    assert gdf.crs.to_epsg() == 28992 and set(gdf["year"]) == {year}
    svc = "gebiedsindelingen-historisch" if year <= 2015 else "gebiedsindelingen"
    assert all(f"/cbs/{svc}/" in r and f"jaarcode={year}" in r for r in srv.requests)
    assert len(srv.requests) == math.ceil(len(want) / 1000)
    assert all("cursor=" in r for r in srv.requests[1:]) and not any(
        "offset" in r for r in srv.requests
    )
    n = len(srv.requests)
    boundaries.load_boundaries("WK", year, source="pdok", settings=s)
    assert len(srv.requests) == n, "second load from the cache"


def test_falls_back_to_wijken_en_buurten_service(pdok) -> None:  # noqa: ANN001
    srv, s, w24 = pdok
    gdf = boundaries.load_boundaries("WK", 2024, source="pdok", settings=s)
    assert set(gdf["code"]) == {f["properties"]["wijkcode"] for f in w24}
    assert "/gebiedsindelingen/" in srv.requests[0] and "wijken-en-buurten-2024" in srv.requests[-1]


def test_faults_retried_and_failures_never_cached_resume_after_last_page(pdok) -> None:  # noqa: ANN001
    srv, s, w24 = pdok
    srv.faults = ["reset", "500", None, "malformed", "stall"]
    s1 = settings.override(pdok_url=s.pdok_url, data_dir=s.data_dir / "a", http_backoff=0.01,
                           http_backoff_cap=0.05, http_timeout=1.0)  # fmt: skip
    srv.stall_seconds = 2.0
    fc, _ = _pdok.download_features("WK", 2016, settings=s1)
    assert len(fc["features"]) == len(srv.indelingen[(2016, "WK")])
    s2 = settings.override(pdok_url=s.pdok_url, data_dir=s.data_dir / "b", http_backoff=0.01,
                           http_backoff_cap=0.05, http_retries=3)  # fmt: skip
    srv.requests.clear()
    srv.faults = [None] + ["503"] * 10  # page 2 never comes
    with pytest.raises(DownloadError, match="2016"):
        _pdok.download_features("WK", 2016, settings=s2)
    (folder,) = (s2.cache_dir / "pdok").glob("wijk-2016-*")
    assert not (folder / "_complete.json").exists() and (folder / "page-000000.json").exists()
    srv.faults, srv.requests[:] = [], []
    fc, _ = _pdok.download_features("WK", 2016, settings=s2)
    assert "cursor=" in srv.requests[0], "resumed at page 2, page 1 not asked again"
    assert len(fc["features"]) == len(srv.indelingen[(2016, "WK")])
    with pytest.raises(DownloadError, match="2031"):
        _pdok.download_features("WK", 2031, settings=s2)
