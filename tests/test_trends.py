"""Trend statistics: Mann–Kendall by hand, Theil–Sen against scipy, change/gap on real LBM data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from errors import IndicatorError
from indicators import registry, trends

LBM_FILE = "lbm/wijk_scores_2002_2024.csv"
LBM_VARS = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")


def frame(rows: list[tuple], **extra: object) -> pd.DataFrame:
    """Indicator frame from (indicator, region_code, year, value[, suppressed[, synthetic]])."""
    recs = []
    for r in rows:
        ind, code, year, value = r[:4]
        sup = r[4] if len(r) > 4 else False
        syn = r[5] if len(r) > 5 else False
        level = "NL" if code == "NL00" else code[:2]
        recs.append(
            {
                "indicator": ind,
                "year": year,
                "region_code": code,
                "region_level": level,
                "region_name": code,
                "gemeente_code": "GM" + code[2:6] if level in ("WK", "BU") else code,
                "value": value,
                "numerator": np.nan,
                "denominator": np.nan,
                "unit": "x",
                "source": "synthetic: test",
                "synthetic": syn,
                "suppressed": sup,
                "method": "published",
                "coverage": 1.0,
                **extra,
            }
        )
    return pd.DataFrame(recs)


def series(ind: str, code: str, years, values, **kw) -> list[tuple]:
    return [(ind, code, y, v) for y, v in zip(years, values, strict=True)]


def one(df: pd.DataFrame, **key: str) -> pd.Series:
    sel = np.ones(len(df), bool)
    for k, v in key.items():
        sel &= (df[k] == v).to_numpy()
    assert sel.sum() == 1, key
    return df[sel].iloc[0]


# --------------------------------------------------------------------------- Mann–Kendall


def test_mann_kendall_strictly_increasing_by_hand():
    # n=5 strictly increasing: every one of the 10 pairs is concordant -> S = 10.
    # var(S) = n(n-1)(2n+5)/18 = 5*4*15/18 = 300/18; Z = (S-1)/sqrt(var).
    mk = trends.mann_kendall_arrays(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    var = 5 * 4 * 15 / 18
    z = (10 - 1) / math.sqrt(var)
    assert mk["S"][0] == 10
    assert mk["var_s"][0] == pytest.approx(var)
    assert mk["z"][0] == pytest.approx(z)
    assert mk["p"][0] == pytest.approx(math.erfc(z / math.sqrt(2)))


def test_mann_kendall_ties_and_gaps_by_hand():
    # [1, 2, 2, 3, 4]: signs of the 10 pairs: 1 vs (2,2,3,4) +4; first 2 vs (2,3,4) 0+1+1;
    # second 2 vs (3,4) +2; 3 vs 4 +1  -> S = 9.  One tie group of t=2:
    # var = (5*4*15 - 2*1*9) / 18 = 282/18.  A NaN in the row is simply skipped.
    y = np.array([[1.0, 2.0, np.nan, 2.0, 3.0, 4.0]])
    mk = trends.mann_kendall_arrays(y)
    assert mk["n"][0] == 5
    assert mk["S"][0] == 9
    assert mk["var_s"][0] == pytest.approx(282 / 18)
    assert mk["z"][0] == pytest.approx(8 / math.sqrt(282 / 18))
    # decreasing with a triple tie: [5,3,3,3,1]: 5 vs rest -4; each 3 vs 1 -3; ties 0 -> S=-7
    # var = (300 - 3*2*11)/18 = 234/18; Z = (S+1)/sqrt(var)
    mk = trends.mann_kendall_arrays(np.array([[5.0, 3.0, 3.0, 3.0, 1.0]]))
    assert mk["S"][0] == -7
    assert mk["var_s"][0] == pytest.approx(234 / 18)
    assert mk["z"][0] == pytest.approx(-6 / math.sqrt(234 / 18))


def test_mann_kendall_matches_loop_definition_on_random_tied_series():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 5, size=(200, 9)).astype(float)
    y[rng.random(y.shape) < 0.15] = np.nan
    mk = trends.mann_kendall_arrays(y)
    for k in range(200):
        v = y[k][~np.isnan(y[k])]
        n = len(v)
        s = sum(np.sign(v[j] - v[i]) for i in range(n) for j in range(i + 1, n))
        _, t = np.unique(v, return_counts=True)
        var = (n * (n - 1) * (2 * n + 5) - np.sum(t * (t - 1) * (2 * t + 5))) / 18
        if n < 3:
            assert np.isnan(mk["S"][k])
            continue
        z = 0.0 if s == 0 else (s - np.sign(s)) / math.sqrt(var)
        assert mk["S"][k] == s and mk["var_s"][k] == pytest.approx(var)
        assert mk["z"][k] == pytest.approx(z)
        assert mk["p"][k] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))


# --------------------------------------------------------------------------- Theil–Sen


def test_theil_sen_equals_scipy_on_one_series():
    years = [2012, 2013, 2015, 2016, 2018, 2020, 2024]
    vals = [3.0, 2.5, 4.0, 4.0, 5.5, 5.0, 7.25]
    out = trends.theil_sen(frame(series("inkomen", "WK001400", years, vals)))
    ref = stats.theilslopes(vals, years)
    row = out.iloc[0]
    assert row["slope"] == pytest.approx(ref.slope)
    assert row["intercept"] == pytest.approx(ref.intercept)
    assert row["slope_low"] == pytest.approx(ref.low_slope)
    assert row["slope_high"] == pytest.approx(ref.high_slope)
    assert row["n_years"] == 7 and row["first_year"] == 2012 and row["last_year"] == 2024


def test_theil_sen_arrays_equal_scipy_with_gaps_and_ties():
    rng = np.random.default_rng(3)
    x = np.array([2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022, 2024], dtype=float)
    y = rng.normal(size=(400, x.size)).round(1)
    y[rng.random(y.shape) < 0.25] = np.nan
    got = trends.theil_sen_arrays(y, x)
    checked = 0
    for k in range(len(y)):
        m = ~np.isnan(y[k])
        if m.sum() < 2:
            continue
        ref = stats.theilslopes(y[k][m], x[m])
        for name in ("slope", "intercept", "low_slope", "high_slope"):
            assert got[name][k] == pytest.approx(getattr(ref, name), nan_ok=True), (k, name)
        checked += 1
    assert checked > 350


# --------------------------------------------------------------------------- verdicts


def test_verdicts_follow_polarity_and_length_rules():
    yrs = list(range(2012, 2020))
    down = [10.0 - i for i in range(len(yrs))]
    rows = (
        series("lbm", "WK000101", yrs, down)  # +1 indicator going down -> declining
        + series("geweld", "WK000101", yrs, down)  # -1 indicator going down -> improving
        + series("inwoners", "WK000101", yrs, down)  # neutral -> decreasing
        + series("lbm", "WK000102", yrs, [1.0, 3, 2, 4, 3, 2, 4, 1])  # noise
        + series("lbm", "WK000103", [2012, 2014], [1.0, 2.0])  # too few
        + series("lbm", "WK000104", [2012, 2013, 2014, 2015], [1.0, 2, 3, 4])  # n=4, p=0.09
    )
    out = trends.theil_sen(frame(rows))
    assert registry.get("lbm").polarity == 1 and registry.get("geweld").polarity == -1
    assert one(out, indicator="lbm", region_code="WK000101")["verdict"] == "declining"
    assert one(out, indicator="geweld", region_code="WK000101")["verdict"] == "improving"
    assert one(out, indicator="inwoners", region_code="WK000101")["verdict"] == "decreasing"
    assert one(out, indicator="lbm", region_code="WK000102")["verdict"] == "no clear trend"
    few = one(out, indicator="lbm", region_code="WK000103")
    assert few["verdict"] == "too few years"
    assert np.isnan(
        few[["slope", "slope_low", "slope_high", "mk_s", "mk_z", "p_value"]].astype(float)
    ).all()
    n4 = one(out, indicator="lbm", region_code="WK000104")
    assert n4["verdict"] == "no clear trend" and n4["p_value"] > 0.05
    assert one(out, indicator="lbm", region_code="WK000101")["slope"] == pytest.approx(-1.0)


def test_suppressed_and_missing_are_excluded_and_synthetic_propagates():
    yrs = list(range(2012, 2019))
    vals = [1.0, 2, 3, 4, 5, 6, 7]
    clean = frame(series("lbm", "WK000101", yrs, vals))
    dirty = pd.concat(
        [
            clean,
            frame([("lbm", "WK000101", 2019, 1e9, True, True)]),  # suppressed + synthetic
            frame([("lbm", "WK000101", 2020, np.nan)]),  # missing
        ],
        ignore_index=True,
    )
    a, b = trends.theil_sen(clean).iloc[0], trends.theil_sen(dirty).iloc[0]
    for c in ("slope", "slope_low", "slope_high", "mk_s", "mk_var", "p_value", "n_years"):
        assert a[c] == b[c]
    assert b["last_year"] == 2018
    assert not a["synthetic"] and b["synthetic"]
    ca, cb = trends.change(clean).iloc[0], trends.change(dirty).iloc[0]
    assert cb["end_year_used"] == 2018 and cb["value_end"] == 7 and cb["synthetic"]
    assert ca["abs_change"] == cb["abs_change"] == 6


def test_results_do_not_depend_on_row_order():
    rng = np.random.default_rng(11)
    rows = []
    for r in range(30):
        for y in range(2012, 2025):
            if rng.random() > 0.2:
                rows.append(("woz", f"WK{r:04d}01", y, float(rng.normal())))
    df = frame(rows)
    shuffled = df.sample(frac=1.0, random_state=5).reset_index(drop=True)
    for fn in (trends.theil_sen, trends.change):
        pd.testing.assert_frame_equal(fn(df), fn(shuffled))


def test_duplicate_rows_raise():
    df = frame([("lbm", "WK000101", 2012, 1.0), ("lbm", "WK000101", 2012, 2.0)])
    with pytest.raises(IndicatorError, match="duplicate"):
        trends.theil_sen(df)


# --------------------------------------------------------------------------- change


def test_change_base_substitution_end_year_and_no_interpolation():
    rows = (
        series("inkomen", "WK000101", [2013, 2015, 2020], [10.0, 12.0, 15.0])
        + series("inkomen", "WK000102", [2012, 2016, 2024], [20.0, 18.0, 16.0])
        + series("inkomen", "WK000103", [2024], [5.0])
    )
    out = trends.change(frame(rows), base_year=2012)
    a = one(out, region_code="WK000101")
    assert a["base_year_used"] == 2013 and a["base_substituted"]
    assert a["end_year_used"] == 2020 and a["abs_change"] == 5.0
    assert a["rel_change"] == pytest.approx(0.5) and a["n_years"] == 3
    b = one(out, region_code="WK000102")
    assert not b["base_substituted"] and b["abs_change"] == -4.0 and b["aligned_change"] == -4.0
    c = one(out, region_code="WK000103")
    assert np.isnan(c["abs_change"])  # one year only: no change
    # explicit end year without a value: NaN, not an interpolated value
    out18 = trends.change(frame(rows), base_year=2012, end_year=2018)
    assert np.isnan(one(out18, region_code="WK000101")["value_end"])
    out16 = trends.change(frame(rows), base_year=2012, end_year=2016)
    assert one(out16, region_code="WK000102")["abs_change"] == -2.0
    with pytest.raises(IndicatorError, match="before base_year"):
        trends.change(frame(rows), base_year=2016, end_year=2012)


# --------------------------------------------------------------------------- gap


def test_gap_and_fell_behind():
    yrs = [2012, 2016, 2020]
    rows = (
        series("inkomen", "WK036301", yrs, [30.0, 31.0, 32.0])  # +1, city grows faster
        + series("inkomen", "GM0363", yrs, [30.0, 33.0, 36.0])
        + series("inkomen", "NL00", yrs, [28.0, 29.0, 30.0])
        + series("geweld", "WK036301", yrs, [5.0, 6.0, 7.0])  # -1, worse than city
        + series("geweld", "GM0363", yrs, [6.0, 6.0, 6.0])
        + series("geweld", "NL00", yrs, [4.0, 4.0, 4.0])
    )
    df = frame(rows)
    df.loc[
        (df.region_code == "GM0363") & (df.year == 2016) & (df.indicator == "geweld"), "suppressed"
    ] = True
    g = trends.gap(df, df)
    w = g[g.region_code == "WK036301"]
    ink = w[w.indicator == "inkomen"].set_index("year")
    assert ink.loc[2020, "gap_gm"] == -4.0 and ink.loc[2020, "gap_nl"] == 2.0
    assert bool(ink.loc[2020, "behind_gm"]) and not bool(ink.loc[2020, "behind_nl"])
    assert pd.isna(ink.loc[2012, "behind_gm"]) is False and not bool(ink.loc[2012, "behind_gm"])
    gw = w[w.indicator == "geweld"].set_index("year")
    assert gw.loc[2012, "aligned_gap_gm"] == 1.0  # 1 fewer crime than the city: ahead
    assert np.isnan(gw.loc[2016, "gap_gm"]) and pd.isna(gw.loc[2016, "behind_gm"])
    assert gw.loc[2020, "aligned_gap_gm"] == -1.0 and bool(gw.loc[2020, "behind_gm"])
    gm_rows = g[g.region_code == "GM0363"]
    assert gm_rows["gap_gm"].isna().all() and gm_rows["gap_nl"].notna().all()
    fb = trends.fell_behind(g, base_year=2012)
    fi = one(fb, indicator="inkomen", region_code="WK036301")
    assert bool(fi["fell_behind"]) and fi["magnitude"] == 4.0 and fi["gap_change"] == -4.0
    fg = one(fb, indicator="geweld", region_code="WK036301")
    assert bool(fg["fell_behind"]) and fg["gap_change"] == -2.0
    assert not bool(fg["behind_base"]) and bool(fg["behind_end"])
    assert pd.isna(one(fb, indicator="inkomen", region_code="GM0363")["fell_behind"])


# --------------------------------------------------------------------------- real LBM


@pytest.fixture(scope="module")
def lbm_raw(shared_dir) -> pd.DataFrame:
    return pd.read_csv(shared_dir / LBM_FILE, na_values=["NA"], dtype={"wk_code": str})


@pytest.fixture(scope="module")
def lbm_frame(lbm_raw) -> pd.DataFrame:
    parts = []
    for v in LBM_VARS:
        parts.append(
            pd.DataFrame(
                {
                    "indicator": v,
                    "year": lbm_raw["jaar"].astype("int64"),
                    "region_code": lbm_raw["wk_code"],
                    "region_level": "WK",
                    "region_name": lbm_raw["wk_naam"],
                    "gemeente_code": "GM" + lbm_raw["wk_code"].str[2:6],
                    "value": lbm_raw[v].astype("float64"),
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "unit": "score",
                    "source": "Leefbaarometer 3.0",
                    "synthetic": False,
                    "suppressed": False,
                    "method": "published",
                    "coverage": 1.0,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_change_on_real_lbm_equals_file_difference(lbm_raw, lbm_frame):
    wide = lbm_raw.pivot(index="wk_code", columns="jaar", values="lbm")
    full = wide[[y for y in wide.columns if 2012 <= y <= 2024]].notna().all(axis=1)
    assert full.sum() > 3000
    out = trends.change(lbm_frame[lbm_frame.indicator == "lbm"], base_year=2012)
    out = out.set_index("region_code").loc[full[full].index]
    expected = wide.loc[full, 2024] - wide.loc[full, 2012]
    assert (out["base_year_used"] == 2012).all() and (out["end_year_used"] == 2024).all()
    assert not out["base_substituted"].any()
    np.testing.assert_allclose(out["abs_change"], expected.loc[out.index], rtol=0, atol=1e-12)
    # dimensions are NA in 2012 and 2016: base falls back to 2014, reported as substituted
    fys = trends.change(lbm_frame[lbm_frame.indicator == "fys"], base_year=2012)
    fys = fys.set_index("region_code")
    wf = lbm_raw.pivot(index="wk_code", columns="jaar", values="fys")
    wf = wf[[y for y in wf.columns if y >= 2012]]
    first = wf.notna().idxmax(axis=1).where(wf.notna().any(axis=1))
    assert (first.dropna() >= 2014).all()
    pd.testing.assert_series_equal(
        fys["base_year_used"].astype("float64"),
        first.reindex(fys.index).astype("float64"),
        check_names=False,
    )
    assert fys["base_substituted"].all()


def test_theil_sen_on_real_lbm_agrees_with_scipy(lbm_frame):
    sub = lbm_frame[lbm_frame.indicator.isin(["lbm", "afw"])]
    out = trends.theil_sen(sub)
    assert len(out) == sub.groupby(["indicator", "region_code"]).ngroups
    assert set(out["verdict"]) <= {"improving", "declining", "no clear trend", "too few years"}
    assert {"improving", "declining"} <= set(out["verdict"])
    rng = np.random.default_rng(0)
    for k in rng.choice(len(out), 40, replace=False):
        row = out.iloc[k]
        s = sub[(sub.indicator == row.indicator) & (sub.region_code == row.region_code)]
        s = s.dropna(subset=["value"]).sort_values("year")
        if len(s) < 3:
            assert row["verdict"] == "too few years"
            continue
        ref = stats.theilslopes(s["value"], s["year"])
        assert row["slope"] == pytest.approx(ref.slope)
        assert row["slope_low"] == pytest.approx(ref.low_slope)
        assert row["slope_high"] == pytest.approx(ref.high_slope)


def test_single_year_frame_gives_too_few_years_without_warnings(recwarn):
    df = frame([("woz", f"WK{r:04d}01", 2023, float(r)) for r in range(5)])
    out = trends.theil_sen(df)
    assert (out["verdict"] == "too few years").all() and out["slope"].isna().all()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# --------------------------------------------------------------------------- real store


@pytest.fixture(scope="module")
def lbm_store(real_store) -> pd.DataFrame:
    from indicators import dataset

    return dataset.rows("lbm", real_store).copy()


def test_gap_to_gemeente_on_real_store_equals_hand_computation(lbm_store, lbm_raw):
    """Issue 11: the gap to the gemeente was off by up to 0.17 for 94 gemeenten in 2012.
    Hand computation: the gemeente (and NL) Leefbaarometer score is the mean of its wijken's
    published scores weighted with their REAL 2024 inhabitants (85984NED JSON), the same weights
    in every year; gap = wijk score - that mean."""
    import shared_raw

    inh = shared_raw.kwb24()
    raw = lbm_raw.dropna(subset=["lbm"]).copy()
    raw["w"] = raw["wk_code"].map(inh)
    raw["gm"] = "GM" + raw["wk_code"].str[2:6]
    use = raw[raw["w"] > 0]
    wsum = (use["lbm"] * use["w"]).groupby([use["jaar"], use["gm"]]).sum()
    gm = wsum / use.groupby(["jaar", "gm"])["w"].sum()
    nl = (use["lbm"] * use["w"]).groupby(use["jaar"]).sum() / use.groupby("jaar")["w"].sum()
    exp = raw.set_index(["wk_code", "jaar"])
    e_gm = pd.Series(
        gm.reindex(
            pd.MultiIndex.from_arrays([exp.index.get_level_values(1), exp["gm"]])
        ).to_numpy(),
        index=exp.index,
    )
    e_nl = pd.Series(nl.loc[exp.index.get_level_values(1)].to_numpy(), index=exp.index)
    wk = lbm_store[lbm_store["region_level"] == "WK"]
    bench = lbm_store[lbm_store["region_level"].isin(["GM", "NL"])]
    g = trends.gap(wk, bench).set_index(["region_code", "year"])
    assert len(g) == len(exp)  # every published wijk score has a gap row
    g = g.loc[exp.index]
    np.testing.assert_allclose(g["value"], exp["lbm"], rtol=0, atol=1e-12)
    has_gm = e_gm.notna()
    assert has_gm.mean() > 0.99
    np.testing.assert_allclose(g.loc[has_gm, "gap_gm"], (exp["lbm"] - e_gm)[has_gm], atol=1e-9)
    np.testing.assert_allclose(g["gap_nl"], exp["lbm"] - e_nl, atol=1e-9)
    assert 2012 in set(g.index.get_level_values("year"))
    behind = (exp["lbm"] - e_gm)[has_gm] < 0  # polarity +1: lower than the gemeente is behind
    assert (g.loc[has_gm, "behind_gm"].astype(bool) == behind).all()
    assert not g["synthetic"].any()


def test_trend_verdicts_need_three_real_points(real_store, lbm_store):
    """The real store has inhabitants for 2023 and 2024 only: no verdict on two points; the
    Leefbaarometer series (9 published years) do get verdicts."""
    from indicators import dataset

    inw = dataset.rows("inwoners", real_store)
    out = trends.theil_sen(inw[inw["region_level"] == "WK"])
    assert len(out) > 3000 and (out["verdict"] == "too few years").all()
    assert out["slope"].isna().all()
    lbm = trends.theil_sen(lbm_store[lbm_store["region_level"] == "WK"])
    assert (lbm["verdict"] != "too few years").mean() > 0.95
    assert not lbm["synthetic"].any()


def test_empty_and_all_suppressed_frames():
    df = frame([("woz", "WK000101", y, float(y), True, y == 2013) for y in (2012, 2013, 2014)])
    for fn in (trends.change, trends.theil_sen):
        assert len(fn(df.iloc[:0])) == 0
        out = fn(df)
        assert len(out) == 1 and bool(out["synthetic"].iloc[0])
    assert trends.theil_sen(df)["verdict"].iloc[0] == "too few years"
    assert np.isnan(trends.change(df)["abs_change"].iloc[0])
    assert len(trends.fell_behind(trends.gap(df.iloc[:0], df.iloc[:0]))) == 0
