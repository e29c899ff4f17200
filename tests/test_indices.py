"""Composite indices: properties over random frames, weights round-trip, real Leefbaarometer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from errors import IndicatorError, InputError
from indicators import indices, registry

LBM_FILE = "lbm/wijk_scores_2002_2024.csv"
DIMS = ("fys", "onv", "soc", "vrz", "won")
GOOD = ("inkomen", "arbeidsparticipatie", "woz")  # polarity +1
BAD = ("geweld", "bijstand", "laag_inkomen")  # polarity -1


def random_frame(
    rng: np.random.Generator,
    comps: tuple[str, ...],
    n_regions: int = 25,
    years: tuple[int, ...] = (2012, 2014, 2016),
    p_missing: float = 0.1,
) -> pd.DataFrame:
    """Synthetic indicator frame (labelled as such) with random values and holes."""
    rows = []
    for ind in comps:
        for r in range(n_regions):
            for y in years:
                v = float(rng.normal(10, 3))
                rows.append(
                    {
                        "indicator": ind,
                        "year": y,
                        "region_code": f"WK{r:04d}01",
                        "region_level": "WK",
                        "region_name": f"wijk {r}",
                        "gemeente_code": f"GM{r:04d}",
                        "value": np.nan if rng.random() < p_missing else v,
                        "numerator": np.nan,
                        "denominator": np.nan,
                        "unit": "x",
                        "source": "synthetic: random test frame",
                        "synthetic": False,
                        "suppressed": False,
                        "method": "published",
                        "coverage": 1.0,
                    }
                )
    return pd.DataFrame(rows)


def idx(res: pd.DataFrame) -> pd.Series:
    return res.set_index(["region_code", "year"])["index"].sort_index()


# --------------------------------------------------------------------------- defaults, weights


def test_default_weights_use_registry_ids_with_a_direction():
    for w in (indices.LIVEABILITY_DEFAULT, indices.SAFETY_DEFAULT):
        assert indices.validate_weights(w) == w
        for k in w:
            assert registry.get(k).polarity in (-1, 1)
    assert set(indices.LIVEABILITY_DEFAULT).isdisjoint(indices.SAFETY_DEFAULT)


@pytest.fixture(scope="module")
def soort_keys(shared_dir) -> dict[str, str]:
    """47018NED SoortMisdrijf code list (Key -> Title) as the police publish it."""
    df = pd.read_csv(
        shared_dir / "crime" / "47018NED" / "SoortMisdrijf.csv", dtype=str, keep_default_na=False
    )
    return dict(zip(df["Key"].str.strip(), df["Title"].str.strip(), strict=True))


def _crime_types(component: str, soort: dict[str, str]) -> set[str]:
    """The crime types (SoortMisdrijf keys) a safety component counts; the total '0.0.0'
    (Title 'Totaal misdrijven' in the code list) stands for every type of the list."""
    keys = set(registry.CRIME_GROUPS.get(component, ()))
    if any(soort[k] == "Totaal misdrijven" for k in keys):
        return {k for k, t in soort.items() if t != "Totaal misdrijven"}
    return keys


def test_default_safety_weights_count_no_crime_type_twice(soort_keys):
    """Issue 11 item 6: every crime type is in at most one default safety component."""
    seen: dict[str, list[str]] = {}
    for comp in indices.SAFETY_DEFAULT:
        assert comp in registry.CRIME_GROUPS, f"{comp} is not a crime group"
        for k in _crime_types(comp, soort_keys):
            assert k in soort_keys, f"{comp}: {k} is not a 47018NED SoortMisdrijf key"
            seen.setdefault(k, []).append(comp)
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert twice == {}, f"crime types counted twice in SAFETY_DEFAULT: {twice}"
    # the check can fail: adding burglary (1.1.1, inside 'vermogen') or the total overlaps
    for extra in ("woninginbraak", "criminaliteit"):
        both = _crime_types(extra, soort_keys) & _crime_types("vermogen", soort_keys)
        assert "1.1.1" in both, extra


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({"geweld": -1.0}, "geweld"),
        ({"geweld": 0.0, "vermogen": 0.0}, "positive"),
        ({"geweld": float("nan")}, "finite"),
        ({"geweld": 1.0, "nope": 1.0, "zzz": 2.0}, r"\['nope', 'zzz'\]"),
        ({"inwoners": 1.0}, "polarity 0"),
        ({}, "non-empty"),
    ],
)
def test_bad_weights_raise_indicator_error_naming_them(weights, match):
    with pytest.raises(IndicatorError, match=match):
        indices.validate_weights(weights)


def test_weights_url_round_trip():
    assert indices.parse_weights("criminaliteit:2,geweld:1") == {
        "criminaliteit": 2.0,
        "geweld": 1.0,
    }
    assert indices.parse_weights(" geweld : 0.5 , vermogen:3 ") == {"geweld": 0.5, "vermogen": 3.0}
    assert indices.format_weights({"geweld": 2.0, "vermogen": 0.1}) == "geweld:2,vermogen:0.1"
    rng = np.random.default_rng(4)
    ids = [i for i in registry.ids() if registry.get(i).polarity != 0]
    for _ in range(200):
        keys = rng.choice(ids, size=rng.integers(1, 6), replace=False)
        w = {str(k): float(rng.choice([0.0, 1.0, rng.random() * 10])) for k in keys}
        w[str(keys[0])] = float(rng.random() + 0.01)
        assert indices.parse_weights(indices.format_weights(w)) == w
        assert list(indices.parse_weights(indices.format_weights(w))) == list(w)


@pytest.mark.parametrize("text", ["", "geweld", "geweld:", ":2", "geweld:x", "geweld:1,geweld:2"])
def test_malformed_weight_strings_raise_input_error(text):
    with pytest.raises(InputError):
        indices.parse_weights(text)


def test_unknown_id_in_url_raises_indicator_error():
    with pytest.raises(IndicatorError, match="moord"):
        indices.parse_weights("geweld:1,moord:2")


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("method", ["z", "rank"])
def test_index_never_improves_when_only_a_bad_component_worsens(method):
    rng = np.random.default_rng(2024)
    comps = GOOD[:2] + BAD[:2]
    strict_seen = 0
    for _ in range(150):
        df = random_frame(rng, comps, n_regions=int(rng.integers(5, 20)))
        weights = {c: float(rng.choice([0.0, 0.5, 1.0, 3.0])) for c in comps}
        weights[comps[int(rng.integers(len(comps)))]] = 1.0
        before = idx(indices.composite(df, weights, method=method))
        ok = df["value"].notna()
        k = int(rng.choice(np.flatnonzero(ok)))
        row = df.loc[k]
        pol = registry.get(row["indicator"]).polarity
        worse = df.copy()
        worse.loc[k, "value"] = row["value"] - pol * float(rng.uniform(0.01, 8))
        after = idx(indices.composite(worse, weights, method=method))
        key = (row["region_code"], row["year"])
        b, a = before.loc[key], after.loc[key]
        if np.isnan(b):
            assert np.isnan(a)
            continue
        assert a <= b + 1e-9, (row.to_dict(), weights, b, a)
        # and the opposite move (improving the same value) never lowers the index
        better = df.copy()
        better.loc[k, "value"] = row["value"] + pol * float(rng.uniform(0.01, 8))
        assert idx(indices.composite(better, weights, method=method)).loc[key] >= b - 1e-9
        strict_seen += int(a < b - 1e-9)
    assert strict_seen > 50  # the property is not trivially satisfied by constant indices


def test_doubling_weights_and_zero_weight_components():
    rng = np.random.default_rng(1)
    df = random_frame(rng, GOOD + BAD)
    w = {"inkomen": 1.0, "geweld": 2.0, "bijstand": 0.5}
    base = idx(indices.composite(df, w))
    doubled = idx(indices.composite(df, {k: 2 * v for k, v in w.items()}))
    pd.testing.assert_series_equal(base, doubled, rtol=1e-12)
    # weight 0 for a component: no effect, whatever its values are (even all missing)
    with_zero = idx(indices.composite(df, {**w, "woz": 0.0}))
    pd.testing.assert_series_equal(base, with_zero)
    wild = df.copy()
    wild.loc[wild.indicator == "woz", "value"] = rng.normal(
        1e6, 1e5, (wild.indicator == "woz").sum()
    )
    pd.testing.assert_series_equal(base, idx(indices.composite(wild, {**w, "woz": 0.0})))
    # ...whereas a positive weight does change the index
    assert not np.allclose(base, idx(indices.composite(df, {**w, "woz": 1.0})), equal_nan=True)


def test_single_component_is_its_polarity_aligned_z_score_against_reference_year():
    rng = np.random.default_rng(9)
    df = random_frame(rng, ("geweld", "inkomen"), p_missing=0.0)
    for ind, sign in (("geweld", -1), ("inkomen", 1)):
        res = indices.composite(df, {ind: 1.0})
        sub = df[df.indicator == ind]
        ref = sub[sub.year == 2012]["value"]
        z = sign * (sub["value"] - ref.mean()) / ref.std(ddof=0)
        expected = pd.Series(
            z.to_numpy(), index=pd.MultiIndex.from_frame(sub[["region_code", "year"]])
        )
        got = idx(res)
        np.testing.assert_allclose(got, expected.sort_index().loc[got.index], atol=1e-12)
        assert res.attrs["reference_years"] == {ind: 2012}
        r2016 = indices.composite(df, {ind: 1.0}, reference_year=2016)
        assert idx(r2016).xs(2016, level="year").mean() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(IndicatorError, match="reference year 2013"):
        indices.composite(df, {"geweld": 1.0}, reference_year=2013)


def test_missing_component_renormalises_and_half_weight_rule():
    rng = np.random.default_rng(5)
    df = random_frame(rng, ("inkomen", "geweld", "bijstand"), p_missing=0.0)
    w = {"inkomen": 2.0, "geweld": 1.0, "bijstand": 1.0}
    full = indices.composite(df, w).set_index(["region_code", "year"])
    code = "WK000301"
    # drop geweld for one region in 2014: index = (2*s_ink + s_bij) / 3
    gone = df[~((df.region_code == code) & (df.year == 2014) & (df.indicator == "geweld"))]
    res = indices.composite(gone, w).set_index(["region_code", "year"])
    r = res.loc[(code, 2014)]
    s = full.loc[(code, 2014)]
    assert r["components_present"] == 2 and r["weight_present"] == pytest.approx(0.75)
    assert r["index"] == pytest.approx((2 * s["score_inkomen"] + s["score_bijstand"]) / 3)
    assert r["weight_inkomen"] == pytest.approx(2 / 3) and r["weight_geweld"] == 0
    assert r["contrib_inkomen"] + r["contrib_bijstand"] == pytest.approx(r["index"])
    # exactly half the weight present still gives a value; less than half gives NaN
    only_ink = gone[
        ~((gone.region_code == code) & (gone.year == 2014) & (gone.indicator == "bijstand"))
    ]
    r = indices.composite(only_ink, w).set_index(["region_code", "year"]).loc[(code, 2014)]
    assert r["weight_present"] == pytest.approx(0.5) and r["index"] == pytest.approx(
        s["score_inkomen"]
    )
    no_ink = df[~((df.region_code == code) & (df.year == 2014) & (df.indicator != "geweld"))]
    r = indices.composite(no_ink, w).set_index(["region_code", "year"]).loc[(code, 2014)]
    assert r["components_present"] == 1 and np.isnan(r["index"]) and np.isnan(r["contrib_geweld"])


def test_invariant_to_row_order():
    rng = np.random.default_rng(8)
    df = random_frame(rng, tuple(indices.LIVEABILITY_DEFAULT) + ("geweld",))
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for method in ("z", "rank"):
        a = indices.composite(df, indices.LIVEABILITY_DEFAULT | {"geweld": 1.0}, method=method)
        b = indices.composite(
            shuffled, indices.LIVEABILITY_DEFAULT | {"geweld": 1.0}, method=method
        )
        pd.testing.assert_frame_equal(a, b)


def test_suppressed_rows_excluded_and_synthetic_rows_never_meet_real_ones():
    rng = np.random.default_rng(6)
    df = random_frame(rng, ("geweld", "vermogen"), p_missing=0.0)
    w = {"geweld": 1.0, "vermogen": 1.0}
    k = df.index[(df.indicator == "geweld") & (df.region_code == "WK000501") & (df.year == 2014)][0]
    as_missing = df.copy()
    as_missing.loc[k, "value"] = np.nan
    sup = df.copy()
    sup.loc[k, ["value", "suppressed"]] = [1e9, True]
    a = indices.composite(as_missing, w)
    b = indices.composite(sup, w)
    pd.testing.assert_series_equal(idx(a), idx(b))
    rb = b.set_index(["region_code", "year"])
    assert rb.loc[("WK000501", 2014), "suppressed_components"] == 1
    # a synthetic row in a real frame is left out (as if missing): it never enters a real index
    syn = df.copy()
    syn.loc[k, ["value", "synthetic"]] = [1e9, True]
    with pytest.warns(UserWarning, match="synthetic"):
        c = indices.composite(syn, w)
    pd.testing.assert_series_equal(idx(a), idx(c))
    assert not c["synthetic"].any()
    # a synthetic row in the reference year does not move the standardisation either
    k0 = df.index[(df.indicator == "geweld") & (df.region_code == "WK000501") & (df.year == 2012)]
    m0 = df.copy()
    m0.loc[k0[0], "value"] = np.nan
    s0 = df.copy()
    s0.loc[k0[0], ["value", "synthetic"]] = [1e9, True]
    with pytest.warns(UserWarning, match="synthetic"):
        got = idx(indices.composite(s0, w))
    pd.testing.assert_series_equal(got, idx(indices.composite(m0, w)))
    # suppressed reference rows are not used either
    p0 = df.copy()
    p0.loc[k0[0], ["value", "suppressed"]] = [1e9, True]
    pd.testing.assert_series_equal(idx(indices.composite(p0, w)), idx(indices.composite(m0, w)))
    # a frame without any real row (the demo store) gives an index flagged synthetic everywhere
    demo = indices.composite(df.assign(synthetic=True), w)
    assert demo["synthetic"].all()
    pd.testing.assert_series_equal(idx(demo), idx(indices.composite(df, w)))


def test_absent_component_warns_and_bad_method_raises():
    rng = np.random.default_rng(2)
    df = random_frame(rng, ("geweld",), p_missing=0.0)
    with pytest.warns(UserWarning, match="vermogen"):
        res = indices.composite(df, {"geweld": 1.0, "vermogen": 1.0})
    assert (res["weight_present"] == 0.5).all() and res["index"].notna().all()
    with pytest.raises(IndicatorError, match="method"):
        indices.composite(df, {"geweld": 1.0}, method="pca")


def test_contributions_long_form_sums_to_index():
    rng = np.random.default_rng(12)
    comps = tuple(indices.LIVEABILITY_DEFAULT)
    res = indices.composite(random_frame(rng, comps), indices.LIVEABILITY_DEFAULT)
    long = indices.contributions(res)
    assert set(long["component"]) == set(comps)
    assert len(long) == len(res) * len(comps)
    tot = long.groupby(["region_code", "year"])["contribution"].sum(min_count=1)
    ix = res.set_index(["region_code", "year"])["index"]
    np.testing.assert_allclose(tot.loc[ix.dropna().index], ix.dropna(), atol=1e-12)


# --------------------------------------------------------------------------- real LBM


@pytest.fixture(scope="module")
def lbm(shared_dir) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(shared_dir / LBM_FILE, na_values=["NA"], dtype={"wk_code": str})
    parts = [
        pd.DataFrame(
            {
                "indicator": v,
                "year": raw["jaar"].astype("int64"),
                "region_code": raw["wk_code"],
                "region_level": "WK",
                "region_name": raw["wk_naam"],
                "gemeente_code": "GM" + raw["wk_code"].str[2:6],
                "value": raw[v].astype("float64"),
                "synthetic": False,
                "suppressed": False,
            }
        )
        for v in DIMS + ("lbm",)
    ]
    return raw, pd.concat(parts, ignore_index=True)


def test_real_lbm_dimension_index_reproduces_the_published_deviation(lbm):
    """afw is the sum of the five dimensions in the file; weighting each z-scored dimension by
    its own reference-year sd makes the index an exact linear function of afw."""
    raw, frame = lbm
    ref = raw[raw.jaar == 2014]
    sd = {d: float(np.std(ref[d].dropna())) for d in DIMS}
    mean = {d: float(ref[d].dropna().mean()) for d in DIMS}
    res = indices.composite(frame, sd)
    assert res.attrs["reference_years"] == dict.fromkeys(DIMS, 2014)
    res = res.merge(raw.rename(columns={"wk_code": "region_code", "jaar": "year"}), how="left")
    full = res[res["components_present"] == 5]
    assert len(full) > 15000 and set(full["year"]) == {2014, 2018, 2020, 2022, 2024}
    reconstructed = full["index"] * sum(sd.values()) + sum(mean.values())
    np.testing.assert_allclose(reconstructed, full["afw"], atol=1e-9)
    # 2002/2008/2012/2016 have no dimensions: no index there
    assert res.loc[res.year.isin([2002, 2008, 2012, 2016]), "index"].isna().all()


def test_real_lbm_rank_index_is_percentile_in_reference_year(lbm):
    raw, frame = lbm
    res = indices.composite(frame, {"lbm": 1.0}, method="rank")
    assert res.attrs["reference_years"] == {"lbm": 2002}
    ref = raw.loc[raw.jaar == 2002, "lbm"].dropna().to_numpy()
    sample = res.dropna(subset=["index"]).sample(200, random_state=0)
    vals = sample.merge(raw.rename(columns={"wk_code": "region_code", "jaar": "year"}))["lbm"]
    expected = [stats.percentileofscore(ref, v, kind="mean") for v in vals]
    np.testing.assert_allclose(sample["index"].to_numpy(), expected, atol=1e-9)
    assert res["index"].dropna().between(0, 100).all()


# --------------------------------------------------------------------------- real store


@pytest.fixture(scope="module")
def real_frame(real_store) -> pd.DataFrame:
    """What the /indices page standardises: WK, GM and NL rows of the real store's dataset."""
    from indicators import dataset

    ids = sorted({*indices.LIVEABILITY_DEFAULT, *indices.SAFETY_DEFAULT, "criminaliteit"})
    f = pd.concat([r for i in ids if len(r := dataset.rows(i, real_store))], ignore_index=True)
    return f[f["region_level"].isin(["WK", "GM", "NL"])].reset_index(drop=True)


