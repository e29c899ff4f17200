"""Real by default: the store built from ../shared holds real rows only, and every derived figure
equals what an independent person computes from the raw files.

Every expected value here is computed in the test from the publisher files themselves, read with
the csv/json modules and openpyxl (not with the loaders): the Leefbaarometer CSV, the 85984NED JSON
extract (2024 inhabitants), the KWB 2023 xlsx and the 47018NED 2023 buurt totals.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from indicators import dataset, registry, views

REPO = Path(__file__).resolve().parents[1]
AREAS = ("Amsterdam Nieuw-West", "Rotterdam-Zuid")


# ----------------------------------------------------------------------------- raw files, by hand


@pytest.fixture(scope="module")
def lbm_raw(shared_dir) -> dict[tuple[str, int], dict[str, float]]:
    """(wijk code, year) -> {variable: value} from the Leefbaarometer CSV ('NA' = absent)."""
    out: dict[tuple[str, int], dict[str, float]] = {}
    with open(shared_dir / "lbm" / "wijk_scores_2002_2024.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            vals = {k: float(r[k]) for k in ("lbm", "afw", "onv") if r[k] != "NA"}
            out[(r["wk_code"].strip(), int(r["jaar"]))] = vals
    return out


@pytest.fixture(scope="module")
def inh_2024(shared_dir) -> dict[str, float]:
    """Region code -> AantalInwoners_5 of KWB 2024 (85984NED extract)."""
    data = json.loads(
        (shared_dir / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json").read_text()
    )
    return {k.strip(): float(v["AantalInwoners_5"]) for k, v in data.items()
            if v.get("AantalInwoners_5") is not None}  # fmt: skip


@pytest.fixture(scope="module")
def kwb23(shared_dir) -> dict[str, float | None]:
    """Region code -> a_inw of kwb-2023 ('.' = None), read with openpyxl."""
    ws = openpyxl.load_workbook(shared_dir / "cbs" / "kwb-2023-subset.xlsx", read_only=True).active
    rows = ws.iter_rows(values_only=True)
    head = next(rows)
    ci, cp = head.index("gwb_code_10"), head.index("a_inw")
    out = {}
    for r in rows:
        v = r[cp]
        out[str(r[ci]).strip()] = None if v in (None, ".", "") else float(str(v).replace(",", "."))
    return out


@pytest.fixture(scope="module")
def crime23(shared_dir) -> dict[str, float]:
    """Buurt code -> registered crime 2023 (47018NED, total), read with csv."""
    p = shared_dir / "crime" / "47018NED" / "TypedDataSet_2023_total_buurt.csv"
    with open(p, newline="", encoding="utf-8") as fh:
        return {r["WijkenEnBuurten"].strip(): float(r["GeregistreerdeMisdrijven_1"])
                for r in csv.DictReader(fh)}  # fmt: skip


@pytest.fixture(scope="module")
def members() -> dict[str, list[str]]:
    with open(REPO / "indicators" / "focus_areas.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        out[r["area_name"]].append(r["wijk_code"])
    return out


def _wmean(codes, year, var, lbm_raw, weights) -> float:  # noqa: ANN001
    num = den = 0.0
    for c in codes:
        v = lbm_raw.get((c, year), {}).get(var)
        w = weights.get(c)
        if v is not None and w:
            num += v * w
            den += w
    return num / den if den else math.nan


def _value(indicator: str, code: str, year: int) -> float:
    rows = dataset.rows(indicator, buurten=code.startswith("BU"))
    hit = rows[(rows["region_code"] == code) & (rows["year"] == year)]
    assert len(hit) == 1, f"{indicator} {code} {year}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


# ----------------------------------------------------------------------------- real only


def test_default_store_holds_zero_synthetic_rows(real_store):
    m = real_store.manifest
    assert m["kind"] == "real" and m["synthetic_rows"] == 0
    assert {p["origin"] for p in m["parts"]} == {"shared"}
    for p in m["parts"]:  # the stored rows themselves, read with pyarrow
        tables = pq.read_table(real_store.path / p["file"], columns=["source_table"]).column(0)
        assert not any(str(t).startswith("synthetic") for t in tables.unique().to_pylist())
    frame = dataset.frame()
    assert len(frame) > 100_000 and not frame["synthetic"].any()
    assert not views.is_synthetic()


def test_every_published_lbm_value_is_shown_unchanged(real_store, lbm_raw):
    rows = dataset.rows("lbm")
    wk = rows[rows["region_level"] == "WK"].set_index(["region_code", "year"])["value"]
    expected = {k: v["lbm"] for k, v in lbm_raw.items() if "lbm" in v}
    assert len(wk.dropna()) == len(expected)
    for (code, year), v in list(expected.items())[::97]:
        assert wk[(code, year)] == v


@pytest.mark.parametrize("area", AREAS)
def test_area_rest_gemeente_nl_means_equal_hand_computation(
    real_store, area, members, lbm_raw, inh_2024
):
    gm = "GM" + members[area][0][2:6]
    gm_wijken = [c for c in inh_2024 if c.startswith("WK" + gm[2:6])]
    rest = [c for c in gm_wijken if c not in members[area]]
    all_wijken = [c for c in inh_2024 if c.startswith("WK")]
    for year in (2012, 2018, 2024):
        for code, wijken in ((f"NPLV:{area}", members[area]), (f"REST:{area}", rest),
                             (gm, gm_wijken), ("NL00", all_wijken)):  # fmt: skip
            want = _wmean(wijken, year, "lbm", lbm_raw, inh_2024)
            assert _value("lbm", code, year) == pytest.approx(want, rel=1e-12), (code, year)


def test_nieuw_west_and_zuidoost_rise_as_the_real_scores_do(real_store, members, lbm_raw, inh_2024):
    for area in ("Amsterdam Nieuw-West", "Amsterdam Zuidoost"):
        a, b = (_wmean(members[area], y, "lbm", lbm_raw, inh_2024) for y in (2012, 2024))
        assert b > a  # the real scores rise ...
        assert _value("lbm", f"NPLV:{area}", 2024) > _value(
            "lbm", f"NPLV:{area}", 2012
        )  # ... shown


def test_gap_to_gemeente_equals_hand_computation(real_store, lbm_raw, inh_2024):
    for code, year in (("WK059915", 2012), ("WK036300", 2024), ("WK0363FB", 2014)):
        if (code, year) not in lbm_raw:
            continue
        gm = "GM" + code[2:6]
        gm_wijken = [c for c in inh_2024 if c.startswith("WK" + gm[2:6])]
        want = lbm_raw[(code, year)]["lbm"] - _wmean(gm_wijken, year, "lbm", lbm_raw, inh_2024)
        got = views.benchmarks("lbm", code)
        own = got[(got.region_code == code) & (got.year == year)]["value"].item()
        ref = got[(got.region_code == gm) & (got.year == year)]["value"].item()
        assert own - ref == pytest.approx(want, abs=1e-12)


def test_nl_inhabitants_2024_are_the_sum_of_real_gemeenten(real_store, inh_2024):
    want = sum(v for k, v in inh_2024.items() if k.startswith("GM"))
    assert want == pytest.approx(17_942_942)  # every real gemeente row of 85984NED
    rows = dataset.rows("inwoners")
    nl = rows[(rows.region_code == "NL00") & (rows.year == 2024)]
    assert nl["value"].item() == want and nl["method"].item() == "summed"


# ----------------------------------------------------------------------------- crime 2023


def test_crime_rates_2023_equal_hand_computation(real_store, crime23, kwb23):
    minpop = registry.get("criminaliteit").min_population
    # wijken whose buurten and inhabitants are the same in 2023 and 2024 (same area)
    checked = 0
    for wk in ("WK059915", "WK001400", "WK0363AF", "WK001401"):
        buurten = [b for b in crime23 if b.startswith("BU" + wk[2:8])]
        pop = kwb23[wk]
        assert buurten and pop is not None, wk
        checked += 1
        want = sum(crime23[b] for b in buurten) / pop * 1000
        got = _value("criminaliteit", wk, 2023)
        if pop < minpop:
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want, rel=1e-12), wk
    assert checked == 4
    for gm in ("GM0599", "GM0363", "GM0014"):
        want = sum(v for b, v in crime23.items() if b.startswith("BU" + gm[2:6])) / kwb23[gm] * 1000
        assert _value("criminaliteit", gm, 2023) == pytest.approx(want, rel=1e-12)
    # NL: every buurt incl. BU00000000 (crime without a known buurt) over the NL inhabitants
    want = sum(crime23.values()) / kwb23["NL00"] * 1000
    assert sum(crime23.values()) == 803_367  # the published total of the shared README
    assert _value("criminaliteit", "NL00", 2023) == pytest.approx(want, rel=1e-12)
    bu = "BU05991571"  # Tarwewijk
    assert _value("criminaliteit", bu, 2023) == pytest.approx(crime23[bu] / kwb23[bu] * 1000)


def test_small_populations_are_suppressed_not_zero(real_store, kwb23):
    rows = dataset.rows("criminaliteit")
    wk = rows[(rows.region_level == "WK") & (rows.year == 2023)]
    small = [c for c, p in kwb23.items() if c.startswith("WK") and p is not None and p < 200]
    got = wk[wk.region_code.isin(small)]
    assert len(got) > 10 and got["suppressed"].all() and got["value"].isna().all()


def test_reused_codes_get_no_comparable_value(real_store, kwb23, inh_2024):
    # WK009001: 13 buurten in 2023, one in 2024; WK082416: 45 inhabitants then, 4,760 now
    assert kwb23["WK009001"] == 11_105 and inh_2024["WK009001"] == 1_360
    assert kwb23["WK082416"] == 45 and inh_2024["WK082416"] == 4_760
    rows = dataset.rows("inwoners")
    for code in ("WK009001", "WK082416"):
        years = set(rows.loc[rows.region_code == code, "year"])
        assert 2024 in years and 2023 not in years
    um = views.unmatched_regions().set_index("from_code")
    assert "buurten" in um.loc["WK009001", "reason"]
    assert "4,760" in um.loc["WK082416", "reason"]
    out = subprocess.run([sys.executable, "-m", "loaders", "info", "--unmatched"], cwd=REPO,
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert "WK009001" in out.stdout and "WK082416" in out.stdout


def test_trend_statistics_use_real_points_only(real_store, lbm_raw):
    from indicators import trends

    one_year = dataset.rows("criminaliteit")
    one_year = one_year[one_year.region_code == "GM0599"]
    assert trends.theil_sen(one_year)["verdict"].item() == trends.VERDICT_TOO_FEW
    s = dataset.rows("lbm")
    s = s[s.region_code == "WK059915"]
    got = trends.theil_sen(s)
    pts = sorted((y, v["lbm"]) for (c, y), v in lbm_raw.items() if c == "WK059915")
    assert got["n_years"].item() == len(pts)
    slopes = sorted((b[1] - a[1]) / (b[0] - a[0]) for i, a in enumerate(pts) for b in pts[i + 1 :])
    mid = len(slopes) // 2
    median = slopes[mid] if len(slopes) % 2 else (slopes[mid - 1] + slopes[mid]) / 2
    assert got["slope"].item() == pytest.approx(median)


# ----------------------------------------------------------------------------- export = dashboard


def test_cli_export_equals_dashboard_and_hand(real_store, tmp_path, members, lbm_raw, inh_2024):
    import pandas as pd

    def export(level: str, *extra: str) -> pd.DataFrame:
        out = tmp_path / f"{level}.csv"
        subprocess.run([sys.executable, "-m", "indicators", "export", "--level", level,
                        "--format", "csv", "--out", str(out), *extra], cwd=REPO, check=True)  # fmt: skip
        return pd.read_csv(out, dtype={"region_code": str}, float_precision="round_trip")

    head = ("indicator,name_nl,name_en,year,region_code,region_name,gemeente_code,value,unit,"
            "source,method,coverage,synthetic,suppressed")  # fmt: skip
    wk = export("wijk", "--indicators", "lbm,criminaliteit")
    assert ",".join(wk.columns) == head
    shown = views.map_values("lbm", 2024).set_index("code")["value"]
    got = wk[(wk.indicator == "lbm") & (wk.year == 2024)].set_index("region_code")["value"]
    assert got.sort_index().equals(shown.dropna().sort_index().rename("value"))
    assert got["WK059915"] == lbm_raw[("WK059915", 2024)]["lbm"]
    gm = export("gemeente", "--indicators", "lbm", "--years", "2012")
    gm0599 = [c for c in inh_2024 if c.startswith("WK0599")]
    assert gm.set_index("region_code").loc["GM0599", "value"] == pytest.approx(
        _wmean(gm0599, 2012, "lbm", lbm_raw, inh_2024), rel=1e-12)  # fmt: skip
    ar = export("area", "--indicators", "lbm")
    area = AREAS[1]
    series = views.area_series("lbm", area).set_index(["region_code", "year"])["value"]
    for _, r in ar[ar.region_code.str.endswith(area)].iterrows():
        assert r["value"] == series[(r["region_code"], r["year"])]
    want = _wmean(members[area], 2016, "lbm", lbm_raw, inh_2024)
    assert ar.set_index(["region_code", "year"]).loc[
        (f"NPLV:{area}", 2016), "value"
    ] == pytest.approx(want)
    assert not wk["synthetic"].any() and set(wk["method"]) <= {
        "published",
        "aggregate",
        "summed",
        "summed+same-area:buurten",
        "published+same-area:buurten",
    }


def test_missing_years_are_missing_and_listed(real_store):
    cov = views.coverage_matrix().set_index("indicator")
    assert cov.loc["bijstand", "2023"] == "real" and cov.loc["bijstand", "2015"] == "missing"
    assert cov.loc["lbm", "2012"] == "real" and cov.loc["lbm", "2013"] == "missing"
    rows = dataset.rows("bijstand")
    assert set(rows["year"]) == {2023}  # no stand-in for the years this copy does not hold


def test_missing_years_are_named_in_plain_words(real_store):
    """The shared copy holds KWB 2023 (xlsx) and registered crime 2023 only: the source line says
    what the publisher has and what this copy holds, in the reader's language."""
    from pages import common

    nl = common.coverage_note("bijstand", "nl")
    assert "vanaf 2012" in nl and "bevat 2023." in nl and "python -m loaders update" in nl
    en = common.coverage_note("criminaliteit", "en")
    assert "Politie/CBS publishes this from 2012; this copy holds 2023." in en
    assert common.coverage_note("lbm", "nl") == ""  # every published Leefbaarometer year is here
    line = common.source_text(views.series("bijstand", ["GM0599"]), "nl")
    assert line.startswith(
        "Bron: kwb-2023.xlsx (2023). Echte, gepubliceerde cijfers. CBS publiceert"
    )
