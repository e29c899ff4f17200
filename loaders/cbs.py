"""Online loader: CBS OData (KWB tables, police table 47018NED) -> the tidy long table.

Downloads go through ``cbsodata`` 1.3.5, which builds bulk-feed URLs
(``http[s]://<catalog>/ODataFeed/odata/<TABLE>/<MetadataTable>?$format=json``) and follows
``odata.nextLink`` until the last page, so the ODataApi's 10,000-cell limit never truncates a
table. Three cbsodata quirks are worked around here:

* ``download_data(typed=...)`` is inverted and ``dir=`` writes partial files, so it is not used;
  each metadata table is fetched into memory with ``cbsodata``'s per-table
  ``_download_metadata`` and retried on its own (cbsodata itself never retries);
* http vs https is a process-global option (``cbsodata.options.use_https``); it is set from
  ``settings.use_https`` under a lock for the duration of one table download;
* HTTP errors are re-raised by cbsodata as a new ``requests.HTTPError`` whose status is on
  ``__cause__.response``.

Downloads are cached per request (see :mod:`loaders._cache`); a failed download is never cached.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import pandas as pd
import requests
from cbsodata import cbsodata3 as _cbs3

import settings as _settings
from errors import DownloadError, InputError
from loaders import _cache, _odata, schema, tables

Progress = Callable[[str], None]
Dump = dict[str, list[dict]]

#: Metadata tables every CBS data table must list in its service document.
REQUIRED = ("TableInfos", "DataProperties", "TypedDataSet")

_OPTIONS_LOCK = threading.RLock()
_TABLE_ID = re.compile(r"^[0-9A-Za-z]{4,16}$")


class UnknownTableError(DownloadError, InputError):
    """The catalog answers 404 for the table's service document: no such table there."""


def _quiet(message: str) -> None:
    """Progress sink that drops messages."""


def _catalog_host(catalog: str, s: _settings.Settings) -> str:
    """'cbs' / 'police' (the names in loaders/tables.py) or a bare host[:port] -> host[:port]."""
    name = str(catalog).strip()
    if name == "cbs":
        return s.cbs_catalog
    if name == "police":
        return s.police_catalog
    if not name or "://" in name or "/" in name:
        raise InputError(
            f"catalog {catalog!r} is not 'cbs', 'police' or a host such as 'opendata.cbs.nl' or "
            "'127.0.0.1:8000'; give the host without scheme or path (http/https comes from "
            "settings.use_https)"
        )
    return name


@contextmanager
def _scheme(use_https: bool) -> Iterator[None]:
    """Set cbsodata's global http/https option for the block (serialised across threads)."""
    with _OPTIONS_LOCK:
        old = _cbs3.options.use_https
        _cbs3.options.use_https = bool(use_https)
        try:
            yield
        finally:
            _cbs3.options.use_https = old


def _describe(exc: BaseException) -> str:
    status = _cache.http_status(exc)
    text = str(exc).strip() or type(exc).__name__
    if len(text) > 300:
        text = text[:300] + "…"
    prefix = f"HTTP {status}: " if status is not None else f"{type(exc).__name__}: "
    return prefix + text


def _fetch(
    table_id: str,
    name: str,
    *,
    host: str,
    s: _settings.Settings,
    filters: str | None,
    say: Progress,
) -> list[dict]:
    """One metadata table (``name=''``: the service document), all pages, with retries."""
    url = _cbs3._get_table_url(table_id, catalog_url=host) + name
    what = name or "service document"

    def call() -> list[dict]:
        return _cbs3._download_metadata(
            table_id, name, filters=filters, catalog_url=host, timeout=s.http_timeout
        )

    def on_retry(attempt: int, exc: BaseException, delay: float) -> None:
        say(
            f"{table_id}/{what}: attempt {attempt}/{s.http_retries} failed ({_describe(exc)}); "
            f"retrying in {delay:.2f} s"
        )

    try:
        recs = _cache.retry(
            call, attempts=s.http_retries, backoff=s.http_backoff, on_retry=on_retry
        )
    except (requests.RequestException, ValueError, KeyError, OSError) as exc:
        status = _cache.http_status(exc)
        if name == "" and status == 404:
            raise UnknownTableError(
                f"CBS table {table_id!r} is unknown at catalog {host} (HTTP 404 on {url}); check "
                "the table id (loaders/tables.py) and the catalog: police tables such as 47018NED "
                "live on dataderden.cbs.nl, KWB tables on opendata.cbs.nl"
            ) from exc
        tries = s.http_retries if _cache.is_transient(exc) else 1
        raise DownloadError(
            f"CBS table {table_id}: downloading {what} from {url} failed after {tries} "
            f"attempt(s); last error: {_describe(exc)}. Nothing was cached. Check the network "
            f"and that {host} is reachable, then run again (more attempts: WIJKPEIL_HTTP_RETRIES, "
            "longer waits: WIJKPEIL_HTTP_BACKOFF)"
        ) from exc
    if not isinstance(recs, list) or not all(isinstance(r, dict) for r in recs):
        raise DownloadError(
            f"CBS table {table_id}: {url} did not return a list of records; the catalog {host} "
            "does not speak CBS OData v3 — check settings.cbs_catalog/police_catalog"
        )
    return recs