def test_real_store_index_is_standardised_against_its_real_year(real_frame, shared_dir):
    """Hand computation from the raw xlsx: bijstand per 1,000 of the 2023 wijken that are the same
    area in 2024 (same buurten, inhabitants within 25%/100), z-scored against those wijken."""
    import shared_raw

    # the only real bijstand figures in ../shared are KWB 2023 (the 2024 extract has 8 variables)
    assert not any("Bijstand" in k for v in shared_raw._kwb24().values() for k in v)
    k = shared_raw.kwb23()
    minpop = registry.get("bijstand").min_population
    w = k.loc[shared_raw.same_wijken_2023()]
    w = w[(w["a_inw"] >= minpop) & w["a_soz_wb"].notna()]
    x = -(w["a_soz_wb"] / w["a_inw"] * 1000)  # polarity −1: fewer is better
    expected = (x - x.mean()) / x.std(ddof=0)
    assert len(expected) > 2500
    res = indices.composite(real_frame, {"bijstand": 1.0})
    assert res.attrs["reference_years"] == {"bijstand": 2023}
    got = res[(res["region_level"] == "WK") & res["index"].notna()].set_index("region_code")
    assert set(got["year"]) == {2023}  # an index exists only where its component is real
    assert set(got.index) == set(expected.index)
    np.testing.assert_allclose(got.loc[expected.index, "index"], expected, rtol=1e-9, atol=1e-9)
    assert not res["synthetic"].any()


