"""NPLV focus areas on the real store: the curated list in the repository, area / rest-of-gemeente /
NL Leefbaarometer means against a hand computation from the raw CSV and the real 2024 inhabitants,
the direction of the real scores, and clear errors for unknown areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shared_raw

from errors import IndicatorError, InputError
from indicators import areas, views

AREAS = ("Amsterdam Nieuw-West", "Amsterdam Zuidoost")


@pytest.fixture(scope="module")
def fa() -> pd.DataFrame:
    return shared_raw.focus_areas()


def test_twenty_areas_and_their_confidence_from_the_curated_list(fa, real_store) -> None:  # noqa: ANN001
    assert fa["area_name"].nunique() == 20
    assert areas.area_names() == sorted(fa["area_name"].unique())
    conf = views.area_confidence().set_index("area_name")
    exp = fa.groupby("area_name").agg(
        wijken=("wijk_code", "nunique"), source=("source", "first"),
        confidence=("confidence", "first"), gemeente=("gemeente_name", "first"),
    )  # fmt: skip
    pd.testing.assert_frame_equal(conf[exp.columns].sort_index(), exp.sort_index(),
                                  check_dtype=False)  # fmt: skip
    assert set(fa["confidence"]) <= {"high", "medium", "medium-low", "low"}
    # every member is a real 2024 wijk (2024 boundary attributes / 85984NED extract)
    codes24 = set(shared_raw.kwb24().index)
    assert set(fa["wijk_code"]) <= codes24
    for name in AREAS:
        assert views.area_members(name) == sorted(fa.loc[fa["area_name"] == name, "wijk_code"])


def _weighted(raw: pd.DataFrame, codes: set[str], inh: pd.Series) -> pd.Series:
    """Per year: Σ lbm x inhabitants 2024 / Σ inhabitants 2024 over the codes with a score."""
    r = raw[raw["wk_code"].isin(codes) & raw["lbm"].notna()].copy()
    r["w"] = r["wk_code"].map(inh)
    r = r[r["w"] > 0]
    return (r["lbm"] * r["w"]).groupby(r["jaar"]).sum() / r.groupby("jaar")["w"].sum()


@pytest.mark.parametrize("area", AREAS)
def test_area_rest_and_nl_means_equal_hand_computation(area, fa, real_store) -> None:  # noqa: ANN001
    raw = shared_raw.lbm()
    inh = shared_raw.kwb24()
    members = set(fa.loc[fa["area_name"] == area, "wijk_code"])
    gms = set(fa.loc[fa["area_name"] == area, "gemeente_code"])
    rest = {c for c in raw["wk_code"].unique() if "GM" + c[2:6] in gms} - members
    exp = {
        "NPLV:" + area: _weighted(raw, members, inh),
        "REST:" + area: _weighted(raw, rest, inh),
        "NL00": _weighted(raw, set(raw["wk_code"]), inh),
    }
    s = views.area_series("lbm", area)
    assert set(s["region_code"]) == set(exp)
    for code, e in exp.items():
        got = s[s["region_code"] == code].set_index("year")["value"]
        got.index = got.index.astype("int64")
        assert list(got.index) == list(e.index) == [2002, 2008, 2012, 2014, 2016, 2018, 2020,
                                                     2022, 2024]  # fmt: skip
        np.testing.assert_allclose(got.to_numpy(), e.to_numpy(), rtol=1e-12, err_msg=code)
    area_rows = s[s["region_code"] == "NPLV:" + area]
    assert (area_rows["method"] == "aggregate").all() and not area_rows["synthetic"].any()
    assert (area_rows["coverage"] == 1.0).all()  # every member has a score and inhabitants


@pytest.mark.parametrize("area", AREAS)
def test_real_scores_of_the_areas_rise_from_2012_to_2024(area, real_store) -> None:  # noqa: ANN001
    """Issue 11: the old store showed both areas falling; the real wijk scores rise (most member
    wijken, and their mean with fixed 2024 weights)."""
    raw = shared_raw.lbm()
    members = views.area_members(area)
    wide = raw[raw["wk_code"].isin(members)].pivot(index="wk_code", columns="jaar", values="lbm")
    assert (wide[2024] > wide[2012]).mean() > 0.5
    hand = _weighted(raw, set(members), shared_raw.kwb24())
    assert hand[2024] > hand[2012]
    s = views.area_series("lbm", area).set_index(["region_code", "year"])["value"]
    assert s[("NPLV:" + area, 2024)] > s[("NPLV:" + area, 2012)]


def test_unknown_area_errors(tmp_path, real_store) -> None:  # noqa: ANN001
    with pytest.raises(IndicatorError, match="unknown NPLV area 'Atlantis'") as e:
        views.area_series("lbm", "Atlantis")
    assert e.value.key == "err_unknown_area" and "Amsterdam Zuidoost" in str(e.value)
    with pytest.raises(IndicatorError, match="Atlantis"):
        views.area_members("Atlantis")
    with pytest.raises(IndicatorError, match="Atlantis"):
        views.region_info("NPLV:Atlantis")
    with pytest.raises(InputError, match="not found"):
        areas.focus_areas(tmp_path / "missing.csv")
    bad = shared_raw.focus_areas().head(3).assign(confidence="certain")
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match="certain"):
        areas.focus_areas(tmp_path / "bad.csv")


def test_region_sets_are_the_area_and_the_rest_of_its_gemeente(fa) -> None:  # noqa: ANN001
    wk = pd.DataFrame({"region_code": ["WK036301", "WK036399", "WK059999"],
                       "gemeente_code": ["GM0363", "GM0363", "GM0599"]})  # fmt: skip
    name = "Amsterdam Zuidoost"
    members = tuple(sorted(fa.loc[fa["area_name"] == name, "wijk_code"]))
    sets = areas.region_sets(wk)
    assert sets["NPLV:" + name].members == members and sets["NPLV:" + name].level == "AREA"
    assert sets["REST:" + name].members == ("WK036301", "WK036399")
    assert sets["REST:" + name].gemeente_code == "GM0363"
