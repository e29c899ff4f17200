"""The online sources as build tasks: plan what to download, fetch one table-year, check revisions.

This is the API the build pipeline (``pipeline.py``) calls; see notes/online_contract.md::

    tasks, missing = plan(settings, stems=..., crime_keys=..., years=range(2012, 2025), progress=...)
    for task in tasks:
        parts = fetch(task, settings, stems=..., crime_keys=..., progress=...)   # list[store.Part]
    upstream_modified(task, settings)   # TableInfos.Modified now, for `python -m loaders update`

Sources:

* **KWB** 2012-2024 from CBS OData (opendata.cbs.nl), one table per year (loaders/tables.py; 2012 is
  period 2012JJ00 of 70904NED). Downloads and shapes: :mod:`loaders.cbs`, :mod:`loaders._odata`.
* **47018NED** (dataderden.cbs.nl) for every annual period its ``Perioden`` dimension lists (not a
  fixed range), the crime types the registry needs, all regions. Its indeling is read from its
  metadata (GeoDetail description "Wijken en buurten (indeling 2024)").
* **Leefbaarometer 3.0** wijk scores (BZK, CC0) from the open-data zip the Leefbaarometer site
  publishes: ``https://www.leefbaarometer.nl/resources/open-data-leefbaarometer-meting-2024.zip``
  (``settings.lbm_url``). Address as used by public code that downloads it (e.g. projects reading
  "Leefbaarometer 3.0 - Meting 2024 - open data/Leefbaarometer-scores buurten 2002-2024.csv"
  from that zip); the site's own docs point to this "open data" download besides the WFS
  ``https://geo.leefbaarometer.nl/lbm3/ows``. Not verified from here (no internet): the exact name
  of the *wijk* CSV inside the zip. The loader therefore takes the CSV member whose header has
  ``wk_code``, ``jaar`` and ``lbm`` (the columns of the published wijk file, as in
  ../shared/data/lbm/wijk_scores_2002_2024.csv), whatever its name. One Part per year, indeling 2024.

Every failure of one task is a DownloadError/InputError naming the table, the year and what was
unexpected; the pipeline records it as Missing and goes on. Nothing half-downloaded is used: pages
are cached as they arrive and reused by the next run (see loaders/_cache.py).

Progress: ``progress`` is a callable taking one line of text, or a :class:`Reporter` (e.g.
:class:`TqdmReporter`, bars with pages, bytes and ETA per table and an overall bar over tasks).
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import settings as _settings
from errors import DownloadError, InputError, WijkpeilError
from loaders import _cache, _http, cbs, schema, store, tables
from loaders.shared import LBM_INDELING, LBM_TABLE  # noqa: E402 - one definition


@dataclass(frozen=True)
class Task:
    """One unit of download work; ``key`` is the store part key (store.part_key)."""

    key: str
    dataset: str  # 'kwb' | 'crime' | 'lbm'
    year: int | None
    table_id: str
    describe: str


# ---------------------------------------------------------------------------- progress
class Reporter:
    """Progress sink: messages plus per-task page/byte counts. The base class only forwards text."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self._say = say

    def message(self, text: str) -> None:
        if self._say:
            self._say(text)

    @contextlib.contextmanager
    def task(
        self, task: Task, expected_records: int | None = None
    ) -> Iterator[Callable[[int, int], None]]:
        """Context for one task; yields ``on_page(records, nbytes)``."""
        yield lambda records, nbytes: None

    def done(self, task: Task, ok: bool) -> None:
        """Called after each task."""


class TqdmReporter(Reporter):
    """tqdm bars on stderr: one per table (records, bytes, ETA when the size is known) and an
    overall bar over ``total_tasks``. ``enabled`` False (or settings.progress_bars 'off', or
    'auto' without a terminal) prints one line per message instead."""

    def __init__(self, total_tasks: int | None = None, *, enabled: bool | None = None,
                 say: Callable[[str], None] | None = None) -> None:  # fmt: skip
        super().__init__(say)
        mode = _settings.get().progress_bars
        self.enabled = enabled if enabled is not None else (
            mode == "on" or (mode == "auto" and sys.stderr.isatty())
        )  # fmt: skip
        self.overall = None
        if self.enabled and total_tasks:
            from tqdm import tqdm

            self.overall = tqdm(total=total_tasks, desc="online sources", unit="task", position=0)

    def message(self, text: str) -> None:
        if self._say:
            self._say(text)
        elif self.enabled:
            from tqdm import tqdm

            tqdm.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def task(
        self, task: Task, expected_records: int | None = None
    ) -> Iterator[Callable[[int, int], None]]:
        if not self.enabled:
            yield lambda records, nbytes: None
            return
        from tqdm import tqdm

        bar = tqdm(total=expected_records, desc=task.describe, unit="rec", unit_scale=True,
                   position=1, leave=False)  # fmt: skip
        state = {"bytes": 0, "pages": 0}

        def on_page(records: int, nbytes: int) -> None:
            state["bytes"] += nbytes
            state["pages"] += 1
            bar.set_postfix(pages=state["pages"], MB=f"{state['bytes'] / 1e6:.1f}", refresh=False)
            bar.update(records)

        try:
            yield on_page
        finally:
            bar.close()

    def done(self, task: Task, ok: bool) -> None:
        if self.overall is not None:
            self.overall.update(1)

    def close(self) -> None:
        if self.overall is not None:
            self.overall.close()


