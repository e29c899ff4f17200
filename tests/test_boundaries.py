"""Boundary loaders: every real shared file, clear errors for bad files, PDOK over local HTTP."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pyogrio
import pytest
import shapely

from errors import GeoError
from geo import boundaries, web


def _shared_files(shared_dir):  # noqa: ANN001, ANN202
    return sorted((shared_dir / "geo").glob("*_20*.*json"))


def test_every_shared_file_reads(shared_dir) -> None:  # noqa: ANN001
    files = _shared_files(shared_dir)
    assert len(files) >= 20
    for path in files:
        level = {"wijk": "WK", "gemeente": "GM", "buurt": "BU"}[path.stem.split("_")[0]]
        crs = "EPSG:4326" if path.suffix == ".topojson" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # repaired slivers are reported by a warning
            gdf = boundaries.read_boundaries(path, level=level, crs=crs)
        assert gdf.crs.to_epsg() == 28992, path
        assert gdf["code"].str.startswith(level).all(), path
        assert gdf["code"].is_unique and not gdf["code"].str.endswith(" ").any()
        assert gdf.geometry.dropna().is_valid.all(), path
        assert set(gdf["year"]) == {int(path.stem.split("_")[1])}
        if path.suffix == ".geojson":
            n = len(pyogrio.read_dataframe(path, read_geometry=False))
            assert len(gdf) == n, path  # nothing dropped


def _write(tmp_path, gdf: gpd.GeoDataFrame, name: str = "x.gpkg"):  # noqa: ANN001, ANN202
    p = tmp_path / name
    gdf.to_file(p)
    return p


def test_bad_files_give_clear_errors(tmp_path) -> None:  # noqa: ANN001
    sq = shapely.box(120000, 480000, 121000, 481000)
    ok = gpd.GeoDataFrame({"wijkcode": ["WK036300"], "wijknaam": ["A"]}, geometry=[sq], crs=28992)
    assert boundaries.read_boundaries(_write(tmp_path, ok))["code"].tolist() == ["WK036300"]
    # RD New metres declared as WGS84: a CRS mismatch, named
    wrong = ok.set_crs(4326, allow_override=True)
    with pytest.raises(GeoError, match="CRS|crs"):
        boundaries.read_boundaries(_write(tmp_path, wrong, "wrong.gpkg"))
    nocode = ok.rename(columns={"wijkcode": "foo"})
    with pytest.raises(GeoError, match="foo"):
        boundaries.read_boundaries(_write(tmp_path, nocode, "nocode.gpkg"))
    dup = gpd.GeoDataFrame(
        {"wijkcode": ["WK036300", "WK036300"], "wijknaam": ["A", "B"]}, geometry=[sq, sq], crs=28992
    )
    with pytest.raises(GeoError, match="WK036300"):
        boundaries.read_boundaries(_write(tmp_path, dup, "dup.gpkg"))
    with pytest.raises(GeoError, match="not found"):
        boundaries.read_boundaries(tmp_path / "missing.geojson")


def test_invalid_polygon_is_repaired(tmp_path) -> None:  # noqa: ANN001
    x, y = 120000, 480000
    bowtie = shapely.Polygon([(x, y), (x + 1000, y + 1000), (x + 1000, y), (x, y + 1000)])
    assert not bowtie.is_valid
    g = gpd.GeoDataFrame({"wijkcode": ["WK036300"]}, geometry=[bowtie], crs=28992)
    with pytest.warns(UserWarning, match="repair"):
        out = boundaries.read_boundaries(_write(tmp_path, g))
    assert out.geometry.is_valid.all() and out.geometry.area.iloc[0] > 0


# The PDOK loader tests live in tests/test_pdok.py (cursor paging, services per year, faults).


def test_web_geometry_small_valid_complete(shared_dir) -> None:  # noqa: ANN001
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the file's own repair note
        gj = web.web_geojson(boundaries.load_boundaries("WK", 2024, source="files"))
    raw = json.dumps(gj, separators=(",", ":")).encode()
    assert len(raw) <= 1_500_000  # issue target: all wijken ≤ 1.5 MB before gzip
    codes = {f["id"] for f in gj["features"]}
    real = pyogrio.read_dataframe(shared_dir / "geo" / "wijk_2024.geojson", read_geometry=False)
    assert codes == set(real["wijkcode"].str.strip())
    assert all(set(f["properties"]) == {"code"} for f in gj["features"])
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in gj["features"]])
    assert shapely.is_valid(geoms).all()
    # feature i is drawn where wijk i is: its simplified shape lies on the raw 2024 polygon
    raw = gpd.read_file(shared_dir / "geo" / "wijk_2024.geojson").set_index("wijkcode")
    own = shapely.make_valid(raw.geometry.reindex([f["id"] for f in gj["features"]]).to_numpy())
    inside = shapely.contains(shapely.buffer(own, 0.003), shapely.point_on_surface(geoms))
    assert inside.all(), [f["id"] for f, ok in zip(gj["features"], inside, strict=True) if not ok]
