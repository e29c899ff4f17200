"""The tidy long table every loader produces and the store holds.

One row is one published value::

    year          int     reference year (KWB year, crime year, Leefbaarometer year)
    region_code   str     CBS code without padding: 'NL00', 'GM0363', 'WK059915', 'BU05991571'
    region_level  str     'NL' | 'GM' | 'WK' | 'BU'
    region_name   str     name as published that year
    gemeente_code str     'GM0363' (NL row: 'NL00')
    variable      str     name stem, stable across years: 'AantalInwoners', 'GeregistreerdeMisdrijven[1.1.1]', 'lbm'
    value         float   NaN where CBS publishes '.', null or secret — never 0
    unit          str     unit as published ('aantal', '%', 'x 1 000 euro', 'score', …)
    source_table  str     '85984NED', 'kwb-2023.xlsx', '47018NED', 'LBM3.0'; synthetic rows start with 'synthetic:'
    source_key    str     the publisher's own column key ('AantalInwoners_5', 'a_inw')

Crime counts of 47018NED use ``variable = 'GeregistreerdeMisdrijven[<SoortMisdrijf key>]'``
with the key stripped of padding, e.g. ``'GeregistreerdeMisdrijven[0.0.0]'`` for the total.
"""

from __future__ import annotations

import pandas as pd

from errors import InputError

COLUMNS: tuple[str, ...] = (
    "year",
    "region_code",
    "region_level",
    "region_name",
    "gemeente_code",
    "variable",
    "value",
    "unit",
    "source_table",
    "source_key",
)
LEVELS: tuple[str, ...] = ("NL", "GM", "WK", "BU")
SYNTHETIC_PREFIX = "synthetic:"
CRIME_VARIABLE = "GeregistreerdeMisdrijven"

_STR_COLUMNS = [c for c in COLUMNS if c not in ("year", "value")]


def crime_variable(soort_key: str) -> str:
    """Tidy variable name for a 47018NED crime type key (padding stripped)."""
    return f"{CRIME_VARIABLE}[{str(soort_key).strip()}]"


def is_synthetic(source_table: pd.Series) -> pd.Series:
    """Boolean mask of rows produced by the synthetic generator."""
    return source_table.astype(str).str.startswith(SYNTHETIC_PREFIX)


def level_of(code: str) -> str:
    """'WK059915' -> 'WK'. Raises InputError for a code of no known level."""
    prefix = str(code).strip()[:2].upper()
    if prefix not in LEVELS:
        raise InputError(
            f"region code {code!r} has no known level; expected a code starting with one of {LEVELS}"
        )
    return prefix


def validate(df: pd.DataFrame, *, where: str) -> pd.DataFrame:
    """Check and coerce a frame to the tidy schema; ``where`` names the file/table for errors."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            f"{where}: tidy table lacks column(s) {missing}; loaders must emit {list(COLUMNS)}"
        )
    out = df.loc[:, list(COLUMNS)].copy()
    out["year"] = pd.to_numeric(out["year"], errors="raise").astype("int16")
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    for col in _STR_COLUMNS:
        out[col] = out[col].astype("string")
    bad = ~out["region_level"].isin(LEVELS)
    if bad.any():
        raise InputError(
            f"{where}: unknown region_level(s) {sorted(out.loc[bad, 'region_level'].unique())[:5]}"
        )
    return out.reset_index(drop=True)


def empty() -> pd.DataFrame:
    """An empty tidy frame with the right dtypes."""
    return validate(pd.DataFrame({c: [] for c in COLUMNS}), where="empty")