def as_reporter(progress: object) -> Reporter:
    """A Reporter from None, a callable(str) or a Reporter."""
    if isinstance(progress, Reporter):
        return progress
    if callable(progress):
        return Reporter(progress)  # type: ignore[arg-type]
    return Reporter(None)


# ---------------------------------------------------------------------------- plan
def _kwb_task(year: int) -> Task:
    t = tables.kwb(year)
    return Task(store.part_key("kwb", year), "kwb", year, t.table_id, f"KWB {year} ({t.table_id})")


def _crime_task(year: int) -> Task:
    tid = tables.CRIME_TABLE.table_id
    return Task(store.part_key("crime", year), "crime", year, tid, f"crime {year} ({tid})")


LBM_TASK = Task("lbm-all", "lbm", None, LBM_TABLE, "Leefbaarometer 3.0 wijk scores")


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, WijkpeilError) else f"{type(exc).__name__}: {exc}"


def plan(
    settings: _settings.Settings | None = None,
    *,
    stems: set[str],
    crime_keys: set[str],
    years: range,
    progress: object = None,
) -> tuple[list[Task], list[store.Missing]]:
    """The download tasks for ``years`` and what is already known to be missing.

    Cheap requests only: one service document per KWB table, 47018NED's DataProperties, Perioden
    and TableInfos, and one HEAD for the Leefbaarometer zip. A catalog that cannot be reached
    gives Missing entries (with the reason and the next step), never an exception.
    """
    s = settings or _settings.get()
    rep = as_reporter(progress)
    tasks: list[Task] = []
    missing: list[store.Missing] = []
    ys = [int(y) for y in years]
    with _http.Client(s, say=rep.message) as http:
        if stems:
            cat = cbs.Catalog("cbs", s, http, rep.message)
            for y in ys:
                if y not in tables.KWB_TABLES:
                    continue
                task = _kwb_task(y)
                try:
                    cat.service(task.table_id)
                except (WijkpeilError, OSError) as exc:
                    missing.append(store.Missing(task.describe, _why(exc), task.key,
                                                 "run `python -m loaders update` when the catalog answers"))  # fmt: skip
                    continue
                tasks.append(task)
        if crime_keys:
            try:
                periods, _mod = cbs.crime_periods(s, http)
            except (WijkpeilError, OSError) as exc:
                for y in ys:
                    if y in tables.CRIME_YEARS:
                        t = _crime_task(y)
                        missing.append(store.Missing(t.describe, _why(exc), t.key,
                                                     "run `python -m loaders update` when dataderden.cbs.nl answers"))  # fmt: skip
            else:
                found = sorted(y for y in periods if y in ys)
                rep.message(
                    f"{tables.CRIME_TABLE.table_id}: periods {min(periods)}-{max(periods)} published; "
                    f"loading {found}"
                )
                tasks += [_crime_task(y) for y in found]
        ok, reason = http.head_ok(s.lbm_url)
        if ok:
            tasks.append(LBM_TASK)
        else:
            missing.append(store.Missing(LBM_TASK.describe, f"{s.lbm_url} is not reachable ({reason})",
                                         LBM_TASK.key, "run `python -m loaders update` later"))  # fmt: skip
    return tasks, missing


# ---------------------------------------------------------------------------- fetch
def fetch(
    task: Task,
    settings: _settings.Settings | None = None,
    *,
    stems: set[str],
    crime_keys: set[str],
    progress: object = None,
) -> list[store.Part]:
    """Download (resumable, cached page by page) and normalise one task -> its Part(s).

    Raises DownloadError / InputError naming the table, the year and what went wrong.
    """
    s = settings or _settings.get()
    rep = as_reporter(progress)
    ok = False
    try:
        with _http.Client(s, say=rep.message) as http:
            if task.dataset == "kwb":
                assert task.year is not None
                with rep.task(task) as on_page:
                    got = cbs.load_kwb_year(task.year, stems=stems, settings=s, client=http,
                                            progress=rep.message, on_page=on_page)  # fmt: skip
                parts = [_part("kwb", got)]
            elif task.dataset == "crime":
                assert task.year is not None
                with rep.task(task) as on_page:
                    got = cbs.load_crime_year(task.year, crime_keys=crime_keys, settings=s,
                                              client=http, progress=rep.message, on_page=on_page)  # fmt: skip
                parts = [_part("crime", got)]
            elif task.dataset == "lbm":
                with rep.task(task) as on_page:
                    parts = _fetch_lbm(s, http, rep, on_page)
            else:
                raise InputError(f"unknown task dataset {task.dataset!r} ({task.key})")
        ok = True
        return parts
    finally:
        rep.done(task, ok)


