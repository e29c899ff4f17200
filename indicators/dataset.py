"""The indicator dataset: every registry indicator for every region on the 2024 geography.

Built once per store version (``python -m loaders build`` / first start), read-only afterwards:

``artefacts/indicators/<id>.parquet``  one file per indicator (the pages read one at a time)
``artefacts/regions.parquet``          the 2024 regions: code, name, level, gemeente, wijk, inhabitants
``artefacts/same_area.parquet``        the "same region in another year" table (geo.samearea)

How a value gets onto the 2024 geography (``method`` says which steps a value took, joined by '+'):

1. ``published`` — the publisher's value, on the indeling of its own year;
   ``summed`` — a count the publisher gives only for smaller regions (e.g. crime per buurt) is
   summed up the hierarchy buurt → wijk → gemeente → Nederland; a published total always wins;
2. indicators are computed per region on that indeling (:mod:`indicators.compute`: rates from
   counts, published means passed through, suppression of small populations);
3. ``same-area:<evidence>`` — values of another year's indeling are attached to a 2024 region only
   when :mod:`geo.samearea` shows it is the same area; other regions are listed as unmatched;
4. ``aggregate`` — region sets (NPLV areas, the rest of their gemeente, and gemeenten/NL where the
   publisher has no value, e.g. Leefbaarometer scores) by :func:`indicators.aggregate.aggregate`.

Only real rows of the store are used; the store kind (real or synthetic) is one flag for the
whole dataset, never mixed.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

import settings as _settings
from errors import IndicatorError, StoreError
from indicators import areas, compute, registry
from indicators.aggregate import RegionSet, aggregate
from loaders import store

FRAME_COLUMNS = compute.FRAME_COLUMNS
NL_CODE = "NL00"
AREA_LEVEL, REST_LEVEL = "AREA", "REST"
LEVELS = ("NL", "GM", "WK", "BU")
Progress = Callable[[str], None]
Boundaries = Callable[[str, int], object]
_UNKNOWN = "0000"  # gemeente part of codes for crime without a known location (BU00000000)


def _quiet(_: str) -> None:
    return None


# --------------------------------------------------------------------------- inputs


def needed_stems() -> tuple[set[str], set[str]]:
    """(every variable stem the registry reads, the stems that are counts and may be summed)."""
    stems: set[str] = {registry.POPULATION}
    counts: set[str] = {registry.POPULATION}
    for ind in registry.REGISTRY:
        stems |= set(ind.stems)
        if ind.aggregation in ("rate", "count"):
            counts |= set(ind.numerator) | set(ind.denominator or ())
        if ind.weight:
            counts.add(ind.weight)
    return stems, counts


def _parent(codes: pd.Series, level: str) -> pd.Series:
    if level == "WK":
        return "WK" + codes.str[2:8]
    if level == "GM":
        return "GM" + codes.str[2:6]
    return pd.Series(NL_CODE, index=codes.index)


def complete_counts(tidy: pd.DataFrame, counts: set[str]) -> pd.DataFrame:
    """Add ``summed`` rows for counts the publisher gives only for smaller regions.

    For each count variable and each region one level up that has *no published row* (a published
    value, even a secret one, always wins), the value is the sum of its children when every child
    has a value, else missing. Buurt → wijk → gemeente → Nederland.
    """
    out = [tidy.assign(method="published")]
    have = tidy
    for child, parent in (("BU", "WK"), ("WK", "GM"), ("GM", "NL")):
        kids = have[(have["region_level"] == child) & have["variable"].isin(counts)]
        if kids.empty:
            continue
        pc = _parent(kids["region_code"].astype(str), parent)
        g = kids.assign(_p=pc.to_numpy(), _ok=kids["value"].notna().to_numpy()).groupby(
            ["_p", "variable"], sort=False, observed=True
        )
        sums = g.agg(value=("value", "sum"), n=("_ok", "size"), ok=("_ok", "sum"))
        sums["value"] = sums["value"].where(sums["ok"] == sums["n"])  # complete children only
        sums = sums.drop(columns=["n", "ok"]).reset_index().rename(columns={"_p": "region_code"})
        published = have.loc[have["region_level"] == parent, ["region_code", "variable"]]
        sums = sums.merge(published.assign(_pub=True), on=["region_code", "variable"], how="left")
        sums = sums[sums["_pub"].isna()].drop(columns="_pub")
        if sums.empty:
            continue
        first = kids.drop_duplicates("variable").set_index("variable")
        new = pd.DataFrame(
            {
                "year": tidy["year"].iloc[0],
                "region_code": sums["region_code"].to_numpy(),
                "region_level": parent,
                "region_name": "",
                "gemeente_code": np.where(
                    parent == "NL", NL_CODE, "GM" + sums["region_code"].str[2:6]
                ),
                "variable": sums["variable"].to_numpy(),
                "value": sums["value"].to_numpy(dtype="float64"),
                "unit": sums["variable"].map(first["unit"]).to_numpy(),
                "source_table": sums["variable"].map(first["source_table"]).to_numpy(),
                "source_key": sums["variable"].map(first["source_key"]).to_numpy(),
                "method": "summed",
            }
        )
        for c in ("dataset", "indeling", "origin"):
            if c in tidy.columns:
                new[c] = tidy[c].iloc[0]
        out.append(new)
        have = pd.concat([have, new.drop(columns="method")], ignore_index=True)
    return pd.concat(out, ignore_index=True)


# --------------------------------------------------------------------------- same area


class Evidence:
    """Where the same-area rule reads its evidence: boundaries (a callable) and the store."""

    def __init__(self, version: store.Version, boundaries: Boundaries | None) -> None:
        self.version = version
        self.boundaries = boundaries
        self._kwb: dict[int, pd.DataFrame | None] = {}

    def _kwb_rows(self, indeling: int) -> pd.DataFrame | None:
        if indeling not in self._kwb:
            keys = [p for p in self.version.parts if p["dataset"] == "kwb"
                    and int(p["indeling"]) == indeling]  # fmt: skip
            if not keys:
                self._kwb[indeling] = None
            else:
                years = sorted({int(p["year"]) for p in keys})
                df = self.version.read(datasets=["kwb"], years=[years[-1]],
                                       variables=[registry.POPULATION])  # fmt: skip
                df = df[df["indeling"] == indeling]
                self._kwb[indeling] = df if len(df) else None
        return self._kwb[indeling]

    def buurten(self, indeling: int) -> pd.DataFrame | None:
        df = self._kwb_rows(indeling)
        if df is None:
            return None
        bu = pd.Series(df.loc[df["region_level"] == "BU", "region_code"].unique()).astype(str)
        if bu.empty:
            return None
        return pd.DataFrame(
            {"buurt": bu, "wijk": "WK" + bu.str[2:8], "gemeente": "GM" + bu.str[2:6]}
        )

    def inhabitants(self, level: str, indeling: int) -> pd.Series | None:
        df = self._kwb_rows(indeling)
        if df is None:
            return None
        s = df[df["region_level"] == level].drop_duplicates("region_code")
        if s.empty:
            return None
        return s.set_index(s["region_code"].astype(str))["value"].astype("float64")

    def table(self, level: str, indeling: int, target: int, codes: list[str]) -> pd.DataFrame:
        from geo import samearea

        return samearea.build(
            level, indeling, target, codes=codes, boundaries=self.boundaries,
            buurten=self.buurten, inhabitants=self.inhabitants,
        )  # fmt: skip


def _map_to_target(native: pd.DataFrame, same: pd.DataFrame) -> pd.DataFrame:
    """Rows of another indeling onto 2024 codes; rows of unmatched regions are dropped."""
    keep = [native[native["region_level"] == "NL"]]
    for level, sub in native[native["region_level"] != "NL"].groupby("region_level"):
        t = same[(same["level"] == level) & same["to_code"].notna()]
        m = sub.merge(
            t[["from_code", "to_code", "method"]].rename(
                columns={"from_code": "region_code", "method": "_how"}
            ),
            on="region_code",
            how="inner",
        )
        m["region_code"] = m.pop("to_code").astype(str)
        m["method"] = m["method"].astype(str) + "+same-area:" + m.pop("_how").astype(str)
        keep.append(m)
    return pd.concat(keep, ignore_index=True)


# --------------------------------------------------------------------------- build


def _regions(version: store.Version, target: int) -> pd.DataFrame:
    """The 2024 regions with names (parts on the target indeling) and their 2024 inhabitants."""
    keys = [p for p in version.parts if int(p["indeling"]) == target]
    df = version.read(datasets={p["dataset"] for p in keys}, years={int(p["year"]) for p in keys},
                      variables=[registry.POPULATION, "lbm"])  # fmt: skip
    df = df[df["indeling"] == target]
    names = df.loc[df["region_name"].fillna("").str.len() > 0]
    names = names.sort_values("year").drop_duplicates("region_code", keep="last")
    codes = pd.DataFrame({"code": df["region_code"].astype(str).unique()})
    codes["level"] = codes["code"].str[:2]
    codes = codes[~codes["code"].str[2:6].eq(_UNKNOWN) | codes["level"].eq("NL")]
    codes["name"] = codes["code"].map(names.set_index("region_code")["region_name"]).fillna("")
    codes.loc[codes["level"] == "NL", "name"] = "Nederland"
    codes["gemeente_code"] = np.where(
        codes["level"] == "NL", NL_CODE, "GM" + codes["code"].str[2:6]
    )
    codes["wijk_code"] = np.where(codes["level"] == "BU", "WK" + codes["code"].str[2:8], "")
    gm = codes[codes["level"] == "GM"].set_index("code")["name"]
    codes["gemeente_name"] = codes["gemeente_code"].map(gm).fillna("")
    pop = df[(df["variable"] == registry.POPULATION) & (df["year"] == target)]
    pop = pop.drop_duplicates("region_code").set_index("region_code")["value"]
    codes["inhabitants"] = codes["code"].map(pop).astype("float64")
    # every gemeente of a 2024 wijk exists, even when only its wijken were published
    return codes.sort_values(["level", "code"]).reset_index(drop=True)


def _gemeente_sets(wk: pd.DataFrame, names: pd.Series) -> dict[str, RegionSet]:
    codes = pd.Series(wk["region_code"].astype(str).unique())
    codes = codes[codes.str[2:6] != _UNKNOWN]
    sets = {
        gm: RegionSet(gm, "GM", str(names.get(gm, "")), gm, tuple(sorted(members)))
        for gm, members in codes.groupby("GM" + codes.str[2:6])
    }
    sets[NL_CODE] = RegionSet(NL_CODE, "NL", "Nederland", NL_CODE, tuple(sorted(codes)))
    return sets


def _native(
    inp: pd.DataFrame,
    ids: list[str],
    w24: pd.Series,
    names: pd.Series,
    target_indeling: bool,
) -> pd.DataFrame:
    """Indicators on the inputs' own indeling for every level, with the set fallback for GM/NL."""
    parts = []
    for level in LEVELS:
        if not (inp["region_level"] == level).any():
            continue
        try:
            parts.append(compute.compute(inp, ids, level=level))
        except IndicatorError:
            continue
    if not parts:
        return compute._empty_frame()
    native = pd.concat(parts, ignore_index=True)
    native = native[~native["region_code"].astype(str).str[2:6].eq(_UNKNOWN)
                    | native["region_level"].eq("NL")]  # fmt: skip
    # gemeente and NL values the publisher has no inputs for: the one aggregation of wijken
    wk = native[native["region_level"] == "WK"]
    if wk.empty:
        return native
    weights = w24 if target_indeling else pd.Series(dtype="float64")
    agg = aggregate(wk, _gemeente_sets(wk, names), inhabitants_2024=weights,
                    population=_population(native))  # fmt: skip
    have = native.loc[native["region_level"].isin(["GM", "NL"]) & native["value"].notna(),
                      ["indicator", "year", "region_code"]]  # fmt: skip
    agg = agg.merge(have.assign(_have=True), on=["indicator", "year", "region_code"], how="left")
    kinds = {i.id: i.aggregation for i in registry.REGISTRY}
    use = agg["_have"].isna() & agg["indicator"].map(kinds).isin(["mean", "score"])
    fallback = agg.loc[use].drop(columns="_have")
    native = native.merge(
        fallback[["indicator", "year", "region_code"]].assign(_drop=True),
        on=["indicator", "year", "region_code"], how="left",
    )  # fmt: skip
    native = native[native.pop("_drop").isna()]
    return pd.concat([native, fallback[list(FRAME_COLUMNS)]], ignore_index=True)


