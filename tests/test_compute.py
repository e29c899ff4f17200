"""indicators.compute on the real 2023 publications, as the pipeline stores them (loaders.shared ->
store part), against hand computations from the raw KWB 2023 xlsx and the 47018NED 2023 CSV read
with plain pandas (tests/shared_raw.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shared_raw

from errors import IndicatorError
from indicators import compute, registry


@pytest.fixture(scope="module")
def tidy23(real_store) -> pd.DataFrame:  # noqa: ANN001
    """KWB 2023 (kwb-2023.xlsx on the 2023 indeling) and registered crime 2023, as stored."""
    df = real_store.read(datasets=["kwb", "crime"], years=[2023])
    assert set(df["indeling"]) == {2023}
    return df


@pytest.fixture(scope="module")
def kwb23() -> pd.DataFrame:
    return shared_raw.kwb23()


@pytest.fixture(scope="module")
def wk23(tidy23) -> pd.DataFrame:  # noqa: ANN001
    ids = ["bijstand", "laag_inkomen", "inkomen", "inwoners", "eenpersoons"]
    return compute.compute(tidy23, ids, years=[2023])


def _by_code(frame: pd.DataFrame, ind: str) -> pd.DataFrame:
    out = frame[frame["indicator"] == ind].set_index("region_code")
    out.index = out.index.astype(object)
    return out


def test_frame_columns_and_types(wk23):  # noqa: ANN001
    assert tuple(wk23.columns) == compute.FRAME_COLUMNS
    assert wk23["synthetic"].dtype == bool and wk23["suppressed"].dtype == bool
    assert set(wk23["region_level"]) == {"WK"}
    assert not wk23.duplicated(["indicator", "year", "region_code"]).any()
    assert not wk23["synthetic"].any()


def test_every_wijk_of_the_xlsx_gets_a_row(wk23, kwb23):  # noqa: ANN001
    codes = set(kwb23.loc[kwb23["level"] == "WK", "code"])
    for ind in ("bijstand", "inwoners"):
        assert set(_by_code(wk23, ind).index) == codes, ind


def test_bijstand_rate_equals_file(wk23, kwb23):  # noqa: ANN001
    got = _by_code(wk23, "bijstand")
    src = kwb23.loc[got.index]
    minpop = registry.get("bijstand").min_population
    expected = src["a_soz_wb"] / src["a_inw"] * 1000
    ok = ~got["suppressed"] & expected.notna()
    assert ok.sum() > 2500
    np.testing.assert_allclose(got.loc[ok, "value"], expected[ok], rtol=1e-12)
    np.testing.assert_allclose(got.loc[ok, "numerator"], src.loc[ok, "a_soz_wb"])
    np.testing.assert_allclose(got.loc[ok, "denominator"], src.loc[ok, "a_inw"])
    # suppression: exactly the wijken with fewer inhabitants than the threshold
    small = src["a_inw"] < minpop
    assert small.sum() > 0
    assert (got["suppressed"].to_numpy() == small.to_numpy()).all()
    assert got.loc[small, "value"].isna().all()
    # missing ('.') in the file -> NaN, never 0
    missing = src["a_soz_wb"].isna() & ~small
    assert missing.sum() > 0
    assert got.loc[missing, "value"].isna().all()


def test_published_percentage_passes_through(wk23, kwb23):  # noqa: ANN001
    got = _by_code(wk23, "laag_inkomen")
    src = kwb23.loc[got.index, "p_hh_li"]
    pd.testing.assert_series_equal(got["value"].astype(float), src.astype(float), check_names=False)
    assert src.isna().sum() > 0  # the file has secret values: they stay NaN
    assert (got["unit"] == "%").all() and (got["source"] == "kwb-2023.xlsx").all()
    assert (got["method"] == "published").all()
    # numerator/denominator let region sets weight it by households (a_hh) of the same year
    both = src.notna() & kwb23.loc[got.index, "a_hh"].notna()
    np.testing.assert_allclose(got.loc[both, "denominator"], kwb23.loc[got.index[both], "a_hh"])
    np.testing.assert_allclose(
        got.loc[both, "numerator"], src[both] * kwb23.loc[got.index[both], "a_hh"], rtol=1e-12
    )


def test_decimal_comma_columns_and_counts(wk23, tidy23, kwb23):  # noqa: ANN001
    inw = _by_code(wk23, "inwoners")
    np.testing.assert_array_equal(inw["value"], kwb23.loc[inw.index, "a_inw"])
    one = _by_code(wk23, "eenpersoons")
    f = kwb23.loc[one.index]
    ok = ~one["suppressed"] & f["a_1p_hh"].notna() & f["a_hh"].gt(0)
    np.testing.assert_allclose(one.loc[ok, "value"], (f["a_1p_hh"] / f["a_hh"] * 100)[ok])
    # 'g_afs_hp' is written with decimal commas in the xlsx ('0,4')
    hp = compute.compute(tidy23, ["afstand_huisarts"], years=[2023])
    hp = _by_code(hp, "afstand_huisarts")
    src = kwb23.loc[hp.index, "g_afs_hp"]
    assert (src.dropna() % 1 != 0).any()
    pd.testing.assert_series_equal(hp["value"].astype(float), src, check_names=False)


def test_gemeente_and_nl_levels_equal_file(tidy23, kwb23):  # noqa: ANN001
    gm = _by_code(compute.compute(tidy23, ["bijstand"], level="GM"), "bijstand")
    f = kwb23.loc[gm.index]
    assert len(gm) == 342
    np.testing.assert_allclose(gm["value"], f["a_soz_wb"] / f["a_inw"] * 1000, rtol=1e-12)
    nl = compute.compute(tidy23, ["bijstand", "inwoners"], level="NL").set_index("indicator")
    # KWB 2023 Nederland: 400,280 people on social assistance, 17,811,291 inhabitants
    assert kwb23.loc["NL00", "a_soz_wb"] == 400280 and kwb23.loc["NL00", "a_inw"] == 17811291
    assert nl.loc["bijstand", "value"] == pytest.approx(400280 / 17811291 * 1000, rel=1e-12)
    assert nl.loc["inwoners", "value"] == 17811291


def test_crime_rate_per_buurt_from_the_2023_files(tidy23, kwb23):  # noqa: ANN001
    """47018NED total crime 2023 per buurt / KWB 2023 inhabitants of the same buurt x 1,000."""
    crime = shared_raw.crime23().set_index("buurt")["count"]
    got = _by_code(compute.compute(tidy23, ["criminaliteit"], level="BU"), "criminaliteit")
    assert set(got.index) == set(crime.index)
    inw = kwb23["a_inw"].reindex(got.index)
    minpop = registry.get("criminaliteit").min_population
    ok = inw >= minpop
    assert ok.sum() > 9000
    np.testing.assert_allclose(
        got.loc[ok, "value"], (crime[got.index] / inw * 1000)[ok], rtol=1e-12
    )
    np.testing.assert_array_equal(got["numerator"], crime[got.index])
    assert got.loc[~ok, "value"].isna().all()
    # crime with no known buurt (BU00000000, 3,798 in the README) has no inhabitants: no rate
    assert crime["BU00000000"] == 3798 and np.isnan(got.loc["BU00000000", "value"])
    assert (got.drop(index="BU00000000")["source"] == "47018NED+kwb-2023.xlsx").all()


def test_invariant_to_row_order(tidy23):  # noqa: ANN001
    sub = tidy23[tidy23["gemeente_code"].isin(["GM0014", "GM0363", "GM0344"])]
    ids = ["bijstand", "inkomen", "eenpersoons", "inwoners", "criminaliteit"]
    for level in ("WK", "BU"):
        a = compute.compute(sub, ids, level=level)
        b = compute.compute(sub.sample(frac=1.0, random_state=7), ids, level=level)
        assert len(a) > 100
        pd.testing.assert_frame_equal(a, b)


def test_errors_name_the_bad_value(tidy23):  # noqa: ANN001
    with pytest.raises(IndicatorError, match="nope.*bijstand"):
        compute.compute(tidy23, ["nope"])
    with pytest.raises(IndicatorError, match=r"\[1999\].*available years"):
        compute.compute(tidy23, ["bijstand"], years=[1999])
    crime_only = tidy23[tidy23["dataset"] == "crime"]
    with pytest.raises(IndicatorError, match="no data at level 'GM'"):
        compute.compute(crime_only, ["criminaliteit"], level="GM")
    with pytest.raises(IndicatorError, match="unknown level"):
        compute.compute(crime_only, ["criminaliteit"], level="XX")


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
    # 7 types x 2 crimes / 1,000 inhabitants x 1,000
    assert len(crime) == 7 and out.loc["WK999901", "value"] == pytest.approx(14.0)
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


def test_method_and_coverage_propagate():
    """A value is as indirect as its most indirect input (published < summed < same-area)."""
    df = _frame(
        [
            ("WK999901", "PersonenPerSoortUitkeringBijstand", 10.0),
            ("WK999901", "AantalInwoners", 500.0),
        ],
        "test",
    )
    df["method"] = ["published", "summed"]
    df["coverage"] = [1.0, 0.8]
    r = compute.compute(df, ["bijstand"]).iloc[0]
    assert r["method"] == "summed" and r["coverage"] == pytest.approx(0.8)
    assert r["value"] == pytest.approx(10 / 500 * 1000)
    df["method"] = ["same-area:buurten", "published"]
    assert compute.compute(df, ["bijstand"]).iloc[0]["method"] == "same-area"
