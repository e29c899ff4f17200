"""Transparent composite indices (liveability, safety) on the INDICATOR FRAME.

A composite is a weighted mean of standardised, polarity-aligned components:

1. each component indicator is standardised against **all regions of the reference level
   (default: wijken) in a reference year in which it is real** — by default the first year in
   which that component has real (published, non-synthetic) values — so an index value means the
   same thing in every year and changes over time are real changes, not re-scaling;

   * ``method='z'``: ``(x − mean_ref) / sd_ref`` (population sd over the reference wijken);
   * ``method='rank'``: the mid-rank percentile (0–100) of ``x`` in the reference distribution;

2. the sign is flipped for polarity −1 indicators (for 'rank': ``100 − percentile``), so for
   every component and for the index **higher = better**;
3. the index is the weighted mean over the components a region has in that year, with the
   weights renormalised over those components. If less than half of the total weight is
   present the index is NaN (``weight_present`` and ``components_present`` say why).

Suppressed and missing values are never used (never treated as 0). Real and synthetic values
never meet: in a frame that holds real rows, synthetic rows are left out entirely (not in the
reference, not as a component), so an index value exists only where its components are real.
Only a frame without any real row (the synthetic demo store) gives synthetic index values, and
they are flagged ``synthetic``.

The output keeps every component's standardised score (``score_<id>``), renormalised weight
(``weight_<id>``) and contribution (``contrib_<id>``, summing to ``index``), so the UI can show
the components next to the result; :func:`contributions` gives the same in long form. Weights
travel in permalinks as ``"geweld:2,vermogen:1"`` via :func:`format_weights` /
:func:`parse_weights`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from errors import IndicatorError, InputError
from indicators import registry

#: Default liveability index: socio-economic position, care use, housing value and
#: proximity of daily amenities. Crime is deliberately left out (it has its own index) so the
#: two indices can be shown side by side without counting crime twice. Judgement-laden
#: housing-tenure indicators (``koop``, ``corporatie``) and household composition
#: (``eenpersoons``) are not included by default; users can add them via the weights.
LIVEABILITY_DEFAULT: dict[str, float] = {
    "inkomen": 1.0,  # mean income per inhabitant (+)
    "laag_inkomen": 1.0,  # share with a low income (−)
    "bijstand": 1.0,  # social assistance (bijstand) rate (−)
    "arbeidsparticipatie": 1.0,  # net labour participation (+)
    "jeugdzorg": 0.5,  # youth care use (−)
    "wmo": 0.5,  # Wmo (social support act) care use (−)
    "woz": 0.5,  # mean WOZ house value (+)
    "afstand_huisarts": 0.5,  # distance to GP (−)
    "afstand_supermarkt": 0.5,  # distance to supermarket (−)
}

#: Default safety index: registered crime per 1,000 inhabitants by group. Violent crime
#: weighs double (most strongly tied to feeling unsafe). No crime type is counted twice: the
#: total ``criminaliteit`` (0.0.0) contains every group, and ``woninginbraak`` (1.1.1) is one of
#: the types of ``vermogen``, so neither is a default component (users can still add them).
SAFETY_DEFAULT: dict[str, float] = {
    "geweld": 2.0,  # violent and sexual crime (−)
    "vermogen": 1.0,  # theft / property crime, domestic burglary included (−)
    "vernieling": 1.0,  # vandalism and public order (−)
}

METHODS: tuple[str, ...] = ("z", "rank")
#: Minimum fraction of the total weight that must be present for an index value.
MIN_WEIGHT_FRACTION = 0.5
_KEYS = ["region_code", "year"]
_REGION = ["region_level", "region_name", "gemeente_code"]


# --------------------------------------------------------------------------- weights


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Check and normalise a {indicator id: weight} mapping (keeps order; returns floats).

    Weights must be finite and non-negative with at least one positive; ids must be in the
    registry and have a direction (polarity ±1). Violations raise IndicatorError naming them.
    """
    if not isinstance(weights, Mapping) or not weights:
        raise IndicatorError(
            f"weights must be a non-empty mapping of indicator id to weight, got {weights!r}; "
            f"e.g. {format_weights_unchecked(SAFETY_DEFAULT)!r}"
        )
    known = set(registry.ids())
    unknown = [k for k in weights if k not in known]
    if unknown:
        raise IndicatorError(
            f"unknown indicator id(s) in weights: {unknown}; choose from {sorted(known)}"
        )
    out: dict[str, float] = {}
    bad: list[str] = []
    for k, v in weights.items():
        try:
            f = float(v)
        except (TypeError, ValueError):
            bad.append(f"{k}={v!r}")
            continue
        if not math.isfinite(f) or f < 0:
            bad.append(f"{k}={v!r}")
            continue
        out[k] = f
    if bad:
        raise IndicatorError(f"weights must be finite numbers >= 0; bad: {bad}; fix these weights")
    if not any(v > 0 for v in out.values()):
        raise IndicatorError(
            f"at least one weight must be positive, got {out}; give a component a weight > 0"
        )
    neutral = [k for k, v in out.items() if v > 0 and registry.get(k).polarity == 0]
    if neutral:
        raise IndicatorError(
            f"indicator(s) {neutral} have no better/worse direction (polarity 0) and cannot "
            "be part of an index; remove them or set their weight to 0"
        )
    return out


