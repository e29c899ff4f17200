"""Benchmark: `python -m bench` prints numbers and writes bench/out/results.json (not a test)."""

from __future__ import annotations

import gzip
import json
import statistics
import time
from pathlib import Path

import psutil


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    res: dict[str, float] = {}
    t = time.perf_counter()
    from geo import web

    gj = web.build_web_geojson("WK", 2024)
    raw = json.dumps(gj, separators=(",", ":")).encode()
    res["web_geometry_build_s"] = time.perf_counter() - t
    res["web_geometry_wk2024_bytes"] = len(raw)
    res["web_geometry_wk2024_gzip_bytes"] = len(gzip.compress(raw))

    import app as app_module

    client = app_module.server.test_client()
    t = time.perf_counter()
    home = client.get("/")
    res["initial_html_bytes"] = len(home.data)
    lat, size = [], []
    for i in range(40):
        body = {
            "output": "map-graph.figure",
            "outputs": {"id": "map-graph", "property": "figure"},
            "inputs": [
                {
                    "id": "map-indicator",
                    "property": "value",
                    "value": ["lbm", "onv"][i % 2],
                },
                {"id": "map-year", "property": "value", "value": [2022, 2024][i % 2]},
            ],
            "changedPropIds": ["map-year.value"],
            "state": [],
        }
        t = time.perf_counter()
        r = client.post("/_dash-update-component", json=body)
        lat.append((time.perf_counter() - t) * 1000)
        size.append(len(r.data))
    res["recolour_p50_ms"] = statistics.median(lat)
    res["recolour_p95_ms"] = _pct(lat, 95)
    res["recolour_response_bytes"] = max(size)
    res["rss_mb"] = psutil.Process().memory_info().rss / 2**20
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(res, indent=2))
    for k, v in res.items():
        print(f"{k:34s} {v:,.1f}")


if __name__ == "__main__":
    main()