def _download(
    table_id: str, host: str, s: _settings.Settings, filters: str | None, say: Progress
) -> tuple[Dump, str]:
    """Every metadata table of ``table_id`` into memory; returns (dump, table URL)."""
    with _scheme(s.use_https):
        base = _cbs3._get_table_url(table_id, catalog_url=host)
        say(f"{table_id}: reading service document {base}")
        service = _fetch(table_id, "", host=host, s=s, filters=None, say=say)
        names = [str(r.get("name", "")) for r in service if r.get("name")]
        lacking = [n for n in REQUIRED if n not in names]
        if lacking:
            raise DownloadError(
                f"CBS table {table_id}: the service document {base} lists {names} but not "
                f"{lacking}; it is not a CBS data table — check the table id"
            )
        dump: Dump = {}
        for name in names:
            if name == "UntypedDataSet":
                continue
            recs = _fetch(
                table_id,
                name,
                host=host,
                s=s,
                filters=filters if name == "TypedDataSet" else None,
                say=say,
            )
            dump[name] = recs
            say(f"{table_id}: {name} {len(recs):,} records")
    if not dump["TypedDataSet"]:
        raise DownloadError(
            f"CBS table {table_id}: TypedDataSet from {base} is empty"
            + (f" for filter {filters!r}" if filters else "")
            + "; nothing was cached — check the filter/period in loaders/tables.py"
        )
    return dump, base


def download_table(
    table_id: str,
    *,
    catalog: str,
    settings: _settings.Settings | None = None,
    filters: str | None = None,
    progress: Progress | None = None,
) -> Dump:
    """Download (or read from cache) one CBS OData table as ``{metadata table: records}``.

    ``catalog`` is ``'cbs'``, ``'police'`` (resolved through settings) or a host[:port].
    ``filters`` is an OData ``$filter`` applied to the TypedDataSet only, e.g.
    ``"Perioden eq '2012JJ00'"``. The dump holds TableInfos, DataProperties, TypedDataSet and every
    dimension table the service document lists (UntypedDataSet is skipped).

    Raises UnknownTableError (a DownloadError and InputError) for a table the catalog does not
    know, DownloadError when retries are exhausted; in both cases nothing is cached.
    """
    s = settings or _settings.get()
    say = progress or _quiet
    tid = str(table_id).strip()
    if not _TABLE_ID.match(tid):
        raise InputError(f"CBS table id {table_id!r} is not an id like '85984NED'")
    host = _catalog_host(catalog, s)
    folder = s.cache_dir / "cbs" / _cache.cache_key(host, tid, filters)
    corrupt: _cache.CorruptCache | None = None
    try:
        cached = _cache.read_table(folder)
    except _cache.CorruptCache as exc:
        corrupt, cached = exc, None
        warnings.warn(f"CBS table {tid}: {exc}; downloading it again", stacklevel=2)
    if cached is not None:
        say(f"{tid}: from cache {folder}")
        return cached
    try:
        dump, url = _download(tid, host, s, filters, say)
    except DownloadError as exc:
        if corrupt is not None:
            raise DownloadError(
                f"CBS table {tid}: {corrupt}, and downloading it again failed ({exc}). Delete "
                f"{folder} and run again when {host} is reachable"
            ) from exc
        raise
    _cache.write_table(
        folder,
        dump,
        {"table_id": tid, "catalog": host, "filters": filters, "url": url},
    )
    say(f"{tid}: cached in {folder}")
    return dump


def _levels(levels: Iterable[str]) -> tuple[str, ...]:
    lv = tuple(str(x).strip().upper() for x in levels)
    bad = [x for x in lv if x not in schema.LEVELS]
    if bad or not lv:
        raise InputError(f"levels {list(levels)!r}: choose from {list(schema.LEVELS)}")
    return lv


def _concat(frames: list[pd.DataFrame], where: str) -> pd.DataFrame:
    if not frames:
        return schema.validate(pd.DataFrame({c: [] for c in schema.COLUMNS}), where=where)
    return schema.validate(pd.concat(frames, ignore_index=True), where=where)


