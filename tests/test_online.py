"""The online first-start loaders under faults: retries, resume after a kill, failures that stay
local, plan/fetch/upstream_modified, the Leefbaarometer download.

Expected values come from the servers' own source data (generated cube rows, the real
Leefbaarometer CSV read with pandas), never from the loader.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import settings
from errors import DownloadError
from loaders import _cache, _http, online
from tests.lbm_server import LbmServer
from tests.odata_server import ODataServer, crime_table, kwb_table

REPO = Path(__file__).resolve().parents[1]
KWB17 = "83765NED"


def _settings(tmp_path: Path, srv: ODataServer | None, **kw: object) -> settings.Settings:
    base = {
        "use_https": False, "http_backoff": 0.01, "http_backoff_cap": 0.05, "http_retries": 5,
        "http_timeout": 5.0, "data_dir": tmp_path / "data", "shared_dir": tmp_path / "no-shared",
        "lbm_url": "http://127.0.0.1:9/none.zip", "pdok_url": "http://127.0.0.1:9",
    }  # fmt: skip
    if srv is not None:
        base.update(cbs_catalog=srv.host, police_catalog=srv.host)
    base.update(kw)
    return settings.override(**base)


@pytest.fixture
def kwb17(shared_dir):  # noqa: ANN001, ANN201
    return kwb_table(2017, shared_dir, gemeenten=("GM0034", "GM0363"))


def _expected(tab: dict, key: str = "AantalInwoners_5") -> dict:
    return {r["WijkenEnBuurten"].strip(): r[key] for r in tab["TypedDataSet"].rows()}


def _check(frame: pd.DataFrame, want: dict) -> None:
    got = dict(zip(frame["region_code"], frame["value"], strict=True))
    assert got.keys() == want.keys()
    for c, v in want.items():
        assert (v is None and math.isnan(got[c])) or got[c] == v, c


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("reset", {}),
        ("reset_mid_body", {}),
        ("status", {"status": 500}),
        ("status", {"status": 503, "retry_after": "1"}),
        ("throttle", {"retry_after": "1"}),
        ("malformed", {}),
        ("short", {}),
        ("stall", {"seconds": 3.0}),
    ],
)
def test_each_fault_class_is_retried_and_the_data_is_complete(tmp_path, kwb17, kind, kw) -> None:  # noqa: ANN001
    with ODataServer({KWB17: kwb17}, page_size=150) as srv:
        s = _settings(tmp_path, srv, http_timeout=1.5)
        fault = srv.add_fault(kind, table=KWB17, entity="TypedDataSet", page=2, **kw)
        said: list[str] = []
        parts = online.fetch(
            online._kwb_task(2017),
            s,
            stems={"AantalInwoners"},
            crime_keys=set(),
            progress=said.append,
        )
    assert fault.fired == 1
    _check(parts[0].frame, _expected(kwb17))
    assert sum("retrying" in m for m in said) == 1
    if "retry_after" in kw:
        assert "retrying in 1.0 s" in next(m for m in said if "retrying" in m), (
            "Retry-After honoured"
        )
    page2 = [h for h in srv.requests_for(KWB17, "TypedDataSet") if h.page == 2]
    assert len(page2) == 2, "the failed page was asked again once"


def test_persistent_500_fails_the_table_keeps_good_pages_caches_no_marker(tmp_path, kwb17) -> None:  # noqa: ANN001
    with ODataServer({KWB17: kwb17}, page_size=150) as srv:
        s = _settings(tmp_path, srv, http_retries=3)
        srv.add_fault("status", table=KWB17, entity="TypedDataSet", page=3, times=None)
        with pytest.raises(DownloadError) as info:
            online.fetch(online._kwb_task(2017), s, stems={"AantalInwoners"}, crime_keys=set())
        msg = str(info.value)
        assert KWB17 in msg and "TypedDataSet page 4" in msg and "500" in msg and "3 attempt" in msg
        assert len([h for h in srv.requests_for(KWB17, "TypedDataSet") if h.page == 3]) == 3
        (folder,) = (s.cache_dir / "cbs").glob(f"{KWB17}-TypedDataSet-*")
        assert not (folder / _cache.MARKER).exists()
        assert sorted(p.name for p in folder.glob("page-*")) == [
            f"page-{i:06d}.json" for i in range(3)
        ]
        # the server recovers: the next run asks only for the missing pages
        srv.faults.clear()
        before = len(srv.requests_for(KWB17, "TypedDataSet"))
        parts = online.fetch(online._kwb_task(2017), s, stems={"AantalInwoners"}, crime_keys=set())
        new = srv.requests_for(KWB17, "TypedDataSet")[before:]
        assert min(h.page for h in new) == 3
    _check(parts[0].frame, _expected(kwb17))


def test_4xx_is_not_retried(tmp_path, kwb17) -> None:  # noqa: ANN001
    with ODataServer({KWB17: kwb17}) as srv:
        s = _settings(tmp_path, srv)
        srv.add_fault("status", table=KWB17, entity="DataProperties", status=403, times=None)
        with pytest.raises(_http.HttpError) as info:
            online.fetch(online._kwb_task(2017), s, stems={"AantalInwoners"}, crime_keys=set())
        assert info.value.status == 403 and "refuses access" in str(info.value)
        assert len(srv.requests_for(KWB17, "DataProperties")) == 1


_KILL_SCRIPT = """
import sys, settings
from pathlib import Path
from loaders import online
s = settings.override(cbs_catalog=sys.argv[1], police_catalog=sys.argv[1], use_https=False,
                      data_dir=Path(sys.argv[2]), http_backoff=0.01, http_timeout=120)