def _population(frame: pd.DataFrame) -> pd.DataFrame:
    p = frame[frame["indicator"] == "inwoners"]
    return pd.DataFrame({"year": p["year"].astype("int64"), "region_code": p["region_code"],
                         "inhabitants": p["value"]})  # fmt: skip


def _mapped_denominators(
    tidy_year: pd.DataFrame, indeling: int, ids: list[str], ev: Evidence, target: int,
    same_cache: dict,
) -> pd.DataFrame:  # fmt: skip
    """Denominator/weight inputs that indicators of ``indeling`` need but only another indeling of
    the same year has (e.g. 47018NED on the 2024 indeling, inhabitants from the KWB of that year),
    moved onto ``indeling`` by the same-area rule. Only to the target indeling."""
    if indeling != target:
        return tidy_year.iloc[0:0]
    here = set(tidy_year.loc[tidy_year["indeling"] == indeling, "variable"])
    need = set()
    for i in ids:
        ind = registry.get(i)
        need |= {s for s in (*(ind.denominator or ()), *((ind.weight,) if ind.weight else ()))
                 if s not in here}  # fmt: skip
    if ind_needs_population(ids) and registry.POPULATION not in here:
        need.add(registry.POPULATION)
    other = tidy_year[(tidy_year["indeling"] != indeling) & tidy_year["variable"].isin(need)]
    if other.empty:
        return other
    out = []
    for ind_from, sub in other.groupby("indeling"):
        for level, rows in sub.groupby("region_level"):
            if level == "NL":
                out.append(rows.assign(method="published"))
                continue
            key = (level, int(ind_from))
            if key not in same_cache:
                same_cache[key] = ev.table(level, int(ind_from), target,
                                           sorted(rows["region_code"].astype(str).unique()))  # fmt: skip
            t = same_cache[key]
            t = t[t["to_code"].notna()]
            m = rows.merge(t[["from_code", "to_code", "method"]].rename(
                columns={"from_code": "region_code", "method": "_how"}), on="region_code")  # fmt: skip
            m["region_code"] = m.pop("to_code").astype(str)
            m["method"] = "same-area:" + m.pop("_how").astype(str)
            out.append(m)
    return pd.concat(out, ignore_index=True) if out else other.iloc[0:0]


