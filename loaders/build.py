"""Build the store from one source: online CBS, a snapshot folder, the synthetic generator, or
``offline`` (snapshot + synthetic gap filling, every synthetic row labelled).

The store is replaced atomically only after the whole source has loaded and validated, so an
interrupted or failed build leaves the previous store as it was.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

import settings as _settings
from errors import InputError
from loaders import schema, store

SOURCES = ("cbs", "snapshot", "synthetic", "offline")
Progress = Callable[[str], None]


def parse_years(text: str | None) -> range:
    """'2012-2024' or '2023' -> range; validated against the settings' year span."""
    s = _settings.get()
    if not text:
        return range(s.first_year, s.last_year + 1)
    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-", 1))
        else:
            a = b = int(text)
    except ValueError:
        raise InputError(f"--years {text!r} is not a year or a range like 2012-2024") from None
    if a > b or a < 2000 or b > 2100:
        raise InputError(
            f"--years {text!r}: give an increasing range within 2000-2100, e.g. 2012-2024"
        )
    return range(a, b + 1)


def stderr_progress(message: str) -> None:
    """Default progress reporter: one line per step on stderr, with elapsed time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def gap_fill(real: pd.DataFrame, synthetic: pd.DataFrame) -> pd.DataFrame:
    """Real rows win, per (year, region_level, variable) cell of the table.

    Where the real data has a variable for a year and level, only the real rows are kept (so one
    year's variable never mixes two geographies or real and invented numbers); synthetic rows fill
    only whole cells the real data does not cover, and keep their ``synthetic:`` source label.
    """
    if real.empty:
        return synthetic
    key = ["year", "region_level", "variable"]
    have = real.loc[real["value"].notna(), key].drop_duplicates()
    merged = synthetic[key].merge(have.assign(_real=True), on=key, how="left")
    keep = merged["_real"].isna().to_numpy()
    return pd.concat([real, synthetic.loc[keep]], ignore_index=True)


def load_source(
    source: str,
    years: Iterable[int],
    *,
    snapshot_dir: Path | None = None,
    seed: int = 2012,
    progress: Progress = stderr_progress,
) -> tuple[pd.DataFrame, list[str]]:
    """Load one source into a tidy frame; returns (frame, source labels for the manifest)."""
    years = range(min(years), max(years) + 1) if not isinstance(years, range) else years
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    snap = Path(snapshot_dir) if snapshot_dir else _settings.get().shared_dir
    if source == "cbs":
        from loaders import cbs

        return cbs.load_online(years, progress=progress), ["cbs-online"]
    if source == "snapshot":
        from loaders import snapshot

        progress(f"reading snapshot {snap}")
        return snapshot.load_snapshot(snap, years), [f"snapshot:{snap.name}"]
    from loaders import synthetic

    progress(f"generating synthetic CBS-format data {years.start}-{years.stop - 1} (seed {seed})")
    synth = synthetic.load_synthetic(years=years, seed=seed)
    if source == "synthetic":
        return synth, [f"synthetic(seed={seed})"]
    from loaders import snapshot

    progress(f"reading snapshot {snap}")
    real = snapshot.load_snapshot(snap, years)
    progress("gap filling: real values first, synthetic only where no real value exists")
    return gap_fill(real, synth), [
        f"snapshot:{snap.name}",
        f"synthetic(seed={seed}) gap filling",
    ]


def missing_variables(df: pd.DataFrame, levels: Iterable[str] = ("WK",)) -> dict[int, list[str]]:
    """Per year, the variable stems present in some other year but absent in this one."""
    sub = df[df["region_level"].isin(list(levels))]
    per_year = sub.groupby("year")["variable"].unique()
    union = set().union(*map(set, per_year)) if len(per_year) else set()
    return {int(y): sorted(union - set(v)) for y, v in per_year.items()}


def build(
    source: str,
    years: Iterable[int] | None = None,
    *,
    snapshot_dir: Path | None = None,
    store_dir: Path | None = None,
    seed: int = 2012,
    progress: Progress = stderr_progress,
) -> dict:
    """Load ``source`` and replace the store atomically. Returns the new manifest."""
    years = years if years is not None else parse_years(None)
    t0 = time.perf_counter()
    df, labels = load_source(source, years, snapshot_dir=snapshot_dir, seed=seed, progress=progress)
    if df.empty:
        raise InputError(
            f"source {source!r} produced no rows for years {min(years)}-{max(years)}; nothing stored"
        )
    progress(f"validating and writing {len(df):,} rows")
    df = schema.validate(df, where=f"source {source}")
    extra = {
        "missing_variables_wijk": missing_variables(df),
        "load_seconds": round(time.perf_counter() - t0, 2),
    }
    manifest = store.write_store(df, store_dir, sources=labels, extra=extra)
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    progress(f"store written in {manifest['build_seconds']} s")
    return manifest


def summary(manifest: dict) -> str:
    """Human-readable summary of a manifest: rows per year and level, missing variables."""
    lines = [
        f"built at {manifest.get('built_at')} from {', '.join(manifest.get('sources', []))}",
        f"rows: {manifest.get('rows', 0):,} ({manifest.get('synthetic_rows', 0):,} synthetic), "
        f"variables: {manifest.get('variables')}",
        "rows per year and level:",
    ]
    table: dict[str, dict[str, int]] = {}
    for key, n in manifest.get("rows_per_year_level", {}).items():
        y, lvl = key.split("/")
        table.setdefault(y, {})[lvl] = n
    lines.append("  year " + "".join(f"{lvl:>10}" for lvl in schema.LEVELS))
    for y in sorted(table):
        lines.append(f"  {y} " + "".join(f"{table[y].get(lvl, 0):>10,}" for lvl in schema.LEVELS))
    miss = manifest.get("missing_variables_wijk")
    if miss:
        lines.append("variables missing per year (wijk level, present in another year):")
        for y, names in sorted(miss.items()):
            if names:
                shown = ", ".join(names[:6]) + (f" … (+{len(names) - 6})" if len(names) > 6 else "")
                lines.append(f"  {y}: {len(names)}: {shown}")
    return "\n".join(lines)
