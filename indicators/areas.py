"""The 20 NPLV focus areas (Nationaal Programma Leefbaarheid en Veiligheid, 2022) as sets of 2024 wijken.

No official code list of the areas exists; ``indicators/focus_areas.csv`` is the project's own
curated table: one row per (area, 2024 wijk) with the source it was taken from (a URL, or
``inferred``), a confidence (high / medium / medium-low / low) and a note explaining the choice.
Edit that file (or point ``WIJKPEIL_FOCUS_AREAS`` at another one with the same columns) and rebuild
the store to change the areas; the aggregation itself is :func:`indicators.aggregate.aggregate`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

import settings as _settings
from errors import InputError
from indicators.aggregate import RegionSet

REQUIRED = ("area_name", "gemeente_code", "gemeente_name", "wijk_code", "wijk_name", "source",
            "confidence", "note")  # fmt: skip
CONFIDENCE = ("high", "medium", "medium-low", "low")
AREA_PREFIX, REST_PREFIX = "NPLV:", "REST:"


@lru_cache(maxsize=4)
def focus_areas(path: Path | None = None) -> pd.DataFrame:
    """The curated list (a fresh copy is not needed: callers must not modify it)."""
    p = Path(path) if path is not None else _settings.get().focus_areas_file
    if not p.exists():
        raise InputError(f"focus-area list {p} not found; restore indicators/focus_areas.csv")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{p}: missing column(s) {missing}; the columns are {list(REQUIRED)}")
    df["wijk_code"] = df["wijk_code"].str.strip()
    bad = sorted(set(df["confidence"]) - set(CONFIDENCE))
    if bad:
        raise InputError(f"{p}: unknown confidence value(s) {bad}; use one of {list(CONFIDENCE)}")
    if not df["wijk_code"].str.fullmatch(r"WK\d{4}[0-9A-Z]{2}").all():
        raise InputError(f"{p}: every wijk_code must be a 2024 wijk code such as WK059915")
    return df


def area_names() -> list[str]:
    return sorted(focus_areas()["area_name"].unique())


def region_sets(wijken_2024: pd.DataFrame) -> dict[str, RegionSet]:
    """Each area and the rest of its gemeente(n) as region sets over the 2024 wijken.

    ``wijken_2024``: frame with ``region_code`` and ``gemeente_code`` of every 2024 wijk.
    """
    fa = focus_areas()
    gm_of = dict(zip(wijken_2024["region_code"], wijken_2024["gemeente_code"], strict=True))
    out: dict[str, RegionSet] = {}
    for name, rows in fa.groupby("area_name", sort=True):
        codes = tuple(sorted(set(rows["wijk_code"])))
        gms = sorted(set(rows["gemeente_code"]))
        gm = "+".join(gms)
        out[AREA_PREFIX + name] = RegionSet(AREA_PREFIX + name, "AREA", name, gm, codes)
        rest = tuple(sorted(c for c, g in gm_of.items() if g in gms and c not in codes))
        if rest:
            out[REST_PREFIX + name] = RegionSet(REST_PREFIX + name, "REST", name, gm, rest)
    return out
