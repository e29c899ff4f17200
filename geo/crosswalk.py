"""Geometric overlay of the regions of one year onto those of another: the ``boundaries`` evidence
of the same-area rule (:mod:`geo.samearea`, the only caller).

:func:`_geometry_crosswalk` returns one row per (from region, to region) piece::

    from_year      int     indeling year of the source region
    from_code      str     code as published in ``from_year``
    to_code        str     code in the target year (<NA> for unmatched rows)
    weight         float   share of the FROM region's (core) area in this TO region
    to_coverage    float   share of the TO region's core covered by the full FROM polygon (0..1)
    method         str     'exact' | 'recoded' | 'reallocated' | 'unmatched'
    gemeente_code  str     gemeente of the TO region (of the FROM code for unmatched rows)
    to_name        str     name of the TO region

Methods (:data:`METHODS`):

``exact``
    the from region maps onto one target region only and covers at least ``same_threshold``
    (default 0.90) of its core, with the same code: the same area.
``recoded``
    as ``exact`` but the code differs (e.g. a gemeente merger renumbered an unchanged wijk).
``reallocated``
    anything else with geometry in both years (split, merged or redrawn): *not* the same area.
``unmatched``
    a from code without geometry (the ~2% null geometries of the simplified PDOK files) or without
    any overlap with a target. Nothing is ever matched on its code alone.

Why the thresholds are not 0.98 intersection/union: the shared boundary files of 2012-2016 are
PDOK's generalised files simplified again (about 9 vertices per wijk, median Hausdorff distance
560 m to the same unchanged wijk in 2024). Shares are therefore computed on each polygon's *core*
(the polygon shrunk by ``edge_tolerance_m``, default 200 m; the full polygon when the core is empty
or smaller than 10% of it), which removes most of the boundary noise, and pieces below
``min_share`` (2%) of the from region or below ``min_area_m2`` (1 ha) are dropped as slivers (the
largest piece is always kept). All area work is done in RD New (EPSG:28992); the inputs are
boundaries as :mod:`geo.boundaries` returns them (columns code, name, gemeente_code, geometry).

Values are never reallocated across boundary changes (the former ``geo.harmonise``): a value of
another year is shown for a 2024 region only when the same-area rule says it is the same area.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from errors import GeoError

#: Methods of a crosswalk row (see the module doc).
METHODS: tuple[str, ...] = ("exact", "recoded", "reallocated", "unmatched")
#: CRS for every area computation (RD New).
RD_NEW = 28992

#: Default thresholds (documented in the module docstring).
SAME_THRESHOLD = 0.90
EDGE_TOLERANCE_M = 200.0
MIN_SHARE = 0.02
MIN_AREA_M2 = 10_000.0


def _core(geom: np.ndarray, tol: float) -> np.ndarray:
    """Each polygon shrunk by ``tol`` metres; the full polygon when the core is too small."""
    if tol <= 0:
        return geom
    core = shapely.buffer(geom, -tol)
    small = shapely.area(core) < 0.10 * shapely.area(geom)
    core[small] = geom[small]
    return core


def _unmatched(from_year: int, codes: list[str]) -> pd.DataFrame:
    """Rows for from codes without geometry or without any target: never matched by code."""
    codes = sorted({str(c).strip() for c in codes})
    return pd.DataFrame(
        {
            "from_year": from_year,
            "from_code": pd.Series(codes, dtype="string"),
            "to_code": pd.Series([pd.NA] * len(codes), dtype="string"),
            "weight": 0.0,
            "to_coverage": 0.0,
            "method": "unmatched",
            "gemeente_code": ["GM" + c[2:6] for c in codes],
            "to_name": pd.Series([pd.NA] * len(codes), dtype="string"),
        }
    )


def _geometry_crosswalk(
    src: gpd.GeoDataFrame,
    tgt: gpd.GeoDataFrame,
    from_year: int,
    *,
    same_threshold: float = SAME_THRESHOLD,
    edge_tolerance_m: float = EDGE_TOLERANCE_M,
    min_share: float = MIN_SHARE,
    min_area_m2: float = MIN_AREA_M2,
    weights: None = None,
    weight_column: str = "population",  # noqa: ARG001 - kept for the caller's signature
) -> pd.DataFrame:
    """Crosswalk rows of ``src`` (year ``from_year``) onto ``tgt`` (see the module doc).

    ``src.attrs['null_codes']`` lists source codes whose geometry is null (they become unmatched).
    ``weights``/``weight_column`` are accepted for compatibility and must be left unset:
    population-weighted reallocation is no longer part of the project.
    """
    if weights is not None:
        raise GeoError(
            "population weights are no longer supported: values are never reallocated across "
            "boundary changes (see geo.samearea)"
        )
    sg, tg = src.geometry.values, tgt.geometry.values
    s_core, t_core = _core(sg.copy(), edge_tolerance_m), _core(tg.copy(), edge_tolerance_m)
    s_area, t_core_area = shapely.area(s_core), shapely.area(t_core)

    tree = shapely.STRtree(tg)
    i, j = tree.query(s_core, predicate="intersects")
    piece = shapely.area(shapely.intersection(s_core[i], tg[j]))
    pairs = pd.DataFrame({"i": i, "j": j, "piece": piece})
    pairs = pairs[pairs["piece"] > 0]
    pairs["share"] = pairs["piece"] / s_area[pairs["i"].to_numpy()]
    # sliver filter; always keep each from region's largest piece
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
    # from regions with null geometry, and with geometry but no target at all
    no_target = set(src["code"]) - set(out["from_code"])
    extra = _unmatched(from_year, [*src.attrs.get("null_codes", []), *no_target])
    return pd.concat([out, extra], ignore_index=True)
