"""The real app over HTTP: routes, limits, the recolour payload, production serving."""

from __future__ import annotations

import functools
import io
import subprocess
import sys
import tempfile
import time

import pandas as pd
import pytest
import requests

from pages import ids

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def dash_call(base: str, output_prefix: str, values: dict, changed: str) -> requests.Response:
    """POST a callback exactly as the browser does, built from the app's own dependency list."""
    deps = requests.get(base + "/_dash-dependencies", timeout=30).json()
    dep = next(d for d in deps if d["output"].startswith(output_prefix))
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1]}
        for o in dep["output"].strip(".").split("...")
    ]
    body = {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": [dict(i, value=values.get(i["id"])) for i in dep["inputs"]],
        "state": [dict(s, value=values.get(s["id"])) for s in dep["state"]],
        "changedPropIds": [changed],
    }
    return requests.post(base + "/_dash-update-component", json=body, timeout=60)


def test_geometry_is_a_small_static_asset(live_app):
    r = requests.get(live_app + "/geo/WK/2024.geojson", timeout=60)
    gj = r.json()
    assert len(gj["features"]) > 3300
    assert set(gj["features"][0]["properties"]) == {"code"}
    assert "max-age" in r.headers.get("Cache-Control", "")
    assert requests.get(live_app + "/geo/XX/2024.geojson", timeout=5).status_code == 404
    assert requests.get(live_app + "/geo/WK/1999.geojson", timeout=5).status_code == 404


@functools.lru_cache(maxsize=1)
def _raw_lbm() -> pd.DataFrame:
    """The published Leefbaarometer wijk CSV, read with plain pandas."""
    import settings

    return pd.read_csv(settings.get().shared_dir / "lbm" / "wijk_scores_2002_2024.csv",
                       na_values=["NA"])  # fmt: skip


def _published(variable: str, year: int) -> pd.Series:
    raw = _raw_lbm()
    return raw[raw["jaar"] == year].set_index("wk_code")[variable].dropna()


def test_recolour_sends_values_not_geometry(live_app):
    values = {
        ids.INDICATOR: "onv",
        ids.YEAR: 2022,
        ids.LEVEL: "WK",
        ids.VIEW: "map",
        ids.LANG: "nl",
    }
    r = dash_call(live_app, f"..{ids.MAP}.figure", values, f"{ids.YEAR}.value")
    assert r.ok, r.text[:300]
    assert "coordinates" not in r.text and "geometry" not in r.text
    assert len(r.content) < 100_000
    resp = r.json()["response"]
    ops = resp[ids.MAP]["figure"]["operations"]
    z = next(o for o in ops if o["location"][-1] == "z")["params"]["value"]
    assert len(z) > 3000 and sum(v is not None for v in z) > 3000
    assert resp[ids.YEAR]["value"] == 2022
    # the same values as the published file (real Leefbaarometer 2022, onv)
    published = _published("onv", 2022)
    locs = requests.get(live_app + "/download/map.csv?indicator=onv&year=2022&level=WK", timeout=60)
    got = pd.read_csv(io.StringIO(locs.text)).set_index("region_code")["value"]
    common = published.index.intersection(got.index)
    assert len(common) > 3000
    assert (abs(got[common] - published[common]) < 1e-9).all()


def test_bad_callback_input_keeps_view_and_says_why(live_app):
    values = {
        ids.INDICATOR: "bogus",
        ids.YEAR: 2022,
        ids.LEVEL: "WK",
        ids.VIEW: "map",
        ids.LANG: "nl",
    }
    r = dash_call(live_app, f"..{ids.MAP}.figure", values, f"{ids.INDICATOR}.value")
    assert r.ok
    resp = r.json()["response"]
    assert ids.MAP not in resp  # no_update: the last good map stays
    assert "bogus" in resp[ids.CALLBACK_ERROR]["children"]


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/download/map.csv?indicator=nope", 400, "unknown indicator 'nope'"),
        ("/download/map.csv?indicator=lbm&year=1999", 400, "choose one of"),
        ("/download/map.csv?indicator=lbm&level=XX", 400, "unknown level"),
        ("/download/map.exe?indicator=lbm", 404, "unknown format"),
        (
            "/download/series.csv?indicator=lbm&regions=../../etc/passwd",
            400,
            "malformed region code",
        ),
        (
            "/download/series.csv?indicator=lbm&regions=" + ",".join(["WK059915"] * 65),
            400,
            "at most 64",
        ),
        ("/download/..%2f..%2fetc%2fpasswd.csv", 404, "no such file"),
        ("/geo/..%2f..%2fetc/2024.geojson", 404, "no such file"),
        ("/geo/WK/1999.geojson", 404, "no WK geometry for 1999"),
    ],
)
def test_bad_requests_get_clear_4xx(live_app, path, status, text):
    r = requests.get(live_app + path, timeout=30)
    assert r.status_code == status, r.text[:200]
    assert text in r.text
    # no file content (traversal) and no server file-system path (the repo, the shared data, the
    # interpreter) in the answer; the data folders may only appear as their variable names
    assert "root:" not in r.text
    for internal in (
        str(REPO),
        str(REPO.parent),
        "site-packages",
        sys.prefix,
        tempfile.gettempdir(),
    ):
        assert internal not in r.text, (internal, r.text[:300])


