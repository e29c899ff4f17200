"""Build once, serve read-only: everything the dashboard needs, made before the first request.

``build(source)`` loads every table-year of a source into a new store version (one part at a time,
so memory is bounded by one table-year), builds the serving artefacts into that version — the
indicator dataset (:mod:`indicators.dataset`), the web geometry and its gzip copy (:mod:`geo.web`) —
checks that they load, writes the checksummed manifest (coverage, what is missing, unmatched
regions) and switches the store to it atomically (:mod:`loaders.store`). A failed source is recorded
and the rest still loads; a build that loads nothing keeps the previous store.

Sources:

``shared``     the real files in ``../shared/data`` (no network)
``online``     CBS OData, the police catalogue, PDOK and the Leefbaarometer (:mod:`loaders.online`)
``synthetic``  the synthetic CBS-format set, into the separate demo store (never the real one)
``auto``       ``shared`` when the shared folder is there, else ``online``

``update()`` (``python -m loaders update``) fetches online only what the current store lacks or what
the publisher revised since (``TableInfos.Modified``), carries every other part over unchanged and
rebuilds the artefacts.

This is the top of the dependency graph (loaders → geo → indicators → here); ``python -m loaders``
and ``startup.py`` call it.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Iterable

import settings as _settings
from errors import DownloadError, InputError, WijkpeilError
from loaders import store

SOURCES = ("auto", "shared", "online", "synthetic")
Progress = Callable[[str], None]


def say(message: str) -> None:
    """Default progress line on stderr with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def resolve_source(source: str, s: _settings.Settings) -> str:
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if source != "auto":
        return source
    return (
        "shared"
        if (s.shared_dir / "lbm" / "wijk_scores_2002_2024.csv").exists()
        or (s.shared_dir / "cbs").is_dir()
        else "online"
    )


def _bar(total: int, desc: str):  # noqa: ANN202 - tqdm bar (stderr, disabled when not a tty)
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="table", file=sys.stderr, dynamic_ncols=True,
                disable=None)  # fmt: skip


def boundaries_for(source: str, s: _settings.Settings, progress: Progress = say) -> Callable:
    """Boundary callable for the artefact builders: shared files only, or files then PDOK."""
    from geo import boundaries

    cache: dict[tuple[str, int], object] = {}

    def load(level: str, year: int, how: str):  # noqa: ANN202 - repairs become progress lines
        if (level, year) not in cache:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cache[(level, year)] = boundaries.load_boundaries(
                    level, year, source=how, settings=s
                )
            for w in caught:
                progress(f"boundaries {level} {year}: {str(w.message).split(': ', 1)[-1]}")
        return cache[(level, year)]

    def files_only(level: str, year: int):  # noqa: ANN202
        if boundaries.boundary_file(level, year, s.shared_dir) is None:
            return None
        return load(level, year, "files")

    def files_or_pdok(level: str, year: int):  # noqa: ANN202
        try:
            return load(level, year, "auto")
        except WijkpeilError as exc:
            progress(f"boundaries {level} {year}: not available ({exc})")
            return None

    return files_only if source in ("shared", "synthetic") else files_or_pdok


def _load_shared(b: store.Builder, s: _settings.Settings, years: range, progress: Progress) -> None:
    from loaders import shared

    progress(f"reading the real data in {s.shared_dir}")
    parts, missing = shared.parts(s.shared_dir, years)
    with _bar(len(parts), "shared data") as bar:
        for p in parts:
            b.add(p)
            bar.update(1)
    for m in missing:
        b.note_missing(m)


def _load_synthetic(b: store.Builder, years: range, seed: int, progress: Progress) -> None:
    from loaders import synthetic

    progress(f"generating the synthetic demo set {years.start}-{years.stop - 1} (seed {seed})")
    for p in synthetic.parts(years=years, seed=seed):
        b.add(p)


def online_needs() -> tuple[set[str], set[str]]:
    """(variable stems, 47018NED crime keys) the indicator registry reads."""
    from indicators import dataset, registry

    stems, _ = dataset.needed_stems()
    crime = {k for keys in registry.CRIME_GROUPS.values() for k in keys}
    return {x for x in stems if not x.startswith("GeregistreerdeMisdrijven[")}, crime


def _load_online(
    b: store.Builder,
    s: _settings.Settings,
    years: range,
    progress: Progress,
    *,
    only: Callable[[object], bool] | None = None,
) -> None:
    from loaders import online

    stems, crime = online_needs()
    tasks, missing = online.plan(s, stems=stems, crime_keys=crime, years=years, progress=progress)
    for m in missing:
        b.note_missing(m)
    tasks = [t for t in tasks if only is None or only(t)]
    bars = online.TqdmReporter(total_tasks=len(tasks), say=None)
    rep = bars if bars.enabled else online.as_reporter(progress)
    try:
        for t in tasks:
            ok = True
            try:
                for p in online.fetch(t, s, stems=stems, crime_keys=crime, progress=rep):
                    b.add(p)
            except (DownloadError, InputError) as exc:
                ok = False
                rep.message(f"{t.describe}: not loaded — {exc}")
                b.note_missing(store.Missing(t.describe, str(exc), key=t.key,
                                             next_step="python -m loaders update"))  # fmt: skip
            rep.done(t, ok)
    finally:
        bars.close()


