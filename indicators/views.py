"""Read-only views on the indicator dataset: what the pages, embeds and downloads show.

Pure functions of (indicator, year, level, codes) over :mod:`indicators.dataset` (one indicator read
at a time from the store version being served); every result is a fresh frame. Errors are
``IndicatorError`` with a message naming the bad value and the valid choices, and a translation
``key`` for the pages.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from errors import IndicatorError
from indicators import areas, dataset, registry

LEVELS = ("WK", "GM")
SERIES_LEVELS = ("WK", "GM", "NL", dataset.AREA_LEVEL, dataset.REST_LEVEL, "BU")
NL_CODE = dataset.NL_CODE
AREA_PREFIX, REST_PREFIX = areas.AREA_PREFIX, areas.REST_PREFIX


def _path() -> str:
    return str(dataset.active().path)


@lru_cache(maxsize=24)
def _level_rows(path: str, indicator: str, level: str) -> pd.DataFrame:
    rows = dataset._load(path, indicator, "BU" if level == "BU" else "")
    return rows[rows["region_level"] == level].reset_index(drop=True)


def _rows(indicator: str, level: str) -> pd.DataFrame:
    ind = registry.get(indicator)
    rows = _level_rows(_path(), ind.id, level)
    if rows.empty or rows["value"].notna().sum() == 0:
        raise IndicatorError(
            f"indicator {indicator!r} has no data at level {level!r} in this store; "
            f"choose one of {', '.join(available(level))}",
            key="err_no_data_region",
            indicator=indicator,
            value=level,
        )
    return rows


def version_key() -> str:
    """What identifies the served store version (a key for caches of derived views)."""
    return _path()


def store_kind() -> str:
    """'real' or 'synthetic' (the demo store): the whole store is one or the other."""
    return dataset.active().kind


@lru_cache(maxsize=8)
def _available(path: str, level: str) -> tuple[str, ...]:
    cov = (dataset.active().manifest.get("report") or {}).get("coverage", {})
    out = []
    for i in registry.REGISTRY:
        if level in ("WK", "GM", "NL") and i.id in cov:  # from the manifest: nothing to load
            if level in cov[i.id].get("levels", []):
                out.append(i.id)
            continue
        rows = _level_rows(path, i.id, level)
        if len(rows) and rows["value"].notna().any():
            out.append(i.id)
    return tuple(out)


def available(level: str = "WK") -> list[str]:
    """Registry ids (registry order) that have at least one value at ``level``."""
    return list(_available(_path(), level))


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
            f"year {year} has no {indicator!r} data at level {level}; choose one of {ys}",
            key="err_year_missing",
            value=year,
            indicator=indicator,
            valid=", ".join(map(str, ys)),
        )
    return int(year)


def coverage(indicator: str) -> dict:
    """What the store holds of an indicator and what the publisher has: years in this store,
    the first year the publisher has it, and the last year of the series (for "missing" notes)."""
    ind = registry.get(indicator)
    rep = (dataset.active().manifest.get("report") or {}).get("coverage", {})
    have = rep.get(ind.id, {}).get("years", [])
    return {"indicator": ind.id, "years": have, "published_from": ind.first_year,
            "store_kind": store_kind()}  # fmt: skip


def coverage_gap(indicator: str) -> dict | None:
    """When this store holds fewer years of an indicator than the publisher publishes: who
    publishes it, from and to which year, and the years this copy holds. None when complete."""
    from loaders import tables

    ind = registry.get(indicator)
    if ind.family == "leefbaarometer":
        return None  # every published year of the Leefbaarometer wijk file is in the store
    have = set(coverage(indicator)["years"])
    last = max(tables.CRIME_YEARS) if ind.family == "crime" else max(tables.KWB_TABLES)
    expected = set(range(ind.first_year, last + 1))
    if expected <= have:
        return None
    return {"publisher": "Politie/CBS" if ind.family == "crime" else "CBS",
            "from": ind.first_year, "to": last, "have": sorted(have)}  # fmt: skip


def map_values(indicator: str, year: int, level: str = "WK") -> pd.DataFrame:
    """One row per region: code, name, gemeente_code, value, rank (1 = best), n (ranked regions),
    flags. Suppressed regions stay in the frame with a NaN value (the UI says "suppressed")."""
    return _map_values(_path(), indicator, int(year), level).copy()


@lru_cache(maxsize=16)
def _map_values(path: str, indicator: str, year: int, level: str) -> pd.DataFrame:
    if level not in LEVELS:
        raise IndicatorError(f"unknown map level {level!r}; choose one of {LEVELS}",
                             key="err_unknown_level", value=level)  # fmt: skip
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
            "coverage": sub["coverage"].to_numpy(dtype="float64"),
        }
    )
    asc = ind.polarity < 0  # rank 1 = best: lowest value when higher is worse
    out["rank"] = out["value"].rank(ascending=asc, method="min").astype("Int64")
    out["n"] = int(out["value"].notna().sum())
    return out


def map_locations(level: str = "WK") -> pd.DataFrame:
    """The fixed order of map regions of a level: code, name, gemeente_code (sent once)."""
    r = regions(level)
    return r.rename(columns={"region_code": "code", "region_name": "name"})[
        ["code", "name", "gemeente_code"]
    ].reset_index(drop=True)


def map_aligned(indicator: str, year: int, level: str = "WK") -> pd.DataFrame:
    """``map_values`` reindexed to ``map_locations(level)``: a stable order, so a recolour only
    sends values and ranks (regions without a value are NaN: drawn in the "no data" class)."""
    vals = map_values(indicator, year, level).set_index("code")
    loc = map_locations(level)
    out = vals.reindex(loc["code"])
    out["name"] = loc["name"].to_numpy()
    out["gemeente_code"] = loc["gemeente_code"].to_numpy()
    out["n"] = int(vals["value"].notna().sum())
    return out.reset_index()


@lru_cache(maxsize=32)
def _positions(path: str, indicator: str, part: str) -> dict[str, np.ndarray]:
    """Row positions per region code of one indicator file (a lookup instead of a scan)."""
    rows = dataset._load(path, indicator, part)
    return {str(k): v for k, v in rows.groupby("region_code", observed=True).indices.items()}


def series(indicator: str, codes: list[str]) -> pd.DataFrame:
    """Every year of the given regions (any level): the dataset's columns for those codes.
    Unknown codes raise ``IndicatorError``."""
    ind = registry.get(indicator)
    codes = [str(c) for c in codes]
    path = _path()
    found: list[pd.DataFrame] = []
    for part in ("", "BU") if any(c.startswith("BU") for c in codes) else ("",):
        pos = _positions(path, ind.id, part)
        rows = dataset._load(path, ind.id, part)
        hit = [pos[c] for c in dict.fromkeys(codes) if c in pos]
        if hit:
            found.append(
                rows.take(np.concatenate(hit)).astype({c: object for c in dataset.CATEGORY_COLUMNS})
            )
    have = set().union(*(set(f["region_code"]) for f in found)) if found else set()
    missing = sorted(set(codes) - have)
    if missing:
        raise IndicatorError(
            f"no {indicator!r} data for region code(s) {missing}; use 2024 codes such as "
            "WK059915 (wijk) or GM0599 (gemeente)",
            key="err_no_data_region",
            indicator=indicator,
            value=", ".join(missing),
        )
    out = pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
    return out.sort_values(["region_code", "year"]).reset_index(drop=True)


def trend(indicator: str, code: str) -> dict | None:
    """Trend statistics of one series since 2012 (real points only): n_years, first/last year,
    slope (Theil–Sen, units per year), p_value (Mann–Kendall), verdict ('improving', 'declining',
    'no clear trend', 'too few years', or for neutral indicators 'increasing'/'decreasing'),
    value_base, value_end, abs_change, aligned_change (positive = better). None: no values."""
    return dataset.trend(registry.get(indicator).id, code)


def benchmarks(indicator: str, code: str) -> pd.DataFrame:
    """The region's series with its gemeente and NL (and its NPLV area when it is in one)."""
    region = region_info(code)
    codes = [code]
    if region["level"] in ("WK", "BU"):
        codes.append(region["gemeente_code"])
        area = area_of(code if region["level"] == "WK" else region.get("wijk_code", ""))
        if area:
            codes.append(AREA_PREFIX + area)
    codes.append(NL_CODE)
    path, ind_id = _path(), registry.get(indicator).id
    have = _positions(path, ind_id, "")
    have_bu = _positions(path, ind_id, "BU") if code.startswith("BU") else {}
    return series(
        indicator, [c for c in dict.fromkeys(codes) if c in have or c in have_bu or c == code]
    )