def test_oversized_requests_are_refused(live_app):
    r = requests.get(live_app + "/download/map.csv?indicator=" + "x" * 5000, timeout=30)
    assert r.status_code == 414
    r = requests.post(live_app + "/_dash-update-component", data=b"{" + b" " * (2 << 20) + b"}",
                      headers={"Content-Type": "application/json"}, timeout=30)  # fmt: skip
    assert r.status_code == 413


def test_series_download_round_trips(live_app):
    r = requests.get(
        live_app + "/download/series.xlsx?indicator=lbm&regions=WK059915,GM0599", timeout=60
    )
    sheets = pd.read_excel(io.BytesIO(r.content), sheet_name=None)
    data = sheets["data"]
    assert set(data["region_code"]) == {"WK059915", "GM0599"}
    meta = dict(zip(sheets["about"]["key"], sheets["about"]["value"], strict=True))
    assert "licence" in meta
    units = sheets["dictionary"].set_index("id")["unit"]
    assert units["lbm"] == "score"
    raw = _raw_lbm()
    pub = raw[raw["wk_code"] == "WK059915"].set_index("jaar")["lbm"].dropna()
    own = data[data["region_code"] == "WK059915"].set_index("year")["value"]
    years = pub.index.intersection(own.index)
    assert len(years) >= 5  # 2012-2024 published years
    assert (abs(own[years] - pub[years]) < 1e-9).all()