def ind_needs_population(ids: list[str]) -> bool:
    return any(registry.get(i).min_population > 0 for i in ids)


def build(
    version: store.Version,
    *,
    boundaries: Boundaries | None = None,
    progress: Progress = _quiet,
    settings: _settings.Settings | None = None,
) -> dict:
    """Build the dataset artefacts into ``version`` (a version being built). Returns a report."""
    s = settings or _settings.get()
    target = s.target_geo_year
    t0 = time.perf_counter()
    out_dir = version.path / store.ARTEFACTS
    stems, counts = needed_stems()
    ev = Evidence(version, boundaries)
    regions = _regions(version, target)
    names = regions.set_index("code")["name"]
    w24 = regions[regions["level"] == "WK"].set_index("code")["inhabitants"].dropna()
    same_tables: dict[tuple[str, int], pd.DataFrame] = {}
    kinds_synthetic = version.kind == "synthetic"
    work = version.path / ".work"  # one Parquet file per year: memory is bounded by one year
    work.mkdir(exist_ok=True)
    years = sorted({int(p["year"]) for p in version.parts})
    spilled = []
    for year in years:
        native_year = _year(version, year, target, stems, counts, ev, w24, names, same_tables,
                            progress)  # fmt: skip
        if native_year is not None and len(native_year):
            path = work / f"{year}.parquet"
            _finish(native_year.assign(synthetic=False)).to_parquet(path, index=False)
            spilled.append(path)
    if not spilled:
        raise StoreError("the store holds no input for any indicator; nothing to show")
    wk_codes = regions[regions["level"] == "WK"].rename(columns={"code": "region_code"})
    sets = areas.region_sets(wk_codes[["region_code", "gemeente_code"]])
    d = out_dir / "indicators"
    d.mkdir(parents=True, exist_ok=True)
    population = _population(_read_spilled(spilled, "inwoners"))
    trend_parts, score_parts, ref_years, cover, n_values = [], [], {}, {}, 0
    for ind in registry.REGISTRY:
        frame = _read_spilled(spilled, ind.id)
        if frame.empty:
            cover[ind.id] = _coverage_of(frame, ind)
            continue
        frame = _dedupe(frame)
        # 2024 names and gemeenten for every region code
        known = frame["region_code"].astype(str).map(names)
        frame["region_name"] = known.fillna(frame["region_name"]).astype(str)
        gm = frame["region_level"].isin(["WK", "BU", "GM"])
        frame.loc[gm, "gemeente_code"] = "GM" + frame.loc[gm, "region_code"].astype(str).str[2:6]
        # NPLV focus areas and the rest of their gemeente(n): the one aggregation
        wk_rows = frame[frame["region_level"] == "WK"]
        if sets and not wk_rows.empty:
            agg = aggregate(wk_rows, sets, inhabitants_2024=w24, population=population)
            frame = pd.concat([frame, agg], ignore_index=True)
        frame["synthetic"] = kinds_synthetic
        frame = _finish(frame)
        bu = frame["region_level"] == "BU"  # buurten apart: the pages rarely need them
        frame[~bu].to_parquet(d / f"{ind.id}.parquet", index=False, compression="zstd")
        frame[bu].to_parquet(d / f"{ind.id}.BU.parquet", index=False, compression="zstd")
        trend_parts.append(trend_table(frame, s.first_year))
        if ind.polarity != 0:  # index components: standardised once, combined per request
            sc, ry = _index_scores(frame, ind.id)
            score_parts.append(sc)
            ref_years.update(ry)
        cover[ind.id] = _coverage_of(frame, ind)
        n_values += len(frame)
        progress(f"indicator {ind.id}: {len(frame):,} values")
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    trends_all = [t for t in trend_parts if len(t)]
    _write_lookup(pd.concat(trends_all, ignore_index=True) if trends_all
                  else pd.DataFrame(columns=list(TREND_COLUMNS)),
                  out_dir / "trends.parquet", ["indicator", "region_code"])  # fmt: skip
    regions.to_parquet(out_dir / "regions.parquet", index=False)
    scores = [x for x in score_parts if len(x)]
    _write_lookup(pd.concat(scores, ignore_index=True) if scores
                  else pd.DataFrame(columns=list(SCORE_COLUMNS)),
                  out_dir / "index_scores.parquet", ["region_code", "indicator", "year"])  # fmt: skip
    report = _write_same(same_tables, out_dir)
    report["index_reference_years"] = ref_years
    report["indicator_values"] = n_values
    report["coverage"] = cover
    report["build_seconds"] = round(time.perf_counter() - t0, 1)
    progress(f"{n_values:,} indicator values in {report['build_seconds']} s")
    return report


