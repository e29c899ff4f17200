"""The indicator dataset: every registry indicator for every wijk, gemeente, NPLV area and NL.

This is what the dashboard and the exports read. It is derived from the store in three steps:

1. wijk rows of every year are put on the target wijk indeling (2024) by ``geo.harmonise`` where
   the boundaries of that year are known, else by code identity (flagged ``code-identity``);
2. ``indicators.compute`` turns observations into indicator values (rates from numerators and
   denominators, suppression below the registry's population threshold);
3. the Leefbaarometer family (published scores on the 2024 wijken) is passed through unchanged; its
   gemeente, area and NL benchmarks are means of the wijk scores weighted by the real 2024
   inhabitants (labelled as such in ``method``).

The result is cached on disk next to the store, keyed by the store's checksum, and in memory per
process; callers get read-only views (``frame()`` returns a frame whose arrays are not writeable).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

import settings as _settings
from errors import IndicatorError, StoreError
from indicators import registry

FRAME_COLUMNS = (
    "indicator",
    "year",
    "region_code",
    "region_level",
    "region_name",
    "gemeente_code",
    "value",
    "numerator",
    "denominator",
    "unit",
    "source",
    "synthetic",
    "suppressed",
    "method",
    "coverage",
)
LBM_SOURCE = "LBM3.0"
NL_CODE = "NL00"
AREA_LEVEL = "AREA"  # an NPLV focus area (region_code "NPLV:<name>")
REST_LEVEL = "REST"  # the rest of the area's gemeente(n) (region_code "REST:<name>")
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def lbm_ids() -> list[str]:
    """Registry ids of the Leefbaarometer family (published scores, never re-derived)."""
    return [i.id for i in registry.REGISTRY if i.family == "leefbaarometer"]


def area_groups(target_codes: set[str] | None = None) -> dict[str, tuple[str, list[str]]]:
    """NPLV areas and the rest of their gemeente(n) as wijk-code groups, keyed by region code."""
    from indicators import areas

    fa = areas.focus_areas()
    groups: dict[str, tuple[str, list[str]]] = {}
    for name, members in fa.groupby("area_name"):
        codes = sorted(set(members["wijk_code"]))
        groups[f"NPLV:{name}"] = (AREA_LEVEL, codes)
        if target_codes is not None:
            gms = set(members["gemeente_code"])
            rest = sorted(c for c in target_codes if f"GM{c[2:6]}" in gms and c not in codes)
            if rest:
                groups[f"REST:{name}"] = (REST_LEVEL, rest)
    return groups


def harmonise_spec() -> dict:
    """How each registry input variable moves across boundary changes (from the registry)."""
    from geo.harmonise import AggSpec

    spec: dict = {"AantalInwoners": AggSpec("count")}
    for ind in registry.REGISTRY:
        if ind.aggregation in ("count", "rate"):
            for stem in (*ind.numerator, *(ind.denominator or ())):
                spec.setdefault(stem, AggSpec("count"))
        elif ind.aggregation == "mean":
            spec[ind.variable] = AggSpec("mean", ind.weight) if ind.weight else AggSpec("score")
            if ind.weight:
                spec.setdefault(ind.weight, AggSpec("count"))
        else:
            spec[ind.variable] = AggSpec("score")
    return spec


def _on_target_indeling(tidy: pd.DataFrame) -> pd.Series:
    """Rows already on the 2024 wijken whatever their year: the police table 47018NED (published on
    the 2024 indeling for every year) and the Leefbaarometer (published per 2024 wijk)."""
    src = tidy["source_table"].astype(str).str.removeprefix("synthetic:")
    return src.isin([LBM_SOURCE, "47018NED"])


def harmonise_wijken(wk: pd.DataFrame, progress: Progress = _quiet) -> pd.DataFrame:
    """Wijk observations of every year on the target indeling, with method/coverage columns.

    Years with boundary files are reallocated through a geometric crosswalk; years without are
    mapped by code identity (method ``code-identity``, never silently); rows already on the
    target indeling pass through as ``exact``.
    """
    from geo import crosswalk, harmonise
    from geo.harmonise import AggSpec

    s = _settings.get()
    spec = harmonise_spec()
    wk = wk[
        wk["variable"].isin(list(spec)) | wk["variable"].str.startswith("GeregistreerdeMisdrijven[")
    ]
    same = _on_target_indeling(wk) | (wk["year"] == s.target_geo_year)
    passed = wk[same].assign(method="exact", coverage=1.0, n_sources=1)
    move = wk[~same]
    if move.empty:
        return passed
    present = set(move["variable"].unique())
    for var, agg in list(spec.items()):  # a mean whose weight is not loaded: area-share weighted
        if agg.denominator and agg.denominator not in present:
            spec[var] = AggSpec("score")
    cws = {}
    for year in sorted(move["year"].unique()):
        codes = move.loc[move["year"] == year, "region_code"].unique().tolist()
        cws[int(year)] = crosswalk.build_crosswalk(int(year), from_codes=codes, settings=s)
        progress(
            f"crosswalk {year}->{s.target_geo_year}: {cws[int(year)]['method'].value_counts().to_dict()}"
        )
    moved = harmonise.harmonise(move, cws, spec, target_year=s.target_geo_year)
    return pd.concat([moved, passed], ignore_index=True)


def build_frame(tidy: pd.DataFrame, progress: Progress = _quiet) -> pd.DataFrame:
    """All indicators for every level from a tidy store frame (pure: no caching, no I/O)."""
    from indicators import compute

    t0 = time.perf_counter()
    ids = registry.ids()
    lbm = set(lbm_ids())
    progress("harmonising wijk series onto the target indeling")
    wk = harmonise_wijken(tidy[tidy["region_level"] == "WK"], progress)
    target = set(wk.loc[wk["year"] == wk["year"].max(), "region_code"])
    groups = area_groups(target)
    progress("computing indicators")
    parts = [compute.compute(wk, ids, level="WK")]
    other = [i for i in ids if i not in lbm]
    for level in ("GM", "NL"):
        try:
            parts.append(compute.compute(tidy, other, level=level))
        except IndicatorError as exc:
            progress(f"no {level} values: {exc}")
    # Leefbaarometer benchmarks: the publisher has none offline, so weighted means of the wijken
    lbm_rows = wk[wk["variable"].isin(lbm) | (wk["variable"] == "AantalInwoners")]
    if lbm and not lbm_rows.empty:
        gm_groups = {gm: list(sub.unique()) for gm, sub in
                     lbm_rows.groupby("gemeente_code")["region_code"]}  # fmt: skip
        for level, grp in (
            ("GM", gm_groups),
            ("NL", {NL_CODE: sorted(set(lbm_rows["region_code"]))}),
        ):
            a = compute.aggregate(lbm_rows, sorted(lbm), grp)
            a["region_level"] = level
            a["gemeente_code"] = a["region_code"] if level == "GM" else NL_CODE
            a["method"] = "weighted mean of wijk scores (inhabitants)"
            parts.append(a)
    agg = compute.aggregate(wk, ids, {code: members for code, (_, members) in groups.items()})
    agg["region_level"] = agg["region_code"].map(lambda c: groups[c][0])
    agg["region_name"] = agg["region_code"].str.split(":", n=1).str[1]
    parts.append(agg)
    frame = pd.concat([p[list(FRAME_COLUMNS)] for p in parts if len(p)], ignore_index=True)
    names = tidy.loc[tidy["region_level"] == "GM"].drop_duplicates("region_code", keep="last")
    names = names.set_index("region_code")["region_name"]
    gm = frame["region_level"] == "GM"
    frame.loc[gm, "region_name"] = (
        frame.loc[gm, "region_code"].map(names).fillna(frame.loc[gm, "region_name"])
    )
    frame.loc[frame["region_level"] == "NL", "region_name"] = "Nederland"
    frame["year"] = frame["year"].astype("int16")
    for col in ("indicator", "region_level", "unit", "source", "method", "gemeente_code"):
        frame[col] = frame[col].astype(str).astype("category")
    for col in ("region_code", "region_name"):
        frame[col] = frame[col].astype(str)
    frame["synthetic"] = frame["synthetic"].astype(bool)
    frame["suppressed"] = frame["suppressed"].astype(bool)
    progress(f"{len(frame):,} indicator values in {time.perf_counter() - t0:.1f} s")
    return frame


def _store_key(store_dir: Path) -> str:
    from loaders import store

    m = store.manifest(store_dir)
    blob = json.dumps([m.get("checksums", m.get("sha256")), m.get("built_at")], sort_keys=True)
    code = hashlib.sha256()
    for p in sorted(Path(__file__).parent.glob("*.py")):
        code.update(p.read_bytes())
    return hashlib.sha256(blob.encode() + code.digest()).hexdigest()[:16]


@lru_cache(maxsize=2)
def _cached(store_dir: Path) -> pd.DataFrame:
    from loaders import store

    key = _store_key(store_dir)
    path = store_dir.parent / "indicators" / f"frame-{key}.parquet"
    if path.exists():
        frame = pd.read_parquet(path)
    else:
        frame = build_frame(store.read(store_dir=store_dir), progress=_progress)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".frame-", suffix=".parquet", dir=path.parent)
        os.close(fd)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        for old in path.parent.glob("frame-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    for col in frame.columns:
        arr = frame[col].to_numpy()
        if isinstance(arr, np.ndarray):
            arr.flags.writeable = False
    return frame


def _progress(message: str) -> None:
    print(f"Wijkpeil: {message}", flush=True)


def frame(store_dir: Path | None = None) -> pd.DataFrame:
    """The indicator frame of the store (cached; treat as read only, copy before changing)."""
    d = Path(store_dir) if store_dir is not None else _settings.get().store_dir
    try:
        return _cached(d.resolve())
    except FileNotFoundError as exc:
        raise StoreError(
            f"store at {d} is incomplete ({exc}); rebuild: python -m loaders build"
        ) from exc


def clear_cache() -> None:
    """Forget the in-memory frame (after a store rebuild in the same process)."""
    _cached.cache_clear()
