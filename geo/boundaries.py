"""Boundary loaders: read CBS gemeente/wijk/buurt boundaries from any family of files into one shape.

:func:`read_boundaries` reads GeoJSON, TopoJSON, GeoPackage and shapefiles (``.shp`` or zipped) and
returns a GeoDataFrame with columns ``code`` (padding stripped, e.g. ``'WK059915'``), ``name``,
``gemeente_code``, ``level`` ('GM'/'WK'/'BU'), ``year`` and ``geometry`` in EPSG:28992 (RD New).
Every feature of the file is kept (features without geometry get ``None``) so counts match the file.

CRS rules: GeoJSON is WGS84 by definition (RFC 7946) unless it declares otherwise; TopoJSON,
GeoPackage and shapefiles must declare a CRS or get ``crs=``. Coordinates that do not fall in the
Netherlands in the declared CRS (e.g. RD metres declared as EPSG:4326) raise :class:`GeoError`.

:func:`load_boundaries` finds ``<shared_dir>/geo/<gemeente|wijk|buurt>_<year>.<geojson|topojson>``
or downloads the boundaries from PDOK (:mod:`geo._pdok`).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

import settings as _settings
from errors import GeoError

LEVELS = ("GM", "WK", "BU")
#: (code column, name column) per file family, most specific level first (matched case-insensitively)
_FAMILIES: tuple[tuple[str, str], ...] = (
    ("buurtcode", "buurtnaam"),
    ("bu_code", "bu_naam"),
    ("wijkcode", "wijknaam"),
    ("wk_code", "wk_naam"),
    ("statcode", "statnaam"),
    ("gemeentecode", "gemeentenaam"),
    ("gm_code", "gm_naam"),
)
_FILE_NAMES = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
#: lon/lat box around the Netherlands incl. its sea wijken (degrees)
_NL_BOX = (2.5, 50.3, 7.9, 54.0)
_CODE_RE = re.compile(r"^(GM|WK|BU)[0-9A-Z]+$")


# --------------------------------------------------------------------------- TopoJSON
def _decode_arcs(topo: dict) -> list[np.ndarray]:
    tf = topo.get("transform")
    arcs = []
    for arc in topo.get("arcs", []):
        a = np.asarray(arc, dtype=float)[:, :2]
        if tf:
            a = np.cumsum(a, axis=0) * np.asarray(tf["scale"]) + np.asarray(tf["translate"])
        arcs.append(a)
    return arcs


def _ring(idx: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, i in enumerate(idx):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts)


def _topo_geometry(g: dict, arcs: list[np.ndarray], path: Path) -> shapely.Geometry | None:
    kind = g.get("type")
    if kind is None:
        return None
    if kind == "Polygon":
        rings = [_ring(r, arcs) for r in g["arcs"]]
        return shapely.Polygon(rings[0], rings[1:]) if rings else None
    if kind == "MultiPolygon":
        polys = [
            shapely.Polygon(_ring(p[0], arcs), [_ring(r, arcs) for r in p[1:]])
            for p in g["arcs"]
            if p
        ]
        return shapely.MultiPolygon(polys) if polys else None
    raise GeoError(f"{path}: TopoJSON geometry type {kind!r} is not a (multi)polygon boundary")


def read_topojson(path: Path) -> gpd.GeoDataFrame:
    """Every geometry of every object of a TopoJSON file (nulls kept), without CRS."""
    try:
        topo = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoError(f"{path}: not readable as TopoJSON ({exc}); check the file") from exc
    if topo.get("type") != "Topology" or not isinstance(topo.get("objects"), dict):
        raise GeoError(f"{path}: not a TopoJSON Topology (no 'objects'); check the file")
    arcs = _decode_arcs(topo)
    rows, geoms = [], []
    for obj in topo["objects"].values():
        members = obj.get("geometries", [obj]) if obj.get("type") == "GeometryCollection" else [obj]
        for g in members:
            rows.append(dict(g.get("properties") or {}))
            geoms.append(_topo_geometry(g, arcs, path))
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=None)


# --------------------------------------------------------------------------- normaliser
def _read_raw(path: Path) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    if suffix == ".topojson" or (suffix == ".json" and '"Topology"' in path.read_text()[:200]):
        return read_topojson(path)
    target = f"zip://{path}" if suffix == ".zip" else str(path)
    try:
        return gpd.read_file(target)
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        raise GeoError(
            f"{path}: cannot read boundaries ({type(exc).__name__}: {exc}); expected GeoJSON, "
            "TopoJSON, GeoPackage or a (zipped) shapefile"
        ) from exc


def _code_column(gdf: gpd.GeoDataFrame, level: str | None, where: str) -> tuple[str, str | None]:
    lower = {str(c).lower(): c for c in gdf.columns if c != gdf.geometry.name}
    for code_col, name_col in _FAMILIES:
        col = lower.get(code_col)
        if col is None:
            continue
        vals = gdf[col].dropna().astype(str).str.strip()
        if vals.empty:
            continue
        prefixes = set(vals.str[:2])
        if level is not None and level not in prefixes:
            continue
        if not prefixes <= set(LEVELS):
            continue
        return col, lower.get(name_col)
    raise GeoError(
        f"{where}: no code column with {level or 'GM/WK/BU'} codes; columns found: "
        f"{[c for c in gdf.columns if c != gdf.geometry.name]}. Expected one of "
        f"{[f for f, _ in _FAMILIES]} — rename the code column"
    )


def _polygonal(g: shapely.Geometry | None) -> shapely.Geometry | None:
    if g is None or g.is_empty:
        return None
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])]
    return shapely.MultiPolygon(polys) if polys else None


def _check_fit(gdf: gpd.GeoDataFrame, where: str) -> None:
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if geoms.empty:
        return
    x0, y0, x1, y1 = geoms.total_bounds
    crs = gdf.crs
    if crs.is_geographic and (abs(x0) > 180 or abs(x1) > 180 or abs(y0) > 90 or abs(y1) > 90):
        raise GeoError(
            f"{where}: declared CRS {crs.to_string()} is geographic but coordinates reach "
            f"({x0:.0f}, {y0:.0f})–({x1:.0f}, {y1:.0f}), which look like projected metres (RD New?). "
            "Fix the file's CRS or pass crs='EPSG:28992'"
        )
    with np.errstate(all="ignore"):
        lon0, lat0, lon1, lat1 = geoms.to_crs(4326).total_bounds
    b = _NL_BOX
    ok = np.isfinite([lon0, lat0, lon1, lat1]).all() and (
        lon0 >= b[0] and lat0 >= b[1] and lon1 <= b[2] and lat1 <= b[3]
    )
    if not ok:
        raise GeoError(
            f"{where}: coordinates ({x0:.4g}, {y0:.4g})–({x1:.4g}, {y1:.4g}) are not in the "
            f"Netherlands when read as {crs.to_string()}; the declared CRS is wrong — fix the file "
            "or pass the right crs= (EPSG:28992 for RD metres, EPSG:4326 for lon/lat)"
        )


def normalise(
    gdf: gpd.GeoDataFrame,
    where: str,
    *,
    level: str | None = None,
    year: int | None = None,
    crs: str | int | None = None,
    stacklevel: int = 2,
) -> gpd.GeoDataFrame:
    """Normalise raw boundary features (any family) to code/name/gemeente_code/level/year/geometry.

    ``where`` names the source (file or URL) in error messages. Raises GeoError, see module doc.
    """
    if level is not None and level not in LEVELS:
        raise GeoError(f"unknown level {level!r}; use one of {LEVELS}")
    if gdf.crs is None:
        if crs is None:
            raise GeoError(
                f"{where}: no CRS declared; pass crs= (e.g. crs='EPSG:4326' for lon/lat, "
                "'EPSG:28992' for RD New metres) or add a .prj / CRS to the file"
            )
        gdf = gdf.set_crs(CRS.from_user_input(crs))
    elif crs is not None and CRS.from_user_input(crs) != gdf.crs:
        raise GeoError(
            f"{where}: file declares {gdf.crs.to_string()} but crs={crs!r} was passed; drop crs= "
            "or fix the file"
        )
    code_col, name_col = _code_column(gdf, level, where)
    codes = gdf[code_col].astype("string").str.strip()
    if level is not None:
        keep = codes.str.startswith(level).fillna(False).to_numpy()
        gdf, codes = gdf[keep], codes[keep]
    bad = codes[~codes.fillna("").str.match(_CODE_RE)]
    if len(bad):
        raise GeoError(f"{where}: column {code_col!r} has malformed codes {sorted(set(bad))[:10]}")
    dup = codes[codes.duplicated()]
    if len(dup):
        raise GeoError(
            f"{where}: duplicate codes {sorted(set(dup))[:20]} in column {code_col!r}; one feature "
            "per code expected — dissolve or deduplicate the file"
        )
    _check_fit(gdf, where)
    if year is None:
        m = re.search(r"(20\d\d)", Path(where).name)
        year = int(m.group(1)) if m else None
    geom = gdf.geometry.to_crs(28992)
    values = np.array(geom.values, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in values])
    invalid = present & ~shapely.is_valid(values)
    n_bad = int(invalid.sum())
    if n_bad:
        values[invalid] = [_polygonal(g) for g in shapely.make_valid(values[invalid])]
        n_gone = int(sum(v is None for v in values[invalid]))
        warnings.warn(
            f"{where}: repaired {n_bad} invalid geometr{'y' if n_bad == 1 else 'ies'} "
            f"(make_valid, polygonal parts kept); {n_gone} of them had no area left and are "
            "now None",
            stacklevel=stacklevel,
        )
    lv = codes.str[:2].to_numpy()
    out = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(dtype=object),
            "name": (
                gdf[name_col].astype("string").str.strip().to_numpy(dtype=object)
                if name_col
                else np.full(len(gdf), None, dtype=object)
            ),
            "gemeente_code": ["GM" + c[2:6] for c in codes],
            "level": lv,
            "year": pd.array([year] * len(gdf), dtype="Int64"),
        },
        geometry=gpd.GeoSeries(values, crs=28992),
    )
    return out.reset_index(drop=True)


def read_boundaries(
    path: str | Path,
    level: str | None = None,
    year: int | None = None,
    *,
    crs: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read one boundary file (GeoJSON, TopoJSON, GeoPackage, .shp or zipped shapefile).

    ``level`` keeps only that level's codes (and picks its code column); ``year`` defaults to the
    first 20xx in the file name. ``crs`` is required for files without a CRS. Returns columns
    code, name, gemeente_code, level, year, geometry (EPSG:28992). Raises GeoError.
    """
    p = Path(path)
    if not p.exists():
        raise GeoError(f"boundary file {p} not found; check the path")
    gdf = _read_raw(p)
    if p.suffix.lower() in (".geojson", ".json") and gdf.crs is None and crs is None:
        crs = "EPSG:4326"  # RFC 7946
    return normalise(gdf, str(p), level=level, year=year, crs=crs, stacklevel=3)


