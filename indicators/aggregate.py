"""The one aggregation of wijk values into region sets: NPLV focus areas, the rest of their gemeente,
and gemeenten or the Netherlands where the publisher has no value of its own.

Rules per registry aggregation (members are 2024 wijken; a member contributes only when its inputs
are present — missing is never 0):

``count``  Σ member counts; only when every member has a value (a partial sum would undercount).
``rate``   Σ numerators / Σ denominators × scale over the members that have both.
``mean``   Σ (value × weight) / Σ weight over the members with both, the weight being the registry's
           weight variable *of the same year* (e.g. households for a share of households).
``score``  Σ (score × inhabitants 2024) / Σ inhabitants 2024: Leefbaarometer scores are published
           per 2024 wijk for every year, so they are weighted with the real 2024 inhabitants of those
           wijken, fixed across years (a change then reflects the scores, not shifting weights).

``coverage`` is the share of the set's 2024 inhabitants living in contributing members (the share
of members when the set has no inhabitants). Rates are suppressed when the contributing members have
fewer inhabitants than the registry's minimum. The result has ``method='aggregate'``.

The indicator dataset (:mod:`indicators.dataset`) calls this for every set, so the map, the pages,
the downloads and the CLI export all show the numbers it computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from errors import IndicatorError
from indicators import registry


@dataclass(frozen=True)
class RegionSet:
    """A named set of 2024 wijken: ``level`` is GM, NL, AREA or REST."""

    code: str
    level: str
    name: str
    gemeente_code: str
    members: tuple[str, ...]


def aggregate(
    wk: pd.DataFrame,
    sets: Mapping[str, RegionSet],
    *,
    inhabitants_2024: pd.Series,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Aggregate wijk rows of the indicator frame into ``sets`` (one row per indicator, year, set).

    ``wk``: indicator-frame rows of 2024 wijken (columns indicator, year, region_code, value,
    numerator, denominator, suppressed, source). ``inhabitants_2024``: 2024 wijk code -> real 2024
    inhabitants. ``population``: rows (year, region_code, inhabitants) for suppression of rates.
    """
    if not sets:
        raise IndicatorError("aggregate needs at least one region set")
    members = pd.DataFrame(
        [(s.code, m) for s in sets.values() for m in dict.fromkeys(s.members)],
        columns=["set", "region_code"],
    )
    if members.empty:
        raise IndicatorError("the region sets have no members")
    w24 = inhabitants_2024.astype("float64")
    members["w24"] = members["region_code"].map(w24).fillna(0.0).to_numpy()
    set_w = members.groupby("set")["w24"].sum()
    set_n = members.groupby("set").size()
    rows = wk.loc[:, ["indicator", "year", "region_code", "value", "numerator", "denominator",
                      "suppressed", "source"]]  # fmt: skip
    m = rows.merge(members, on="region_code", how="inner")
    if m.empty:
        return _empty()
    info = {i.id: i for i in registry.REGISTRY}
    agg = m["indicator"].map({k: v.aggregation for k, v in info.items()}).to_numpy()
    scale = m["indicator"].map({k: v.scale for k, v in info.items()}).to_numpy(dtype="float64")
    value = m["value"].to_numpy(dtype="float64")
    num = m["numerator"].to_numpy(dtype="float64")
    den = m["denominator"].to_numpy(dtype="float64")
    w = m["w24"].to_numpy(dtype="float64")
    is_score = agg == "score"
    # a member's contribution (numerator, denominator) under the rule of its indicator
    cnum = np.where(agg == "count", value, np.where(is_score, value * w, num))
    cden = np.where(agg == "count", 0.0, np.where(is_score, w, den))
    ok = np.isfinite(cnum) & (agg == "count") | (np.isfinite(cnum) & np.isfinite(cden) & (cden > 0))
    m = m.assign(
        _num=np.where(ok, cnum, 0.0),
        _den=np.where(ok, cden, 0.0),
        _ok=ok,
        _w=np.where(ok, w, 0.0),
        _agg=agg,
        _scale=scale,
    )
    g = m.groupby(["indicator", "year", "set"], sort=True, observed=True)
    out = g.agg(
        num=("_num", "sum"),
        den=("_den", "sum"),
        n_ok=("_ok", "sum"),
        w_ok=("_w", "sum"),
        agg=("_agg", "first"),
        scale=("_scale", "first"),
        source=(
            "source",
            lambda s: "+".join(sorted({p for v in s for p in str(v).split("+") if p})),
        ),
    ).reset_index()
    n_all = out["set"].map(set_n).to_numpy(dtype="float64")
    w_all = out["set"].map(set_w).to_numpy(dtype="float64")
    n_ok = out["n_ok"].to_numpy(dtype="float64")
    coverage = np.where(
        w_all > 0, out["w_ok"].to_numpy() / np.where(w_all > 0, w_all, 1), n_ok / n_all
    )
    a = out["agg"].to_numpy()
    s_num, s_den = out["num"].to_numpy(), out["den"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(s_den > 0, s_num / s_den, np.nan)
    val = np.where(
        a == "count",
        np.where(n_ok == n_all, s_num, np.nan),
        np.where(a == "rate", ratio * out["scale"].to_numpy(), ratio),
    )
    val = np.where(n_ok > 0, val, np.nan)
    suppressed = np.zeros(len(out), dtype=bool)
    minpop = out["indicator"].map({k: v.min_population for k, v in info.items()}).to_numpy()
    if population is not None and (minpop > 0).any():
        pop = population.rename(columns={"inhabitants": "_pop"})
        mp = m.loc[m["_ok"], ["indicator", "year", "set", "region_code"]].merge(
            pop, on=["year", "region_code"], how="left"
        )
        spop = mp.groupby(["indicator", "year", "set"])["_pop"].sum(min_count=1)
        key = pd.MultiIndex.from_frame(out[["indicator", "year", "set"]])
        sp = spop.reindex(key).to_numpy(dtype="float64")
        suppressed = (minpop > 0) & ~(sp >= minpop) & (n_ok > 0)
        val = np.where(suppressed, np.nan, val)
    sets_df = pd.DataFrame(
        [(s.code, s.level, s.name, s.gemeente_code) for s in sets.values()],
        columns=["set", "region_level", "region_name", "gemeente_code"],
    ).set_index("set")
    res = pd.DataFrame(
        {
            "indicator": out["indicator"].astype(str).to_numpy(),
            "year": out["year"].astype("int64").to_numpy(),
            "region_code": out["set"].astype(str).to_numpy(),
            "region_level": out["set"].map(sets_df["region_level"]).to_numpy(),
            "region_name": out["set"].map(sets_df["region_name"]).to_numpy(),
            "gemeente_code": out["set"].map(sets_df["gemeente_code"]).to_numpy(),
            "value": val,
            "numerator": np.where(n_ok > 0, s_num, np.nan),
            "denominator": np.where((n_ok > 0) & (a != "count"), s_den, np.nan),
            "unit": out["indicator"].map({k: v.unit for k, v in info.items()}).to_numpy(),
            "source": out["source"].to_numpy(),
            "synthetic": False,
            "suppressed": suppressed,
            "method": "aggregate",
            "coverage": coverage,
        }
    )
    return res


def _empty() -> pd.DataFrame:
    cols = ["indicator", "year", "region_code", "region_level", "region_name", "gemeente_code",
            "value", "numerator", "denominator", "unit", "source", "synthetic", "suppressed",
            "method", "coverage"]  # fmt: skip
    return pd.DataFrame({c: [] for c in cols})