def _fmt_num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def format_weights_unchecked(weights: Mapping[str, float]) -> str:
    """``"id:w,id:w"`` without validation (for error messages)."""
    return ",".join(f"{k}:{_fmt_num(float(v))}" for k, v in weights.items())


def format_weights(weights: Mapping[str, float]) -> str:
    """Serialise weights for a URL: ``{"geweld": 2, "vermogen": 0.5}`` → ``"geweld:2,vermogen:0.5"``.

    Order is kept; integers are written without decimals, other numbers with the shortest
    exact representation, so :func:`parse_weights` round-trips exactly.
    """
    return format_weights_unchecked(validate_weights(weights))


def parse_weights(text: str) -> dict[str, float]:
    """Parse ``"criminaliteit:2,geweld:1"`` into ``{"criminaliteit": 2.0, "geweld": 1.0}``.

    Whitespace is ignored. A malformed token or a repeated id raises InputError naming it;
    the result is validated with :func:`validate_weights` (IndicatorError for unknown ids or
    bad weights).
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(
            f"empty weights string {text!r}; write it as 'id:weight,id:weight', "
            f"e.g. {format_weights_unchecked(SAFETY_DEFAULT)!r}"
        )
    out: dict[str, float] = {}
    for token in text.split(","):
        tok = token.strip()
        if not tok:
            continue
        key, sep, val = tok.partition(":")
        key, val = key.strip(), val.strip()
        if not sep or not key or not val:
            raise InputError(f"weights token {tok!r} in {text!r} is not 'id:weight'; fix it")
        try:
            w = float(val)
        except ValueError:
            raise InputError(
                f"weight {val!r} for {key!r} in {text!r} is not a number; fix it"
            ) from None
        if key in out:
            raise InputError(f"indicator {key!r} appears twice in weights {text!r}; keep one")
        out[key] = w
    return validate_weights(out)


# --------------------------------------------------------------------------- composite


def _standardise(
    x: np.ndarray, ref: np.ndarray, method: str, polarity: int, ind: str
) -> np.ndarray:
    """Aligned standardised scores of ``x`` against reference values ``ref`` (finite)."""
    if method == "z":
        sd = float(np.std(ref))
        if len(ref) < 2 or not sd > 0:
            raise IndicatorError(
                f"composite: component {ind!r} cannot be standardised (n={len(ref)}, sd={sd}) "
                "in its reference year; pick another reference_year or drop the component"
            )
        return polarity * (x - float(np.mean(ref))) / sd
    srt = np.sort(ref)
    below = np.searchsorted(srt, x, side="left")
    upto = np.searchsorted(srt, x, side="right")
    pct = 100.0 * (below + 0.5 * (upto - below)) / len(srt)
    pct = np.where(np.isnan(x), np.nan, pct)
    return pct if polarity > 0 else 100.0 - pct


def component_scores(
    frame: pd.DataFrame,
    components: list[str] | None = None,
    *,
    reference_year: int | None = None,
    method: str = "z",
    reference_level: str = "WK",
) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """Step 1 of :func:`composite`: each component standardised and polarity-aligned.

    Returns the component rows of ``frame`` with a ``score`` column (NaN where suppressed or
    missing) and the reference year per component. ``components`` None: every indicator with a
    direction. This step does not depend on the weights, so the build precomputes it once for
    the whole store and a request only combines (:func:`combine`).
    """
    if method not in METHODS:
        raise IndicatorError(f"composite: unknown method {method!r}; use one of {METHODS}")
    comps = components if components is not None else [
        i.id for i in registry.REGISTRY if i.polarity != 0
    ]  # fmt: skip
    need = ["indicator", "year", "region_code", "value"]
    miss = [c for c in need if c not in frame.columns]
    if miss:
        raise IndicatorError(
            f"composite: indicator frame lacks column(s) {miss}; build it with compute()"
        )
    df = frame[frame["indicator"].astype(str).isin(comps)].copy()
    df["indicator"] = df["indicator"].astype(str)
    df["region_code"] = df["region_code"].astype(str)
    df["year"] = pd.to_numeric(df["year"]).astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    for flag in ("synthetic", "suppressed"):
        df[flag] = df[flag].fillna(False).astype(bool) if flag in df.columns else False
    real = ~df["synthetic"].to_numpy(dtype=bool)
    if real.any() and not real.all():
        warnings.warn(
            f"composite: {int((~real).sum())} synthetic row(s) left out; an index of real data "
            "is standardised and computed on real values only",
            stacklevel=2,
        )
        df = df[real]
    if "region_level" not in df.columns:
        raise IndicatorError("composite: indicator frame lacks region_level; use compute()")
    dup = df.duplicated(["indicator", "region_code", "year"], keep=False)
    if dup.any():
        ex = df.loc[dup, ["indicator", "region_code", "year"]].iloc[0].to_dict()
        raise IndicatorError(
            f"composite: duplicate (indicator, region_code, year) rows, e.g. {ex}; "
            "pass one row per indicator, region and year"
        )
    df = df.sort_values(["indicator", "region_code", "year"], kind="mergesort")
    usable = ~df["suppressed"] & np.isfinite(df["value"].to_numpy())
    df["score"] = np.nan
    ref_years: dict[str, int | None] = {}
    for ind in comps:
        sel = (df["indicator"] == ind).to_numpy()
        ref_pool = df[sel & usable.to_numpy() & (df["region_level"].astype(str) == reference_level)]
        if ref_pool.empty:
            ref_years[ind] = None
            continue
        ry = int(ref_pool["year"].min()) if reference_year is None else int(reference_year)
        ref = ref_pool.loc[ref_pool["year"] == ry, "value"].to_numpy()
        if ref.size == 0:
            raise IndicatorError(
                f"composite: component {ind!r} has no {reference_level} values in reference "
                f"year {ry}; it has {sorted(ref_pool['year'].unique().tolist())} — choose one "
                "of those or leave reference_year unset"
            )
        ref_years[ind] = ry
        x = df.loc[sel, "value"].where(usable[sel]).to_numpy()
        pol = registry.get(ind).polarity
        df.loc[sel, "score"] = _standardise(x, ref, method, pol, ind)
    return df, ref_years


def combine(
    scores: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    reference_years: Mapping[str, int | None] | None = None,
    method: str = "z",
    reference_level: str = "WK",
) -> pd.DataFrame:
    """Step 2 of :func:`composite`: the weighted mean of the components' scores per (region, year).

    ``scores``: rows of :func:`component_scores` (any subset of regions: each row is combined on
    its own, so a request combines only the regions it shows). Output as :func:`composite`.
    """
    w_all = validate_weights(weights)
    w = {k: v for k, v in w_all.items() if v > 0}
    comps = list(w)
    ref_years = dict(reference_years or {})
    df = scores[scores["indicator"].isin(comps)]
    absent = [c for c in comps if ref_years.get(c) is None]
    if absent:
        warnings.warn(
            f"composite: component(s) {absent} have no usable {reference_level} values in the "
            "frame and count as missing everywhere (weights renormalised over the rest)",
            stacklevel=2,
        )
    total = float(sum(w.values()))
    if df.empty:
        base = pd.DataFrame(columns=_KEYS + _REGION)
    else:
        region_cols = [c for c in _REGION if c in df.columns]
        base = (
            df.sort_values("year", kind="mergesort")
            .groupby(_KEYS, sort=True)
            .agg(
                **{c: (c, "last") for c in region_cols},
                synthetic=("synthetic", "any"),
                suppressed_components=("suppressed", "sum"),
            )
        )
    scores = df.pivot(index=_KEYS, columns="indicator", values="score") if len(df) else None
    out = base.copy() if isinstance(base.index, pd.MultiIndex) else base.set_index(_KEYS)
    S = np.full((len(out), len(comps)), np.nan)
    if scores is not None:
        S = scores.reindex(index=out.index, columns=comps).to_numpy(dtype="float64")
    wv = np.array([w[c] for c in comps])
    present = ~np.isnan(S)
    wp = present @ wv
    frac = wp / total
    enough = frac >= MIN_WEIGHT_FRACTION - 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        W = np.where(present, wv[None, :], 0.0) / np.where(wp > 0, wp, np.nan)[:, None]
    C = np.where(present, W * np.nan_to_num(S), np.nan)
    index = np.where(enough, np.nansum(np.where(present, C, 0.0), axis=1), np.nan)
    out["index"] = index
    out["components_present"] = present.sum(axis=1).astype("int64")
    out["components_total"] = len(comps)
    out["weight_present"] = frac
    out["suppressed_components"] = (
        out["suppressed_components"].astype("int64") if len(out) else pd.Series(dtype="int64")
    )
    out["synthetic"] = out["synthetic"].astype(bool) if len(out) else pd.Series(dtype=bool)
    out["index_method"] = method
    for k, c in enumerate(comps):
        out[f"score_{c}"] = S[:, k]
        out[f"weight_{c}"] = np.nan_to_num(W[:, k])
        out[f"contrib_{c}"] = np.where(enough, C[:, k], np.nan)
    out = out.reset_index()
    out.attrs["weights"] = dict(w_all)
    out.attrs["reference_years"] = ref_years
    out.attrs["method"] = method
    out.attrs["reference_level"] = reference_level
    return out


def composite(
    frame: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    reference_year: int | None = None,
    method: str = "z",
    reference_level: str = "WK",
) -> pd.DataFrame:
    """Composite index per (region, year) from the indicator frame.

    ``weights`` maps indicator ids to non-negative weights (see :func:`validate_weights`);
    weight-0 components are ignored entirely. Each component is standardised against all
    ``reference_level`` regions in ``reference_year`` (default: the component's first year
    with real values at that level) with ``method`` 'z' or 'rank', aligned so higher = better,
    and averaged with weights renormalised over the components present. In a frame with real
    rows, synthetic rows are dropped first (with a warning): they never enter a real index.

    Columns: ``region_code, year, region_level, region_name, gemeente_code, index,
    components_present, components_total, weight_present`` (fraction of total weight present),
    ``suppressed_components``, ``synthetic``, ``index_method``, and per component ``score_<id>``
    (standardised, aligned), ``weight_<id>`` (renormalised weight used; 0 when missing) and
    ``contrib_<id>`` (weight × score; they sum to ``index``). ``index`` (and the contributions)
    are NaN when less than half of the total weight is present. ``result.attrs`` holds
    ``weights``, ``reference_years`` and ``method``.
    """
    if method not in METHODS:
        raise IndicatorError(f"composite: unknown method {method!r}; use one of {METHODS}")
    w = {k: v for k, v in validate_weights(weights).items() if v > 0}
    scores, ref_years = component_scores(frame, list(w), reference_year=reference_year,
                                         method=method, reference_level=reference_level)  # fmt: skip
    return combine(scores, weights, reference_years=ref_years, method=method,
                   reference_level=reference_level)  # fmt: skip


def contributions(result: pd.DataFrame) -> pd.DataFrame:
    """Long form of a :func:`composite` result: one row per (region, year, component).

    Columns ``region_code, year, component, score, weight, contribution, index``.
    """
    comps = [c[len("score_") :] for c in result.columns if c.startswith("score_")]
    parts = []
    for c in comps:
        parts.append(
            pd.DataFrame(
                {
                    "region_code": result["region_code"],
                    "year": result["year"],
                    "component": c,
                    "score": result[f"score_{c}"],
                    "weight": result[f"weight_{c}"],
                    "contribution": result[f"contrib_{c}"],
                    "index": result["index"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            columns=["region_code", "year", "component", "score", "weight", "contribution", "index"]
        )
    return pd.concat(parts, ignore_index=True)
