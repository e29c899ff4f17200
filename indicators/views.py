"""Read-only views on the indicator dataset: what the pages, embeds and downloads show.

Pure functions of (indicator, year, level, codes) over ``dataset.frame()``; every result is a fresh
frame. Errors are ``IndicatorError`` with a message that names the bad value and the valid choices.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from errors import IndicatorError
from indicators import dataset, registry

LEVELS = ("WK", "GM")
SERIES_LEVELS = ("WK", "GM", "NL", dataset.AREA_LEVEL, dataset.REST_LEVEL)


def _frame() -> pd.DataFrame:
    return dataset.frame()


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], pd.DataFrame]:
    """Rows grouped by (indicator, level): the hot path for the map and series callbacks."""
    f = _frame()
    return {
        (str(ind), str(lvl)): sub.reset_index(drop=True)
        for (ind, lvl), sub in f.groupby(["indicator", "region_level"], observed=True)
    }


def clear() -> None:
    """Forget cached groupings (tests rebuild the dataset)."""
    _index.cache_clear()


def _rows(indicator: str, level: str) -> pd.DataFrame:
    ind = registry.get(indicator)
    rows = _index().get((ind.id, level))
    if rows is None or rows["value"].notna().sum() == 0:
        raise IndicatorError(
            f"indicator {indicator!r} has no data at level {level!r} in this store; "
            f"choose one of {', '.join(available(level))}"
        )
    return rows


def available(level: str = "WK") -> list[str]:
    """Registry ids (registry order) that have at least one value at ``level``."""
    have = {k[0] for k, v in _index().items() if k[1] == level and v["value"].notna().any()}
    return [i.id for i in registry.REGISTRY if i.id in have]


def years(indicator: str, level: str = "WK") -> list[int]:
    """Years with at least one value (missing years are absent, never interpolated)."""
    rows = _rows(indicator, level)
    return sorted(int(y) for y in rows.loc[rows["value"].notna(), "year"].unique())


def default_year(indicator: str, level: str = "WK") -> int:
    """The latest year with data."""
    return years(indicator, level)[-1]


def check_year(indicator: str, year: int, level: str = "WK") -> int:
    ys = years(indicator, level)
    if int(year) not in ys:
        raise IndicatorError(
            f"year {year} has no {indicator!r} data at level {level}; choose one of {ys}"
        )
    return int(year)


def map_values(indicator: str, year: int, level: str = "WK") -> pd.DataFrame:
    """One row per region: code, name, gemeente_code, value, rank (1 = best), flags.

    Suppressed regions stay in the frame with a NaN value (the UI says "suppressed").
    """
    if level not in LEVELS:
        raise IndicatorError(f"unknown map level {level!r}; choose one of {LEVELS}")
    year = check_year(indicator, year, level)
    ind = registry.get(indicator)
    rows = _rows(indicator, level)
    sub = rows[rows["year"] == year]
    out = pd.DataFrame(
        {
            "code": sub["region_code"].astype(str).to_numpy(),
            "year": sub["year"].to_numpy(dtype="int64"),
            "name": sub["region_name"].astype(str).to_numpy(),
            "gemeente_code": sub["gemeente_code"].astype(str).to_numpy(),
            "value": sub["value"].to_numpy(dtype="float64"),
            "synthetic": sub["synthetic"].to_numpy(dtype=bool),
            "suppressed": sub["suppressed"].to_numpy(dtype=bool),
            "method": sub["method"].astype(str).to_numpy(),
            "source": sub["source"].astype(str).to_numpy(),
        }
    )
    asc = ind.polarity < 0  # rank 1 = best: lowest value when higher is worse
    out["rank"] = out["value"].rank(ascending=asc, method="min").astype("Int64")
    return out


def map_locations(level: str = "WK") -> pd.DataFrame:
    """The fixed order of map regions of a level: code, name, gemeente_code (sent once)."""
    r = regions(level)
    return r.rename(columns={"region_code": "code", "region_name": "name"})[
        ["code", "name", "gemeente_code"]
    ].reset_index(drop=True)


def map_aligned(indicator: str, year: int, level: str = "WK") -> pd.DataFrame:
    """``map_values`` reindexed to ``map_locations(level)``: a stable order, so a recolour only
    sends values and ranks (regions without a value are NaN: drawn uncoloured)."""
    vals = map_values(indicator, year, level).set_index("code")
    loc = map_locations(level)
    out = vals.reindex(loc["code"])
    out["name"] = loc["name"].to_numpy()
    out["gemeente_code"] = loc["gemeente_code"].to_numpy()
    return out.reset_index()


def series(indicator: str, codes: list[str]) -> pd.DataFrame:
    """Every year of the given regions (any level): region_code, region_name, region_level, year,
    value, synthetic, suppressed, method, coverage. Unknown codes raise ``IndicatorError``."""
    registry.get(indicator)
    parts = []
    for level in SERIES_LEVELS:
        rows = _index().get((indicator, level))
        if rows is not None:
            parts.append(rows[rows["region_code"].isin(codes)])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    missing = sorted(set(codes) - set(out.get("region_code", pd.Series(dtype=str)).astype(str)))
    if missing:
        raise IndicatorError(
            f"no {indicator!r} data for region code(s) {missing}; use 2024 codes such as WK036300"
        )
    out = out.astype({"region_code": str, "region_name": str, "region_level": str})
    for col in ("indicator", "unit", "source", "method", "gemeente_code"):
        out[col] = out[col].astype(object)
    return out.sort_values(["region_code", "year"]).reset_index(drop=True)


def benchmarks(indicator: str, code: str) -> pd.DataFrame:
    """The region's series with its gemeente and NL (and its NPLV area when it is in one)."""
    codes = [code]
    region = region_info(code)
    if region["level"] == "WK":
        codes.append(region["gemeente_code"])
        area = area_of(code)
        if area:
            codes.append(f"NPLV:{area}")
    codes.append(dataset.NL_CODE)
    have = set()
    for level in SERIES_LEVELS:
        rows = _index().get((indicator, level))
        if rows is not None:
            have |= set(rows["region_code"].astype(str))
    return series(indicator, [c for c in dict.fromkeys(codes) if c in have or c == code])


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    f = _frame()
    r = (
        f[f["region_level"].isin(["WK", "GM", "NL"])]
        .sort_values("year")
        .drop_duplicates("region_code", keep="last")[
            ["region_code", "region_name", "region_level", "gemeente_code"]
        ]
        .astype(str)
    )
    gm_names = r[r["region_level"] == "GM"].set_index("region_code")["region_name"]
    r["gemeente_name"] = r["gemeente_code"].map(gm_names).fillna("")
    return r.reset_index(drop=True)