SCORE_COLUMNS = ("indicator", "region_code", "year", "region_level", "region_name",
                 "gemeente_code", "score", "suppressed", "synthetic")  # fmt: skip


def _index_scores(frame: pd.DataFrame, ind_id: str) -> tuple[pd.DataFrame, dict]:
    """A component's standardised, aligned scores at WK/GM/NL (indicators.indices, step 1)."""
    from indicators import indices

    sub = frame[frame["region_level"].isin(["WK", "GM", "NL"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc, ry = indices.component_scores(sub, [ind_id])
    return sc.loc[:, list(SCORE_COLUMNS)].reset_index(drop=True), ry


def _read_spilled(paths: list[Path], indicator: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    parts = [pq.read_table(p, filters=[("indicator", "==", indicator)]).to_pandas() for p in paths]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _finish(compute._empty_frame())


def _year(version, year, target, stems, counts, ev, w24, names, same_tables, progress):  # noqa: ANN001, ANN202
    """Every indicator value of one year on the 2024 geography (before region sets)."""
    tidy_year = version.read(years=[year], variables=stems)
    if tidy_year.empty:
        return None
    frames = []
    for indeling in sorted(int(i) for i in tidy_year["indeling"].unique()):
        own = tidy_year[tidy_year["indeling"] == indeling]
        own_vars = set(own["variable"])
        ids = [i.id for i in registry.REGISTRY if set(i.numerator) & own_vars]
        if not ids:
            continue
        progress(f"indicators {year} (indeling {indeling}): {len(ids)} indicators")
        extra = _mapped_denominators(tidy_year, indeling, ids, ev, target, same_tables)
        inp = complete_counts(own, counts)
        if len(extra):
            have = pd.MultiIndex.from_frame(inp[["region_code", "variable"]].astype(str))
            key = pd.MultiIndex.from_frame(extra[["region_code", "variable"]].astype(str))
            inp = pd.concat([inp, extra[~key.isin(have)]], ignore_index=True)
        native = _native(inp, ids, w24, names, indeling == target)
        if indeling != target:
            for level in ("WK", "GM", "BU"):
                codes = sorted(native.loc[native["region_level"] == level,
                                          "region_code"].astype(str).unique())  # fmt: skip
                if codes and (level, indeling) not in same_tables:
                    progress(f"same-area rule {level} {indeling}->{target}")
                    same_tables[(level, indeling)] = ev.table(level, indeling, target, codes)
            same = pd.concat([same_tables[k] for k in same_tables if k[1] == indeling],
                             ignore_index=True)  # fmt: skip
            native = _map_to_target(native, same)
        frames.append(native)
    return pd.concat(frames, ignore_index=True) if frames else None


def _dedupe(frame: pd.DataFrame) -> pd.DataFrame:
    key = ["indicator", "year", "region_level", "region_code"]
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        # prefer a published value on the year's own indeling over a mapped or derived one
        rank = frame["method"].astype(str).str.count(r"\+") + frame["value"].isna() * 10
        frame = frame.assign(_r=rank).sort_values("_r", kind="stable")
        n = int(frame.duplicated(key).sum())
        warnings.warn(f"{n} duplicate indicator values dropped (kept the most direct one)",
                      stacklevel=2)  # fmt: skip
        frame = frame.drop_duplicates(key).drop(columns="_r")
    return frame


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.loc[:, list(FRAME_COLUMNS)].copy()
    f["year"] = f["year"].astype("int16")
    for c in ("indicator", "region_code", "region_level", "region_name", "gemeente_code", "unit",
              "source", "method"):  # fmt: skip
        f[c] = f[c].astype(str)
    for c in ("value", "numerator", "denominator", "coverage"):
        f[c] = pd.to_numeric(f[c], errors="coerce").astype("float64")
    f["synthetic"] = f["synthetic"].astype(bool)
    f["suppressed"] = f["suppressed"].astype(bool)
    order = {lvl: k for k, lvl in enumerate(("NL", "GM", AREA_LEVEL, REST_LEVEL, "WK", "BU"))}
    f["_o"] = f["region_level"].map(order)
    f = f.sort_values(["indicator", "_o", "region_code", "year"], kind="stable").drop(columns="_o")
    return f.reset_index(drop=True)


def _coverage_of(frame: pd.DataFrame, ind: registry.Indicator) -> dict:
    """Which years hold real values of one indicator at wijk/gemeente/NL level, from which tables."""
    sub = frame[frame["value"].notna() & frame["region_level"].isin(["WK", "GM", "NL"])]
    years = sorted(int(y) for y in sub["year"].unique())
    return {
        "years": years,
        "levels": sorted(sub["region_level"].astype(str).unique().tolist()),
        "published_from": ind.first_year,
        "tables": {
            str(y): sorted(set(sub.loc[sub["year"] == y, "source"].astype(str))) for y in years
        },  # fmt: skip
    }


TREND_COLUMNS = ("indicator", "region_code", "n_years", "first_year", "last_year", "slope",
                 "slope_low", "slope_high", "p_value", "verdict", "value_base", "value_end",
                 "abs_change", "aligned_change")  # fmt: skip


def trend_table(frame: pd.DataFrame, since: int) -> pd.DataFrame:
    """Trend statistics of every series from ``since`` on, over real points only (suppressed and
    missing values excluded): Theil–Sen slope, Mann–Kendall p and verdict, change first→last."""
    from indicators import trends

    win = frame[frame["year"] >= since]
    if win.empty:
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = trends.theil_sen(win)
        ch = trends.change(win, base_year=since)
    out = ts.merge(ch[["indicator", "region_code", "value_base", "value_end", "abs_change",
                       "aligned_change"]], on=["indicator", "region_code"], how="left")  # fmt: skip
    out = out.loc[:, list(TREND_COLUMNS)]
    for c in ("first_year", "last_year"):
        out[c] = out[c].astype("float64")
    return out.reset_index(drop=True)


def coverage_matrix(version: store.Version, tables: bool = False) -> pd.DataFrame:
    """Indicator × year of the series (2012–2024, plus earlier years the store holds): 'real' where
    the store holds values ('synthetic' in the demo store), 'missing' elsewhere; with ``tables``
    the cells name the source table(s) instead of 'real'."""
    s = _settings.get()
    rep = (version.manifest.get("report") or {}).get("coverage", {})
    held = {y for c in rep.values() for y in c.get("years", [])}
    years = sorted(set(range(s.first_year, s.last_year + 1)) | held)
    word = "synthetic" if version.kind == "synthetic" else "real"
    rows = []
    for ind in registry.REGISTRY:
        c = rep.get(ind.id, {})
        have = set(c.get("years", []))
        cells = {}
        for y in years:
            if y not in have:
                cells[str(y)] = "missing"
            else:
                cells[str(y)] = "+".join(c.get("tables", {}).get(str(y), [])) if tables else word
        rows.append({"indicator": ind.id, **cells})
    return pd.DataFrame(rows)


def _write_same(same_tables: dict, out_dir: Path) -> dict:
    same = (
        pd.concat(list(same_tables.values()), ignore_index=True)
        if same_tables
        else pd.DataFrame(
            columns=["level", "from_indeling", "from_code", "to_code", "method", "reason"]
        )  # fmt: skip
    )
    _write_lookup(same, out_dir / "same_area.parquet", ["from_code", "from_indeling"])
    unmatched = same[same["method"] == "unmatched"]
    return {
        "unmatched": {
            f"{lvl} {ind}": int(n)
            for (lvl, ind), n in unmatched.groupby(["level", "from_indeling"]).size().items()
        },
        "same_area": {
            f"{lvl} {ind}": {str(k): int(v) for k, v in g["method"].value_counts().items()}
            for (lvl, ind), g in same.groupby(["level", "from_indeling"])
        },
    }


LOOKUP_ROW_GROUP = 4096


def _write_lookup(df: pd.DataFrame, path: Path, keys: list[str]) -> None:
    """A table the server reads a few rows of at a time: sorted by ``keys`` in small row groups,
    so a filtered read (``_lookup``) decodes only the row groups whose statistics can match."""
    if len(df):
        df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    df.to_parquet(path, index=False, compression="zstd", row_group_size=LOOKUP_ROW_GROUP)


def _lookup(path: Path, filters: list | None) -> pd.DataFrame:
    """Rows of a lookup table matching pyarrow ``filters`` (the whole table is never held)."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, filters=filters).to_pandas()
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"{path.name} of the store cannot be read; rebuild with `python -m loaders build`",
            key="err_store",
        ) from exc


# --------------------------------------------------------------------------- reading


def active(settings: _settings.Settings | None = None) -> store.Version:
    """The store version being served (resolved per call: cheap; see loaders.store.current)."""
    s = settings or _settings.get()
    v = store.require(s.serving_store_dir)
    if not (v.path / store.ARTEFACTS / "regions.parquet").exists():
        raise StoreError(
            "the store has no indicator dataset; rebuild it with `python -m loaders build`",
            key="err_store",
        )
    return v


@lru_cache(maxsize=16)
def _load(path: str, indicator: str, part: str = "") -> pd.DataFrame:
    """One indicator file of a store version (``part`` 'BU': its buurten), read-only, with the
    repeated strings as categories (a worker holds a few of these at a time)."""
    name = f"{indicator}.{part}.parquet" if part else f"{indicator}.parquet"
    p = Path(path) / store.ARTEFACTS / "indicators" / name
    if not p.exists():
        return _finish(compute._empty_frame())
    import pyarrow.parquet as pq

    try:
        # strings read as dictionaries straight into categories: no Python string per row
        # (those would be freed again, but leave the worker's heap tens of MB larger)
        df = pq.read_table(p, read_dictionary=list(CATEGORY_COLUMNS)).to_pandas()
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"indicator file {name} of the store cannot be read; rebuild with "
            "`python -m loaders build`",
            key="err_store",
        ) from exc
    for c in CATEGORY_COLUMNS:
        if df[c].dtype != "category":
            df[c] = df[c].astype("category")
    for col in df.columns:
        arr = df[col].to_numpy()
        if isinstance(arr, np.ndarray):
            with contextlib.suppress(ValueError):
                arr.flags.writeable = False
    return df


def rows(
    indicator: str, version: store.Version | None = None, *, buurten: bool = False
) -> pd.DataFrame:
    """Every value of one indicator (all levels and years; buurten only with ``buurten``),
    read-only (copy before changing)."""
    registry.get(indicator)
    v = version or active()
    main = _load(str(v.path), indicator)
    if not buurten:
        return main
    bu = _load(str(v.path), indicator, "BU")
    if bu.empty:
        return main
    return pd.concat([main.astype({c: "object" for c in CATEGORY_COLUMNS}),
                      bu.astype({c: "object" for c in CATEGORY_COLUMNS})], ignore_index=True)  # fmt: skip


#: The repeated-string columns of an indicator file (read as categories; object in series).
CATEGORY_COLUMNS = ("indicator", "region_code", "region_name", "region_level", "unit", "source",
               "method", "gemeente_code")  # fmt: skip


@lru_cache(maxsize=4)
def _regions_at(path: str) -> pd.DataFrame:
    return pd.read_parquet(Path(path) / store.ARTEFACTS / "regions.parquet")


def regions(version: store.Version | None = None) -> pd.DataFrame:
    """The 2024 regions (code, level, name, gemeente_code, gemeente_name, wijk_code, inhabitants)."""
    v = version or active()
    return _regions_at(str(v.path))


_SAME_COLUMNS = ["level", "from_indeling", "from_code", "to_code", "method", "reason"]


def same_area(
    version: store.Version | None = None,
    *,
    from_code: str | None = None,
    method: str | None = None,
) -> pd.DataFrame:
    """The same-area table (geo.samearea) of the store: every earlier region and the 2024 region
    that is the same area (or ``method`` 'unmatched'); ``from_code``/``method`` select rows
    without reading the rest."""  # fmt: skip
    v = version or active()
    p = v.path / store.ARTEFACTS / "same_area.parquet"
    if not p.exists():
        return pd.DataFrame(columns=_SAME_COLUMNS)
    filters = [
        (c, "==", x) for c, x in (("from_code", from_code), ("method", method)) if x is not None
    ]
    return _lookup(p, filters or None)


def frame(version: store.Version | None = None) -> pd.DataFrame:
    """All indicators at once (CLI and tests; the pages read one indicator at a time)."""
    v = version or active()
    parts = [r for r in (rows(i.id, v, buurten=True) for i in registry.REGISTRY) if len(r)]
    return pd.concat(parts, ignore_index=True) if parts else _finish(compute._empty_frame())


@lru_cache(maxsize=64)
def _trends_at(path: str, indicator: str, buurten: bool = False) -> pd.DataFrame:
    """The trend statistics of one indicator by region code: its buurten, or every other level
    (a few hundred kB; the whole table, ~170 MB in memory on a full store, is never held)."""
    p = Path(path) / store.ARTEFACTS / "trends.parquet"
    if not p.exists():
        return pd.DataFrame(columns=list(TREND_COLUMNS)).set_index("region_code")
    ind = ("indicator", "==", indicator)
    levels = ([[ind, ("region_code", ">=", "BU"), ("region_code", "<", "BV")]] if buurten
              else [[ind, ("region_code", "<", "BU")], [ind, ("region_code", ">=", "BV")]])  # fmt: skip
    df = _lookup(p, levels)
    df["verdict"] = df["verdict"].astype("category")
    return df.drop(columns=["indicator"]).set_index("region_code").sort_index()


def trend(indicator: str, code: str, version: store.Version | None = None) -> dict | None:
    """The precomputed trend statistics of one series (None when the series has no values)."""
    v = version or active()
    t = _trends_at(str(v.path), indicator, str(code).startswith("BU"))
    try:
        row = t.loc[code]
    except KeyError:
        return None
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    out = {}
    for k, x in row.items():
        x = x.item() if hasattr(x, "item") else x
        out[k] = None if isinstance(x, float) and np.isnan(x) else x
    return out


def index_scores(codes: list[str], version: store.Version | None = None) -> pd.DataFrame:
    """The precomputed component scores of ``codes`` (every component, every year), read from
    the store's row groups that hold them (the whole table is never held)."""
    v = version or active()
    p = v.path / store.ARTEFACTS / "index_scores.parquet"
    want = list(dict.fromkeys(str(c) for c in codes))
    if not p.exists() or not want:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    df = _lookup(p, [("region_code", "in", want)])
    order = {c: i for i, c in enumerate(want)}
    df = df.assign(_o=df["region_code"].map(order)).sort_values(["_o"], kind="stable")
    return df.drop(columns="_o").loc[:, list(SCORE_COLUMNS)].reset_index(drop=True)


def index_reference_years(version: store.Version | None = None) -> dict:
    v = version or active()
    return dict((v.manifest.get("report") or {}).get("index_reference_years", {}))


def clear_cache() -> None:
    for f in (_load, _regions_at, _trends_at):
        f.cache_clear()


_HEALTHY: set[str] = set()


def health() -> tuple[bool, str]:
    """(ok, reason) of the store being served: intact files (loaders.store.health) and an
    indicator dataset that loads (checked once per version and process). Never raises."""
    ok, reason = store.health(_settings.get().serving_store_dir)
    if not ok:
        return ok, reason
    try:
        v = active()
        if str(v.path) not in _HEALTHY:
            check(v)
            _HEALTHY.add(str(v.path))
    except Exception as exc:  # noqa: BLE001 - a health check answers, it does not crash
        return (
            False,
            f"the indicator dataset does not load ({type(exc).__name__}); rebuild with `python -m loaders build`",
        )
    return True, reason


def check(version: store.Version) -> None:
    """Load every artefact once (the health check and the build's verification)."""
    _regions_at.__wrapped__(str(version.path))
    for i in registry.REGISTRY:
        _load.__wrapped__(str(version.path), i.id)
        _load.__wrapped__(str(version.path), i.id, "BU")