@lru_cache(maxsize=4)
def _regions(path: str) -> pd.DataFrame:
    r = dataset._regions_at(path).rename(
        columns={"code": "region_code", "name": "region_name", "level": "region_level"}
    )
    return r[
        [
            "region_code",
            "region_name",
            "region_level",
            "gemeente_code",
            "gemeente_name",
            "wijk_code",
            "inhabitants",
        ]
    ].astype(  # fmt: skip
        {
            "region_code": str,
            "region_name": str,
            "region_level": str,
            "gemeente_code": str,
            "gemeente_name": str,
            "wijk_code": str,
        }  # fmt: skip
    )


def regions(level: str | None = None) -> pd.DataFrame:
    """2024 regions: region_code, region_name, region_level, gemeente_*, wijk_code, inhabitants."""
    r = _regions(_path())
    return (r if level is None else r[r["region_level"] == level]).copy()


def region_info(code: str) -> dict:
    """Name, level, gemeente (and wijk for a buurt) of a 2024 region code, or of a set
    (``NPLV:``/``REST:``). A code of an earlier year that is the same area as a 2024 region says
    so in ``redirect``; other unknown codes raise ``IndicatorError``."""
    if code.startswith((AREA_PREFIX, REST_PREFIX)):
        name = code.split(":", 1)[1]
        if name not in area_names():
            raise IndicatorError(f"unknown NPLV area {name!r}; choose one of {area_names()}",
                                 key="err_unknown_area", value=name, valid=", ".join(area_names()))  # fmt: skip
        lvl = dataset.AREA_LEVEL if code.startswith(AREA_PREFIX) else dataset.REST_LEVEL
        return {"code": code, "name": name, "level": lvl, "gemeente_code": "",
                "gemeente_name": "", "inhabitants": float("nan")}  # fmt: skip
    r = _regions(_path())
    hit = r[r["region_code"] == code]
    if hit.empty:
        redirect = _redirect(code)
        if redirect:
            info = region_info(redirect)
            info["redirect_from"] = code
            info["current_code"] = redirect
            return info
        raise IndicatorError(
            f"unknown region code {code!r}; use a 2024 wijk code such as WK059915 or a "
            "gemeente code such as GM0599 (search the map by name)",
            key="err_unknown_region",
            value=code,
        )
    row = hit.iloc[0]
    return {
        "code": code,
        "name": row["region_name"],
        "level": row["region_level"],
        "gemeente_code": row["gemeente_code"],
        "gemeente_name": row["gemeente_name"],
        "wijk_code": row["wijk_code"],
        "inhabitants": float(row["inhabitants"]),
    }


