"""NPLV focus areas on real data: weighted means bounded by members, confidence shown."""

import pytest

from errors import InputError
from indicators import areas, leefbaarometer


def test_twenty_areas_with_confidence(shared_dir):
    fa = areas.focus_areas()
    assert fa["area_name"].nunique() == 20
    assert set(fa["confidence"]) <= {
        "high",
        "medium",
        "medium-low",
        "low",
        "medium-high",
        "unknown",
    }


def test_area_mean_is_population_weighted(shared_dir):
    s = areas.area_series("lbm", "Amsterdam Zuidoost")
    members = set(areas.focus_areas().query("area_name == 'Amsterdam Zuidoost'")["wijk_code"])
    v = leefbaarometer.values("lbm", 2024)
    m = v[v.code.isin(members)]
    got = s[(s.year == 2024) & (s.group == "gebied")]["value"].item()
    assert m.value.min() <= got <= m.value.max()
    w = areas.population_2024().reindex(m.code).to_numpy()
    assert got == pytest.approx((m.value.to_numpy() * w).sum() / w.sum())
    assert set(s.group) == {"gebied", "rest gemeente", "NL"}


def test_unknown_area(shared_dir):
    with pytest.raises(InputError, match="unknown focus area"):
        areas.area_series("lbm", "Atlantis")
