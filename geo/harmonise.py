"""Harmonise tidy wijk series of many indeling years onto one target indeling (default 2024).

Input is the project's tidy long table (see :mod:`loaders.schema`) restricted to
``region_level == 'WK'`` and one crosswalk per source year (:func:`geo.crosswalk.build_crosswalk`).
Per variable an :class:`AggSpec` says how values move along the crosswalk:

``count``
    reallocated by weight: ``Σ value × weight`` (inhabitants, dwellings, crimes).
``rate`` / ``mean`` with a ``denominator`` variable
    recomputed as ``Σ(value × denom × weight) / Σ(denom × weight)`` over the sources with both
    value and denominator (e.g. ``k_40HuishoudensMetLaagsteInkomen`` by ``HuishoudensTotaal``).
    A target fed by a single source takes that source's value unchanged (the ratio does not
    depend on the denominator then), so a missing denominator does not lose one-to-one values.
``score``
    weighted mean by area share (``to_coverage`` of each source in the target), for values
    without a denominator (Leefbaarometer scores).

Output: tidy rows on the target codes (``year`` stays the reference year of the data) plus

``method``     worst crosswalk method among the contributing rows (exact < recoded < reallocated
               < code-identity), see :data:`geo.crosswalk.METHOD_ORDER`
``coverage``   share of the target wijk covered by sources with data (0..1)
``n_sources``  number of source wijken that contributed a value

Missing stays missing: a NaN value contributes nothing and lowers ``coverage``; a target whose
sources are all NaN gets NaN (never 0); a target no source maps onto gets no row. Rows already on
``target_year`` pass through with method ``exact``. Source codes without a target (not in the
crosswalk, or crosswalk method ``unmatched``) are reported with a warning and listed in
``result.attrs['unmatched']`` (a list of (year, region_code) tuples), never silently dropped.
``unit`` and ``source_key`` of a harmonised row come from its first source (by code);
``source_table`` too, except that a ``synthetic:`` source always marks the result synthetic.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from errors import GeoError, InputError
from geo.crosswalk import CROSSWALK_COLUMNS, METHOD_ORDER, check_crosswalk
from loaders.schema import COLUMNS

KINDS = ("count", "rate", "mean", "score")
#: Extra output columns after the tidy ones.
EXTRA_COLUMNS = ("method", "coverage", "n_sources")


@dataclass(frozen=True)
class AggSpec:
    """How one variable is reallocated: ``kind`` in KINDS, ``denominator`` for rate/mean."""

    kind: str
    denominator: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise GeoError(f"AggSpec kind {self.kind!r} unknown; use one of {KINDS}")
        if self.kind in ("rate", "mean") and not self.denominator:
            raise GeoError(
                f"AggSpec({self.kind!r}) needs a denominator variable, e.g. "
                "AggSpec('rate', 'HuishoudensTotaal'); use 'score' for values without one"
            )


#: Spec for the variables Wijkpeil uses; keys ending in '*' match by prefix.
DEFAULT_SPEC: dict[str, AggSpec] = {
    "AantalInwoners": AggSpec("count"),
    "Mannen": AggSpec("count"),
    "Vrouwen": AggSpec("count"),
    "HuishoudensTotaal": AggSpec("count"),
    "Woningvoorraad": AggSpec("count"),
    "GeregistreerdeMisdrijven[*": AggSpec("count"),
    "k_40HuishoudensMetLaagsteInkomen": AggSpec("rate", "HuishoudensTotaal"),
    "k_40PersonenMetLaagsteInkomen": AggSpec("rate", "AantalInwoners"),
    "GemiddeldInkomenPerInwoner": AggSpec("mean", "AantalInwoners"),
    "GemiddeldeWOZWaardeVanWoningen": AggSpec("mean", "Woningvoorraad"),
    "GemiddeldeWoningwaarde": AggSpec("mean", "Woningvoorraad"),
    "GemiddeldeHuishoudensgrootte": AggSpec("mean", "HuishoudensTotaal"),
    "lbm": AggSpec("score"),
    "afw": AggSpec("score"),
    "fys": AggSpec("score"),
    "onv": AggSpec("score"),
    "soc": AggSpec("score"),
    "vrz": AggSpec("score"),
    "won": AggSpec("score"),
}


def resolve_spec(variables: list[str], spec: Mapping[str, AggSpec]) -> dict[str, AggSpec]:
    """AggSpec per variable: exact key first, then the longest matching 'prefix*' key."""
    prefixes = sorted((k[:-1] for k in spec if k.endswith("*")), key=len, reverse=True)
    out: dict[str, AggSpec] = {}
    missing = []
    for v in variables:
        if v in spec:
            out[v] = spec[v]
            continue
        p = next((p for p in prefixes if v.startswith(p)), None)
        if p is None:
            missing.append(v)
        else:
            out[v] = spec[p + "*"]
    if missing:
        raise GeoError(
            f"no AggSpec for variable(s) {missing[:10]}; add them to spec (count/rate/mean/score) "
            "or filter them out before harmonising"
        )
    for k, a in spec.items():
        if not isinstance(a, AggSpec):
            raise GeoError(f"spec[{k!r}] is {a!r}; expected an AggSpec")
    return out


def harmonise(
    tidy: pd.DataFrame,
    crosswalks: Mapping[int, pd.DataFrame],
    spec: Mapping[str, AggSpec],
    target_year: int = 2024,
) -> pd.DataFrame:
    """Move every WK row of ``tidy`` onto the ``target_year`` wijken (see module docstring).

    ``crosswalks`` maps each source year present in ``tidy`` (other than ``target_year``) to its
    crosswalk frame. Output rows are sorted by year, variable, region_code. Raises InputError for
    a tidy frame lacking columns or with non-WK rows and GeoError for a missing/malformed
    crosswalk, a variable without spec, or a rate/mean whose denominator is not in the data.
    Vectorised (factorised keys, ``np.bincount``): about 2M rows in a few seconds.
    """
    missing = [c for c in COLUMNS if c not in tidy.columns]
    if missing:
        raise InputError(f"harmonise: tidy table lacks column(s) {missing}; expected {COLUMNS}")
    levels = set(tidy["region_level"].dropna().unique())
    if levels - {"WK"}:
        raise InputError(
            f"harmonise: tidy table has region_level(s) {sorted(levels - {'WK'})}; "
            "pass only wijk rows (tidy[tidy.region_level == 'WK'])"
        )
    year = pd.to_numeric(tidy["year"], errors="raise").to_numpy(dtype="int64")
    value = pd.to_numeric(tidy["value"], errors="coerce").to_numpy(dtype="float64")
    var_id, var_names = pd.factorize(tidy["variable"].astype(str).to_numpy(), sort=True)
    code_id, code_names = pd.factorize(tidy["region_code"].astype(str).to_numpy(), sort=True)
    var_names = [str(v) for v in var_names]
    specs = resolve_spec(var_names, spec)
    vpos = {v: i for i, v in enumerate(var_names)}
    for v, a in specs.items():
        if a.denominator is not None and a.denominator not in vpos:
            raise GeoError(
                f"spec for {v!r} names denominator {a.denominator!r}, which is not in the data; "
                f"load {a.denominator!r} too or use AggSpec('score') for {v!r}"
            )
    # a deterministic row order makes the float sums independent of the input order
    order = np.lexsort((code_id, var_id, year))
    on_target = year[order] == target_year
    cols = {c: tidy[c].to_numpy() for c in COLUMNS if c not in ("year", "value")}

    t = order[on_target]
    has = ~np.isnan(value[t])
    passthrough = pd.DataFrame({c: cols[c][t] for c in cols})
    passthrough.insert(0, "year", year[t])
    passthrough["value"] = value[t]
    passthrough["method"] = "exact"
    passthrough["coverage"] = has.astype("float64")
    passthrough["n_sources"] = has.astype("int64")

    moved, unmatched = _reallocate(
        order[~on_target], year, value, var_id, var_names, code_id, code_names, cols,
        crosswalks, specs,
    )  # fmt: skip
    if unmatched:
        warnings.warn(
            f"harmonise: {len(unmatched)} (year, wijk) pair(s) have no target wijk in "
            f"{target_year}, e.g. {unmatched[:3]}; their values are not harmonised "
            "(see result.attrs['unmatched'])",
            stacklevel=2,
        )
    # moved rows come sorted by (year, variable, code); the target year slots in between
    parts = [moved[moved["year"] < target_year], passthrough, moved[moved["year"] > target_year]]
    out = pd.concat([p for p in parts if len(p)] or [passthrough], ignore_index=True)
    out = out.loc[:, list(COLUMNS) + list(EXTRA_COLUMNS)]
    out["year"] = out["year"].astype("int16")
    for c in (*(c for c in COLUMNS if c not in ("year", "value")), "method"):
        out[c] = out[c].astype("string")
    out["n_sources"] = out["n_sources"].astype("int64")
    # a list (not a frame): pandas compares attrs with == when combining frames
    out.attrs["unmatched"] = unmatched
    return out


def _crosswalk_table(years: list[int], crosswalks: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    for y in years:
        if y not in crosswalks:
            raise GeoError(
                f"no crosswalk for year {y}; pass crosswalks={{{y}: build_crosswalk({y})}}"
            )
        cw = crosswalks[y]
        check_crosswalk(cw, where=f"crosswalk for {y}")
        cw = cw.loc[:, [c for c in (*CROSSWALK_COLUMNS, "to_name") if c in cw.columns]]
        frames.append(cw.assign(from_year=y))
    cw = pd.concat(frames, ignore_index=True)
    cw = cw[cw["method"] != "unmatched"].reset_index(drop=True)
    cw["rank"] = cw["method"].map({m: i for i, m in enumerate(METHOD_ORDER)}).astype("int64")
    if "to_name" not in cw.columns:
        cw["to_name"] = cw["to_code"]
    cw["to_name"] = cw["to_name"].fillna(cw["to_code"])
    return cw


def _reallocate(
    rows: np.ndarray,
    year: np.ndarray,
    value: np.ndarray,
    var_id: np.ndarray,
    var_names: list[str],
    code_id: np.ndarray,
    code_names: pd.Index,
    cols: dict[str, np.ndarray],
    crosswalks: Mapping[int, pd.DataFrame],
    specs: Mapping[str, AggSpec],
) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    empty = pd.DataFrame({c: [] for c in (*COLUMNS, *EXTRA_COLUMNS)})
    if len(rows) == 0:
        return empty, []
    cw = _crosswalk_table(sorted(int(y) for y in np.unique(year[rows])), crosswalks)
    ncode, nvar = len(code_names), len(var_names)

    # source keys (year, code) on both sides; crosswalk codes absent in the data drop out
    cw_code = pd.Index(code_names).get_indexer(cw["from_code"].astype(str).to_numpy())
    cw = cw[cw_code >= 0]
    cw_key = cw["from_year"].to_numpy(dtype="int64") * ncode + cw_code[cw_code >= 0]
    cw_order = np.argsort(cw_key, kind="stable")
    cw_key_sorted = cw_key[cw_order]
    src_key = year[rows] * ncode + code_id[rows]

    # denominators: value of (year, code, denominator variable) for each row
    kinds = np.array([KINDS.index(specs[v].kind) for v in var_names])
    dvar = np.array(
        [var_names.index(specs[v].denominator) if specs[v].denominator else -1 for v in var_names]
    )
    denom = np.full(len(rows), np.nan)
    need = dvar[var_id[rows]] >= 0
    if need.any():
        is_d = np.isin(var_id, np.unique(dvar[dvar >= 0]))
        d_key = (year[is_d] * ncode + code_id[is_d]) * nvar + var_id[is_d]
        u_key, first = np.unique(d_key, return_index=True)
        d_val = value[is_d][first]
        want = src_key[need] * nvar + dvar[var_id[rows[need]]]
        pos = np.clip(np.searchsorted(u_key, want), 0, len(u_key) - 1)
        hit = u_key[pos] == want
        denom[np.flatnonzero(need)[hit]] = d_val[pos[hit]]

    # expand each source row over its crosswalk rows
    left = np.searchsorted(cw_key_sorted, src_key, "left")
    cnt = np.searchsorted(cw_key_sorted, src_key, "right") - left
    lost = cnt == 0
    unmatched = sorted({(int(year[r]), str(code_names[code_id[r]])) for r in np.unique(rows[lost])})
    r_idx = np.repeat(np.arange(len(rows)), cnt)
    offset = np.arange(len(r_idx)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    c_idx = cw_order[np.repeat(left, cnt) + offset]
    if len(r_idx) == 0:
        return empty, unmatched

    to_id, to_names = pd.factorize(cw["to_code"].astype(str).to_numpy(), sort=True)
    to_first = np.unique(to_id, return_index=True)[1]
    to_gm = cw["gemeente_code"].to_numpy()[to_first]
    to_nm = cw["to_name"].to_numpy()[to_first]
    n_to = len(to_names)

    rr = rows[r_idx]
    v = value[rr]
    d = denom[r_idx]
    w = cw["weight"].to_numpy(dtype="float64")[c_idx]
    c = cw["to_coverage"].to_numpy(dtype="float64")[c_idx]
    rank = cw["rank"].to_numpy()[c_idx]
    vi = var_id[rr]
    k = kinds[vi]
    has_v = ~np.isnan(v)
    has_vd = has_v & ~np.isnan(d)
    is_count, is_ratio, is_score = k == 0, (k == 1) | (k == 2), k == 3
    v0 = np.where(has_v, v, 0.0)
    d0 = np.where(has_vd, d, 0.0)
    num = np.select([is_count, is_ratio, is_score], [v0 * w, v0 * d0 * w, v0 * c], 0.0)
    den = np.select([is_ratio, is_score], [d0 * w, np.where(has_v, c, 0.0)], 0.0)

    g = (year[rr] * nvar + vi) * n_to + to_id[c_idx]
    u_g, first, gid = np.unique(g, return_index=True, return_inverse=True)
    ng = len(u_g)

    def bsum(x: np.ndarray) -> np.ndarray:
        return np.bincount(gid, weights=x, minlength=ng)

    num_a, den_a, vsum = bsum(num), bsum(den), bsum(v0)
    n_v = np.bincount(gid, weights=has_v, minlength=ng).astype("int64")
    n_vd = np.bincount(gid, weights=has_vd, minlength=ng).astype("int64")
    cov_v, cov_vd = bsum(np.where(has_v, c, 0.0)), bsum(np.where(has_vd, c, 0.0))
    rank_v = np.full(ng, -1)
    np.maximum.at(rank_v, gid, np.where(has_v, rank, -1))
    rank_all = np.full(ng, -1)
    np.maximum.at(rank_all, gid, rank)

    g_to = u_g % n_to
    g_var = (u_g // n_to) % nvar
    g_year = u_g // n_to // nvar
    kk = kinds[g_var]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(den_a > 0, num_a / den_a, np.nan)
        plain = np.where(n_v > 0, vsum / np.maximum(n_v, 1), np.nan)
    rat = (kk == 1) | (kk == 2)
    single, multi = rat & (n_v == 1), rat & (n_v > 1)
    out_v = np.full(ng, np.nan)
    out_v = np.where((kk == 0) & (n_v > 0), num_a, out_v)
    out_v = np.where(single, vsum, out_v)
    out_v = np.where(multi, ratio, out_v)
    out_v = np.where(kk == 3, np.where(den_a > 0, ratio, plain), out_v)
    cov = np.where(multi, cov_vd, cov_v)
    n_src = np.where(multi, n_vd, n_v)
    multi_nan = multi & np.isnan(out_v)
    cov[multi_nan], n_src[multi_nan] = 0.0, 0
    best = np.where(rank_v >= 0, rank_v, rank_all)

    # provenance: the group's first source row, but a synthetic source marks the group
    src_table = cols["source_table"]
    pick = rr[first]
    syn_rows = np.flatnonzero(pd.Series(src_table[rr]).astype(str).str.startswith("synthetic:"))
    if len(syn_rows):
        syn_first = np.full(ng, len(rr))
        np.minimum.at(syn_first, gid[syn_rows], syn_rows)
        has_syn = syn_first < len(rr)
        pick = np.where(has_syn, rr[np.minimum(syn_first, len(rr) - 1)], pick)

    out = pd.DataFrame(
        {
            "year": g_year,
            "region_code": np.asarray(to_names, dtype=object)[g_to],
            "region_level": "WK",
            "region_name": to_nm[g_to],
            "gemeente_code": to_gm[g_to],
            "variable": np.asarray(var_names, dtype=object)[g_var],
            "value": out_v,
            "unit": cols["unit"][rr[first]],
            "source_table": src_table[pick],
            "source_key": cols["source_key"][rr[first]],
            "method": np.asarray(METHOD_ORDER, dtype=object)[best],
            "coverage": np.clip(cov, 0.0, 1.0),
            "n_sources": n_src,
        }
    )
    return out, unmatched
