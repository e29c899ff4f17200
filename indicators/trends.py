"""Trend statistics on the INDICATOR FRAME: change since a base year, Theil–Sen / Mann–Kendall
trends, and gaps to the gemeente and the Netherlands.

Every function takes the indicator frame produced by :mod:`indicators.compute` (columns
``indicator, year, region_code, region_level, region_name, gemeente_code, value, ...,
synthetic, suppressed, ...``) and returns one row per (indicator, region) or per
(indicator, region, year). Rules shared by all of them:

* suppressed rows and missing values are excluded from every statistic — never treated as 0
  and never interpolated;
* the ``synthetic`` flag propagates: an output row is synthetic when any input row of its
  group (including excluded suppressed rows) is synthetic;
* polarity comes from :func:`indicators.registry.get` (+1 higher is better, −1 lower is better,
  0 neutral). Polarity-aligned quantities are multiplied by the polarity, so positive means
  better; for neutral indicators they are NaN.

The Mann–Kendall test and the Theil–Sen estimator are vectorised over all series at once
(a wide series × year matrix), so ~100,000 series run in about a second. The Theil–Sen slope
and its 95% confidence interval reproduce :func:`scipy.stats.theilslopes` (``method='separate'``)
exactly; the tests check this against scipy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from errors import IndicatorError
from indicators import registry

#: Group key of a series.
SERIES_KEYS: list[str] = ["indicator", "region_code"]
#: Descriptive region columns carried along (taken from the latest row of a series).
REGION_COLUMNS: list[str] = ["region_level", "region_name", "gemeente_code"]
#: Benchmark region code of the Netherlands.
NL_CODE = "NL00"
#: Significance level and minimum series length for a trend verdict.
ALPHA = 0.05
MIN_YEARS_VERDICT = 4
MIN_YEARS_STATS = 3
#: Series processed per chunk in :func:`theil_sen` (bounds memory for long series).
_CHUNK = 20_000

VERDICT_IMPROVING = "improving"
VERDICT_DECLINING = "declining"
VERDICT_NONE = "no clear trend"
VERDICT_TOO_FEW = "too few years"
#: Verdicts for neutral (polarity 0) indicators, where up or down is not better or worse.
VERDICT_INCREASING = "increasing"
VERDICT_DECREASING = "decreasing"

_REQUIRED = ("indicator", "year", "region_code", "value")


# --------------------------------------------------------------------------- helpers


def _check_frame(frame: pd.DataFrame, where: str) -> None:
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise IndicatorError(
            f"{where}: indicator frame lacks column(s) {missing}; build it with "
            "indicators.compute.compute()"
        )


def _flags(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Boolean synthetic / suppressed columns (False when absent)."""
    n = len(frame)
    syn = (
        frame["synthetic"].fillna(False).astype(bool)
        if "synthetic" in frame.columns
        else pd.Series(np.zeros(n, bool), index=frame.index)
    )
    sup = (
        frame["suppressed"].fillna(False).astype(bool)
        if "suppressed" in frame.columns
        else pd.Series(np.zeros(n, bool), index=frame.index)
    )
    return syn, sup