def boundary_file(level: str, year: int, shared_dir: Path | None = None) -> Path | None:
    """The shared boundary file of ``level`` and ``year`` (GeoJSON or TopoJSON), or None."""
    if level not in LEVELS:
        raise GeoError(f"unknown level {level!r}; use one of {LEVELS}")
    d = (shared_dir or _settings.get().shared_dir) / "geo"
    for ext in ("geojson", "topojson"):
        p = d / f"{_FILE_NAMES[level]}_{year}.{ext}"
        if p.exists():
            return p
    return None


def load_boundaries(
    level: str, year: int, source: str = "auto", settings: _settings.Settings | None = None
) -> gpd.GeoDataFrame:
    """Boundaries of ``level`` in ``year``: from the shared files, else (or with 'pdok') from PDOK.

    ``source`` is 'auto' (files, then PDOK), 'files' or 'pdok'. Raises GeoError / DownloadError.
    """
    s = settings or _settings.get()
    if source not in ("auto", "files", "pdok"):
        raise GeoError(f"unknown boundary source {source!r}; use 'auto', 'files' or 'pdok'")
    if source in ("auto", "files"):
        p = boundary_file(level, year, s.shared_dir)
        if p is not None:
            # The shared TopoJSON files are lon/lat (PDOK generalised, see shared README).
            crs = "EPSG:4326" if p.suffix == ".topojson" else None
            return read_boundaries(p, level=level, year=year, crs=crs)
        if source == "files":
            raise GeoError(
                f"no boundary file {_FILE_NAMES[level]}_{year}.geojson/.topojson in "
                f"{s.shared_dir / 'geo'}; use source='pdok' or add the file"
            )
    from geo import _pdok

    fc, url = _pdok.download_features(level, year, settings=s)
    gdf = gpd.GeoDataFrame.from_features(fc["features"], crs=4326)
    return normalise(gdf, url, level=level, year=year)