def regions(level: str | None = None) -> pd.DataFrame:
    """Region code list (latest name): region_code, region_name, region_level, gemeente_*."""
    r = _regions()
    return (r if level is None else r[r["region_level"] == level]).copy()


def region_info(code: str) -> dict[str, str]:
    """Name, level and gemeente of a region code; unknown codes raise ``IndicatorError``."""
    r = _regions()
    hit = r[r["region_code"] == code]
    if hit.empty:
        raise IndicatorError(
            f"unknown region code {code!r}; use a 2024 wijk code such as WK036300 or a "
            "gemeente code such as GM0363 (search the map by name)"
        )
    row = hit.iloc[0]
    return {
        "code": code,
        "name": row["region_name"],
        "level": row["region_level"],
        "gemeente_code": row["gemeente_code"],
        "gemeente_name": row["gemeente_name"],
    }


def search(text: str, limit: int = 20) -> pd.DataFrame:
    """Wijken and gemeenten whose name or code contains ``text`` (case-insensitive)."""
    r = regions()
    r = r[r["region_level"].isin(["WK", "GM"])]
    t = text.strip().lower()
    if not t:
        return r.head(0)
    hit = r[
        r["region_name"].str.lower().str.contains(t, regex=False)
        | r["region_code"].str.lower().str.startswith(t)
    ]
    starts = hit["region_name"].str.lower().str.startswith(t)
    return hit.assign(_s=~starts).sort_values(["_s", "region_level", "region_name"]).head(limit)


def area_of(code: str) -> str | None:
    """The NPLV focus area a 2024 wijk belongs to, if any."""
    from indicators import areas

    fa = areas.focus_areas()
    hit = fa.loc[fa["wijk_code"] == code, "area_name"]
    return None if hit.empty else str(hit.iloc[0])


def area_names() -> list[str]:
    from indicators import areas

    return sorted(areas.focus_areas()["area_name"].unique())


def area_members(area: str) -> list[str]:
    """The 2024 wijk codes of an NPLV area (from the documented, editable CSV)."""
    from indicators import areas

    fa = areas.focus_areas()
    codes = sorted(fa.loc[fa["area_name"] == area, "wijk_code"].unique())
    if not codes:
        raise IndicatorError(f"unknown NPLV area {area!r}; choose one of {area_names()}")
    return codes


