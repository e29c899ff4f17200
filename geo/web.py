"""Web geometry: simplified, code-only GeoJSON per level and year, built once and cached."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely
import shapely.geometry

import settings as _settings
from errors import GeoError

#: code column per boundary file family
_CODE_COLUMNS = ("wijkcode", "statcode", "gemeentecode")


def _source_file(level: str, year: int, shared_dir: Path) -> Path:
    name = {"WK": "wijk", "GM": "gemeente"}.get(level)
    if name is None:
        raise GeoError(f"no web geometry for level {level!r}; use 'WK' or 'GM'")
    path = shared_dir / "geo" / f"{name}_{year}.geojson"
    if not path.exists():
        raise GeoError(
            f"boundary file {path} not found; boundaries for {name} {year} must be loaded first"
        )
    return path


def _round_geom(geom: shapely.Geometry, digits: int) -> dict:
    rounded = shapely.transform(geom, lambda xy: xy.round(digits))
    return shapely.geometry.mapping(rounded), rounded


def _rounded(geom: shapely.Geometry) -> dict:
    """GeoJSON geometry with coordinates rounded to the fewest digits (4..7; 1e-4 deg is ~7-11 m) that keep it valid.

    Rounded floats serialise with minimal digits (``51.40534``), unlike ``set_precision`` output
    (``51.406200000000005``), which made up ~40% of the file.
    """
    for digits in (4, 5, 6, 7):
        mapped, rounded = _round_geom(geom, digits)
        if rounded.is_valid and not rounded.is_empty:
            return mapped
    return shapely.geometry.mapping(geom)


def build_web_geojson(level: str, year: int, tolerance_m: float = 160.0) -> dict:
    """Read a boundary file, repair, simplify in RD New (EPSG:28992), return WGS84 GeoJSON with only 'code'."""
    s = _settings.get()
    path = _source_file(level, year, s.shared_dir)
    gdf = gpd.read_file(path)
    col = next(
        (c for c in _CODE_COLUMNS if c in gdf.columns and str(gdf[c].iloc[0]).startswith(level)),
        None,
    )
    if col is None:
        raise GeoError(f"{path}: no code column among {_CODE_COLUMNS} with {level} codes")
    if gdf.crs is None:
        raise GeoError(f"{path}: no CRS declared; expected EPSG:4326 GeoJSON")
    gdf = gdf[[col, "geometry"]].rename(columns={col: "code"})
    gdf = gdf[gdf.geometry.notna()]
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    rd = gdf.to_crs(28992)
    rd["geometry"] = rd.geometry.simplify(tolerance_m, preserve_topology=True)
    bad = ~rd.geometry.is_valid
    if bad.any():
        from geo.boundaries import _polygonal

        rd.loc[bad, "geometry"] = [
            _polygonal(g) for g in shapely.make_valid(rd.geometry[bad].values)
        ]
    out = rd.to_crs(4326)
    out = out[out.geometry.notna()]
    out = out[~out.geometry.is_empty]
    features = []
    for code, geom in zip(out["code"], out.geometry.values, strict=True):
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code},
                "geometry": _rounded(geom),
            }
        )
    gj = {"type": "FeatureCollection", "features": features}
    return gj


@lru_cache(maxsize=8)
def web_geojson_path(level: str, year: int) -> Path:
    """Path of the cached web GeoJSON (built on first use, written atomically)."""
    s = _settings.get()
    target = s.geo_dir / f"web_{level}_{year}.geojson"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        gj = build_web_geojson(level, year)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(gj, separators=(",", ":")), encoding="utf-8")
        tmp.replace(target)
    return target


def gzip_path(path: Path) -> Path:
    """A gzip copy of a cached web GeoJSON next to it (written atomically on first use)."""
    import gzip

    gz = path.with_suffix(path.suffix + ".gz")
    if not gz.exists() or gz.stat().st_mtime < path.stat().st_mtime:
        tmp = gz.with_suffix(".gz.tmp")
        tmp.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        tmp.replace(gz)
    return gz
