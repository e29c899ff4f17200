"""The raw files of ``../shared/data`` read with plain pandas / json / csv: the independent side of
the tests. Nothing here imports project code (except ``settings`` for the folder), so an expected
value computed from these readers never repeats the code under test.

Each reader parses its file once per test session (``lru_cache``) and returns a fresh copy, so a
test may change what it gets. Conventions of the publishers are handled here, written out:

* ``kwb-2023-subset.xlsx``: CBS's KWB download; ``.`` means missing or secret, some text cells hold
  decimal commas (``0,7``); ``gwb_code_10`` is the region code (NL00, GM…, WK…, BU…).
* ``85984NED/gemeente_wijk_8_variables.json``: ``{code: {OData key: value}}``; the inhabitants
  key of KWB 2024 is ``AantalInwoners_5`` (see ``DataProperties.json``).
* ``85984NED/buurt_population.csv``: ``nhood_id, population`` per 2024 buurt.
* ``lbm/wijk_scores_2002_2024.csv``: Leefbaarometer 3.0, ``NA`` for missing.
* ``crime/47018NED/TypedDataSet_2023_total_buurt.csv``: the 2023 buurt totals (2023 indeling).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

import settings

#: The same-area rule of issue 11 item 4, written out here (not imported from geo.samearea):
#: inhabitants agree when they differ by at most a quarter of the larger number, or 100.
SAME_AREA_SHARE = 0.25
SAME_AREA_SLACK = 100.0


def folder() -> Path:
    return settings.get().shared_dir


def num(s: pd.Series) -> pd.Series:
    """A KWB xlsx column as numbers: '.' (and empty) missing, decimal comma -> point."""
    t = s.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(t.where(~t.isin([".", "", "nan", "None"])), errors="coerce")


@lru_cache(maxsize=1)
def _kwb23() -> pd.DataFrame:
    raw = pd.read_excel(folder() / "cbs" / "kwb-2023-subset.xlsx", dtype=object)
    code = raw["gwb_code_10"].astype(str).str.strip()
    out = pd.DataFrame({"code": code, "level": code.str[:2], "gm_naam": raw["gm_naam"]})
    for c in raw.columns:
        if c not in ("gwb_code_10", "gm_naam"):
            out[c] = num(raw[c]).to_numpy()
    return out.set_index("code", drop=False).rename_axis(None)


def kwb23() -> pd.DataFrame:
    """KWB 2023 (2023 indeling): one row per region, indexed by code; numeric columns parsed."""
    return _kwb23().copy()


@lru_cache(maxsize=1)
def _kwb24() -> dict:
    p = folder() / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json"
    return json.loads(p.read_text(encoding="utf-8"))


def kwb24(key: str = "AantalInwoners_5") -> pd.Series:
    """One variable of the KWB 2024 extract (gemeenten and wijken of the 2024 indeling)."""
    data = _kwb24()
    return pd.Series({c.strip(): v.get(key) for c, v in data.items()}, dtype="float64")


@lru_cache(maxsize=1)
def _buurt24() -> pd.Series:
    bp = pd.read_csv(
        folder() / "cbs" / "85984NED" / "buurt_population.csv", dtype={"nhood_id": str}
    )
    return pd.Series(bp["population"].to_numpy(dtype="float64"), index=bp["nhood_id"].str.strip())


def buurt_inhabitants_2024() -> pd.Series:
    return _buurt24().copy()


@lru_cache(maxsize=1)
def _lbm() -> pd.DataFrame:
    return pd.read_csv(
        folder() / "lbm" / "wijk_scores_2002_2024.csv", na_values=["NA"], dtype={"wk_code": str}
    )


def lbm() -> pd.DataFrame:
    """The Leefbaarometer CSV as published (every year on the 2024 wijken)."""
    return _lbm().copy()


@lru_cache(maxsize=1)
def _crime23() -> pd.DataFrame:
    p = folder() / "crime" / "47018NED" / "TypedDataSet_2023_total_buurt.csv"
    df = pd.read_csv(p, dtype=str)
    return pd.DataFrame(
        {
            "buurt": df["WijkenEnBuurten"].str.strip(),
            "soort": df["SoortMisdrijf"].str.strip(),
            "period": df["Perioden"].str.strip(),
            "count": pd.to_numeric(df["GeregistreerdeMisdrijven_1"], errors="coerce"),
        }
    )


def crime23() -> pd.DataFrame:
    """47018NED total registered crime 2023 per buurt (2023 indeling)."""
    return _crime23().copy()


@lru_cache(maxsize=1)
def _focus() -> pd.DataFrame:
    p = settings.REPO_ROOT / "indicators" / "focus_areas.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["wijk_code"] = df["wijk_code"].str.strip()
    return df


def focus_areas() -> pd.DataFrame:
    """The curated NPLV list in the repository, read with plain pandas."""
    return _focus().copy()


def buurten_per_wijk(buurt_codes: pd.Series) -> pd.Series:
    """wijk code -> frozenset of its buurt codes (a buurt's wijk is 'WK' + digits 3-8)."""
    b = pd.Series(list(buurt_codes), dtype=str)
    return b.groupby("WK" + b.str[2:8]).agg(frozenset)


def inhabitants_agree(a: float, b: float) -> bool:
    if not (np.isfinite(a) and np.isfinite(b)):
        return False
    return abs(a - b) <= max(SAME_AREA_SHARE * max(a, b), SAME_AREA_SLACK)


@lru_cache(maxsize=1)
def _wijk_same_area_2023() -> pd.DataFrame:
    k = _kwb23()
    bu23 = k.loc[k["level"] == "BU", "code"]
    bu24 = pd.Series(_buurt24().index)
    s23, s24 = buurten_per_wijk(bu23), buurten_per_wijk(bu24)
    inh23 = k.loc[k["level"] == "WK", "a_inw"]
    inh24 = kwb24()
    rows = []
    for code in k.loc[k["level"] == "WK", "code"]:
        a, b = float(inh23.get(code, np.nan)), float(inh24.get(code, np.nan))
        if code not in s24.index:
            why = "code"
        elif s23.get(code, frozenset()) != s24[code]:
            why = "buurten"
        elif not inhabitants_agree(a, b):
            why = "inhabitants"
        else:
            why = ""
        rows.append((code, why, a, b, len(s23.get(code, ())), len(s24.get(code, ()))))
    return pd.DataFrame(
        rows, columns=["code", "why_not", "inh_2023", "inh_2024", "n_bu_2023", "n_bu_2024"]
    ).set_index("code", drop=False)


def wijk_same_area_2023() -> pd.DataFrame:
    """Per 2023 wijk: why it is NOT the same area as the 2024 wijk of that code ('' = it is):
    'code' (code not in use in 2024), 'buurten' (other buurt codes), 'inhabitants' (they do not
    agree). Computed from the xlsx, the buurt CSV and the 2024 JSON only."""
    return _wijk_same_area_2023().copy()


def same_wijken_2023() -> list[str]:
    t = _wijk_same_area_2023()
    return sorted(t.index[t["why_not"] == ""])