def test_real_store_index_ignores_synthetic_rows_added_to_it(real_frame):
    """The issue 11 bug: real components standardised against synthetic 2012 values."""
    real = indices.composite(real_frame, {"bijstand": 1.0, "inkomen": 1.0})
    wk23 = real_frame[(real_frame["indicator"] == "bijstand") & (real_frame["year"] == 2023)
                      & (real_frame["region_level"] == "WK")]  # fmt: skip
    fake = wk23.assign(year=2012, value=wk23["value"] * 5, synthetic=True, source="synthetic:x")
    with pytest.warns(UserWarning, match="synthetic"):
        mixed = indices.composite(pd.concat([real_frame, fake]), {"bijstand": 1.0, "inkomen": 1.0})
    assert mixed.attrs["reference_years"] == {"bijstand": 2023, "inkomen": 2023}
    pd.testing.assert_series_equal(idx(mixed), idx(real))
    assert not mixed["synthetic"].any() and 2012 not in set(mixed["year"])


def test_real_store_default_safety_index_has_no_values_without_real_components(real_frame):
    """../shared holds only the 2023 crime total (0.0.0): the default groups are not real here,
    so the default safety index has no value anywhere (never a stand-in)."""
    import shared_raw

    assert set(shared_raw.crime23()["soort"]) == {"0.0.0"}
    with pytest.warns(UserWarning, match="no usable"):
        res = indices.composite(real_frame, indices.SAFETY_DEFAULT)
    assert res["index"].notna().sum() == 0
    tot = indices.composite(real_frame, {"criminaliteit": 1.0})
    assert tot.attrs["reference_years"] == {"criminaliteit": 2023}
    assert set(tot.loc[tot["index"].notna(), "year"]) == {2023}


def test_page_index_from_precomputed_scores_equals_hand_computation(real_store):
    """What /indices shows (precomputed component scores combined per request) equals the hand
    z-scores from the raw xlsx."""
    import shared_raw

    from indicators import views

    k = shared_raw.kwb23()
    minpop = registry.get("bijstand").min_population
    w = k.loc[shared_raw.same_wijken_2023()]
    w = w[(w["a_inw"] >= minpop) & w["a_soz_wb"].notna()]
    x = -(w["a_soz_wb"] / w["a_inw"] * 1000)
    z = (x - x.mean()) / x.std(ddof=0)
    codes = list(z.index[:: max(1, len(z) // 5)][:5])
    got = views.index_series({"bijstand": 1.0}, codes).set_index("region_code")
    for c in codes:
        assert got.loc[c, "index"] == pytest.approx(z[c], rel=1e-9, abs=1e-9)
