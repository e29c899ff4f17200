"""From the tidy long table to the INDICATOR FRAME, driven by the registry.

The indicator frame has one row per (indicator, year, region)::

    indicator, year, region_code, region_level, region_name, gemeente_code,
    value, numerator, denominator, unit, source, synthetic, suppressed, method, coverage

* ``rate``: ``value = numerator / denominator × scale`` with numerator and denominator the summed
  published counts.
* ``mean`` / ``score``: ``value`` is the published value; ``numerator = value × weight`` and
  ``denominator = weight`` (so region sets aggregate as Σ numerator / Σ denominator).
* ``count``: ``value = numerator`` = the published count, ``denominator`` NaN.

Missing inputs give NaN, never 0: a sum of components is NaN unless every component is present.
Where the region's inhabitants (``AantalInwoners``) are below the indicator's ``min_population``
the row is kept with ``value`` NaN and ``suppressed`` True. ``synthetic`` is True where any input
row came from the synthetic generator. ``method`` is the worst harmonisation method among the
inputs (``published`` when the tidy table has no ``method`` column) and ``coverage`` the smallest
input coverage (1.0 when there is none). Everything is vectorised and independent of row order.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from errors import IndicatorError
from indicators import registry
from indicators.registry import POPULATION, Indicator
from loaders import schema

FRAME_COLUMNS: tuple[str, ...] = (
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
#: Harmonisation methods from best to worst; rows without a method are 'published'.
METHOD_ORDER: tuple[str, ...] = ("published", "summed", "same-area", "aggregate", "unknown")
_ROLES = ("num", "den", "w")
_STR_COLUMNS = ("indicator", "region_code", "region_level", "region_name", "gemeente_code")


def _info(inds: list[Indicator]) -> dict[str, np.ndarray]:
    return {
        "agg": np.array([i.aggregation for i in inds], dtype=object),
        "scale": np.array([i.scale for i in inds], dtype="float64"),
        "minpop": np.array([i.min_population for i in inds], dtype="float64"),
        "unit": np.array([i.unit for i in inds], dtype=object),
        "id": np.array([i.id for i in inds], dtype=object),
    }


def _spec(inds: list[Indicator]) -> pd.DataFrame:
    """ind (position), role (0 num, 1 den, 2 w), variable, n (components in that role)."""
    rows = []
    for k, ind in enumerate(inds):
        roles = (ind.numerator, ind.denominator or (), (ind.weight,) if ind.weight else ())
        for r, stems in enumerate(roles):
            for s in stems:
                rows.append((k, r, s, len(stems)))
    return pd.DataFrame(rows, columns=["ind", "role", "variable", "n"])


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    """Column order and dtypes of the indicator frame (strings as object, flags as bool)."""
    out = out.loc[:, list(FRAME_COLUMNS)].copy()
    for c in (*_STR_COLUMNS, "unit", "source", "method"):
        out[c] = out[c].astype(object)
    out["year"] = out["year"].astype("int64")
    for c in ("value", "numerator", "denominator", "coverage"):
        out[c] = out[c].astype("float64")
    out["synthetic"] = out["synthetic"].astype(bool)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out.reset_index(drop=True)


def _empty_frame() -> pd.DataFrame:
    return _finish(pd.DataFrame({c: [] for c in FRAME_COLUMNS}))


def _objects(s: pd.Series, na: object = None) -> np.ndarray:
    return s.to_numpy(dtype=object, na_value=na)


def _level_rows(tidy: pd.DataFrame, level: str, years: Iterable[int] | None) -> np.ndarray:
    """Boolean mask of the rows of one level (and years); IndicatorError for no data/years."""
    if level not in schema.LEVELS:
        raise IndicatorError(f"unknown level {level!r}; choose one of {list(schema.LEVELS)}")
    lvl = _objects(tidy["region_level"], "")
    mask = lvl == level
    if not mask.any():
        present = sorted(set(lvl.tolist()) - {""})
        raise IndicatorError(
            f"no data at level {level!r}; the table holds levels {present} "
            "(build the store with that level, e.g. `python -m loaders build`)"
        )
    yr = tidy["year"].to_numpy()
    available = sorted(int(y) for y in np.unique(yr[mask]))
    if years is not None:
        wanted = sorted({int(y) for y in years})
        bad = [y for y in wanted if y not in available]
        if bad:
            raise IndicatorError(
                f"year(s) {bad} not in the data at level {level}; available years: {available}"
            )
        mask &= np.isin(yr, wanted)
    return mask


def _labels(bits: np.ndarray, names: list[str]) -> np.ndarray:
    """Source bit flags -> 'A+B' labels (names sorted alphabetically)."""
    uniq, inv = np.unique(bits, return_inverse=True)
    lab = np.array(
        ["+".join(n for i, n in enumerate(names) if int(b) >> i & 1) for b in uniq], dtype=object
    )
    return lab[inv] if len(bits) else np.array([], dtype=object)


def _group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique keys and the inverse index of each row."""
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, inv.ravel()