def test_gunicorn_serves_the_app(live_app, app_data_dir, tmp_path):
    """The README's production command (`gunicorn -c gunicorn.conf.py app:server`, HOST/PORT from
    the environment) on the store the live app built: healthy, and data on the first request."""
    from tests.prod_server import ProdServer

    server = ProdServer(app_data_dir, tmp_path)
    try:
        server.wait_healthy()
        health = requests.get(server.base + "/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok", health.text
        r = requests.get(server.base + "/download/map.csv?indicator=lbm&year=2024", timeout=120)
        assert r.ok and r.text.startswith("indicator,")
        got = pd.read_csv(io.StringIO(r.text)).set_index("region_code")["value"]
        published = _published("lbm", 2024)
        common = published.index.intersection(got.index)
        assert len(common) > 3000 and (abs(got[common] - published[common]) < 1e-9).all()
        assert "Booting worker" in server.log() and "Traceback" not in server.log()
    finally:
        server.stop()


def test_healthz_is_503_with_the_reason_when_the_store_is_broken(live_app, app_data_dir, tmp_path):
    """/healthz on a copy of the built data dir: 200 while healthy; 503 naming the manifest (but no
    server path) once every manifest is corrupt; 200 again after repair; 503 without a store."""
    import shutil

    from tests.prod_server import ProdServer

    data = tmp_path / "data"
    shutil.copytree(app_data_dir, data, symlinks=True)
    manifests = [p for p in (data / "store").rglob("manifest.json") if not p.is_symlink()]
    assert manifests, "no manifest.json in the built store"
    server = ProdServer(data, tmp_path, WIJKPEIL_HEALTH_TTL="0.2")
    try:
        server.wait_healthy()
        good = {p: p.read_bytes() for p in manifests}
        for p in manifests:
            p.write_text('{"broken": ', encoding="utf-8")
        time.sleep(0.5)  # past the health cache of both workers
        for _ in range(4):  # both workers
            r = requests.get(server.base + "/healthz", timeout=30)
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["status"] != "ok" and "manifest.json" in body["reason"]
            assert str(data) not in r.text and str(tmp_path) not in r.text
        for p, blob in good.items():
            p.write_bytes(blob)
        server.wait_healthy(30)
        shutil.rmtree(data / "store")
        time.sleep(0.5)
        r = requests.get(server.base + "/healthz", timeout=30)
        assert r.status_code == 503 and "store" in r.json()["reason"], r.text
    finally:
        server.stop()
    assert "Traceback" not in server.log()


def test_health_result_is_cached_per_worker(monkeypatch):
    """Checksumming is not free: within health_ttl seconds the check runs once."""
    import settings as _settings
    from pages import _server

    calls = []
    monkeypatch.setattr(_server, "_store_health", lambda: calls.append(1) or (True, "fine"))
    quick = _settings.override(health_ttl=0.3)
    monkeypatch.setattr(_settings, "get", lambda: quick)
    monkeypatch.setitem(_server._HEALTH, "at", -1e9)
    assert [_server.health()[0] for _ in range(5)] == [True] * 5
    assert len(calls) == 1
    time.sleep(0.4)
    assert _server.health()[:2] == (True, "fine")
    assert len(calls) == 2


def test_concurrent_first_requests_see_the_whole_app(live_app, app_data_dir, tmp_path):
    """gthread workers serve several requests at once: none may see a half-set-up Dash (dash 2.18
    builds its callback map in a first-request hook). One keep-alive connection warms one worker;
    then a burst of 20 concurrent requests reaches the other, still fresh worker. Every answer must
    list the same callbacks. (Without the setup in gunicorn.conf.py this failed in 2 of 3 starts.)"""
    from concurrent.futures import ThreadPoolExecutor

    from tests.prod_server import ProdServer

    for attempt in range(3):
        (tmp_path / str(attempt)).mkdir()
        server = ProdServer(app_data_dir, tmp_path / str(attempt))
        try:
            server.wait_listening()
            one = requests.Session()
            for _ in range(5):
                one.get(server.base + "/_dash-dependencies", timeout=60)

            def outputs(_: int, base: str = server.base) -> frozenset[str]:
                r = requests.get(base + "/_dash-dependencies", timeout=120)
                return frozenset(d["output"] for d in r.json())

            with ThreadPoolExecutor(20) as pool:
                seen = list(pool.map(outputs, range(20)))
            assert len(set(seen)) == 1, (attempt, sorted(len(s) for s in seen))
            names = seen[0]
            assert any(o.startswith(f"..{ids.MAP}.figure") for o in names)
            assert any(o.startswith(".._pages_content") for o in names)
        finally:
            server.stop()


def test_gunicorn_hooks_finish_dash_setup_before_serving():
    """Deterministic half of the test above: in a fresh process, Dash has not run its
    first-request setup after import; gunicorn.conf.py's post_worker_init runs it."""
    code = (
        "import runpy, app\n"
        "assert not any(app.app._got_first_request.values()), app.app._got_first_request\n"
        "conf = runpy.run_path('gunicorn.conf.py')\n"
        "class Worker: wsgi = app.server\n"
        "conf['post_worker_init'](Worker())\n"
        "assert all(app.app._got_first_request.values()), app.app._got_first_request\n"
        "outs = list(app.app.callback_map)\n"
        "assert any(o.startswith('..map-graph.figure') for o in outs), outs\n"
        "assert any(o.startswith('.._pages_content') for o in outs), outs\n"
        "print('OK', len(outs))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0 and r.stdout.startswith("OK"), r.stderr[-2000:]


def test_recolour_values_and_ranks_belong_to_their_wijk(live_app):
    """Value i and rank i of a recolour belong to location i: checked against the published
    Leefbaarometer CSV (ranks computed here: highest score = rank 1, ties share the best rank)."""
    values = {
        ids.INDICATOR: "lbm",
        ids.YEAR: 2024,
        ids.LEVEL: "WK",
        ids.VIEW: "map",
        ids.LANG: "en",
    }
    r = dash_call(live_app, f"..{ids.MAP}.figure", values, f"{ids.LEVEL}.value")
    assert r.ok, r.text[:300]
    ops = {tuple(o["location"]): o["params"]["value"]
           for o in r.json()["response"][ids.MAP]["figure"]["operations"] if "params" in o}  # fmt: skip
    locations = ops[("data", 0, "locations")]
    text = ops[("data", 0, "text")]
    ranks = ops[("data", 0, "hovertext")]
    assert len(locations) == len(text) == len(ranks) > 3300
    pub = _published("lbm", 2024)
    want_rank = pub.rank(ascending=False, method="min").astype(int)
    checked = 0
    for code, shown, rank in zip(locations, text, ranks, strict=True):
        if code not in pub.index:
            continue
        assert abs(float(shown.replace(",", "")) - pub[code]) < 0.006, (code, shown, pub[code])
        assert int(rank) == want_rank[code], (code, rank, want_rank[code])
        checked += 1
    assert checked > 3300
