"""The online CBS loader end to end: cbsodata over real HTTP against the local OData test server.

Served tables are built at test time from the real shared files (tests/odata_server.py); the
47018NED counts and the extra periods of the multi-year table are generated test fixture values and
never leave tmp_path.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from cbsodata import cbsodata3 as _cbs3

import settings
from errors import DownloadError, InputError
from loaders import _cache, cbs, tables
from tests.odata_server import (
    ADDITIVE,
    KWB8,
    ODataServer,
    crime_tables,
    kwb2024_tables,
    multi_year_kwb_tables,
    parse_filter,
)

KWB = "85984NED"


@pytest.fixture(scope="module")
def kwb_full(shared_dir: Path) -> dict[str, list[dict]]:
    return kwb2024_tables(shared_dir, buurten=True)


@pytest.fixture(scope="module")
def kwb_small(shared_dir: Path) -> dict[str, list[dict]]:
    return kwb2024_tables(shared_dir, buurten=False)


@pytest.fixture(scope="module")
def real_values(shared_dir: Path) -> dict[str, dict]:
    path = shared_dir / "cbs" / KWB / "gemeente_wijk_8_variables.json"
    return json.loads(path.read_text())


@pytest.fixture
def serve(tmp_path: Path):  # noqa: ANN201
    """Start a server for ``{table: entity sets}``; returns (server, settings)."""
    started: list[ODataServer] = []

    def _serve(tabs: dict, page_size: int = 500) -> tuple[ODataServer, settings.Settings]:
        srv = ODataServer({k: dict(v) for k, v in tabs.items()}, page_size=page_size).start()
        started.append(srv)
        s = settings.override(
            cbs_catalog=srv.host,
            police_catalog=srv.host,
            use_https=False,
            http_backoff=0.01,
            http_retries=3,
            http_timeout=10.0,
            data_dir=tmp_path / "data",
        )
        return srv, s

    yield _serve
    for srv in started:
        srv.stop()


def _cache_entries(s: settings.Settings) -> list[Path]:
    root = s.cache_dir / "cbs"
    return sorted(root.iterdir()) if root.exists() else []


def _by_key(df: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.region_code, r.source_key): r.value for r in df.itertuples(index=False)}


def _same(a: float, b: object) -> bool:
    return (b is None and math.isnan(a)) or (b is not None and a == float(b))


# (a) ------------------------------------------------------------------------------------------
def test_kwb_2024_equals_real_values(serve, kwb_full, real_values, shared_dir) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_full}, page_size=2000)
    df = cbs.load_kwb([2024], settings=s)
    assert set(df["year"]) == {2024} and set(df["source_table"]) == {KWB}
    assert not df["region_code"].str.contains(" ").any(), "padding must be stripped"
    got = _by_key(df)
    checked = 0
    for code, vals in real_values.items():
        for key, v in vals.items():
            assert _same(got[(code, key)], v), (code, key, got[(code, key)], v)
            checked += 1
    assert checked == len(real_values) * 8
    # every wijk's inhabitants, variable stem and unit as published
    wk = df[(df["region_level"] == "WK") & (df["variable"] == "AantalInwoners")]
    assert len(wk) == sum(c.startswith("WK") for c in real_values)
    assert set(wk["unit"]) == {"aantal"}
    # NL row present: additive measures are the sum of the real gemeente values, density null
    nl = df[df["region_code"] == "NL00"].set_index("source_key")["value"]
    for key in ADDITIVE:
        assert nl[key] == sum(v[key] for c, v in real_values.items() if c.startswith("GM"))
    assert math.isnan(nl["Bevolkingsdichtheid_34"])
    # buurten: real inhabitants per buurt
    with open(shared_dir / "cbs" / KWB / "buurt_population.csv", newline="") as fh:
        pop = {r["nhood_id"]: float(r["population"]) for r in csv.DictReader(fh)}
    bu = df[(df["region_level"] == "BU") & (df["source_key"] == "AantalInwoners_5")]
    assert dict(zip(bu["region_code"], bu["value"], strict=True)) == pop
    # region names come from the WijkenEnBuurten dimension, gemeente codes from the code
    gm = df[df["region_level"] == "GM"]
    assert gm["region_name"].str.len().gt(0).all()
    assert (wk["gemeente_code"] == "GM" + wk["region_code"].str[2:6]).all()
    # levels are filtered client side
    only_wk = cbs.load_kwb([2024], levels=("WK",), settings=s)
    assert set(only_wk["region_level"]) == {"WK"} and len(only_wk) == len(wk) * len(KWB8)


# (b) + (c) ------------------------------------------------------------------------------------
def test_paging_complete_and_second_call_from_cache(serve, kwb_small) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small}, page_size=500)
    dump = cbs.download_table(KWB, catalog="cbs", settings=s)
    n_rows = len(kwb_small["TypedDataSet"])
    pages = srv.requests_for(KWB, "TypedDataSet")
    assert len(pages) == math.ceil(n_rows / 500) > 1
    assert sorted(h.page for h in pages) == list(range(len(pages)))
    assert len(dump["TypedDataSet"]) == n_rows
    assert sorted(r["ID"] for r in dump["TypedDataSet"]) == list(range(n_rows))
    assert "UntypedDataSet" not in dump and {"TableInfos", "DataProperties"} <= set(dump)
    # cache folder: one JSON per metadata table plus the marker with row counts
    (entry,) = _cache_entries(s)
    marker = json.loads((entry / _cache.MARKER).read_text())
    assert marker["rows"] == {k: len(v) for k, v in dump.items()}
    assert {p.stem for p in entry.glob("*.json")} == set(dump) | {"_complete"}
    before = len(srv.hits)
    again = cbs.download_table(KWB, catalog="cbs", settings=s)
    assert len(srv.hits) == before, "second call must not touch the server"
    assert again == dump
    assert _cbs3.options.use_https is True, "cbsodata's global scheme option is restored"
    # a different filter is a different cache entry
    cbs.download_table(KWB, catalog="cbs", settings=s, filters="startswith(WijkenEnBuurten,'GM')")
    assert len(_cache_entries(s)) == 2 and len(srv.hits) > before


# (d) ------------------------------------------------------------------------------------------
def test_reset_mid_download_is_retried(serve, kwb_small) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small}, page_size=500)
    srv.add_fault("reset", table=KWB, entity="TypedDataSet", page=2)
    srv.add_fault("reset_mid_body", table=KWB, entity="WijkenEnBuurten", page=1)
    srv.add_fault("status", table=KWB, entity="DataProperties", status=503)
    messages: list[str] = []
    dump = cbs.download_table(KWB, catalog="cbs", settings=s, progress=messages.append)
    outcomes = [h.outcome for h in srv.hits]
    assert {"reset", "reset_mid_body", "503"} <= set(outcomes)
    assert sum("retrying" in m for m in messages) == 3
    assert len(dump["TypedDataSet"]) == len(kwb_small["TypedDataSet"])
    assert dump["WijkenEnBuurten"] == kwb_small["WijkenEnBuurten"]
    assert dump["TypedDataSet"] == kwb_small["TypedDataSet"]


# (e) ------------------------------------------------------------------------------------------
def test_persistent_500_raises_and_caches_nothing(serve, kwb_small) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small}, page_size=500)
    srv.add_fault("status", table=KWB, entity="TypedDataSet", page=1, times=None)
    with pytest.raises(DownloadError) as info:
        cbs.download_table(KWB, catalog="cbs", settings=s)
    msg = str(info.value)
    assert KWB in msg and "TypedDataSet" in msg and "500" in msg and srv.host in msg
    assert "3 attempt" in msg
    assert len([h for h in srv.requests_for(KWB, "TypedDataSet") if h.page == 1]) == 3
    assert _cache_entries(s) == []


# (f) ------------------------------------------------------------------------------------------
def test_malformed_page_retried_then_error_without_cache(serve, kwb_small) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small}, page_size=500)
    once = srv.add_fault("malformed", table=KWB, entity="TypedDataSet", page=3)
    dump = cbs.download_table(KWB, catalog="cbs", settings=s)
    assert once.fired == 1 and dump["TypedDataSet"] == kwb_small["TypedDataSet"]

    srv2, s2 = serve({KWB: kwb_small}, page_size=500)
    srv2.add_fault("malformed", table=KWB, entity="DataProperties", times=None)
    with pytest.raises(DownloadError, match="DataProperties.*JSONDecodeError"):
        cbs.download_table(KWB, catalog="cbs", settings=s2)
    assert len(srv2.requests_for(KWB, "DataProperties")) == 3
    # only the first server's good download is cached (keys include the catalog host)
    (entry,) = _cache_entries(s2)
    assert json.loads((entry / _cache.MARKER).read_text())["catalog"] == srv.host


# (g) ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncate", "no_marker", "short"])
def test_corrupt_cache_detected_and_redownloaded(serve, kwb_small, damage) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small}, page_size=1000)
    first = cbs.download_table(KWB, catalog="cbs", settings=s)
    (entry,) = _cache_entries(s)
    target = entry / "TypedDataSet.json"
    if damage == "truncate":
        target.write_text(target.read_text()[:1000])
    elif damage == "no_marker":
        (entry / _cache.MARKER).unlink()
        target = entry / _cache.MARKER
    else:
        target.write_text(json.dumps(first["TypedDataSet"][:10]))
    before = len(srv.hits)
    with pytest.warns(UserWarning, match="corrupt") as rec:
        again = cbs.download_table(KWB, catalog="cbs", settings=s)
    assert str(target) in str(rec[0].message)
    assert rec[0].filename == __file__, "warning must point at the caller (stacklevel)"
    assert len(srv.hits) > before and again == first
    assert _cache.read_table(entry) == first, "the cache entry was replaced by a good one"
    assert len(_cache_entries(s)) == 1, "no temp or old folders left behind"


def test_corrupt_cache_while_offline_names_the_file(serve, kwb_small) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small}, page_size=1000)
    cbs.download_table(KWB, catalog="cbs", settings=s)
    (entry,) = _cache_entries(s)
    (entry / "DataProperties.json").write_text("[{")
    srv.stop()
    with pytest.warns(UserWarning, match="corrupt"):
        with pytest.raises(DownloadError) as info:
            cbs.download_table(KWB, catalog="cbs", settings=s)
    msg = str(info.value)
    assert str(entry / "DataProperties.json") in msg and "Delete" in msg and str(entry) in msg


# (h) ------------------------------------------------------------------------------------------
def test_unknown_table_id(serve, kwb_small) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small})
    with pytest.raises(cbs.UnknownTableError) as info:
        cbs.download_table("99999NED", catalog="cbs", settings=s)
    assert isinstance(info.value, InputError) and isinstance(info.value, DownloadError)
    assert "99999NED" in str(info.value) and srv.host in str(info.value)
    assert "unknown" in str(info.value)
    assert len(srv.requests_for("99999NED")) == 1, "a 404 is not retried"
    assert _cache_entries(s) == []
    with pytest.raises(InputError, match="not an id"):
        cbs.download_table("85984NED/../x", catalog="cbs", settings=s)
    with pytest.raises(InputError, match="without scheme"):
        cbs.download_table(KWB, catalog="http://127.0.0.1:1", settings=s)


# (i) ------------------------------------------------------------------------------------------
def test_crime_47018NED_to_tidy(serve, shared_dir) -> None:  # noqa: ANN001
    fixture = crime_tables(shared_dir)
    srv, s = serve({tables.CRIME_TABLE.table_id: fixture}, page_size=200)
    df = cbs.load_crime([2012, 2013, 2024], settings=s)
    assert set(df["year"]) == {2012, 2013}
    soort = sorted({str(r["SoortMisdrijf"]).strip() for r in fixture["TypedDataSet"]})
    assert "0.0.0" in soort
    assert set(df["variable"]) == {f"GeregistreerdeMisdrijven[{k}]" for k in soort}
    assert not df["region_code"].str.contains(" ").any()
    assert set(df["region_level"]) == {"NL", "GM", "WK", "BU"}
    # values equal the served (generated) counts; null -> NaN
    served = {
        (int(r["Perioden"][:4]), r["WijkenEnBuurten"].strip(), r["SoortMisdrijf"].strip()): r[
            "GeregistreerdeMisdrijven_1"
        ]
        for r in fixture["TypedDataSet"]
        if r["Perioden"] in ("2012JJ00", "2013JJ00")
    }
    assert len(df) == len(served)
    for r in df.itertuples(index=False):
        key = (r.year, r.region_code, r.variable[len("GeregistreerdeMisdrijven[") : -1])
        assert _same(r.value, served[key]), key
    assert df["value"].isna().any()
    # one Perioden-filtered TypedDataSet request stream per year
    filters = {h.query.get("$filter") for h in srv.requests_for("47018NED", "TypedDataSet")}
    assert filters == {"Perioden eq '2012JJ00'", "Perioden eq '2013JJ00'"}


# (j) ------------------------------------------------------------------------------------------
def test_kwb_2012_multi_year_table_only_2012(serve, shared_dir) -> None:  # noqa: ANN001
    t = tables.kwb(2012)
    assert t.period == "2012JJ00"
    fixture = multi_year_kwb_tables(shared_dir, ("2009JJ00", "2010JJ00", "2011JJ00", "2012JJ00"))
    srv, s = serve({t.table_id: fixture}, page_size=1000)
    df = cbs.load_kwb([2012], settings=s)
    assert set(df["year"]) == {2012} and set(df["source_table"]) == {t.table_id}
    want = {
        (r["WijkenEnBuurten"].strip(), k): r[k]
        for r in fixture["TypedDataSet"]
        if r["Perioden"] == "2012JJ00"
        for k in KWB8
    }
    got = _by_key(df)
    assert len(got) == len(want)
    assert all(_same(got[key], v) for key, v in want.items())
    # the filter was applied by the server: the cached TypedDataSet holds 2012JJ00 rows only
    (entry,) = _cache_entries(s)
    cached = json.loads((entry / "TypedDataSet.json").read_text())
    assert {r["Perioden"] for r in cached} == {"2012JJ00"}
    assert len(cached) == len(fixture["TypedDataSet"]) // 4


# helpers --------------------------------------------------------------------------------------
def test_missing_variables_per_family(serve, kwb_small, shared_dir) -> None:  # noqa: ANN001
    srv, s = serve({KWB: kwb_small, "47018NED": crime_tables(shared_dir)}, page_size=2000)
    kwb = cbs.load_kwb([2024], settings=s)
    crime = cbs.load_crime([2012, 2013], settings=s)
    older = kwb[kwb["variable"] != "Woningvoorraad"].assign(year=2013)
    both = pd.concat([kwb, older, crime], ignore_index=True)
    missing = cbs.missing_variables(both)
    assert missing == {2012: [], 2013: ["Woningvoorraad"], 2024: []}
    # load_online = KWB + crime; 2024 has no crime table, which is reported, not an error
    said: list[str] = []
    online = cbs.load_online([2024], settings=s, progress=said.append)
    assert online.equals(kwb) and any("no crime figures for [2024]" in m for m in said)


def test_filter_parser() -> None:
    rec = {"Perioden": "2012JJ00", "WijkenEnBuurten": "WK036300  ", "N": 5}
    assert parse_filter("Perioden eq '2012JJ00'")(rec)
    assert not parse_filter("Perioden eq '2013JJ00'")(rec)
    assert parse_filter("(Perioden eq '2013JJ00') or substringof('WK0363', WijkenEnBuurten)")(rec)
    assert parse_filter("substring(WijkenEnBuurten,2,4) eq '0363' and N gt 4")(rec)
    assert not parse_filter("not startswith(WijkenEnBuurten,'WK')")(rec)
    assert cbs.period_filter(["2012JJ00", "2013JJ00"]) == (
        "Perioden eq '2012JJ00' or Perioden eq '2013JJ00'"
    )
    with pytest.raises(InputError):
        cbs.period_filter(["2012"])
