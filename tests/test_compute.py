"""Indicator computation on the real snapshot (KWB 2023 xlsx, KWB 2024, Leefbaarometer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from errors import IndicatorError
from indicators import compute, registry
from loaders.snapshot import load_snapshot

XLSX = "cbs/kwb-2023-subset.xlsx"


def _num(s: pd.Series) -> pd.Series:
    """The file's own conventions, parsed independently of the loaders: '.' missing, 1,5 = 1.5."""
    t = s.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(t.where(~t.isin([".", "", "nan", "None"])), errors="coerce")


@pytest.fixture(scope="module")
def tidy(shared_dir):
    return load_snapshot(shared_dir)


@pytest.fixture(scope="module")
def kwb23(shared_dir) -> pd.DataFrame:
    raw = pd.read_excel(shared_dir / XLSX, dtype=object)
    raw["code"] = raw["gwb_code_10"].astype(str).str.strip()
    for c in ("a_inw", "a_soz_wb", "p_hh_li", "g_ink_pi", "a_hh", "a_1p_hh"):
        raw[c] = _num(raw[c])
    return raw.set_index("code").rename_axis("region_code")


@pytest.fixture(scope="module")
def wk23(tidy) -> pd.DataFrame:
    return compute.compute(tidy, ["bijstand", "laag_inkomen", "inkomen"], years=[2023])


def _by_code(frame: pd.DataFrame, ind: str) -> pd.DataFrame:
    out = frame[frame["indicator"] == ind].set_index("region_code")
    out.index = out.index.astype(object)
    return out


def test_frame_columns_and_types(wk23):
    assert tuple(wk23.columns) == compute.FRAME_COLUMNS
    assert wk23["synthetic"].dtype == bool and wk23["suppressed"].dtype == bool
    assert set(wk23["region_level"]) == {"WK"}
    assert not wk23.duplicated(["indicator", "year", "region_code"]).any()


def test_bijstand_rate_equals_file(wk23, kwb23):
    got = _by_code(wk23, "bijstand")
    src = kwb23.loc[got.index]
    minpop = registry.get("bijstand").min_population
    expected = src["a_soz_wb"] / src["a_inw"] * 1000
    ok = ~got["suppressed"] & expected.notna()
    assert ok.sum() > 2500
    np.testing.assert_allclose(got.loc[ok, "value"], expected[ok], rtol=1e-12)
    np.testing.assert_allclose(got.loc[ok, "numerator"], src.loc[ok, "a_soz_wb"])
    # suppression: exactly the wijken with fewer inhabitants than the threshold
    small = src["a_inw"] < minpop
    assert small.sum() > 0
    assert (got["suppressed"].to_numpy() == small.to_numpy()).all()
    assert got.loc[small, "value"].isna().all()
    # missing in the file -> NaN, never 0
    missing = src["a_soz_wb"].isna() & ~small
    assert missing.sum() > 0
    assert got.loc[missing, "value"].isna().all()


def test_published_percentage_passes_through(wk23, kwb23):
    got = _by_code(wk23, "laag_inkomen")
    src = kwb23.loc[got.index, "p_hh_li"]
    pd.testing.assert_series_equal(got["value"].astype(float), src.astype(float), check_names=False)
    assert src.isna().sum() > 0  # the file has secret values: they stay NaN
    assert (got["unit"] == "%").all() and (got["source"] == "kwb-2023.xlsx").all()
    assert not got["synthetic"].any() and (got["method"] == "published").all()


def test_invariant_to_row_order(tidy):
    sub = tidy[tidy["gemeente_code"].isin(["GM0014", "GM0363", "GM0344"])]
    ids = ["bijstand", "inkomen", "eenpersoons", "lbm", "inwoners"]
    a = compute.compute(sub, ids)
    b = compute.compute(sub.sample(frac=1.0, random_state=7), ids)
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, b)
    groups = {"x": ["WK001400", "WK001401", "WK001402"], "y": ["WK034400", "WK034401"]}
    pd.testing.assert_frame_equal(
        compute.aggregate(sub, ids, groups),
        compute.aggregate(sub.sample(frac=1.0, random_state=3), ids, groups),
    )


def test_aggregate_two_wijken_equals_hand_computation(tidy, kwb23):
    a, b = "WK001400", "WK001401"
    out = compute.aggregate(
        tidy, ["bijstand", "inkomen", "eenpersoons", "inwoners"], {"twee": [a, b]}, year=2023
    )
    got = out.set_index("indicator")["value"]
    f = kwb23.loc[[a, b]]
    assert f[["a_inw", "a_soz_wb", "g_ink_pi", "a_hh", "a_1p_hh"]].notna().all().all()
    inw = f["a_inw"].sum()
    assert got["inwoners"] == pytest.approx(inw)
    assert got["bijstand"] == pytest.approx(f["a_soz_wb"].sum() / inw * 1000, rel=1e-12)
    assert got["inkomen"] == pytest.approx((f["g_ink_pi"] * f["a_inw"]).sum() / inw, rel=1e-12)
    assert got["eenpersoons"] == pytest.approx(f["a_1p_hh"].sum() / f["a_hh"].sum() * 100)
    assert (out["region_level"] == "AREA").all() and (out["coverage"] == 1.0).all()
    assert (out["gemeente_code"] == "GM0014").all()