def _any(inv: np.ndarray, n: int, flags: np.ndarray) -> np.ndarray:
    return np.bincount(inv, weights=flags.astype("float64"), minlength=n) > 0


def _or(inv: np.ndarray, n: int, bits: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype="int64")
    np.bitwise_or.at(out, inv, bits.astype("int64"))
    return out


def _reduce(inv: np.ndarray, n: int, values: np.ndarray, how: str) -> np.ndarray:
    s = pd.Series(values).groupby(inv, sort=True)
    out = getattr(s, how)()
    return out.reindex(range(n)).to_numpy()


def _inputs(tidy: pd.DataFrame, mask: np.ndarray, variables: list[str]) -> dict:
    """The selected rows as numpy arrays with integer keys, deduplicated."""
    idx = np.flatnonzero(mask)
    var = _objects(tidy["variable"], "")[idx]
    keep = pd.Series(var).isin(variables).to_numpy()
    idx, var = idx[keep], var[keep]
    rc = _objects(tidy["region_code"], "")[idx]
    src = _objects(tidy["source_table"], "")[idx]
    year = tidy["year"].to_numpy()[idx].astype("int64")
    value = tidy["value"].to_numpy(dtype="float64")[idx]
    rid, regions = pd.factorize(rc, sort=True)
    yid, years = pd.factorize(year, sort=True)
    vid = pd.Index(variables).get_indexer(var)
    sid, sources = pd.factorize(src, sort=True)
    if len(sources) > 62:
        raise IndicatorError(
            f"{len(sources)} distinct source tables in one computation; at most 62 are supported "
            "(compute fewer years or levels at once)"
        )
    if "method" in tidy.columns:
        codes, uniq = pd.factorize(_objects(tidy["method"], "published")[idx])
        unknown = METHOD_ORDER.index("unknown")
        order = {m: i for i, m in enumerate(METHOD_ORDER)}
        ranks = np.array([order.get(str(m).split(":")[0], unknown) for m in uniq], dtype="int64")
        mrank = ranks[codes] if len(codes) else np.zeros(0, dtype="int64")
    else:
        mrank = np.zeros(len(idx), dtype="int64")
    if "coverage" in tidy.columns:
        cov = pd.to_numeric(tidy["coverage"], errors="coerce").to_numpy(dtype="float64")[idx]
        cov = np.where(np.isnan(cov), 1.0, cov)
    else:
        cov = np.ones(len(idx))
    # deduplicate (year, region, variable): non-missing value first, then source table, value
    nan = np.isnan(value)
    order = np.lexsort((np.nan_to_num(value), sid, nan, vid, rid, yid))
    k = (yid[order] * len(regions) + rid[order]) * len(variables) + vid[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    if not first.all():
        j = order[~first][0]
        warnings.warn(
            f"{int((~first).sum())} duplicate (year, region, variable) row(s), e.g. "
            f"{[int(year[j]), rc[j], var[j]]}; keeping the non-missing value of the "
            "alphabetically first source table",
            stacklevel=4,
        )
    sel = order[first]
    syn_src = np.array([str(t).startswith(schema.SYNTHETIC_PREFIX) for t in sources], dtype=bool)
    return {
        "rid": rid[sel],
        "yid": yid[sel],
        "vid": vid[sel],
        "value": value[sel],
        "sid": sid[sel],
        "mrank": mrank[sel],
        "cov": cov[sel],
        "regions": np.asarray(regions, dtype=object),
        "years": np.asarray(years, dtype="int64"),
        "sources": [str(t) for t in sources],
        "syn_src": syn_src,
        "idx": idx[sel],
    }


def _region_attrs(tidy: pd.DataFrame, x: dict) -> tuple[np.ndarray, np.ndarray]:
    """(name, gemeente_code) per (year, region) cell: the longest non-empty published name."""
    idx = x["idx"]
    names = _objects(tidy["region_name"], "")[idx]
    gms = _objects(tidy["gemeente_code"], "")[idx]
    nid, uniq = pd.factorize(names, sort=True)
    length = np.array([len(str(u)) for u in uniq])[nid] if len(uniq) else np.zeros(0, int)
    cell = x["yid"] * len(x["regions"]) + x["rid"]
    order = np.lexsort((nid, -length, cell))
    c = cell[order]
    first = np.ones(len(c), dtype=bool)
    first[1:] = c[1:] != c[:-1]
    n_cells = len(x["years"]) * len(x["regions"])
    name_of = np.full(n_cells, "", dtype=object)
    gm_of = np.full(n_cells, "", dtype=object)
    name_of[c[first]] = names[order[first]]
    gm_of[c[first]] = gms[order[first]]
    return name_of, gm_of


def _compute(
    tidy: pd.DataFrame,
    inds: list[Indicator],
    level: str,
    years: Iterable[int] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """The indicator frame plus internal columns: _bits (source flags of the value), _wbits and
    _wsyn (source flags and synthetic flag including the weight), _mrank (method rank)."""
    mask = _level_rows(tidy, level, years)
    spec = _spec(inds)
    variables = sorted(set(spec["variable"]) | {POPULATION})
    x = _inputs(tidy, mask, variables)
    n_reg, n_yr = len(x["regions"]), len(x["years"])
    if not len(x["vid"]):
        e = _empty_frame()
        return e.assign(_bits=0, _wbits=0, _wsyn=False, _mrank=0), x["sources"]
    # expand each input row to the (indicator, role) slots that read its variable
    spec["vid"] = pd.Index(variables).get_indexer(spec["variable"])
    rows = pd.DataFrame({"vid": x["vid"], "row": np.arange(len(x["vid"]))})
    long = rows.merge(spec[["vid", "ind", "role", "n"]], on="vid", how="inner")
    r = long["row"].to_numpy()
    ind, role, ncomp = (long[c].to_numpy() for c in ("ind", "role", "n"))
    cell = x["yid"][r] * n_reg + x["rid"][r]
    k3 = ind.astype("int64") * (n_yr * n_reg) + cell
    value = x["value"][r]
    ok = ~np.isnan(value)
    # per (indicator, cell, role): sum of components, complete only when all n are present
    k_role = k3 * 3 + role
    uk, inv = _group(k_role)
    total = np.bincount(inv, weights=np.where(ok, value, 0.0), minlength=len(uk))
    present = np.bincount(inv, weights=ok.astype(float), minlength=len(uk))
    need = np.zeros(len(uk))
    need[inv] = ncomp
    summed = np.where(present >= need, total, np.nan)
    # pivot roles into columns; keep only cells that have a numerator row
    u3, inv3 = _group(uk // 3)
    wide = np.full((len(u3), 3), np.nan)
    has = np.zeros((len(u3), 3), dtype=bool)
    wide[inv3, uk % 3] = summed
    has[inv3, uk % 3] = True
    # metadata: value roles (num, den) and all roles (incl. weight)
    _, inv_row3 = np.unique(k3, return_inverse=True)
    inv_row3 = inv_row3.ravel()
    vrole = role != 2
    syn = x["syn_src"][x["sid"][r]]
    bits = np.left_shift(np.int64(1), x["sid"][r].astype("int64"))
    n3 = len(u3)
    vinv = np.where(vrole, inv_row3, n3)  # weight rows go to a dump slot
    synthetic = _any(vinv, n3 + 1, syn & vrole)[:n3]
    wsyn = _any(inv_row3, n3, syn)
    vbits = _or(vinv, n3 + 1, np.where(vrole, bits, 0))[:n3]
    wbits = _or(inv_row3, n3, bits)
    mrank = _reduce(vinv, n3 + 1, x["mrank"][r], "max")[:n3]
    cov = _reduce(vinv, n3 + 1, x["cov"][r], "min")[:n3]
    keep = has[:, 0]
    u3, wide, synthetic, wsyn, vbits, wbits = (
        a[keep] for a in (u3, wide, synthetic, wsyn, vbits, wbits)
    )
    mrank, cov = mrank[keep], cov[keep]
    ind3 = u3 // (n_yr * n_reg)
    cell3 = u3 % (n_yr * n_reg)
    info = _info(inds)
    agg = info["agg"][ind3]
    num, den, w = wide[:, 0], wide[:, 1], wide[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(den > 0, num / den, np.nan) * info["scale"][ind3]
    is_rate, is_count = agg == "rate", agg == "count"
    value3 = np.where(is_rate, rate, num)
    numerator = np.where(is_rate | is_count, num, num * w)
    denominator = np.where(is_rate, den, np.where(is_count, np.nan, w))
    # suppression on the region's inhabitants
    pop = np.full(n_yr * n_reg, np.nan)
    pv = pd.Index(variables).get_loc(POPULATION)
    pm = x["vid"] == pv
    pop[x["yid"][pm] * n_reg + x["rid"][pm]] = x["value"][pm]
    minpop = info["minpop"][ind3]
    suppressed = (minpop > 0) & (pop[cell3] < minpop)
    value3 = np.where(suppressed, np.nan, value3)
    name_of, gm_of = _region_attrs(tidy, x)
    out = pd.DataFrame(
        {
            "indicator": info["id"][ind3],
            "year": x["years"][cell3 // n_reg],
            "region_code": x["regions"][cell3 % n_reg],
            "region_level": level,
            "region_name": name_of[cell3],
            "gemeente_code": gm_of[cell3],
            "value": value3,
            "numerator": numerator,
            "denominator": denominator,
            "unit": info["unit"][ind3],
            "source": _labels(vbits, x["sources"]),
            "synthetic": synthetic,
            "suppressed": suppressed,
            "method": np.array(METHOD_ORDER, dtype=object)[mrank.astype("int64")],
            "coverage": cov.astype("float64"),
        }
    )
    out = _finish(out)
    out["_bits"] = vbits
    out["_wbits"] = wbits
    out["_wsyn"] = wsyn
    out["_mrank"] = mrank.astype("int64")
    return out, x["sources"]


def compute(
    tidy: pd.DataFrame,
    indicator_ids: Iterable[str] | str | None = None,
    *,
    level: str = "WK",
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The indicator frame for one region level (``'NL'|'GM'|'WK'|'BU'``).

    ``indicator_ids`` ``None`` means every registered indicator. Rows exist for each
    (indicator, year, region) where the indicator's main input has a row in ``tidy``.
    Raises IndicatorError for unknown ids, years not in the data and a level without data.
    """
    inds = registry.resolve(indicator_ids)
    out, _ = _compute(tidy, inds, level, years)
    return out.drop(columns=["_bits", "_wbits", "_wsyn", "_mrank"])
