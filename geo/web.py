"""Web geometry: simplified, code-only GeoJSON per level, built once per store version.

The build writes ``artefacts/geo/<level>_<year>.geojson`` and a gzip copy beside it into the store
version (:func:`write`); the server only sends those files (``pages/_routes.py``), so a request never
builds or writes geometry and the data folder may be read-only.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import geopandas as gpd
import shapely
import shapely.geometry

from errors import GeoError

TOLERANCE_M = 160.0


def _rounded(geom: shapely.Geometry) -> dict:
    """GeoJSON geometry with coordinates rounded to the fewest digits (4..7; 1e-4 deg is ~7-11 m)
    that keep it valid. Rounded floats serialise with minimal digits (``51.40534``)."""
    for digits in (4, 5, 6, 7):
        rounded = shapely.transform(geom, lambda xy, d=digits: xy.round(d))
        if rounded.is_valid and not rounded.is_empty:
            return shapely.geometry.mapping(rounded)
    return shapely.geometry.mapping(geom)


def web_geojson(boundaries: gpd.GeoDataFrame, tolerance_m: float = TOLERANCE_M) -> dict:
    """Boundaries (RD New, columns code/geometry, as geo.boundaries returns them) -> simplified
    WGS84 GeoJSON whose only property is ``code`` (features without geometry are left out)."""
    if boundaries.crs is None or boundaries.crs.to_epsg() != 28992:
        raise GeoError(
            "web geometry needs boundaries in RD New (EPSG:28992), as geo.boundaries gives"
        )
    gdf = boundaries[["code", "geometry"]]
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    gdf["geometry"] = gdf.geometry.simplify(tolerance_m, preserve_topology=True)
    bad = ~gdf.geometry.is_valid
    if bad.any():
        from geo.boundaries import _polygonal

        gdf.loc[bad, "geometry"] = [
            _polygonal(g) for g in shapely.make_valid(gdf.geometry[bad].values)
        ]
    out = gdf.to_crs(4326)
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code}, "geometry": _rounded(geom)}
        for code, geom in zip(out["code"], out.geometry.values, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def file_name(level: str, year: int) -> str:
    return f"{level}_{int(year)}.geojson"


def write(out_dir: Path, level: str, year: int, boundaries: gpd.GeoDataFrame) -> Path:
    """Write the web GeoJSON of ``level``/``year`` and its gzip copy into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    body = json.dumps(web_geojson(boundaries), separators=(",", ":")).encode("utf-8")
    path = out_dir / file_name(level, year)
    path.write_bytes(body)
    (out_dir / (path.name + ".gz")).write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    return path
