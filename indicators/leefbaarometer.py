"""Leefbaarometer 3.0 wijk scores, read as published (never re-derived)."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

import settings as _settings
from errors import IndicatorError, InputError

COLUMNS = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")


@lru_cache(maxsize=1)
def _scores() -> pd.DataFrame:
    path = _settings.get().shared_dir / "lbm" / "wijk_scores_2002_2024.csv"
    if not path.exists():
        raise InputError(
            f"Leefbaarometer file {path} not found; set WIJKPEIL_SHARED_DIR to the shared data folder"
        )
    df = pd.read_csv(path, dtype={"wk_code": str, "wk_naam": str}, na_values=["NA"])
    missing = {"wk_code", "wk_naam", "jaar", *COLUMNS} - set(df.columns)
    if missing:
        raise InputError(
            f"{path}: missing column(s) {sorted(missing)}; expected the Leefbaarometer 3.0 wijk CSV"
        )
    df["gemeente_code"] = "GM" + df["wk_code"].str[2:6]
    df.flags.allows_duplicate_labels = True
    return df


def years() -> list[int]:
    return sorted(_scores()["jaar"].unique().tolist())


def values(variable: str, year: int) -> pd.DataFrame:
    """One value per wijk: code, name, gemeente_code, value, rank (1 = best). Returns a copy."""
    if variable not in COLUMNS:
        raise IndicatorError(
            f"unknown Leefbaarometer variable {variable!r}; choose one of {COLUMNS}"
        )
    df = _scores()
    if year not in set(df["jaar"]):
        raise IndicatorError(f"year {year} not in Leefbaarometer years {years()}")
    out = df.loc[df["jaar"] == year, ["wk_code", "wk_naam", "gemeente_code", variable]].rename(
        columns={"wk_code": "code", "wk_naam": "name", variable: "value"}
    )
    out = out.dropna(subset=["value"]).copy()
    out["rank"] = out["value"].rank(ascending=False, method="min").astype(int)
    return out.reset_index(drop=True)


def series(variable: str, code: str) -> pd.DataFrame:
    """All published years for one wijk (missing years are absent, not interpolated)."""
    df = _scores()
    sub = df.loc[df["wk_code"] == code, ["jaar", variable]].dropna()
    if sub.empty and code not in set(df["wk_code"]):
        raise IndicatorError(f"unknown wijk code {code!r}; use a 2024 code such as 'WK036300'")
    return sub.rename(columns={"jaar": "year", variable: "value"}).reset_index(drop=True)


def national_mean(variable: str) -> pd.DataFrame:
    """Unweighted mean over wijken per year (labelled as such in the UI)."""
    df = _scores()
    return (
        df.groupby("jaar", as_index=False)[variable]
        .mean()
        .rename(columns={"jaar": "year", variable: "value"})
    )
