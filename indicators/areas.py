"""NPLV focus areas: the 20 areas as region sets, with population-weighted Leefbaarometer series.

The area list is a documented CSV (`../shared/data/nplv/focus_areas.csv`, columns area_name,
gemeente_code, gemeente_name, wijk_code, wijk_name, buurt_code, source, note); point
``WIJKPEIL_SHARED_DIR`` elsewhere or pass ``path`` to use an edited list.
Weights are the real 2024 inhabitants per wijk (CBS 85984NED, AantalInwoners_5).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

import settings as _settings
from errors import InputError
from indicators import leefbaarometer

REQUIRED = {"area_name", "gemeente_code", "wijk_code", "source", "note"}


@lru_cache(maxsize=4)
def focus_areas(path: Path | None = None) -> pd.DataFrame:
    p = path or _settings.get().shared_dir / "nplv" / "focus_areas.csv"
    if not Path(p).exists():
        raise InputError(
            f"focus-area list {p} not found; provide a CSV with columns {sorted(REQUIRED)}"
        )
    df = pd.read_csv(p, dtype=str)
    missing = REQUIRED - set(df.columns)
    if missing:
        raise InputError(
            f"{p}: missing column(s) {sorted(missing)}; see indicators/areas.py for the format"
        )
    df["wijk_code"] = df["wijk_code"].str.strip()
    df["confidence"] = (
        df["note"]
        .str.extract(r"confidence:\s*([a-z]+(?:-[a-z]+)?)")[0]
        .fillna("unknown")
        .str.strip()
    )
    return df


@lru_cache(maxsize=1)
def population_2024() -> pd.Series:
    p = _settings.get().shared_dir / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    return pd.Series(
        {k.strip(): v.get("AantalInwoners_5") for k, v in data.items()}, dtype="float64"
    )


def _wmean(values: pd.DataFrame) -> float:
    w = population_2024().reindex(values["code"]).to_numpy()
    v = values["value"].to_numpy()
    ok = ~(pd.isna(w) | pd.isna(v))
    return (
        float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() and w[ok].sum() > 0 else float("nan")
    )


def area_series(variable: str, area: str) -> pd.DataFrame:
    """Per year: the area, the rest of its gemeente(n), and NL, each population-weighted (2024 weights)."""
    fa = focus_areas()
    members = fa[fa["area_name"] == area]
    if members.empty:
        raise InputError(
            f"unknown focus area {area!r}; choose one of {sorted(fa['area_name'].unique())}"
        )
    codes = set(members["wijk_code"])
    gms = set(members["gemeente_code"])
    rows = []
    for yr in leefbaarometer.years():
        try:
            v = leefbaarometer.values(variable, yr)
        except Exception:  # noqa: BLE001 - year without this dimension: no row, not a zero
            continue
        if v.empty:
            continue
        rows += [
            {"year": yr, "group": "gebied", "value": _wmean(v[v["code"].isin(codes)])},
            {
                "year": yr,
                "group": "rest gemeente",
                "value": _wmean(v[v["gemeente_code"].isin(gms) & ~v["code"].isin(codes)]),
            },
            {"year": yr, "group": "NL", "value": _wmean(v)},
        ]
    return pd.DataFrame(rows).dropna(subset=["value"])
