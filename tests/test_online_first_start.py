"""The online first start, end to end: no ../shared, every source served by a local server that
speaks the publisher's protocol (CBS OData, the police catalogue, PDOK, the Leefbaarometer zip),
and `python app.py` as a user starts it.

The servers (tests/odata_server.py, pdok_server.py, lbm_server.py) serve every KWB year 2012–2024
and 47018NED for two gemeenten (Almere GM0034, Rotterdam GM0599) with GENERATED values — test
fixtures in CBS's formats, labelled as such — the real Leefbaarometer wijk CSV and the real shared
boundaries. Expected values come from the servers' own generators (``kwb_value``,
``crime_value``), not from the loaders.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.odata_server import KWB_IDS, ODataServer, crime_value
from tests.online_env import YEARS, env_for

REPO = Path(__file__).resolve().parents[1]


def _env(servers: dict, data: Path, port: int, empty_shared: Path) -> dict:
    return env_for(servers, data, empty_shared, PORT=str(port), HOST="127.0.0.1")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict, log: Path) -> subprocess.Popen:
    fh = open(log, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=fh,
                            stderr=subprocess.STDOUT)  # fmt: skip


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path, timeout: float = 900) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"python app.py exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    proc.kill()
    pytest.fail(f"no healthy app at {url} after {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def online_app(servers, tmp_path_factory):
    data = tmp_path_factory.mktemp("online-data")
    empty = tmp_path_factory.mktemp("no-shared")
    port = _free_port()
    log = data / "app.log"
    proc = _start(_env(servers, data, port, empty), log)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(proc, url, log)
    yield {"url": url, "data": data, "log": log, "env": _env(servers, data, port, empty)}
    proc.terminate()
    proc.wait(20)


def _manifest(data: Path) -> dict:
    root = data / "store"
    return json.loads((root / os.readlink(root / "current") / "manifest.json").read_text())


def test_first_start_downloads_every_source_and_serves(online_app):
    m = _manifest(online_app["data"])
    keys = {p["key"] for p in m["parts"]}
    assert {f"kwb-{y}" for y in YEARS} <= keys
    assert {f"crime-{y}" for y in range(2012, 2024)} <= keys  # every period 47018NED lists
    assert {"lbm-2012", "lbm-2024"} <= keys
    assert {p["origin"] for p in m["parts"]} == {"online"} and m["kind"] == "real"
    assert not m["missing"], m["missing"]
    crime = {p["key"]: p["indeling"] for p in m["parts"] if p["dataset"] == "crime"}
    assert set(crime.values()) == {2024}  # read from 47018NED's metadata ("indeling 2024")
    url = online_app["url"]
    for path in ("/", "/trends?indicator=inwoners&regions=GM0599", "/gebieden?area=Rotterdam-Zuid",
                 "/wijk/WK059915", "/over", "/geo/WK/2024.geojson", "/geo/GM/2024.geojson"):  # fmt: skip
        assert requests.get(url + path, timeout=60).status_code == 200, path
    log = online_app["log"].read_text()
    assert "Traceback" not in log


def test_online_values_equal_what_the_servers_published(online_app, shared_dir):
    """Every year's value on the map and in the exports is the one the server generated."""
    import pandas as pd

    out = online_app["data"] / "gm.csv"
    subprocess.run([sys.executable, "-m", "indicators", "export", "--level", "gemeente",
                    "--format", "csv", "--indicators", "criminaliteit", "--out", str(out)],
                   cwd=REPO, env=online_app["env"], check=True, capture_output=True)  # fmt: skip
    got = pd.read_csv(out, float_precision="round_trip").set_index(["region_code", "year"])
    from tests.odata_server import kwb_properties, kwb_value

    checked = 0
    for year in range(2012, 2024):
        crimes = crime_value("0.0.0", "GM0599", f"{year}JJ00")
        # the denominator is the KWB of that year, served by the OData server (generated)
        props = kwb_properties(year, shared_dir)
        key = next(p["Key"] for p in props if p.get("Type") == "Topic"
                   and p["Key"].rsplit("_", 1)[0] == "AantalInwoners")  # fmt: skip
        pop = kwb_value(KWB_IDS[year], key, "GM0599", f"{year}JJ00", "Long")
        if crimes is None or pop is None:
            assert (("GM0599", year) not in got.index) or pd.isna(
                got.loc[("GM0599", year), "value"]
            )
            continue
        want = crimes / pop * 1000
        assert got.loc[("GM0599", year), "value"] == pytest.approx(want, rel=1e-9), year
        checked += 1
    assert checked >= 8


def test_killed_first_start_resumes_without_refetching(servers, tmp_path):
    od: ODataServer = servers["odata"]
    data, empty = tmp_path / "data", tmp_path / "empty"
    data.mkdir()
    empty.mkdir()
    port = _free_port()
    env = _env(servers, data, port, empty)
    before = len(od.hits)
    proc = _start(env, data / "run1.log")
    t0 = time.monotonic()  # kill once a few data pages of a large table have arrived
    while time.monotonic() - t0 < 300:
        pages = [h for h in od.hits[before:] if h.entity == "TypedDataSet"]
        if len(pages) >= 6:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    first = [h for h in od.hits[before:] if h.entity == "TypedDataSet"]
    assert len(first) >= 6
    mid = len(od.hits)
    proc = _start(env, data / "run2.log")
    _wait_healthy(proc, f"http://127.0.0.1:{port}", data / "run2.log")
    proc.terminate()
    proc.wait(20)
    second = [h for h in od.hits[mid:] if h.entity == "TypedDataSet"]
    done_before = {h.path for h in first[:-1] if h.outcome == "200"}  # the last may be cut off
    again = [h.path for h in second if h.path in done_before]
    assert not again, f"{len(again)} finished pages fetched again, e.g. {again[:3]}"


def test_a_source_that_is_down_leaves_a_working_dashboard(servers, tmp_path):
    data, empty = tmp_path / "data", tmp_path / "empty"
    data.mkdir()
    empty.mkdir()
    port = _free_port()
    env = _env(servers, data, port, empty)
    env["WIJKPEIL_LBM_URL"] = f"http://127.0.0.1:{_free_port()}/down.zip"  # nothing listens
    proc = _start(env, data / "app.log")
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url, data / "app.log")
        m = _manifest(data)
        assert any("Leefbaarometer" in x["what"] for x in m["missing"])
        assert not any(p["dataset"] == "lbm" for p in m["parts"])
        assert any(p["dataset"] == "kwb" for p in m["parts"])
        page = requests.get(url + "/over", timeout=60)
        assert page.status_code == 200
        assert "Traceback" not in (data / "app.log").read_text()
    finally:
        proc.terminate()
        proc.wait(20)
