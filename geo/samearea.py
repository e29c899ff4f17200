"""The one rule for "the same region in another year": when may a value published on the regions of
one year (its *indeling*) be shown for a region of the target indeling (2024)?

Only when the region is the same area. The evidence, best first:

``boundaries``
    Boundary files of both years exist (shared files or PDOK): at least 90% of the region lies in
    one target region and it covers at least 90% of that target, measured on the cores of the
    generalised boundaries (shrunk by 200 m, :func:`geo.crosswalk._geometry_crosswalk`), and the
    full polygons overlap at least 80% both ways. A different code for the same area
    (``recoded``) counts too. Split, merged or redrawn regions are *not* the same area.
``buurten``
    No boundaries for that year (wijken and gemeenten): the region has the same code in both years,
    holds exactly the same buurt codes, and its inhabitants agree (see :data:`TOLERANCE`). In the
    shared data 3,288 of the 3,346 wijk codes common to 2023 and 2024 hold the same buurten;
    WK009001 (13 buurten in 2023, 1 in 2024) does not, and WK082416 holds the same buurt code but
    45 inhabitants in 2023 against 4,760 in 2024: a code CBS re-used for another area.
``inhabitants``
    Buurten (no smaller units to compare): same code and the inhabitants agree.

A region without such evidence is ``unmatched``: its value is not attached to any 2024 region and is
shown as "no comparable value"; every unmatched region is listed with the reason. Nothing is
matched on the code alone.

Inhabitants agree when ``|a - b| <= max(TOLERANCE * max(a, b), SLACK)``: a quarter of the larger
number, or 100 inhabitants for small regions. A region that gains or loses more than that between
its year and 2024 is treated as a different area (new development or a re-used code).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from errors import GeoError
from geo import crosswalk

SAME_SHARE = 0.90
FULL_SHARE = 0.80
TOLERANCE = 0.25
SLACK = 100.0
COLUMNS = ("level", "from_indeling", "from_code", "to_code", "method", "reason")
SAME = ("identical", "boundaries", "recoded", "buurten", "inhabitants")

Boundaries = Callable[[str, int], gpd.GeoDataFrame | None]


def _frame(rows: list[tuple] | pd.DataFrame) -> pd.DataFrame:
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=list(COLUMNS))
    df = df.loc[:, list(COLUMNS)].copy()
    df["from_indeling"] = df["from_indeling"].astype("int16")
    for c in ("level", "from_code", "to_code", "method", "reason"):
        df[c] = df[c].astype("string")
    return df.sort_values(["level", "from_indeling", "from_code"]).reset_index(drop=True)


def inhabitants_agree(a: np.ndarray | pd.Series, b: np.ndarray | pd.Series) -> np.ndarray:
    """Element-wise: do two inhabitant counts describe the same area (see module doc)?"""
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) <= np.maximum(TOLERANCE * np.fmax(a, b), SLACK)


def _people(n: float) -> str:
    return "unknown" if not np.isfinite(n) else f"{n:,.0f}"


def by_boundaries(
    level: str, from_year: int, src: gpd.GeoDataFrame, tgt: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Same-area table from two boundary sets (RD New, columns code/name/gemeente_code/geometry)."""

    def prepared(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        has = g.geometry.notna() & ~g.geometry.is_empty
        out = g.loc[has, ["code", "name", "gemeente_code", "geometry"]].reset_index(drop=True)
        out["name"] = out["name"].fillna(out["code"])
        out.attrs["null_codes"] = sorted(g.loc[~has, "code"])
        return out

    s, t = prepared(src), prepared(tgt)
    cw = crosswalk._geometry_crosswalk(
        s, t, from_year,
        same_threshold=crosswalk.SAME_THRESHOLD, edge_tolerance_m=crosswalk.EDGE_TOLERANCE_M,
        min_share=crosswalk.MIN_SHARE, min_area_m2=crosswalk.MIN_AREA_M2,
        weights=None, weight_column="population",
    )  # fmt: skip
    rows = []
    matched = cw[cw["to_code"].notna()].sort_values("weight", ascending=False, kind="stable")
    top = matched.drop_duplicates("from_code").set_index("from_code")
    full = _full_shares(s, t, top)
    for code in sorted(set(cw["from_code"].astype(str))):
        if code not in top.index:
            rows.append((level, from_year, code, None, "unmatched",
                         "no boundary of this region in one of the two years"))  # fmt: skip
            continue
        r = top.loc[code]
        core_ok = r["weight"] >= SAME_SHARE and r["to_coverage"] >= SAME_SHARE
        if core_ok and min(full.get(code, (0.0, 0.0))) >= FULL_SHARE:
            method = "boundaries" if r["to_code"] == code else "recoded"
            rows.append((level, from_year, code, r["to_code"], method, ""))
        else:
            targets = matched.loc[matched["from_code"] == code, "to_code"].astype(str)
            rows.append((level, from_year, code, None, "unmatched",
                         f"boundaries changed (now in {', '.join(sorted(targets)[:4])})"))  # fmt: skip
    return _frame(rows)


def _full_shares(
    src: gpd.GeoDataFrame, tgt: gpd.GeoDataFrame, top: pd.DataFrame
) -> dict[str, tuple[float, float]]:
    """For each from code and its main target: the shares of each full polygon in the other."""
    a = src.set_index("code").geometry
    b = tgt.set_index("code").geometry
    codes = [c for c in top.index if c in a.index and top.loc[c, "to_code"] in b.index]
    if not codes:
        return {}
    ga = a.loc[codes].values
    gb = b.loc[top.loc[codes, "to_code"].to_numpy()].values
    inter = shapely.area(shapely.intersection(ga, gb))
    with np.errstate(divide="ignore", invalid="ignore"):
        sa = inter / shapely.area(ga)
        sb = inter / shapely.area(gb)
    return {c: (float(x), float(y)) for c, x, y in zip(codes, sa, sb, strict=True)}


def by_buurten(
    level: str,
    from_year: int,
    buurten_from: pd.DataFrame,
    buurten_to: pd.DataFrame,
    inhabitants_from: pd.Series,
    inhabitants_to: pd.Series,
) -> pd.DataFrame:
    """Same-area table of wijken or gemeenten from their buurt lists and inhabitants.

    ``buurten_*``: frames with columns ``parent`` (the WK or GM code) and ``buurt`` (BU code) of
    each year; ``inhabitants_*``: parent code -> inhabitants (NaN when unknown).
    """
    a = buurten_from.groupby("parent")["buurt"].agg(frozenset)
    b = buurten_to.groupby("parent")["buurt"].agg(frozenset)
    rows = []
    for code, members in a.items():
        if code not in b.index:
            rows.append((level, from_year, code, None, "unmatched", "code not in use in 2024"))
            continue
        if members != b[code]:
            n_old, n_new = len(members), len(b[code])
            rows.append((level, from_year, code, None, "unmatched",
                         f"other buurten ({n_old} then, {n_new} now)"))  # fmt: skip
            continue
        p0 = float(inhabitants_from.get(code, np.nan))
        p1 = float(inhabitants_to.get(code, np.nan))
        if not (np.isfinite(p0) and np.isfinite(p1)):
            rows.append((level, from_year, code, None, "unmatched",
                         "inhabitants unknown in one of the two years"))  # fmt: skip
        elif not inhabitants_agree(p0, p1):
            rows.append((level, from_year, code, None, "unmatched",
                         f"inhabitants {_people(p0)} then, {_people(p1)} now: another area"))  # fmt: skip
        else:
            rows.append((level, from_year, code, code, "buurten", ""))
    return _frame(rows)


def by_inhabitants(
    level: str, from_year: int, inhabitants_from: pd.Series, inhabitants_to: pd.Series
) -> pd.DataFrame:
    """Same-area table of buurten: the same code and inhabitants that agree."""
    rows = []
    for code, p0 in inhabitants_from.items():
        if code not in inhabitants_to.index:
            rows.append((level, from_year, code, None, "unmatched", "code not in use in 2024"))
            continue
        p1 = float(inhabitants_to[code])
        if np.isfinite(p0) and np.isfinite(p1) and inhabitants_agree(p0, p1):
            rows.append((level, from_year, code, code, "inhabitants", ""))
        else:
            rows.append((level, from_year, code, None, "unmatched",
                         f"inhabitants {_people(p0)} then, {_people(p1)} now: another area"))  # fmt: skip
    return _frame(rows)


def identical(level: str, year: int, codes: list[str]) -> pd.DataFrame:
    """The target indeling itself: every code is itself."""
    return _frame([(level, year, c, c, "identical", "") for c in sorted(set(codes))])


def build(
    level: str,
    from_year: int,
    to_year: int,
    *,
    codes: list[str],
    boundaries: Boundaries | None = None,
    buurten: Callable[[int], pd.DataFrame | None] | None = None,
    inhabitants: Callable[[str, int], pd.Series | None] | None = None,
) -> pd.DataFrame:
    """The same-area table of ``level`` (WK, GM, BU) from ``from_year``'s indeling to ``to_year``'s.

    ``codes``: the codes of ``from_year`` that carry data (every one gets a row). Evidence comes
    from callables so the caller decides where it is read (shared files, PDOK, the store):
    ``boundaries(level, year)`` -> boundaries or None; ``buurten(year)`` -> frame with columns
    ``buurt`` and ``wijk`` (or None); ``inhabitants(level, year)`` -> code -> inhabitants (or None).
    """
    if level not in ("WK", "GM", "BU"):
        raise GeoError(f"no same-area rule for level {level!r}; use WK, GM or BU")
    if from_year == to_year:
        return identical(level, from_year, codes)
    got = []
    if level in ("WK", "GM") and boundaries is not None:
        src, tgt = boundaries(level, from_year), boundaries(level, to_year)
        if src is not None and tgt is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got.append(by_boundaries(level, from_year, src, tgt))
    if not got and level in ("WK", "GM") and buurten is not None and inhabitants is not None:
        b0, b1 = buurten(from_year), buurten(to_year)
        p0, p1 = inhabitants(level, from_year), inhabitants(level, to_year)
        if b0 is not None and b1 is not None and p0 is not None and p1 is not None:
            parent = "wijk" if level == "WK" else "gemeente"

            def lists(b: pd.DataFrame) -> pd.DataFrame:
                return pd.DataFrame({"parent": b[parent], "buurt": b["buurt"]})

            got.append(by_buurten(level, from_year, lists(b0), lists(b1), p0, p1))
    if not got and level == "BU" and inhabitants is not None:
        p0, p1 = inhabitants("BU", from_year), inhabitants("BU", to_year)
        if p0 is not None and p1 is not None:
            got.append(by_inhabitants(level, from_year, p0, p1))
    table = got[0] if got else _frame([])
    seen = set(table["from_code"].astype(str))
    rest = [c for c in sorted(set(codes)) if c not in seen]
    if rest:
        reason = (
            "no evidence that it is the same area (no boundaries or buurt list of that year)"
            if not got
            else "not in the evidence of that year"
        )
        table = _frame(
            pd.concat(
                [table, _frame([(level, from_year, c, None, "unmatched", reason) for c in rest])]
            )
        )
    table = table[table["from_code"].isin(set(codes))] if codes else table
    return table.reset_index(drop=True)


def unmatched(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a same-area table without a 2024 region, with their reason."""
    return table[table["method"] == "unmatched"].reset_index(drop=True)