def period_filter(periods: Iterable[str]) -> str:
    """OData ``$filter`` selecting Perioden keys: ``"Perioden eq '2012JJ00' or ..."``."""
    keys = [str(p).strip() for p in periods]
    if not keys or any(not re.fullmatch(r"[0-9A-Z]{8}", k) for k in keys):
        raise InputError(f"periods {keys!r} are not CBS period keys like '2012JJ00'")
    return " or ".join(f"Perioden eq '{k}'" for k in keys)


def load_kwb(
    years: Iterable[int],
    *,
    levels: Iterable[str] = schema.LEVELS,
    settings: _settings.Settings | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """KWB tables of ``years`` (tables.kwb) -> tidy rows of ``levels``.

    2012 is period 2012JJ00 of the multi-year table 70904NED, fetched with a Perioden filter.
    Variables CBS did not publish in a year are simply absent (see :func:`missing_variables`).
    """
    s = settings or _settings.get()
    say = progress or _quiet
    lv = _levels(levels)
    frames = []
    for year in sorted({int(y) for y in years}):
        t = tables.kwb(year)
        filters = period_filter([t.period]) if t.period else None
        say(f"KWB {year}: table {t.table_id}" + (f" period {t.period}" if t.period else ""))
        dump = download_table(
            t.table_id, catalog=t.catalog, settings=s, filters=filters, progress=say
        )
        frames.append(_odata.kwb_to_tidy(dump, t.table_id, year, levels=lv, period=t.period))
    return _concat(frames, "online KWB")


def load_crime(
    years: Iterable[int],
    *,
    levels: Iterable[str] = schema.LEVELS,
    settings: _settings.Settings | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Police table 47018NED for ``years`` -> tidy ``GeregistreerdeMisdrijven[<soort>]`` rows.

    One download (and cache entry) per year, filtered on ``Perioden``; years the table does not
    cover (tables.CRIME_YEARS) are skipped with a progress message.
    """
    s = settings or _settings.get()
    say = progress or _quiet
    lv = _levels(levels)
    t = tables.CRIME_TABLE
    wanted = sorted({int(y) for y in years})
    skipped = [y for y in wanted if y not in tables.CRIME_YEARS]
    if skipped:
        say(
            f"{t.table_id}: no crime figures for {skipped} (table covers "
            f"{tables.CRIME_YEARS.start}-{tables.CRIME_YEARS.stop - 1}); skipped"
        )
    frames = []
    for year in (y for y in wanted if y in tables.CRIME_YEARS):
        period = f"{year}JJ00"
        say(f"crime {year}: table {t.table_id} period {period}")
        dump = download_table(
            t.table_id, catalog=t.catalog, settings=s, filters=period_filter([period]), progress=say
        )
        df = _odata.crime_to_tidy(dump, t.table_id, levels=lv)
        other = sorted(set(df["year"].unique()) - {year})
        if other:
            raise DownloadError(
                f"{t.table_id}: asked for period {period} but the catalog returned years {other}; "
                "the server ignored the $filter — delete the cache folder and check the catalog"
            )
        frames.append(df)
    return _concat(frames, "online crime")


def load_online(
    years: Iterable[int],
    settings: _settings.Settings | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """KWB (all levels) and police crime for ``years``, concatenated into one tidy frame."""
    years = list(years)
    kwb = load_kwb(years, settings=settings, progress=progress)
    crime = load_crime(years, settings=settings, progress=progress)
    return _concat([kwb, crime], "online CBS")


def missing_variables(tidy: pd.DataFrame) -> dict[int, list[str]]:
    """Per year, the variable stems published in another year of the same family but not this one.

    Families are KWB variables and crime (``GeregistreerdeMisdrijven[...]``) variables, so a year
    without any crime table (2024) is not reported as missing every crime type. Every year in
    ``tidy`` is a key; the list is empty when nothing is missing.
    """
    out: dict[int, list[str]] = {int(y): [] for y in pd.unique(tidy["year"])}
    if tidy.empty:
        return out
    var = tidy["variable"].astype(str)
    crime = var.str.startswith(schema.CRIME_VARIABLE + "[")
    for mask in (crime, ~crime):
        sub = tidy.loc[mask.to_numpy(), ["year", "variable"]]
        if sub.empty:
            continue
        per_year = sub.groupby("year")["variable"].agg(lambda v: set(map(str, v)))
        union = set().union(*per_year)
        for y, have in per_year.items():
            out[int(y)].extend(sorted(union - have))
    return {y: sorted(v) for y, v in sorted(out.items())}