def _redirect(code: str) -> str | None:
    """The 2024 code of an earlier code that is the same area (geo.samearea), if any."""
    t = dataset.same_area(from_code=code)
    hit = t[t["to_code"].notna()]
    return None if hit.empty else str(hit.sort_values("from_indeling")["to_code"].iloc[-1])


def search(text: str, limit: int = 20) -> pd.DataFrame:
    """Gemeenten, wijken and buurten whose name or code contains ``text`` (case-insensitive);
    names starting with the text first, then gemeenten before wijken before buurten."""
    r = regions()
    r = r[r["region_level"].isin(["GM", "WK", "BU"])]
    t = text.strip().lower()
    if not t:
        return r.head(0)
    names = r["region_name"].str.lower()
    hit = r[names.str.contains(t, regex=False) | r["region_code"].str.lower().str.startswith(t)]
    order = {"GM": 0, "WK": 1, "BU": 2}
    hit = hit.assign(_s=~hit["region_name"].str.lower().str.startswith(t),
                     _l=hit["region_level"].map(order))  # fmt: skip
    return hit.sort_values(["_s", "_l", "region_name"]).head(limit).drop(columns=["_s", "_l"])


def area_of(code: str) -> str | None:
    """The NPLV focus area a 2024 wijk belongs to, if any."""
    fa = areas.focus_areas()
    hit = fa.loc[fa["wijk_code"] == code, "area_name"]
    return None if hit.empty else str(hit.iloc[0])


def area_names() -> list[str]:
    return areas.area_names()


def area_members(area: str) -> list[str]:
    """The 2024 wijk codes of an NPLV area (from the curated list in indicators/)."""
    fa = areas.focus_areas()
    codes = sorted(fa.loc[fa["area_name"] == area, "wijk_code"].unique())
    if not codes:
        raise IndicatorError(f"unknown NPLV area {area!r}; choose one of {area_names()}",
                             key="err_unknown_area", value=area, valid=", ".join(area_names()))  # fmt: skip
    return codes


@lru_cache(maxsize=2)
def _boxes(path: str) -> dict[str, tuple[float, float, float, float]]:
    import json
    from pathlib import Path

    p = Path(path) / "artefacts" / "geo" / "WK_2024.geojson"
    if not p.exists():
        return {}
    out: dict[str, tuple[float, float, float, float]] = {}
    for f in json.loads(p.read_text(encoding="utf-8"))["features"]:
        geom = f.get("geometry") or {}
        parts = [g.get("coordinates") for g in geom.get("geometries", [geom])]
        pts = np.array([q for c in parts if c for q in _coords(c)], dtype="float64")
        if pts.size:
            out[f["properties"]["code"]] = (float(pts[:, 0].min()), float(pts[:, 1].min()),
                                            float(pts[:, 0].max()), float(pts[:, 1].max()))  # fmt: skip
    return out


def _coords(c: list):  # noqa: ANN202
    if c and isinstance(c[0], int | float):
        yield c[:2]
    else:
        for sub in c:
            yield from _coords(sub)


