"""CBS OData v3 client: KWB tables (opendata.cbs.nl) and police table 47018NED (dataderden.cbs.nl).

Protocol (as cbsodata 1.3.5 and CBS's own documentation use it): the bulk feed
``http[s]://<catalog>/ODataFeed/odata/<TABLE>/`` answers a service document listing the entity
sets (``TableInfos``, ``DataProperties``, ``TypedDataSet``, one per dimension, ...); every entity
set is JSON (``$format=json``) in pages of ``value`` records with an ``odata.nextLink`` to the
next page until the last one. ``$select`` and ``$filter`` (``eq``, ``and``, ``or``) are honoured
by the feed; an unknown field is answered with HTTP 400 and an ``odata.error`` body.

Why not cbsodata any more: cbsodata fetches an entity set in one call that follows every
nextLink in memory and returns the whole list; a reset on page 40 of 44 loses pages 1-39 and a
kill loses everything. Wijkpeil needs page-level resume and bounded memory, so it follows the
nextLinks itself (:class:`Catalog.entity`), writing each page to the request-hash cache
(:mod:`loaders._cache`) as it arrives, with the retry policy of :mod:`loaders._http`.

Download only what is needed: ``$select`` of the region/period/crime-type dimensions and the
measures whose stems the registry asks for, ``$filter`` on the period (70904NED, 47018NED) and
the crime types. When a server rejects a filter (HTTP 400), the loader says so and falls back to
the same request without ``$filter`` (then without ``$select``), filtering each page itself.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

import settings as _settings
from errors import DownloadError, InputError
from loaders import _cache, _http, _odata, schema, tables

Progress = Callable[[str], None]
OnPage = Callable[[int, int], None]  # (records in the page, bytes of the page)

#: Entity sets every CBS data table lists in its service document.
REQUIRED = ("TableInfos", "DataProperties", "TypedDataSet")
_TABLE_ID = re.compile(r"^[0-9A-Za-z]{4,16}$")


class UnknownTableError(DownloadError, InputError):
    """The catalog answers 404 for the table's service document: no such table there."""


def _quiet(message: str) -> None:
    """Progress sink that drops messages."""


def catalog_host(catalog: str, s: _settings.Settings) -> str:
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


