"""Leefbaarometer 3.0 in the real store: every published value comes out exactly as published for
its 2024 wijk, missing dimensions stay missing, and the publisher's identities hold at every level.
The expectation is the whole raw CSV, read with plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shared_raw

from errors import IndicatorError
from indicators import dataset, registry, views

VARIABLES = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")
DIMENSIONS = ("fys", "onv", "soc", "vrz", "won")
#: The publisher's constant: lbm - afw on every row (../shared/README.md).
LBM_MINUS_AFW = 4.1022649


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return shared_raw.lbm()


@pytest.fixture(scope="module")
def rows(real_store) -> dict[str, pd.DataFrame]:  # noqa: ANN001
    # the dataset keeps repeated strings as categories; compare codes as plain strings
    return {v: dataset.rows(v, real_store).astype({"region_code": str, "region_level": str})
            for v in VARIABLES}  # fmt: skip


@pytest.mark.parametrize("var", VARIABLES)
def test_every_published_value_is_in_the_dataset_unchanged(var, raw, rows) -> None:  # noqa: ANN001
    pub = raw.dropna(subset=[var]).set_index(["wk_code", "jaar"])[var].sort_index()
    wk = rows[var][rows[var]["region_level"] == "WK"]
    got = wk.set_index(["region_code", "year"])["value"].sort_index()
    got.index = got.index.set_levels(got.index.levels[1].astype("int64"), level=1)
    assert len(got) == len(pub) > 16000
    assert got.index.equals(pub.index)
    np.testing.assert_array_equal(got.to_numpy(), pub.to_numpy())  # exactly, not approximately
    assert (wk["method"] == "published").all() and (wk["source"] == "LBM3.0").all()
    assert not wk["synthetic"].any() and not wk["suppressed"].any()


def test_na_dimensions_stay_absent(raw, rows) -> None:  # noqa: ANN001
    """The dimensions are NA in 2002, 2008, 2012 and 2016 at the source: no row at any level
    (no zero, no interpolation, no aggregate of nothing)."""
    na_years = sorted(raw.loc[raw[list(DIMENSIONS)].isna().all(axis=1), "jaar"].unique())
    assert na_years == [2002, 2008, 2012, 2016]
    for d in DIMENSIONS:
        assert not set(rows[d]["year"]) & set(na_years), d
        assert rows[d]["value"].notna().all(), d
    # a wijk without a published score in a year has no row there either
    w = raw[(raw["jaar"] == 2002) & raw["lbm"].isna()]["wk_code"]
    lbm = rows["lbm"]
    have = set(lbm.loc[(lbm["year"] == 2002) & (lbm["region_level"] == "WK"), "region_code"])
    assert not set(w) & have


def _wide(rows: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    parts = []
    for v, r in rows.items():
        sub = r[r["region_level"] == level]
        parts.append(sub.set_index(["region_code", "year"])["value"].rename(v))
    return pd.concat(parts, axis=1)


@pytest.mark.parametrize("level", ["WK", "GM", "NL", "AREA", "REST"])
def test_publisher_identities_hold_at_every_level(level, rows) -> None:  # noqa: ANN001
    """lbm - afw = 4.1022649 and afw = fys+onv+soc+vrz+won on every published row; region sets
    are weighted means with the same weights for every variable, so the identities carry over."""
    w = _wide(rows, level)
    both = w[["lbm", "afw"]].dropna()
    assert len(both) > 0
    np.testing.assert_allclose(both["lbm"] - both["afw"], LBM_MINUS_AFW, atol=1e-6)
    dims = w.dropna(subset=list(DIMENSIONS) + ["afw"])
    assert len(dims) > 0
    np.testing.assert_allclose(dims[list(DIMENSIONS)].sum(axis=1), dims["afw"], atol=1e-9)


def test_gemeente_and_nl_scores_use_real_2024_inhabitants(raw, rows) -> None:  # noqa: ANN001
    """Hand computation for two gemeenten and NL in 2012 and 2024: Σ score x inhabitants 2024 /
    Σ inhabitants 2024 over the wijken with a score (85984NED extract)."""
    inh = shared_raw.kwb24()
    lbm = rows["lbm"].set_index(["region_code", "year"])["value"]
    for year in (2012, 2024):
        r = raw[(raw["jaar"] == year) & raw["lbm"].notna()].copy()
        r["w"] = r["wk_code"].map(inh)
        r = r[r["w"] > 0]
        for gm in ("GM0363", "GM0599"):
            sub = r[r["wk_code"].str[2:6] == gm[2:]]
            exp = (sub["lbm"] * sub["w"]).sum() / sub["w"].sum()
            assert lbm[(gm, year)] == pytest.approx(exp, rel=1e-12), (gm, year)
        assert lbm[("NL00", year)] == pytest.approx(
            (r["lbm"] * r["w"]).sum() / r["w"].sum(), rel=1e-12
        )


def test_rank_and_unknowns(real_store) -> None:  # noqa: ANN001
    v = views.map_values("lbm", 2024)
    assert v.loc[v["value"].idxmax(), "rank"] == 1  # higher is better
    assert v.loc[v["value"].idxmin(), "rank"] == v["n"].iloc[0]
    with pytest.raises(IndicatorError, match="unknown indicator"):
        registry.get("nope")
    with pytest.raises(IndicatorError, match="WK999999"):
        views.series("lbm", ["WK999999"])
    with pytest.raises(IndicatorError, match="choose one of"):
        views.map_values("onv", 2012)  # no dimensions in 2012