def _prepare(frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(usable rows, per-series attributes incl. synthetic flag over *all* input rows).

    Usable rows are non-suppressed rows with a finite value, sorted by series and year.
    Duplicate (indicator, region_code, year) rows raise IndicatorError.
    """
    _check_frame(frame, where)
    syn, sup = _flags(frame)
    df = frame.assign(synthetic=syn.to_numpy(), suppressed=sup.to_numpy())
    df = df.assign(
        indicator=df["indicator"].astype(str),
        region_code=df["region_code"].astype(str),
        year=pd.to_numeric(df["year"]).astype("int64"),
        value=pd.to_numeric(df["value"], errors="coerce").astype("float64"),
    )
    dup = df.duplicated(SERIES_KEYS + ["year"], keep=False)
    if dup.any():
        first = df.loc[dup, SERIES_KEYS + ["year"]].iloc[0].to_dict()
        raise IndicatorError(
            f"{where}: {int(dup.sum())} duplicate (indicator, region_code, year) rows, e.g. "
            f"{first}; pass one row per indicator, region and year (filter on method/level first)"
        )
    df = df.sort_values(SERIES_KEYS + ["year"], kind="mergesort")
    cols = [c for c in REGION_COLUMNS + ["unit"] if c in df.columns]
    attrs = df.groupby(SERIES_KEYS, sort=True, observed=True).agg(
        **{c: (c, "last") for c in cols}, synthetic=("synthetic", "any")
    )
    ok = ~df["suppressed"] & np.isfinite(df["value"].to_numpy())
    return df.loc[ok].reset_index(drop=True), attrs


def _polarity_map(indicators: pd.Series) -> pd.Series:
    """Polarity per row from the registry; unknown ids raise IndicatorError."""
    uniq = pd.unique(indicators.astype(str))
    pol = {i: float(registry.get(i).polarity) for i in uniq}
    return indicators.astype(str).map(pol).astype("float64")


def _aligned(values: pd.Series, polarity: pd.Series) -> pd.Series:
    """values × polarity, NaN for neutral (polarity 0) indicators."""
    return values * polarity.where(polarity != 0)


# --------------------------------------------------------------------------- change


def change(frame: pd.DataFrame, base_year: int = 2012, end_year: int | None = None) -> pd.DataFrame:
    """Change per (indicator, region) from ``base_year`` to ``end_year``.

    The base value is the value in ``base_year``, or — if that is missing or suppressed — in
    the first later year with a value (``base_year_used``, and ``base_substituted`` is True).
    The end value is the value in ``end_year`` when given (NaN if that year has no value), else
    in the latest year with a value. Nothing is interpolated. ``abs_change = value_end −
    value_base``, ``rel_change = abs_change / |value_base|`` (NaN when the base is 0), and
    ``aligned_change = abs_change × polarity`` (positive = better; NaN for neutral indicators).
    When base and end fall in the same year the changes are NaN. ``n_years`` counts the years
    with a value between the two years used (inclusive).
    """
    if end_year is not None and end_year < base_year:
        raise IndicatorError(
            f"change: end_year {end_year} is before base_year {base_year}; swap them"
        )
    ok, attrs = _prepare(frame, "change")
    win = ok[ok["year"] >= base_year]
    if end_year is not None:
        win = win[win["year"] <= end_year]
    g = win.groupby(SERIES_KEYS, sort=True, observed=True)
    first = win.loc[g["year"].idxmin(), SERIES_KEYS + ["year", "value"]].set_index(SERIES_KEYS)
    last = win.loc[g["year"].idxmax(), SERIES_KEYS + ["year", "value"]].set_index(SERIES_KEYS)
    out = attrs.copy()
    out["base_year"] = int(base_year)
    out["base_year_used"] = first["year"].reindex(out.index).astype("Int64")
    out["base_substituted"] = (out["base_year_used"] != base_year).fillna(True).astype(bool)
    out["value_base"] = first["value"].reindex(out.index)
    end_y = last["year"].reindex(out.index).astype("Int64")
    end_v = last["value"].reindex(out.index)
    if end_year is not None:
        hit = end_y == end_year
        end_v = end_v.where(hit.fillna(False).astype(bool))
        end_y = end_y.where(hit.fillna(False).astype(bool))
    out["end_year_used"] = end_y
    out["value_end"] = end_v
    same = (out["end_year_used"] == out["base_year_used"]).fillna(True).astype(bool)
    out.loc[same, "end_year_used"] = pd.NA
    out.loc[same, "value_end"] = np.nan
    out["abs_change"] = out["value_end"] - out["value_base"]
    base_abs = out["value_base"].abs()
    out["rel_change"] = out["abs_change"] / base_abs.where(base_abs > 0)
    pol = _polarity_map(out.index.get_level_values("indicator").to_series(index=out.index))
    out["aligned_change"] = _aligned(out["abs_change"], pol)
    yr = win.merge(
        out[["base_year_used", "end_year_used"]].reset_index(), on=SERIES_KEYS, how="inner"
    )
    inside = (yr["year"] >= yr["base_year_used"]) & (
        yr["year"] <= yr["end_year_used"].fillna(yr["base_year_used"])
    )
    n = yr[inside.fillna(False).astype(bool)].groupby(SERIES_KEYS, observed=True).size()
    out["n_years"] = n.reindex(out.index).fillna(0).astype("int64")
    return out.reset_index()


# --------------------------------------------------------------------------- Mann–Kendall


def _tie_term(y: np.ndarray) -> np.ndarray:
    """Σ t(t−1)(2t+5) over groups of tied values in each row (NaN ignored)."""
    eq = y[:, :, None] == y[:, None, :]  # NaN never equals anything
    t = eq.sum(axis=2).astype("float64")  # size of the tie group each element is in
    valid = ~np.isnan(y)
    term = np.where(valid & (t > 0), (t - 1) * (2 * t + 5), 0.0)  # t(t−1)(2t+5) / t per member
    return term.sum(axis=1)


def mann_kendall_arrays(y: np.ndarray) -> dict[str, np.ndarray]:
    """Mann–Kendall statistics for each row of ``y`` (series × time, NaN = missing).

    Returns arrays ``n, S, var_s, z, p`` where ``var_s = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)]/18``
    includes the correction for ties, ``z = (S−1)/√var`` for S>0, ``(S+1)/√var`` for S<0 and 0
    for S=0, and ``p`` is two-sided. Rows with fewer than 3 values get NaN statistics.
    """
    y = np.atleast_2d(np.asarray(y, dtype="float64"))
    valid = ~np.isnan(y)
    n = valid.sum(axis=1).astype("float64")
    i, j = np.triu_indices(y.shape[1], k=1)
    d = y[:, j] - y[:, i]
    s = np.nansum(np.sign(d), axis=1)  # NaN pairs contribute nothing
    var = (n * (n - 1) * (2 * n + 5) - _tie_term(y)) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(var > 0, var, np.nan))
        z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    z = np.where(np.isnan(z) & (s == 0), 0.0, z)
    from scipy import stats  # imported when trends are computed (the build), not when serving

    p = 2.0 * stats.norm.sf(np.abs(z))
    few = n < MIN_YEARS_STATS
    nan = np.full_like(n, np.nan)
    return {
        "n": n,
        "S": np.where(few, nan, s),
        "var_s": np.where(few, nan, var),
        "z": np.where(few, nan, z),
        "p": np.where(few, nan, p),
    }


def theil_sen_arrays(y: np.ndarray, x: np.ndarray, alpha: float = 0.95) -> dict[str, np.ndarray]:
    """Theil–Sen slope and confidence interval for each row of ``y`` against common ``x``.

    Matches :func:`scipy.stats.theilslopes` (default ``method='separate'``) per row, with NaN
    entries dropped from the row first. ``x`` must be strictly increasing (years).
    Returns ``slope, intercept, low_slope, high_slope``.
    """
    y = np.atleast_2d(np.asarray(y, dtype="float64"))
    x = np.asarray(x, dtype="float64")
    if np.any(np.diff(x) <= 0):
        raise IndicatorError("theil_sen: years must be strictly increasing and unique")
    if y.shape[1] < 2:  # no pairs at all: nothing to estimate
        nan = np.full(y.shape[0], np.nan)
        return {
            "slope": nan,
            "intercept": nan.copy(),
            "low_slope": nan.copy(),
            "high_slope": nan.copy(),
        }
    i, j = np.triu_indices(y.shape[1], k=1)
    slopes = (y[:, j] - y[:, i]) / (x[j] - x[i])
    slopes.sort(axis=1)  # NaN sort last
    nt = (~np.isnan(slopes)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        slope = np.nanmedian(np.where(nt[:, None] > 0, slopes, 0.0), axis=1)
    slope = np.where(nt > 0, slope, np.nan)
    valid = ~np.isnan(y)
    xm = np.where(valid, x[None, :], np.nan)
    with np.errstate(invalid="ignore"):
        med_y = np.nanmedian(np.where(valid.any(axis=1)[:, None], y, 0.0), axis=1)
        med_x = np.nanmedian(np.where(valid.any(axis=1)[:, None], xm, 0.0), axis=1)
    intercept = med_y - slope * med_x
    a = 1.0 - alpha if alpha > 0.5 else alpha
    from scipy import stats

    z = stats.norm.ppf(a / 2.0)
    ny = valid.sum(axis=1).astype("float64")
    sigsq = (ny * (ny - 1) * (2 * ny + 5) - _tie_term(y)) / 18.0
    with np.errstate(invalid="ignore"):
        sigma = np.sqrt(sigsq)
        ru = np.minimum(np.round((nt - z * sigma) / 2.0), nt - 1)
        rl = np.maximum(np.round((nt + z * sigma) / 2.0) - 1, 0)
    ok = np.isfinite(ru) & np.isfinite(rl) & (nt > 0) & (ru >= 0) & (rl <= nt - 1)
    rows = np.arange(y.shape[0])
    lo = np.full(y.shape[0], np.nan)
    hi = np.full(y.shape[0], np.nan)
    lo[ok] = slopes[rows[ok], rl[ok].astype(int)]
    hi[ok] = slopes[rows[ok], ru[ok].astype(int)]
    return {"slope": slope, "intercept": intercept, "low_slope": lo, "high_slope": hi}


def _verdict(n: np.ndarray, s: np.ndarray, p: np.ndarray, pol: np.ndarray) -> np.ndarray:
    sig = (n >= MIN_YEARS_VERDICT) & (p < ALPHA)
    up = sig & (s > 0)
    down = sig & (s < 0)
    out = np.full(n.shape, VERDICT_NONE, dtype=object)
    out[up & (pol > 0)] = VERDICT_IMPROVING
    out[down & (pol > 0)] = VERDICT_DECLINING
    out[up & (pol < 0)] = VERDICT_DECLINING
    out[down & (pol < 0)] = VERDICT_IMPROVING
    out[up & (pol == 0)] = VERDICT_INCREASING
    out[down & (pol == 0)] = VERDICT_DECREASING
    out[n < MIN_YEARS_STATS] = VERDICT_TOO_FEW
    return out


def theil_sen(frame: pd.DataFrame) -> pd.DataFrame:
    """Theil–Sen slope and Mann–Kendall test per (indicator, region).

    Columns: the series keys and region attributes, ``n_years``, ``first_year``,
    ``last_year``, ``slope`` (units per year, scipy's Theil–Sen), ``slope_low`` /
    ``slope_high`` (95% CI), ``intercept``, ``mk_s``, ``mk_var`` (tie-corrected), ``mk_z``,
    ``p_value`` (two-sided), ``polarity``, ``verdict`` and ``synthetic``.

    ``verdict`` is ``improving`` / ``declining`` when p < 0.05 and n ≥ 4, with the direction
    read through the registry polarity (for neutral indicators ``increasing`` /
    ``decreasing``), ``no clear trend`` otherwise, and ``too few years`` with fewer than 3
    values (then all statistics are NaN).
    """
    ok, attrs = _prepare(frame, "theil_sen")
    index = attrs.index
    res: dict[str, list[np.ndarray]] = {}
    years = np.array([], dtype="float64")
    if len(ok):
        wide = ok.pivot(index=SERIES_KEYS, columns="year", values="value").reindex(index)
        wide = wide.reindex(columns=sorted(wide.columns))
        years = np.asarray(wide.columns, dtype="float64")
        mat = wide.to_numpy(dtype="float64")
    else:
        mat = np.full((len(index), 0), np.nan)
    for start in range(0, len(index), _CHUNK):
        y = mat[start : start + _CHUNK]
        if y.shape[1] == 0:
            y = np.full((len(y), 1), np.nan)
            xs = np.array([0.0])
        else:
            xs = years
        mk = mann_kendall_arrays(y)
        ts = theil_sen_arrays(y, xs)
        valid = ~np.isnan(y)
        fy = np.where(valid.any(axis=1), xs[np.argmax(valid, axis=1)], np.nan)
        ly = np.where(
            valid.any(axis=1), xs[y.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)], np.nan
        )
        for k, v in {**mk, **ts, "first_year": fy, "last_year": ly}.items():
            res.setdefault(k, []).append(v)
    names = ("n", "S", "var_s", "z", "p", "slope", "intercept", "low_slope", "high_slope")
    cat = {k: np.concatenate(res[k]) if res.get(k) else np.array([]) for k in names}
    cat["first_year"] = np.concatenate(res["first_year"]) if res else np.array([])
    cat["last_year"] = np.concatenate(res["last_year"]) if res else np.array([])
    out = attrs.copy()
    n = cat.get("n", np.zeros(len(index)))
    few = n < MIN_YEARS_STATS
    out["n_years"] = n.astype("int64")
    out["first_year"] = pd.array(
        np.where(np.isnan(cat["first_year"]), 0, cat["first_year"]).astype(int), dtype="Int64"
    )
    out.loc[np.isnan(cat["first_year"]), "first_year"] = pd.NA
    out["last_year"] = pd.array(
        np.where(np.isnan(cat["last_year"]), 0, cat["last_year"]).astype(int), dtype="Int64"
    )
    out.loc[np.isnan(cat["last_year"]), "last_year"] = pd.NA
    for col, key in (
        ("slope", "slope"),
        ("slope_low", "low_slope"),
        ("slope_high", "high_slope"),
        ("intercept", "intercept"),
    ):
        out[col] = np.where(few, np.nan, cat[key])
    out["mk_s"] = cat["S"]
    out["mk_var"] = cat["var_s"]
    out["mk_z"] = cat["z"]
    out["p_value"] = cat["p"]
    pol = _polarity_map(out.index.get_level_values("indicator").to_series(index=out.index))
    out["polarity"] = pol.astype("int64")
    out["verdict"] = _verdict(n, cat["S"], cat["p"], pol.to_numpy())
    out["synthetic"] = out.pop("synthetic")
    return out.reset_index()


# --------------------------------------------------------------------------- gaps


def _benchmark_values(bench: pd.DataFrame, level: str | None, code: str | None) -> pd.DataFrame:
    ok, _ = _prepare(bench, "gap (benchmark_frame)")
    if level is not None:
        lv = ok["region_level"].astype(str) if "region_level" in ok.columns else None
        if lv is None:
            raise IndicatorError("gap: benchmark_frame lacks region_level; add GM/NL rows")
        ok = ok[lv == level]
    if code is not None:
        ok = ok[ok["region_code"] == code]
    return ok[["indicator", "year", "region_code", "value", "synthetic"]]


def gap(frame: pd.DataFrame, benchmark_frame: pd.DataFrame) -> pd.DataFrame:
    """Per (indicator, region, year): the region's value minus its gemeente's and minus NL's.

    The gemeente benchmark is the ``benchmark_frame`` row with ``region_level == 'GM'`` and
    ``region_code`` equal to the region's ``gemeente_code``; the national one has
    ``region_code == 'NL00'``. Columns ``gap_gm`` / ``gap_nl`` (value − benchmark),
    ``aligned_gap_gm`` / ``aligned_gap_nl`` (× polarity, positive = better than the benchmark,
    NaN for neutral indicators) and ``behind_gm`` / ``behind_nl`` (nullable boolean: aligned
    gap < 0; NA when it cannot be computed). GM rows get no gemeente gap (NaN) and the NL row
    no national gap. Suppressed or missing values on either side give NaN gaps; suppressed
    input rows are dropped. ``synthetic`` is True if the row or a benchmark used is synthetic.
    """
    ok, _ = _prepare(frame, "gap")
    if "gemeente_code" not in ok.columns:
        raise IndicatorError("gap: frame lacks gemeente_code; build it with compute()")
    gm = _benchmark_values(benchmark_frame, "GM", None).rename(
        columns={"region_code": "gemeente_code", "value": "value_gm", "synthetic": "syn_gm"}
    )
    nl = _benchmark_values(benchmark_frame, None, NL_CODE).drop(columns="region_code")
    nl = nl.rename(columns={"value": "value_nl", "synthetic": "syn_nl"})
    out = ok.copy()
    out["gemeente_code"] = out["gemeente_code"].astype("string")
    gm["gemeente_code"] = gm["gemeente_code"].astype("string")
    level = out["region_level"].astype(str) if "region_level" in out.columns else None
    out = out.merge(gm, on=["indicator", "year", "gemeente_code"], how="left")
    out = out.merge(nl, on=["indicator", "year"], how="left")
    if level is not None:
        lv = out["region_level"].astype(str)
        is_gm = (lv == "GM").to_numpy() | (lv == "NL").to_numpy()
        out.loc[is_gm, ["value_gm"]] = np.nan
        out.loc[is_gm, "syn_gm"] = False
    out.loc[out["region_code"] == NL_CODE, "value_nl"] = np.nan
    out.loc[out["region_code"] == NL_CODE, "syn_nl"] = False
    out["gap_gm"] = out["value"] - out["value_gm"]
    out["gap_nl"] = out["value"] - out["value_nl"]
    pol = _polarity_map(out["indicator"])
    out["polarity"] = pol.astype("int64")
    for b in ("gm", "nl"):
        al = _aligned(out[f"gap_{b}"], pol)
        out[f"aligned_gap_{b}"] = al
        out[f"behind_{b}"] = pd.array(np.where(al.isna(), None, al < 0), dtype="boolean")
    syn = (
        out["synthetic"].astype(bool)
        | out["syn_gm"].eq(True).to_numpy()
        | out["syn_nl"].eq(True).to_numpy()
    )
    out["synthetic"] = syn
    keep = [
        c
        for c in [
            "indicator",
            "year",
            "region_code",
            "region_level",
            "region_name",
            "gemeente_code",
            "value",
            "value_gm",
            "value_nl",
            "gap_gm",
            "gap_nl",
            "polarity",
            "aligned_gap_gm",
            "aligned_gap_nl",
            "behind_gm",
            "behind_nl",
            "synthetic",
        ]
        if c in out.columns
    ]
    return out[keep].sort_values(SERIES_KEYS + ["year"], kind="mergesort").reset_index(drop=True)


def fell_behind(gaps: pd.DataFrame, base_year: int = 2012) -> pd.DataFrame:
    """Did each region fall behind its gemeente between ``base_year`` and the latest year?

    Input is the output of :func:`gap`. Per (indicator, region) it takes the polarity-aligned
    gemeente gap at the first year ≥ ``base_year`` with a gap (``base_year_used``) and at the
    latest year with a gap (``end_year_used``). ``gap_change = aligned_gap_end −
    aligned_gap_base``: negative means the region lost ground against its gemeente (it ends
    further behind, or less ahead, than it started). ``fell_behind`` is True when
    ``gap_change < 0``, ``magnitude = |gap_change|`` (in the indicator's unit), and
    ``behind_base`` / ``behind_end`` say whether it was behind at either end. Regions with
    fewer than two years with a gap, and neutral indicators, get NA.
    """
    need = ["indicator", "region_code", "year", "aligned_gap_gm"]
    miss = [c for c in need if c not in gaps.columns]
    if miss:
        raise IndicatorError(f"fell_behind: input lacks {miss}; pass the output of gap()")
    g0 = gaps.assign(year=pd.to_numeric(gaps["year"]).astype("int64"))
    if "synthetic" not in g0.columns:
        g0["synthetic"] = False
    syn = g0.groupby(SERIES_KEYS, sort=True, observed=True)["synthetic"].any()
    attrs_cols = [c for c in REGION_COLUMNS if c in g0.columns]
    attrs = g0.sort_values("year").groupby(SERIES_KEYS, sort=True, observed=True)[attrs_cols].last()
    ok = g0[(g0["year"] >= base_year) & g0["aligned_gap_gm"].notna()]
    grp = ok.groupby(SERIES_KEYS, sort=True, observed=True)
    first = ok.loc[grp["year"].idxmin()].set_index(SERIES_KEYS)
    last = ok.loc[grp["year"].idxmax()].set_index(SERIES_KEYS)
    out = attrs.copy()
    out["base_year"] = int(base_year)
    out["base_year_used"] = first["year"].reindex(out.index).astype("Int64")
    out["end_year_used"] = last["year"].reindex(out.index).astype("Int64")
    two = (out["end_year_used"] > out["base_year_used"]).fillna(False).astype(bool)
    out["aligned_gap_base"] = first["aligned_gap_gm"].reindex(out.index).where(two)
    out["aligned_gap_end"] = last["aligned_gap_gm"].reindex(out.index).where(two)
    out.loc[~two, ["base_year_used", "end_year_used"]] = pd.NA
    out["gap_change"] = out["aligned_gap_end"] - out["aligned_gap_base"]
    gc = out["gap_change"]
    out["fell_behind"] = pd.array(np.where(gc.isna(), None, gc < 0), dtype="boolean")
    out["magnitude"] = gc.abs()
    for end in ("base", "end"):
        a = out[f"aligned_gap_{end}"]
        out[f"behind_{end}"] = pd.array(np.where(a.isna(), None, a < 0), dtype="boolean")
    out["synthetic"] = syn.reindex(out.index).fillna(False).astype(bool)
    return out.reset_index()