def test_aggregate_missing_member_lowers_coverage_not_value(tidy, kwb23):
    out = compute.aggregate(tidy, ["bijstand"], {"g": ["WK001400", "WK999999"]}, year=2023)
    row = out.iloc[0]
    f = kwb23.loc["WK001400"]
    assert row["value"] == pytest.approx(f["a_soz_wb"] / f["a_inw"] * 1000)
    assert row["coverage"] == pytest.approx(0.5)


def test_aggregate_lbm_is_population_weighted(tidy, shared_dir):
    lbm = pd.read_csv(shared_dir / "lbm" / "wijk_scores_2002_2024.csv", dtype={"wk_code": str})
    codes = ["WK001400", "WK001401", "WK001402"]
    l24 = lbm[(lbm["jaar"] == 2024) & lbm["wk_code"].isin(codes)].set_index("wk_code")["lbm"]
    pop = tidy[
        (tidy["year"] == 2024)
        & (tidy["variable"] == "AantalInwoners")
        & tidy["region_code"].isin(codes)
    ].set_index("region_code")["value"]
    out = compute.aggregate(tidy, ["lbm"], {"a": codes}, year=2024)
    exp = (l24 * pop.reindex(l24.index)).sum() / pop.reindex(l24.index).sum()
    assert out["value"].iloc[0] == pytest.approx(exp, rel=1e-12)


def test_benchmarks_put_gemeente_and_nl_beside_wijk(tidy, kwb23):
    b = compute.benchmarks(tidy, ["bijstand"], region_codes=["WK001400"], years=[2023])
    row = b.iloc[0]
    gm, nl = kwb23.loc["GM0014"], kwb23.loc["NL00"]
    assert row["gemeente_value"] == pytest.approx(gm["a_soz_wb"] / gm["a_inw"] * 1000)
    assert row["nl_value"] == pytest.approx(nl["a_soz_wb"] / nl["a_inw"] * 1000)
    assert row["diff_nl"] == pytest.approx(row["value"] - row["nl_value"])


def test_errors_name_the_bad_value(tidy):
    with pytest.raises(IndicatorError, match="nope.*bijstand"):
        compute.compute(tidy, ["nope"])
    with pytest.raises(IndicatorError, match=r"\[1999\].*available years"):
        compute.compute(tidy, ["bijstand"], years=[1999])
    lbm_only = tidy[tidy["source_table"] == "LBM3.0"]
    with pytest.raises(IndicatorError, match="no data at level 'GM'"):
        compute.compute(lbm_only, ["lbm"], level="GM")


def _frame(rows: list[tuple], table: str) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["region_code", "variable", "value"])
    return df.assign(
        year=2020,
        region_level="WK",
        region_name="test",
        gemeente_code="GM9999",
        unit="aantal",
        source_table=table,
        source_key=df["variable"],
    )


def test_synthetic_flag_and_crime_groups():
    """Small made-up frame, labelled synthetic as the project requires for invented numbers."""
    crime = [f"GeregistreerdeMisdrijven[{k}]" for k in registry.CRIME_GROUPS["geweld"]]
    rows = [("WK999901", "AantalInwoners", 1000.0), ("WK999902", "AantalInwoners", 150.0)]
    rows += [("WK999901", v, 2.0) for v in crime] + [("WK999902", v, 1.0) for v in crime]
    syn = _frame(rows, "synthetic:47018NED")
    out = compute.compute(syn, ["geweld"]).set_index("region_code")
    assert out.loc["WK999901", "value"] == pytest.approx(2.0 * len(crime) / 1000 * 1000)
    assert out["synthetic"].all()
    assert out.loc["WK999902", "suppressed"]  # 150 < 200 inhabitants
    assert np.isnan(out.loc["WK999902", "value"])
    # one component missing -> NaN, not a partial sum
    part = syn[syn["variable"] != crime[0]]
    assert np.isnan(
        compute.compute(part, ["geweld"]).set_index("region_code").loc["WK999901", "value"]
    )
    # real numerator with synthetic denominator: still synthetic
    mixed = pd.concat(
        [
            _frame([("WK999901", v, 2.0) for v in crime], "47018NED"),
            _frame([("WK999901", "AantalInwoners", 1000.0)], "synthetic:85984NED"),
        ]
    )
    m = compute.compute(mixed, ["geweld"]).iloc[0]
    assert m["synthetic"] and m["source"] == "47018NED+synthetic:85984NED"


def test_harmonisation_columns_propagate():
    df = _frame(
        [
            ("WK999901", "PersonenPerSoortUitkeringBijstand", 10.0),
            ("WK999901", "AantalInwoners", 500.0),
        ],
        "synthetic:85984NED",
    )
    df["method"] = ["exact", "reallocated"]
    df["coverage"] = [1.0, 0.8]
    r = compute.compute(df, ["bijstand"]).iloc[0]
    assert r["method"] == "reallocated" and r["coverage"] == pytest.approx(0.8)
    assert r["value"] == pytest.approx(20.0)