def parse_page(body: bytes) -> tuple[list, str | None]:
    """An OData v3 (or v4) JSON page -> (records, next link). ValueError when incomplete."""
    doc = json.loads(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise ValueError("not an OData page (no 'value' list)")
    nxt = doc.get("odata.nextLink") or doc.get("@odata.nextLink")
    return doc["value"], (str(nxt) if nxt else None)


def _with_format(url: str) -> dict | None:
    return None if "$format=" in url or "%24format=" in url else {"$format": "json"}


@dataclass
class Catalog:
    """One CBS catalog (host) with a shared HTTP client and the page cache."""

    catalog: str
    settings: _settings.Settings
    client: _http.Client
    say: Progress = _quiet

    def __post_init__(self) -> None:
        self.host = catalog_host(self.catalog, self.settings)
        scheme = "https" if self.settings.use_https else "http"
        self.base = f"{scheme}://{self.host}/ODataFeed/odata"

    def table_url(self, table_id: str) -> str:
        tid = str(table_id).strip()
        if not _TABLE_ID.match(tid):
            raise InputError(f"CBS table id {table_id!r} is not an id like '85984NED'")
        return f"{self.base}/{tid}"

    # ------------------------------------------------------------------ metadata
    def service(self, table_id: str) -> list[str]:
        """Entity-set names of a table (one uncached request). 404 -> UnknownTableError."""
        url = self.table_url(table_id) + "/"
        try:
            doc, _ = self.client.get_json(url, {"$format": "json"}, what=f"CBS {table_id}")
        except _http.HttpError as exc:
            if exc.status == 404:
                raise UnknownTableError(
                    f"CBS table {table_id} is unknown at catalog {self.host} (HTTP 404 on {url}); "
                    "check the table id (loaders/tables.py) and the catalog: police tables such as "
                    "47018NED live on dataderden.cbs.nl, KWB tables on opendata.cbs.nl",
                    key="err_unknown_table",
                    table=table_id,
                ) from exc
            raise
        try:
            names = [str(r["name"]) for r in doc["value"]]  # type: ignore[index]
        except (KeyError, TypeError) as exc:
            raise DownloadError(
                f"CBS table {table_id}: {url} is not an OData service document; the catalog "
                f"{self.host} does not speak CBS OData v3 — check settings.cbs_catalog/"
                "police_catalog"
            ) from exc
        lacking = [n for n in REQUIRED if n not in names]
        if lacking:
            raise DownloadError(
                f"CBS table {table_id}: the service document lists {names} but not {lacking}; "
                "it is not a CBS data table — check the table id"
            )
        return names

    def fresh(self, table_id: str, name: str, params: dict | None = None) -> list[dict]:
        """All records of a small entity set, uncached (TableInfos.Modified, Perioden)."""
        url: str | None = f"{self.table_url(table_id)}/{name}"
        q: dict | None = {"$format": "json", **(params or {})}
        out: list[dict] = []
        for _ in range(1000):
            if url is None:
                return out
            _doc, body = self.client.get_json(url, q, what=f"CBS {table_id}/{name}")
            recs, url = parse_page(body)
            out += recs
            q = _with_format(url) if url else None
        raise DownloadError(f"CBS {table_id}/{name}: more than 1000 pages; paging is broken")

    # ------------------------------------------------------------------ paged, cached
    def entity(
        self,
        table_id: str,
        name: str,
        *,
        select: list[str] | None = None,
        filter: str | None = None,  # noqa: A002 (OData name)
        on_page: OnPage | None = None,
    ) -> _cache.PagedDownload:
        """Download (or resume, or read from cache) one entity set; returns the complete cache.

        Each page is written as it arrives; a kill leaves the finished pages, and the next call
        continues after the last one (its stored ``odata.nextLink``).
        """
        url0 = f"{self.table_url(table_id)}/{name}"
        params: dict = {"$format": "json"}
        if select:
            params["$select"] = ",".join(select)
        if filter:
            params["$filter"] = filter
        key = _cache.request_key(self.host, table_id, name, params.get("$select"), filter)
        dl = _cache.PagedDownload(
            self.settings.cache_dir / "cbs", f"{table_id}-{name}", key, parse_page
        )
        if dl.complete:
            try:
                dl.marker()
                return dl
            except _cache.CorruptCache as exc:
                self.say(f"{table_id}/{name}: {exc}; downloading again")
                dl.remove()
        dl.start({"url": url0, "params": params, "catalog": self.host})
        n, nxt, records = dl.resume_point()
        if n:
            self.say(f"{table_id}/{name}: resuming after {n} cached page(s) ({records:,} records)")
        url: str | None
        q: dict | None
        if n == 0:
            url, q = url0, params
        else:
            url, q = nxt, (_with_format(nxt) if nxt else None)
        while url is not None:
            _doc, body = self.client.get_json(url, q, what=f"CBS {table_id}/{name} page {n + 1}")
            recs, nxt = parse_page(body)
            if recs and not isinstance(recs[0], dict):
                raise DownloadError(f"CBS {table_id}/{name}: page {n + 1} holds no records")
            dl.write_page(n, body)
            n += 1
            records += len(recs)
            if on_page:
                on_page(len(recs), len(body))
            url, q = nxt, (_with_format(nxt) if nxt else None)
        dl.finish({"pages": n, "records": records, "url": url0, "params": params})
        return dl

    def small(self, table_id: str, name: str) -> list[dict]:
        """A metadata/dimension entity set, cached, as one list (small: at most ~20,000 rows)."""
        return list(self.entity(table_id, name).records())

    def typed(
        self,
        table_id: str,
        select: list[str] | None,
        filter: str | None,  # noqa: A002
        *,
        on_page: OnPage | None = None,
        where: str = "",
    ) -> tuple[_cache.PagedDownload, str]:
        """TypedDataSet with $select/$filter, falling back when the server rejects them (400).

        Returns (download, what was applied: 'select+filter' | 'select' | 'none').
        """
        attempts = [(select, filter, "select+filter")]
        if filter:
            attempts.append((select, None, "select"))
        if select:
            attempts.append((None, None, "none"))
        last: _http.HttpError | None = None
        for sel, flt, label in attempts:
            try:
                return self.entity(table_id, "TypedDataSet", select=sel, filter=flt,
                                   on_page=on_page), label  # fmt: skip
            except _http.HttpError as exc:
                if exc.status != 400:
                    raise
                last = exc
                self.say(
                    f"{where or table_id}: the server rejected the request ({exc.server_message or 'HTTP 400'}); "
                    "asking again with less filtering (the rows are filtered here instead)"
                )
        assert last is not None
        raise InputError(
            f"{where or table_id}: the server rejects even an unfiltered TypedDataSet request "
            f"(HTTP 400: {last.server_message}); the table's shape is not what Wijkpeil expects",
            key="err_rejected",
        ) from last


# ---------------------------------------------------------------------------- table-years
@dataclass
class Loaded:
    """One normalised table-year and what it came from."""

    frame: pd.DataFrame
    table_id: str
    year: int
    indeling: int
    modified: str | None
    url: str
    note: str = ""


def _concat(frames: list[pd.DataFrame], where: str) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty()
    return schema.validate(pd.concat(frames, ignore_index=True), where=where)


def _modified(infos: list[dict]) -> str | None:
    return str(infos[0].get("Modified")) if infos and infos[0].get("Modified") else None


def _metadata(cat: Catalog, table_id: str, year: int) -> tuple[list, list, str, dict]:
    """A table's TableInfos, DataProperties, its region dimension (found by type) and that
    dimension's titles — what every table-year download starts with."""
    cat.service(table_id)
    infos = cat.small(table_id, "TableInfos")
    props = cat.small(table_id, "DataProperties")
    region = _odata.region_dimension(props, table_id, year)
    titles = _odata._dim_titles({region: cat.small(table_id, region)}, region)
    return infos, props, region, titles


def load_kwb_year(
    year: int,
    *,
    stems: Iterable[str] | None = None,
    levels: Iterable[str] = schema.LEVELS,
    settings: _settings.Settings | None = None,
    client: _http.Client | None = None,
    progress: Progress | None = None,
    on_page: OnPage | None = None,
) -> Loaded:
    """One KWB year (tables.kwb) -> tidy rows of the wanted stems (all measures when None)."""
    s = settings or _settings.get()
    say = progress or _quiet
    t = tables.kwb(year)
    where = f"KWB {year} ({t.table_id})"
    with _session(client, s, say) as http:
        cat = Catalog(t.catalog, s, http, say)
        infos, props, region, titles = _metadata(cat, t.table_id, year)
        shape = _odata.KwbShape.from_metadata(
            props, titles, t.table_id, year, period=t.period, stems=stems, levels=levels
        )
        flt = f"{shape.period_dim} eq '{t.period}'" if t.period else None
        say(f"{where}: {len(shape.measures)} variables, region dimension {region!r}")
        dl, applied = cat.typed(t.table_id, shape.select(), flt, on_page=on_page, where=where)
        frame = _concat([shape.tidy(page) for page in dl.pages()], where)
    if frame.empty:
        raise InputError(
            f"{where}: the table has no rows for levels {list(levels)}"
            + (f" and period {t.period}" if t.period else "")
            + "; check loaders/tables.py",
            key="err_empty_table",
        )
    return Loaded(frame, t.table_id, int(year), int(year), _modified(infos),
                  cat.table_url(t.table_id), _filter_note(applied))  # fmt: skip


def crime_periods(
    settings: _settings.Settings | None = None, client: _http.Client | None = None
) -> tuple[dict[int, str], str | None]:
    """47018NED's annual periods ``{year: period key}`` discovered from its Perioden dimension,
    and its TableInfos.Modified (uncached: two small requests)."""
    s = settings or _settings.get()
    t = tables.CRIME_TABLE
    with _session(client, s) as http:
        cat = Catalog(t.catalog, s, http)
        cat.service(t.table_id)
        props = cat.fresh(t.table_id, "DataProperties")
        pdim = _odata.time_dimension(props) or "Perioden"
        periods = cat.fresh(t.table_id, pdim)
        infos = cat.fresh(t.table_id, "TableInfos")
    out = {}
    for p in periods:
        k = str(p.get("Key", "")).strip()
        if re.fullmatch(r"\d{4}JJ00", k):
            out[int(k[:4])] = k
    if not out:
        raise InputError(
            f"{t.table_id}: its {pdim} dimension lists no annual periods (keys like '2012JJ00'); "
            "the table's shape changed"
        )
    return out, _modified(infos)


def load_crime_year(
    year: int,
    *,
    crime_keys: Iterable[str] | None = None,
    levels: Iterable[str] = schema.LEVELS,
    settings: _settings.Settings | None = None,
    client: _http.Client | None = None,
    progress: Progress | None = None,
    on_page: OnPage | None = None,
) -> Loaded:
    """One year of 47018NED -> tidy ``GeregistreerdeMisdrijven[<key>]`` rows of the wanted types."""
    s = settings or _settings.get()
    say = progress or _quiet
    t = tables.CRIME_TABLE
    where = f"crime {year} ({t.table_id})"
    with _session(client, s, say) as http:
        cat = Catalog(t.catalog, s, http, say)
        infos, props, region, titles = _metadata(cat, t.table_id, year)
        shape = _odata.CrimeShape.from_metadata(
            props, titles, t.table_id, keys=crime_keys, levels=levels, year=year
        )
        indeling = _odata.indeling_year(props, infos, t.table_id)
        periods = cat.small(t.table_id, shape.period_dim)
        pkey = next(
            (str(p["Key"]) for p in periods if str(p["Key"]).strip() == f"{year}JJ00"), None
        )
        if pkey is None:
            raise InputError(
                f"{where}: {shape.period_dim} does not list {year}JJ00 (it has "
                f"{[str(p['Key']).strip() for p in periods][-3:]} ...)",
                key="err_no_period",
            )
        shape.periods = {pkey.strip()}
        kinds = cat.small(t.table_id, shape.kind_dim)
        padded = [str(k["Key"]) for k in kinds]
        if shape.keys is not None:
            have = {p.strip() for p in padded}
            lacking = sorted(shape.keys - have)
            if lacking:
                say(f"{where}: crime type(s) {lacking} are not in {shape.kind_dim}; skipped")
            padded = [p for p in padded if p.strip() in shape.keys]
            if not padded:
                raise InputError(
                    f"{where}: none of the crime types {sorted(shape.keys)[:5]} occur in its "
                    f"{shape.kind_dim} dimension; the table's codes changed",
                    key="err_crime_keys",
                )
        flt = f"{shape.period_dim} eq '{pkey}'"
        if shape.keys is not None:
            flt += " and (" + " or ".join(f"{shape.kind_dim} eq '{p}'" for p in padded) + ")"
        dl, applied = cat.typed(t.table_id, shape.select(), flt, on_page=on_page, where=where)
        frame = _concat([shape.tidy(page) for page in dl.pages()], where)
    if frame.empty:
        raise InputError(
            f"{where}: no rows for {year}JJ00 and the wanted crime types", key="err_empty_table"
        )
    return Loaded(frame, t.table_id, int(year), indeling, _modified(infos),
                  cat.table_url(t.table_id), _filter_note(applied))  # fmt: skip


@contextlib.contextmanager
def _session(client: _http.Client | None, s: _settings.Settings, say: Progress | None = None):  # noqa: ANN202
    """The caller's client, or a new one that is closed afterwards."""
    if client is not None:
        yield client
        return
    with _http.Client(s, say=say) as http:
        yield http


def _filter_note(applied: str) -> str:
    """The manifest note for a table-year the server would not filter for us."""
    if applied == "select+filter":
        return ""
    return f"server rejected $filter/$select; filtered locally ({applied})"


def table_modified(
    table_id: str, catalog: str, settings: _settings.Settings | None = None
) -> str | None:
    """TableInfos.Modified as the catalog states it now (one small uncached request)."""
    s = settings or _settings.get()
    with _http.Client(s) as http:
        infos = Catalog(catalog, s, http).fresh(table_id, "TableInfos", {"$select": "Modified"})
    return _modified(infos)