def _part(dataset: str, got: cbs.Loaded) -> store.Part:
    return store.Part(
        dataset=dataset,
        year=got.year,
        indeling=got.indeling,
        table_id=got.table_id,
        origin="online",
        frame=got.frame,
        modified=got.modified,
        url=got.url,
        note=got.note,
    )


def upstream_modified(task: Task, settings: _settings.Settings | None = None) -> str | None:
    """``TableInfos.Modified`` as published now (CBS tables), or the zip's ``Last-Modified``."""
    s = settings or _settings.get()
    if task.dataset == "kwb":
        t = tables.kwb(int(task.year))  # type: ignore[arg-type]
        return cbs.table_modified(t.table_id, t.catalog, s)
    if task.dataset == "crime":
        return cbs.table_modified(tables.CRIME_TABLE.table_id, tables.CRIME_TABLE.catalog, s)
    if task.dataset == "lbm":
        with _http.Client(s) as http:
            try:
                r = http.session.head(s.lbm_url, timeout=s.http_timeout, allow_redirects=True)
            except OSError as exc:
                raise DownloadError(f"Leefbaarometer: {s.lbm_url} not reachable ({exc})") from exc
            return r.headers.get("Last-Modified") or r.headers.get("ETag")
    raise InputError(f"unknown task dataset {task.dataset!r}")


def forget(task: Task, settings: _settings.Settings | None = None) -> int:
    """Drop the cached raw pages of ``task``'s table (the publisher revised it: the next fetch
    downloads it again). Returns the number of cache folders removed."""
    import shutil

    s = settings or _settings.get()
    if task.dataset == "lbm":
        p = lbm_zip_path(s)
        existed = p.exists()
        p.unlink(missing_ok=True)
        return int(existed)
    table_id = tables.kwb(int(task.year)).table_id if task.dataset == "kwb" else task.table_id  # type: ignore[arg-type]
    n = 0
    for d in (s.cache_dir / "cbs").glob(f"{table_id}-*"):
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n


# ---------------------------------------------------------------------------- Leefbaarometer
def lbm_zip_path(s: _settings.Settings) -> Path:
    key = _cache.request_key(s.lbm_url)
    return s.cache_dir / "lbm" / f"lbm-{key}" / "open-data.zip"


def _wijk_member(zf: zipfile.ZipFile, where: str) -> str:
    """The CSV member with the wijk scores: header has wk_code, jaar and lbm."""
    seen = []
    for info in zf.infolist():
        if not info.filename.lower().endswith(".csv"):
            continue
        with zf.open(info) as fh:
            head = fh.readline().decode("utf-8-sig", "replace")
        cols = {c.strip().strip('"').lower() for c in next(csv.reader(io.StringIO(head)), [])}
        seen.append(info.filename)
        if {"wk_code", "jaar", "lbm"} <= cols:
            return info.filename
    raise InputError(
        f"Leefbaarometer {where}: the zip holds no CSV with wijk scores (header with wk_code, jaar, "
        f"lbm); its CSV files are {seen[:6]} — the published format changed",
        key="err_lbm_format",
    )


def lbm_frame(zip_path: Path, where: str) -> pd.DataFrame:
    """Tidy wijk scores (all years) from the open-data zip."""
    from loaders import shared  # the one reader of the published wijk CSV

    try:
        with zipfile.ZipFile(zip_path) as zf:
            member = _wijk_member(zf, where)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(zf.extract(member, tmp))
                return shared.load_leefbaarometer(path)
    except zipfile.BadZipFile as exc:
        zip_path.unlink(missing_ok=True)
        raise DownloadError(
            f"Leefbaarometer {where}: the download is not a zip file ({exc}); it was removed, run "
            "again (if it persists the address in WIJKPEIL_LBM_URL is not the open-data zip)",
            key="err_lbm_format",
        ) from exc


def _fetch_lbm(s: _settings.Settings, http: _http.Client, rep: Reporter,
               on_page: Callable[[int, int], None]) -> list[store.Part]:  # fmt: skip
    dest = lbm_zip_path(s)
    if not dest.exists():
        last = [0]

        def on_bytes(done: int, total: int | None) -> None:
            on_page(0, done - last[0])
            last[0] = done

        http.download(s.lbm_url, dest, what="Leefbaarometer open data", on_bytes=on_bytes)
    try:  # the zip's Last-Modified, so `python -m loaders update` knows when it was revised
        modified = upstream_modified(LBM_TASK, s)
    except WijkpeilError:
        modified = None
    frame = lbm_frame(dest, s.lbm_url)
    parts = []
    for year, sub in frame.groupby("year", sort=True):
        parts.append(
            store.Part(
                dataset="lbm",
                year=int(year),
                indeling=LBM_INDELING,
                table_id=LBM_TABLE,
                origin="online",
                frame=sub.reset_index(drop=True),
                modified=modified,
                url=s.lbm_url,
            )  # fmt: skip
        )
    if not parts:
        raise InputError(
            f"Leefbaarometer {s.lbm_url}: the wijk CSV has no rows", key="err_lbm_format"
        )
    return parts


__all__ = ["Task", "plan", "fetch", "upstream_modified", "Reporter", "TqdmReporter", "schema"]