def build_artefacts(
    b: store.Builder, source: str, s: _settings.Settings, progress: Progress
) -> dict:
    """Indicator dataset and web geometry into the version being built; returns the report."""
    from geo import web
    from indicators import dataset

    bnd = boundaries_for(source, s, progress)
    report = dataset.build(b.version(), boundaries=bnd, progress=progress, settings=s)
    geo_dir = b.artefacts / "geo"
    report["geometry"] = {}
    for level in ("WK", "GM"):
        g = bnd(level, s.target_geo_year)
        if g is None:
            b.note_missing(store.Missing(
                f"{level} boundaries {s.target_geo_year}",
                "no boundary file and no download; the map shows no shapes",
                next_step="python -m loaders update (with internet access)"))  # fmt: skip
            continue
        progress(f"web geometry {level} {s.target_geo_year}")
        path = web.write(geo_dir, level, s.target_geo_year, g)
        report["geometry"][level] = path.stat().st_size
    return report


def build(
    source: str = "auto",
    *,
    years: Iterable[int] | None = None,
    seed: int = 2012,
    settings: _settings.Settings | None = None,
    progress: Progress = say,
) -> store.Version:
    """Build a store of ``source`` with every serving artefact and switch to it (see module doc)."""
    s = settings or _settings.get()
    src = resolve_source(source, s)
    ys = range(min(years), max(years) + 1) if years is not None else range(2002, s.last_year + 1)
    kind = "synthetic" if src == "synthetic" else "real"
    t0 = time.perf_counter()
    with store.Builder(store.root_dir(kind, s), kind) as b:
        if src == "shared":
            _load_shared(b, s, ys, progress)
        elif src == "synthetic":
            _load_synthetic(b, range(max(ys.start, 2012), ys.stop), seed, progress)
        else:
            _load_online(b, s, ys, progress)
        if not b.parts:
            raise store.StoreError(
                "no data could be loaded, so the previous store (if any) was kept: "
                + "; ".join(f"{m['what']}: {m['why']}" for m in b.missing[:3])
            )
        progress(f"{sum(p['rows'] for p in b.parts.values()):,} rows in {len(b.parts)} parts")
        report = build_artefacts(b, src, s, progress)
        extra = {
            "source": src,
            "report": report,
            "load_seconds": round(time.perf_counter() - t0, 1),
        }
        version = b.commit(extra)
    from indicators import dataset

    dataset.check(version)
    progress(f"store {version.id} ready in {time.perf_counter() - t0:.0f} s")
    return version


def update(
    *,
    settings: _settings.Settings | None = None,
    progress: Progress = say,
) -> store.Version:
    """Fetch online what the real store lacks or what the publisher revised; carry the rest over."""
    from loaders import online

    s = settings or _settings.get()
    base = store.require(s.store_dir)
    have = {p["key"]: p for p in base.parts}
    ys = range(2002, s.last_year + 1)

    def stale(task: object) -> bool:
        key = task.key  # type: ignore[attr-defined]
        parts = [
            p for k, p in have.items() if k == key or (key == "lbm-all" and k.startswith("lbm-"))
        ]
        if not parts or any(p["origin"] != "online" for p in parts):
            return True  # missing, or only the partial copy from ../shared
        try:
            upstream = online.upstream_modified(task, s)
        except WijkpeilError:
            return False
        if upstream and upstream != parts[0].get("modified"):
            progress(f"{task.describe}: revised upstream ({upstream}); downloading it again")  # type: ignore[attr-defined]
            online.forget(task, s)  # type: ignore[arg-type]
            return True
        return False

    t0 = time.perf_counter()
    with store.Builder(s.store_dir, "real", base=base) as b:
        _load_online(b, s, ys, progress, only=stale)
        carried = b.carry()
        progress(f"{len(carried)} parts unchanged, {len(b.parts) - len(carried)} new or revised")
        report = build_artefacts(b, "online", s, progress)
        version = b.commit({"source": base.manifest.get("source", "shared") + "+online",
                            "report": report,
                            "load_seconds": round(time.perf_counter() - t0, 1)})  # fmt: skip
    from indicators import dataset

    dataset.check(version)
    return version


def summary(version: store.Version) -> str:
    """What a store holds, for people: parts, values, coverage, what is missing, unmatched regions."""
    m = version.manifest
    rep = m.get("report", {})
    lines = [
        f"store {version.id} ({version.kind}), built {m.get('built_at')} from {m.get('source')}",
        f"{m.get('rows', 0):,} published rows in {len(m.get('parts', []))} table-years; "
        f"{rep.get('indicator_values', 0):,} indicator values; {m.get('synthetic_rows', 0):,} synthetic",
        "table-years:",
    ]
    for p in m.get("parts", []):
        lines.append(f"  {p['key']:<12} {p['table_id']:<16} indeling {p['indeling']}  "
                     f"{p['rows']:>9,} rows  {p['origin']}  {p.get('note') or ''}".rstrip())  # fmt: skip
    um = rep.get("unmatched") or {}
    if um:
        lines.append("regions of other years without a comparable 2024 region (not shown):")
        for k, n in sorted(um.items()):
            lines.append(f"  {k}: {n}")
    miss = m.get("missing") or []
    if miss:
        lines.append("missing sources:")
        for x in miss:
            lines.append(
                f"  {x['what']}: {x['why']}"
                + (f" -> {x['next_step']}" if x.get("next_step") else "")
            )
    return "\n".join(lines)