@lru_cache(maxsize=32)
def area_centre(area: str) -> dict[str, float]:
    """Map centre (lat/lon) of an area's wijken, from the web geometry."""
    import json

    from geo import web

    members = set(area_members(area))
    gj = json.loads(web.web_geojson_path("WK", 2024).read_text(encoding="utf-8"))
    xs: list[float] = []
    ys: list[float] = []

    def walk(c: list) -> None:  # noqa: ANN001
        if c and isinstance(c[0], int | float):
            xs.append(float(c[0]))
            ys.append(float(c[1]))
        else:
            for sub in c:
                walk(sub)

    for f in gj["features"]:
        if f["properties"]["code"] in members and f.get("geometry"):
            walk(f["geometry"]["coordinates"])
    if not xs:
        return {"lat": 52.2, "lon": 5.3}
    return {"lat": (min(ys) + max(ys)) / 2, "lon": (min(xs) + max(xs)) / 2}


def area_confidence() -> pd.DataFrame:
    """Per NPLV area: number of wijken, source and confidence of its wijk list."""
    from indicators import areas

    fa = areas.focus_areas()
    return (
        fa.groupby("area_name")
        .agg(
            gemeente=("gemeente_name", "first"),
            wijken=("wijk_code", "nunique"),
            source=("source", "first"),
            confidence=("confidence", "first"),
        )
        .reset_index()
    )


def area_series(indicator: str, area: str) -> pd.DataFrame:
    """The area, the rest of its gemeente(n) and NL over time for one indicator."""
    if area not in area_names():
        raise IndicatorError(f"unknown NPLV area {area!r}; choose one of {area_names()}")
    return series(indicator, [f"NPLV:{area}", f"REST:{area}", dataset.NL_CODE])


def is_synthetic(df: pd.DataFrame) -> bool:
    """True when any shown value is synthetic (the UI then shows the banner)."""
    return bool("synthetic" in df and df.loc[df["value"].notna(), "synthetic"].any())


def sources(df: pd.DataFrame) -> list[str]:
    """Distinct source table ids of the shown values."""
    s = df.loc[df["value"].notna(), "source"].astype(str)
    return sorted({part for v in s.unique() for part in v.split("+") if part})


def year_span(df: pd.DataFrame) -> str:
    ys = df.loc[df["value"].notna(), "year"]
    if ys.empty:
        return ""
    lo, hi = int(ys.min()), int(ys.max())
    return str(lo) if lo == hi else f"{lo}–{hi}"


def to_float_list(values: pd.Series, digits: int = 4) -> list[float | None]:
    """JSON-safe list (NaN → None) for Patch payloads."""
    arr = np.round(values.to_numpy(dtype="float64"), digits)
    return [None if np.isnan(v) else float(v) for v in arr]


INDEX_KINDS = ("leefbaarheid", "veiligheid")


def index_defaults(kind: str) -> dict[str, float]:
    """Default weights of a composite index kind ('leefbaarheid' or 'veiligheid')."""
    from indicators import indices

    if kind not in INDEX_KINDS:
        raise IndicatorError(f"unknown index kind {kind!r}; choose one of {INDEX_KINDS}")
    return dict(indices.LIVEABILITY_DEFAULT if kind == "leefbaarheid" else indices.SAFETY_DEFAULT)


@lru_cache(maxsize=16)
def _composite(weights_text: str) -> pd.DataFrame:
    from indicators import indices

    weights = indices.parse_weights(weights_text)
    f = _frame()
    f = f[f["region_level"].isin(["WK", "GM", "NL"])]
    return indices.composite(f, weights)


def index_series(weights: dict[str, float], codes: list[str]) -> pd.DataFrame:
    """Composite index rows (see :func:`indicators.indices.composite`) for ``codes`` plus their
    gemeente and NL, standardised against all wijken; cached per weight set."""
    from indicators import indices

    res = _composite(indices.format_weights(weights))
    gms = {c if c.startswith(("GM", "NL")) else "GM" + c[2:6] for c in codes}
    keep = [*codes, *sorted(gms - set(codes)), "NL00"]
    out = res[res["region_code"].isin(keep)].copy()
    unknown = [c for c in codes if c not in set(out["region_code"])]
    if unknown:
        raise IndicatorError(
            f"no index values for {unknown}; check the codes (2024 wijk or gemeente codes) "
            "or pick other components"
        )
    return out.reset_index(drop=True)
