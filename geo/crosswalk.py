"""Crosswalk of wijk codes of one year onto the wijk indeling of a target year (default 2024).

A crosswalk is a plain :class:`pandas.DataFrame`, one row per (from wijk, to wijk) link::

    from_year      int     indeling year of the source wijk
    from_code      str     'WK059915' as published in ``from_year``
    to_code        str     wijk code in ``to_year`` (<NA> for unmatched rows)
    weight         float   share of the FROM wijk assigned to the TO wijk; per matched from_code
                           the weights sum to 1 (renormalised over the land that falls inside some
                           target wijk, after slivers are dropped); 0 for unmatched rows
    to_coverage    float   share of the TO wijk's area covered by this from wijk (0..1)
    method         str     'exact' | 'recoded' | 'reallocated' | 'code-identity' | 'unmatched'
    gemeente_code  str     gemeente of the TO wijk ('GM0363'); the from wijk's for unmatched rows
    to_name        str     name of the TO wijk (optional column, used for harmonised rows)

Methods, from best to worst (:data:`METHOD_ORDER`):

``exact``
    same code, same geometry: the from wijk maps onto one target wijk only and covers at least
    ``same_threshold`` (default 0.90) of it.
``recoded``
    as ``exact`` but the code differs.
``reallocated``
    anything else with geometry in both years: the from wijk is split over its targets by area
    shares (or by the population of small units, see ``weights=``).
``code-identity``
    the source year has no boundary file (2017-2023 in the shared data) or the from wijk has no
    geometry (the ~2% null geometries of the simplified PDOK files): the same code in the target
    year gets weight 1. This *assumes* the wijk did not change and is flagged as such.
``unmatched``
    a from code without any target (no geometry and code absent in the target year, or no
    overlap with any target). Listed, never dropped: see :func:`unmatched`.

Why the thresholds are not 0.98 intersection/union: the shared boundary files of 2012-2016 are
PDOK's generalised files simplified again (about 9 vertices per wijk, median Hausdorff distance
560 m to the same unchanged wijk in 2024). Measured on the real files, the intersection/union of a
code that exists in 2012 and 2024 is >= 0.98 for 0.6% of them only. Shares are therefore
computed on each polygon's *core* (the polygon shrunk by ``edge_tolerance_m``, default 200 m;
the full polygon when the core is empty or smaller than 10% of it), which removes most of the
boundary noise, and pieces below ``min_share`` (2%) of the from wijk or below ``min_area_m2``
(1 ha) are dropped as slivers (the largest piece is always kept) before renormalising.

All area work is done in RD New (EPSG:28992). Geometry crosswalks are cached as Parquet in
``settings.geo_dir / "crosswalk"``, keyed by the years, the parameters and a hash of the input
files (and of ``weights=``), written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import settings as _settings
from errors import GeoError

#: Columns of a crosswalk frame, in order.
CROSSWALK_COLUMNS: tuple[str, ...] = (
    "from_year",
    "from_code",
    "to_code",
    "weight",
    "to_coverage",
    "method",
    "gemeente_code",
)
#: Methods from best to worst; harmonised rows carry the worst method of their sources.
METHOD_ORDER: tuple[str, ...] = ("exact", "recoded", "reallocated", "code-identity", "unmatched")
#: CRS for every area computation (RD New).
RD_NEW = 28992

#: Default thresholds (documented in the module docstring).
SAME_THRESHOLD = 0.90
EDGE_TOLERANCE_M = 200.0
MIN_SHARE = 0.02
MIN_AREA_M2 = 10_000.0
_CACHE_VERSION = 2


def wijk_file(year: int, *, settings: _settings.Settings | None = None) -> Path:
    """Path of the shared wijk boundary file of ``year`` (it may not exist)."""
    s = settings or _settings.get()
    return s.shared_dir / "geo" / f"wijk_{year}.geojson"


def _read_wijken(year: int, s: _settings.Settings) -> gpd.GeoDataFrame:
    """Read the wijk boundaries of ``year``: columns code, name, gemeente_code, geometry (RD New).

    Null geometries are dropped with a warning (their codes are kept in ``attrs['null_codes']``);
    invalid geometries are repaired with :func:`shapely.make_valid` (only polygonal parts kept).
    """
    path = wijk_file(year, settings=s)
    if not path.exists():
        raise GeoError(
            f"wijk boundary file {path} not found for year {year}; available years: "
            f"{available_geometry_years(settings=s)} (or set WIJKPEIL_SHARED_DIR)"
        )
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise GeoError(f"cannot read wijk boundary file {path}: {exc}; check the file") from exc
    if "wijkcode" in gdf.columns:
        code, name = gdf["wijkcode"], gdf.get("wijknaam")
        gm = gdf["gemeentecode"] if "gemeentecode" in gdf.columns else None
    elif "statcode" in gdf.columns:
        code, name, gm = gdf["statcode"], gdf.get("statnaam"), None
    else:
        raise GeoError(
            f"{path}: no code column (expected 'wijkcode' or 'statcode'); got {list(gdf.columns)}"
        )
    code = code.astype(str).str.strip()
    if gm is None:
        gm = "GM" + code.str[2:6]
    out = gpd.GeoDataFrame(
        {
            "code": code.values,
            "name": (name if name is not None else code).astype(str).values,
            "gemeente_code": pd.Series(gm).astype(str).values,
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    if out.crs is None:
        raise GeoError(f"{path}: no CRS declared; expected EPSG:4326 GeoJSON")
    null = out.geometry.isna() | out.geometry.is_empty
    out.attrs["null_codes"] = sorted(out.loc[null, "code"].unique())
    if null.any():
        warnings.warn(
            f"{path.name}: dropping {int(null.sum())} wijk(en) with null geometry "
            f"(e.g. {out.attrs['null_codes'][:3]}); they are mapped by code identity or listed "
            "as unmatched",
            stacklevel=3,
        )
    null_codes = out.attrs["null_codes"]
    out = out[~null].to_crs(RD_NEW)
    geom = out.geometry.values
    bad = ~shapely.is_valid(geom)
    if bad.any():
        fixed = shapely.make_valid(geom[bad])
        # make_valid can return collections with lines/points: keep the polygonal part only
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        geom = geom.copy()
        geom[bad] = fixed
        out = out.set_geometry(gpd.GeoSeries(geom, index=out.index, crs=RD_NEW))
    # one row per code (multi-part wijken published as several features)
    if out["code"].duplicated().any():
        out = out.dissolve(by="code", aggfunc="first", as_index=False)
    out = out.reset_index(drop=True)
    out.attrs["null_codes"] = null_codes
    return out


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def available_geometry_years(*, settings: _settings.Settings | None = None) -> list[int]:
    """Years with a wijk boundary file in the shared data folder."""
    s = settings or _settings.get()
    found = []
    for p in sorted((s.shared_dir / "geo").glob("wijk_*.geojson")):
        stem = p.stem.split("_")[-1]
        if stem.isdigit():
            found.append(int(stem))
    return found


def _core(geom: np.ndarray, tol: float) -> np.ndarray:
    """Each polygon shrunk by ``tol`` metres; the full polygon when the core is too small."""
    if tol <= 0:
        return geom
    core = shapely.buffer(geom, -tol)
    small = shapely.area(core) < 0.10 * shapely.area(geom)
    core[small] = geom[small]
    return core


def _file_hash(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def _weights_hash(weights: gpd.GeoDataFrame | None, column: str) -> str:
    if weights is None:
        return "area"
    h = hashlib.sha256()
    h.update(np.asarray(shapely.to_wkb(weights.geometry.values), dtype=object).tobytes())
    h.update(pd.util.hash_pandas_object(weights[column], index=False).values.tobytes())
    h.update(str(weights.crs).encode())
    return h.hexdigest()


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in CROSSWALK_COLUMNS}))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    if "to_name" not in df.columns:
        df = df.assign(to_name=pd.NA)
    df = df.loc[:, [*CROSSWALK_COLUMNS, "to_name"]].copy()
    df["from_year"] = df["from_year"].astype("int16")
    for c in ("from_code", "to_code", "method", "gemeente_code", "to_name"):
        df[c] = df[c].astype("string")
    df["weight"] = df["weight"].astype("float64")
    df["to_coverage"] = df["to_coverage"].astype("float64")
    return df.sort_values(["from_code", "to_code"], na_position="last").reset_index(drop=True)


def _identity(
    from_year: int, from_codes: Iterable[str], target: pd.DataFrame, method: str
) -> pd.DataFrame:
    """Code-identity rows for ``from_codes``; codes absent in ``target`` become unmatched rows."""
    codes = pd.Series(sorted({str(c).strip() for c in from_codes}), dtype="string")
    tgt = target.set_index("code")["gemeente_code"]
    names = target.set_index("code")["name"]
    hit = codes.isin(tgt.index)
    df = pd.DataFrame(
        {
            "from_year": from_year,
            "from_code": codes,
            "to_code": codes.where(hit),
            "weight": np.where(hit, 1.0, 0.0),
            "to_coverage": np.where(hit, 1.0, 0.0),
            "method": np.where(hit, method, "unmatched"),
            "gemeente_code": np.where(
                hit, codes.map(tgt).astype(object), ("GM" + codes.str[2:6]).astype(object)
            ),
            "to_name": codes.map(names).where(hit),
        }
    )
    return df


def _geometry_crosswalk(
    src: gpd.GeoDataFrame,
    tgt: gpd.GeoDataFrame,
    from_year: int,
    *,
    same_threshold: float,
    edge_tolerance_m: float,
    min_share: float,
    min_area_m2: float,
    weights: gpd.GeoDataFrame | None,
    weight_column: str,
) -> pd.DataFrame:
    sg, tg = src.geometry.values, tgt.geometry.values
    s_core, t_core = _core(sg.copy(), edge_tolerance_m), _core(tg.copy(), edge_tolerance_m)
    s_area, t_core_area = shapely.area(s_core), shapely.area(t_core)

    tree = shapely.STRtree(tg)
    i, j = tree.query(s_core, predicate="intersects")
    piece = shapely.area(shapely.intersection(s_core[i], tg[j]))
    pairs = pd.DataFrame({"i": i, "j": j, "piece": piece})
    pairs = pairs[pairs["piece"] > 0]
    pairs["share"] = pairs["piece"] / s_area[pairs["i"].to_numpy()]
    # sliver filter; always keep each from wijk's largest piece
    largest = pairs.groupby("i")["piece"].transform("max") == pairs["piece"]
    keep = largest | ((pairs["share"] >= min_share) & (pairs["piece"] >= min_area_m2))
    pairs = pairs[keep].copy()
    pairs["weight"] = pairs["piece"] / pairs.groupby("i")["piece"].transform("sum")
    # coverage of the target's core by the full from polygon
    ii, jj = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    cov = shapely.area(shapely.intersection(t_core[jj], sg[ii])) / t_core_area[jj]
    pairs["to_coverage"] = np.clip(cov, 0.0, 1.0)

    n_targets = pairs.groupby("i")["j"].transform("size")
    one = (n_targets == 1) & (pairs["to_coverage"] >= same_threshold)
    same_code = src["code"].to_numpy()[ii] == tgt["code"].to_numpy()[jj]
    pairs["method"] = np.where(one, np.where(same_code, "exact", "recoded"), "reallocated")

    if weights is not None:
        pairs = _population_weights(pairs, src, tgt, weights, weight_column)

    out = pd.DataFrame(
        {
            "from_year": from_year,
            "from_code": src["code"].to_numpy()[pairs["i"].to_numpy()],
            "to_code": tgt["code"].to_numpy()[pairs["j"].to_numpy()],
            "weight": pairs["weight"].to_numpy(),
            "to_coverage": pairs["to_coverage"].to_numpy(),
            "method": pairs["method"].to_numpy(),
            "gemeente_code": tgt["gemeente_code"].to_numpy()[pairs["j"].to_numpy()],
            "to_name": tgt["name"].to_numpy()[pairs["j"].to_numpy()],
        }
    )
    # from wijken with geometry but no target at all, and wijken with null geometry
    no_target = sorted(set(src["code"]) - set(out["from_code"]))
    extra = [
        _identity(from_year, src.attrs.get("null_codes", []), tgt, "code-identity"),
        _identity(from_year, no_target, tgt.iloc[0:0], "code-identity"),
    ]
    return pd.concat([out, *extra], ignore_index=True)


def _population_weights(
    pairs: pd.DataFrame,
    src: gpd.GeoDataFrame,
    tgt: gpd.GeoDataFrame,
    weights: gpd.GeoDataFrame,
    column: str,
) -> pd.DataFrame:
    """Replace area weights of reallocated from wijken by population shares of small units.

    Each unit (point or polygon; polygons use a representative point) is assigned to the from
    wijk and to the target wijk containing its point. For a from wijk with population > 0 the
    weight to target j is pop(i, j) / pop(i); from wijken without population keep area weights.
    """
    if column not in weights.columns:
        raise GeoError(
            f"weights= frame has no column {column!r}; pass weight_column= naming the population"
        )
    if weights.crs is None:
        raise GeoError("weights= frame has no CRS; set it (e.g. EPSG:28992) before passing it")
    w = weights.to_crs(RD_NEW)
    pts = shapely.point_on_surface(w.geometry.values)
    pop = pd.to_numeric(w[column], errors="coerce").fillna(0.0).to_numpy()
    si, sp = shapely.STRtree(src.geometry.values).query(pts, predicate="within")
    ti, tp = shapely.STRtree(tgt.geometry.values).query(pts, predicate="within")
    a = pd.DataFrame({"u": si, "i": sp}).drop_duplicates("u")
    b = pd.DataFrame({"u": ti, "j": tp}).drop_duplicates("u")
    ab = a.merge(b, on="u")
    ab["pop"] = pop[ab["u"].to_numpy()]
    pp = ab.groupby(["i", "j"], as_index=False)["pop"].sum()
    tot = pp.groupby("i")["pop"].transform("sum")
    pp = pp[tot > 0].assign(pw=lambda d: d["pop"] / d.groupby("i")["pop"].transform("sum"))
    realloc = set(pairs.loc[pairs["method"] == "reallocated", "i"]) & set(pp["i"])
    keep = pairs[~pairs["i"].isin(realloc)]
    new = pp[pp["i"].isin(realloc) & (pp["pw"] > 0)].merge(
        pairs[["i", "j", "to_coverage"]], on=["i", "j"], how="left"
    )
    new = new.assign(
        weight=new["pw"], to_coverage=new["to_coverage"].fillna(0.0), method="reallocated"
    )
    return pd.concat([keep, new[["i", "j", "weight", "to_coverage", "method"]]], ignore_index=True)


def build_crosswalk(
    from_year: int,
    to_year: int | None = None,
    *,
    settings: _settings.Settings | None = None,
    from_codes: Iterable[str] | None = None,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str = "population",
    same_threshold: float = SAME_THRESHOLD,
    edge_tolerance_m: float = EDGE_TOLERANCE_M,
    min_share: float = MIN_SHARE,
    min_area_m2: float = MIN_AREA_M2,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Crosswalk of the wijken of ``from_year`` onto those of ``to_year`` (default: target_geo_year).

    With boundary files for both years the crosswalk is geometric (exact/recoded/reallocated by
    area shares, or population shares when ``weights`` is a GeoDataFrame of small units, e.g.
    buurt points or polygons, with a ``weight_column`` of inhabitants). Without a boundary file
    for ``from_year`` (a year within settings.first_year..last_year) it is a code-identity
    crosswalk over ``from_codes`` (codes absent in ``to_year`` become ``unmatched`` rows); when
    ``from_codes`` is None every target code maps onto itself and codes seen later in the data
    but missing here are reported by :func:`geo.harmonise.harmonise`. ``from_codes`` is ignored
    for geometric crosswalks (the boundary file lists the codes).

    Raises GeoError for a year without boundary file outside the series, or a missing target file.
    """
    s = settings or _settings.get()
    to_year = s.target_geo_year if to_year is None else int(to_year)
    from_year = int(from_year)
    to_path, from_path = wijk_file(to_year, settings=s), wijk_file(from_year, settings=s)
    if not to_path.exists():
        raise GeoError(
            f"target wijk boundary file {to_path} not found for year {to_year}; "
            f"available years: {available_geometry_years(settings=s)}"
        )
    if not from_path.exists() and not (s.first_year <= from_year <= s.last_year):
        raise GeoError(
            f"unknown year {from_year}: no wijk boundary file {from_path} and outside the series "
            f"{s.first_year}-{s.last_year}; use one of {available_geometry_years(settings=s)} "
            "or a series year for a code-identity crosswalk"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # target null geometries are irrelevant for codes
        target = _read_wijken(to_year, s) if not from_path.exists() else None

    if from_year == to_year or not from_path.exists():
        if target is None:
            target = _read_wijken(to_year, s)
        codes = target["code"] if from_codes is None else from_codes
        method = "exact" if from_year == to_year else "code-identity"
        return _typed(_identity(from_year, codes, target, method))

    params = {
        "v": _CACHE_VERSION,
        "from": from_year,
        "to": to_year,
        "files": _file_hash(from_path, to_path),
        "weights": _weights_hash(weights, weight_column),
        "p": [same_threshold, edge_tolerance_m, min_share, min_area_m2],
    }
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    cache = s.geo_dir / "crosswalk" / f"crosswalk_{from_year}_{to_year}_{key}.parquet"
    if use_cache and cache.exists():
        return _typed(pd.read_parquet(cache))

    src = _read_wijken(from_year, s)
    tgt = _read_wijken(to_year, s)
    cw = _typed(
        _geometry_crosswalk(
            src,
            tgt,
            from_year,
            same_threshold=same_threshold,
            edge_tolerance_m=edge_tolerance_m,
            min_share=min_share,
            min_area_m2=min_area_m2,
            weights=weights,
            weight_column=weight_column,
        )
    )
    if use_cache:
        _atomic_write(cw, cache, lambda df, p: df.to_parquet(p, index=False))
    return cw


def _atomic_write(df: pd.DataFrame, target: Path, writer) -> None:  # noqa: ANN001
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(fd)
    try:
        writer(df, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unmatched(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``crosswalk`` whose from code has no target (method 'unmatched')."""
    check_crosswalk(crosswalk)
    return crosswalk[crosswalk["method"] == "unmatched"].reset_index(drop=True)


def check_crosswalk(crosswalk: pd.DataFrame, *, where: str = "crosswalk") -> None:
    """Raise GeoError when ``crosswalk`` lacks a column or has an unknown method."""
    missing = [c for c in CROSSWALK_COLUMNS if c not in crosswalk.columns]
    if missing:
        raise GeoError(
            f"{where} lacks column(s) {missing}; expected {list(CROSSWALK_COLUMNS)} "
            "(build it with geo.crosswalk.build_crosswalk)"
        )
    bad = set(crosswalk["method"].dropna().unique()) - set(METHOD_ORDER)
    if bad:
        raise GeoError(f"{where} has unknown method(s) {sorted(bad)}; expected {METHOD_ORDER}")


def export_crosswalk(
    path: str | Path,
    years: Iterable[int],
    to_year: int | None = None,
    *,
    settings: _settings.Settings | None = None,
) -> Path:
    """Write the crosswalks of ``years`` onto ``to_year`` as one CSV at ``path`` (atomically)."""
    frames = [build_crosswalk(y, to_year, settings=settings) for y in years]
    df = pd.concat(frames, ignore_index=True) if frames else _empty()
    target = Path(path)
    _atomic_write(df, target, lambda d, p: d.to_csv(p, index=False))
    return target