def region_boxes() -> dict[str, tuple[float, float, float, float]]:
    """Bounding box (min lon, min lat, max lon, max lat) of every 2024 wijk (web geometry)."""
    return _boxes(_path())


def area_centre(area: str) -> dict[str, float]:
    """Map centre (lat/lon) of an area's wijken, from the store's web geometry."""
    boxes = [b for c in area_members(area) if (b := region_boxes().get(c))]
    if not boxes:
        return {"lat": 52.2, "lon": 5.3}
    a = np.array(boxes)
    return {"lat": float((a[:, 1].min() + a[:, 3].max()) / 2),
            "lon": float((a[:, 0].min() + a[:, 2].max()) / 2)}  # fmt: skip


def area_confidence() -> pd.DataFrame:
    """Per NPLV area: number of wijken, source and confidence of its wijk list."""
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
        raise IndicatorError(f"unknown NPLV area {area!r}; choose one of {area_names()}",
                             key="err_unknown_area", value=area, valid=", ".join(area_names()))  # fmt: skip
    rows = dataset.rows(registry.get(indicator).id)
    codes = [AREA_PREFIX + area, REST_PREFIX + area, NL_CODE]
    out = rows[rows["region_code"].isin(codes)]
    out = out.astype({"region_code": str, "region_name": str, "region_level": str})
    for col in ("indicator", "unit", "source", "method", "gemeente_code"):
        out[col] = out[col].astype(object)
    return out.sort_values(["region_code", "year"]).reset_index(drop=True)


def is_synthetic(df: pd.DataFrame | None = None) -> bool:
    """True when the store being served is the synthetic demo store (the UI then shows the banner)."""
    return store_kind() == "synthetic"


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
        raise IndicatorError(f"unknown index kind {kind!r}; choose one of {INDEX_KINDS}",
                             key="err_unknown_kind", value=kind)  # fmt: skip
    return dict(indices.LIVEABILITY_DEFAULT if kind == "leefbaarheid" else indices.SAFETY_DEFAULT)


def index_series(weights: dict[str, float], codes: list[str]) -> pd.DataFrame:
    """Composite index rows (see :func:`indicators.indices.composite`) for ``codes`` plus their
    gemeente and NL. The components' scores (standardised against all wijken in a year in which
    each is real) are precomputed in the store; a request only combines the rows it shows."""
    from indicators import indices

    weights = indices.validate_weights(weights)
    gms = {c if c.startswith(("GM", "NL")) else "GM" + c[2:6] for c in codes}
    keep = [*codes, *sorted(gms - set(codes)), NL_CODE]
    scores = dataset.index_scores(keep)
    scores = scores[scores["indicator"].isin([k for k, w in weights.items() if w > 0])]
    if scores.empty or scores["score"].notna().sum() == 0:
        raise IndicatorError(
            "this store holds no values for any component of these weights; choose other "
            "components (see /over for what the store holds)",
            key="err_index_no_data",
        )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = indices.combine(scores.astype({"indicator": str}), weights,
                              reference_years=dataset.index_reference_years())  # fmt: skip
    unknown = [c for c in codes if c not in set(out["region_code"])]
    if unknown:
        raise IndicatorError(
            f"no index values for {unknown}; check the codes (2024 wijk or gemeente codes) "
            "or pick other components",
            key="err_index_codes",
            value=", ".join(unknown),
        )
    return out.reset_index(drop=True)


def clear() -> None:
    """Forget cached views (tests that rebuild a store in the same process)."""
    for f in (_level_rows, _available, _regions, _boxes, _map_values, _positions):
        f.cache_clear()
    dataset.clear_cache()


def coverage_matrix(tables: bool = False) -> pd.DataFrame:
    """Indicator × year: 'real' where this store holds values, else 'missing'; with ``tables`` the
    cells name the source tables (see :func:`indicators.dataset.coverage_matrix`)."""
    return dataset.coverage_matrix(dataset.active(), tables=tables)


def store_facts() -> dict:
    """What the served store is: id, kind, source, build time, parts, missing sources, unmatched."""
    v = dataset.active()
    m = v.manifest
    return {
        "id": v.id,
        "kind": v.kind,
        "source": m.get("source"),
        "built_at": m.get("built_at"),
        "parts": [
            {k: p.get(k) for k in ("key", "table_id", "indeling", "rows", "origin", "note")}
            for p in m.get("parts", [])
        ],  # fmt: skip
        "missing": m.get("missing", []),
        "unmatched": (m.get("report") or {}).get("unmatched", {}),
    }


def unmatched_regions() -> pd.DataFrame:
    """Regions of earlier indelingen with no comparable 2024 region, with the reason."""
    return dataset.same_area(method="unmatched").reset_index(drop=True)