online.fetch(online._crime_task(2019), s, stems=set(), crime_keys={"0.0.0", "1.1.1"})
"""


def test_killed_download_resumes_without_refetching_finished_pages(tmp_path, shared_dir) -> None:  # noqa: ANN001
    tab = crime_table(shared_dir, gemeenten=("GM0034", "GM0363"))
    with ODataServer({"47018NED": tab}, page_size=300) as srv:
        srv.add_fault("stall", table="47018NED", entity="TypedDataSet", page=4, seconds=60)
        data = tmp_path / "data"
        proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, srv.host, str(data)], cwd=REPO,
                                env=dict(os.environ, PYTHONPATH=str(REPO)))  # fmt: skip
        try:
            for _ in range(600):
                if any(h.page == 4 for h in srv.requests_for("47018NED", "TypedDataSet")):
                    break
                if proc.poll() is not None:
                    pytest.fail(f"loader exited early with {proc.returncode}")
                time.sleep(0.1)
            else:
                pytest.fail("the loader never reached page 5")
            time.sleep(0.3)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        first = srv.requests_for("47018NED", "TypedDataSet")
        assert sorted(h.page for h in first) == [0, 1, 2, 3, 4]
        s = _settings(tmp_path, srv)
        parts = online.fetch(
            online._crime_task(2019), s, stems=set(), crime_keys={"0.0.0", "1.1.1"}
        )
        second = srv.requests_for("47018NED", "TypedDataSet")[len(first) :]
    assert second and min(h.page for h in second) == 4, "pages 1-4 were not downloaded again"
    assert len({h.page for h in second}) == len(second), "each remaining page once"
    want = {
        (
            r["WijkenEnBuurten"].strip(),
            f"GeregistreerdeMisdrijven[{r['SoortMisdrijf'].strip()}]",
        ): r["GeregistreerdeMisdrijven_1"]
        for r in tab["TypedDataSet"].rows()
        if r["Perioden"] == "2019JJ00" and r["SoortMisdrijf"].strip() in ("0.0.0", "1.1.1")
    }
    f = parts[0].frame
    got = dict(zip(zip(f["region_code"], f["variable"], strict=True), f["value"], strict=True))
    assert got.keys() == want.keys()
    assert all((v is None and math.isnan(got[k])) or got[k] == v for k, v in want.items())


def test_plan_lists_missing_tables_and_a_failed_table_does_not_stop_the_others(
    tmp_path, shared_dir
) -> None:  # noqa: ANN001
    tabs = {"83765NED": kwb_table(2017, shared_dir), "84286NED": kwb_table(2018, shared_dir),
            "47018NED": crime_table(shared_dir, extra_periods=("2024JJ00",))}  # fmt: skip
    with ODataServer(tabs) as srv:
        s = _settings(tmp_path, srv, http_retries=2)
        tasks, missing = online.plan(
            s, stems={"AantalInwoners"}, crime_keys={"0.0.0"}, years=range(2016, 2025)
        )
        keys = [t.key for t in tasks]
        assert keys == ["kwb-2017", "kwb-2018"] + [f"crime-{y}" for y in range(2016, 2025)]
        miss = {m.key: m for m in missing}
        assert set(miss) == {f"kwb-{y}" for y in (2016, 2019, 2020, 2021, 2022, 2023, 2024)} | {
            "lbm-all"
        }
        assert "83487NED" in miss["kwb-2016"].why and "404" in miss["kwb-2016"].why
        srv.add_fault("status", table="83765NED", entity="TypedDataSet", times=None)
        done, failed = [], []
        for t in tasks[:4]:
            try:
                done += online.fetch(t, s, stems={"AantalInwoners"}, crime_keys={"0.0.0"})
            except DownloadError as exc:
                failed.append((t.key, str(exc)))
        assert [k for k, _ in failed] == ["kwb-2017"] and "83765NED" in failed[0][1]
        assert [(p.dataset, p.year) for p in done] == [
            ("kwb", 2018),
            ("crime", 2016),
            ("crime", 2017),
        ]
        assert all(p.origin == "online" for p in done) and done[1].indeling == 2024
        assert (
            online.upstream_modified(tasks[1], s) == tabs["84286NED"]["TableInfos"][0]["Modified"]
        )


def test_unreachable_catalogs_give_missing_entries_not_exceptions(tmp_path) -> None:  # noqa: ANN001
    s = _settings(
        tmp_path, None, cbs_catalog="127.0.0.1:9", police_catalog="127.0.0.1:9", http_retries=1
    )
    tasks, missing = online.plan(
        s, stems={"AantalInwoners"}, crime_keys={"0.0.0"}, years=range(2012, 2025)
    )
    assert tasks == []
    keys = {m.key for m in missing}
    assert (
        {f"kwb-{y}" for y in range(2012, 2025)} <= keys
        and "crime-2012" in keys
        and "lbm-all" in keys
    )
    assert all(m.why and m.next_step for m in missing)


def test_leefbaarometer_parts_equal_the_published_csv_and_resume(tmp_path, shared_dir) -> None:  # noqa: ANN001
    csv_path = shared_dir / "lbm" / "wijk_scores_2002_2024.csv"
    srv = LbmServer(csv_path.read_bytes())
    url = srv.start()
    try:
        s = _settings(tmp_path, None, lbm_url=url)
        srv.faults = ["cut"]  # the first download breaks half-way: resumed with Range
        parts = online.fetch(online.LBM_TASK, s, stems=set(), crime_keys=set())
        assert [r for r in srv.requests if r[0] == "GET"][1][2].startswith("bytes=")
        assert online.upstream_modified(online.LBM_TASK, s) == "Tue, 01 Apr 2025 08:00:00 GMT"
        srv.faults = ["404"]
        tasks, missing = online.plan(s, stems=set(), crime_keys=set(), years=range(2012, 2025))
        assert tasks == [] and [m.key for m in missing] == ["lbm-all"] and "404" in missing[0].why
    finally:
        srv.stop()
    raw = pd.read_csv(csv_path, na_values=["NA"])
    assert [p.year for p in parts] == sorted(raw["jaar"].unique())
    assert {p.indeling for p in parts} == {2024} and {p.table_id for p in parts} == {"LBM3.0"}
    p2018 = next(p for p in parts if p.year == 2018).frame
    lbm = p2018[p2018["variable"] == "lbm"].set_index("region_code")["value"]
    want = raw[raw["jaar"] == 2018].set_index("wk_code")["lbm"]
    assert len(lbm) == len(want) and (lbm.sort_index() - want.sort_index()).abs().max() < 1e-12


def test_backoff_is_full_jitter_capped_and_budgeted() -> None:
    s = settings.override(
        http_backoff=2.0, http_backoff_cap=60.0, http_retries=50, http_retry_budget=100.0
    )
    c = _http.Client(s, rng=random.Random(1))
    for attempt in range(1, 12):
        ceiling = min(60.0, 2.0 * 2 ** (attempt - 1))
        waits = [c.backoff(attempt) for _ in range(200)]
        assert 0 <= min(waits) and max(waits) <= ceiling and max(waits) > 0.8 * ceiling
    slept: list[float] = []
    c = _http.Client(s, sleep=slept.append, rng=random.Random(2))
    with pytest.raises(_http.HttpError, match="retry budget"):
        c.get_json("http://127.0.0.1:9/x")
    assert sum(slept) <= 100.0 and len(slept) >= 3
    assert _http.retry_after("120") == 120.0 and _http.retry_after("soon") is None
    assert _http.retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
