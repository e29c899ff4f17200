"""Leefbaarometer values come out exactly as published in the real file."""

import pandas as pd
import pytest

from errors import IndicatorError
from indicators import leefbaarometer, registry


def test_values_equal_published(shared_dir):
    raw = pd.read_csv(shared_dir / "lbm" / "wijk_scores_2002_2024.csv", na_values=["NA"])
    row = raw[(raw.wk_code == "WK001400") & (raw.jaar == 2024)].iloc[0]
    v = leefbaarometer.values("lbm", 2024)
    got = v.loc[v.code == "WK001400", "value"].item()
    assert got == row.lbm
    # publisher's identity: lbm - afw is constant
    a = leefbaarometer.values("afw", 2024).set_index("code")["value"]
    diff = (v.set_index("code")["value"] - a).dropna()
    assert diff.between(4.10226, 4.10227).all()


def test_missing_dimensions_not_filled(shared_dir):
    assert leefbaarometer.values("onv", 2024)["value"].notna().all()
    with pytest.raises(IndicatorError):
        leefbaarometer.values("onv", 2011)
    s = leefbaarometer.series("onv", "WK001400")
    assert 2012 not in set(s.year)  # dimensions are NA in 2012 at the source: absent, not 0


def test_rank_and_unknowns(shared_dir):
    v = leefbaarometer.values("lbm", 2024)
    assert v.loc[v.value.idxmax(), "rank"] == 1
    with pytest.raises(IndicatorError, match="unknown indicator"):
        registry.get("nope")
    with pytest.raises(IndicatorError, match="unknown wijk"):
        leefbaarometer.series("lbm", "WK999999")
