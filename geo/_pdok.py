"""Online boundaries from PDOK (OGC API Features): gemeente, wijk and buurt for every year.

Services, tried in this order for a (level, year):

1. **CBS gebiedsindelingen** — generalised CBS regions, one service for 2016-today and one for
   1995-2015 (PDOK: "CBS Gebiedsindelingen 1995-2015 OGC API Features",
   https://www.pdok.nl/ogc-apis/-/article/cbs-gebiedsindelingen-1995-2015)::

       {pdok_url}/cbs/gebiedsindelingen/ogc/v1/collections/{gemeente|wijk|buurt}_gegeneraliseerd/items
       {pdok_url}/cbs/gebiedsindelingen-historisch/ogc/v1/collections/...   (years <= 2015)
           ?f=json&limit=1000&jaarcode={year}

   Collection names and the ``jaarcode`` query parameter as public code calls the service (e.g.
   ``.../gebiedsindelingen/ogc/v1/collections/provincie_gegeneraliseerd/items?f=json&jaarcode=2024``;
   ``gemeente_gegeneraliseerd``, ``wijk_gegeneraliseerd``, ``buurt_gegeneraliseerd`` with
   properties ``statcode``/``statnaam``). That the historisch service uses the same collection
   names is an assumption (not verified here).
2. **CBS wijken en buurten {year}** — the full Wijk- en Buurtkaart of recent years
   (https://www.pdok.nl/ogc-apis/-/article/cbs-wijken-en-buurten)::

       {pdok_url}/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{gemeenten|wijken|buurten}/items?f=json&limit=1000

Paging: PDOK's OGC API server (GoKoala) pages by *cursor* only; clients must follow the
``rel="next"`` link and make no assumption about its parameters (PDOK/gokoala issue #301; a cursor
used with changed query parameters restarts at the first page, PR #71). This loader follows
``next`` links only. Each page is written to the request-hash cache as it arrives
(:mod:`loaders._cache`, ``<cache_dir>/pdok/<collection>-<year>-<hash>/``), so a killed download
resumes after the last good page; failures are never cached; a completion marker is written last.
Transient failures are retried by :mod:`loaders._http` (backoff with jitter over minutes).
"""

from __future__ import annotations

import json

import settings as _settings
from errors import DownloadError, GeoError
from loaders import _cache, _http

LEVEL_NAMES = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
#: Collections of the wijken-en-buurten services (kept for callers of the old API).
COLLECTIONS = {"GM": "gemeenten", "WK": "wijken", "BU": "buurten"}
PAGE_LIMIT = 1000
MAX_PAGES = 200
HISTORIC_UNTIL = 2015


def candidate_urls(level: str, year: int, settings: _settings.Settings | None = None) -> list[str]:
    """First-page URLs to try for ``level`` and ``year``, best service first."""
    s = settings or _settings.get()
    if level not in LEVEL_NAMES:
        raise GeoError(f"no PDOK collection for level {level!r}; use one of {sorted(LEVEL_NAMES)}")
    base = s.pdok_url.rstrip("/")
    y = int(year)
    svc = "gebiedsindelingen-historisch" if y <= HISTORIC_UNTIL else "gebiedsindelingen"
    return [
        f"{base}/cbs/{svc}/ogc/v1/collections/{LEVEL_NAMES[level]}_gegeneraliseerd/items"
        f"?f=json&limit={PAGE_LIMIT}&jaarcode={y}",
        f"{base}/cbs/wijken-en-buurten-{y}/ogc/v1/collections/{COLLECTIONS[level]}/items"
        f"?f=json&limit={PAGE_LIMIT}",
    ]


def items_url(level: str, year: int, settings: _settings.Settings | None = None) -> str:
    """The first candidate URL (see :func:`candidate_urls`)."""
    return candidate_urls(level, year, settings)[0]


def parse_page(body: bytes) -> tuple[list, str | None]:
    """A GeoJSON FeatureCollection page -> (features, href of the rel=next link)."""
    doc = json.loads(body)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise ValueError("FeatureCollection without a features list")
    nxt = next(
        (
            str(lk["href"])
            for lk in doc.get("links") or []
            if lk.get("rel") == "next" and lk.get("href")
        ),
        None,
    )
    return feats, nxt


def _download(
    url: str, folder_name: str, s: _settings.Settings, http: _http.Client
) -> _cache.PagedDownload:
    dl = _cache.PagedDownload(
        s.cache_dir / "pdok", folder_name, _cache.request_key(url), parse_page
    )
    if dl.complete:
        return dl
    dl.start({"url": url})
    n, nxt, records = dl.resume_point()
    next_url: str | None = url if n == 0 else nxt
    while next_url is not None:
        if n >= MAX_PAGES:
            raise DownloadError(f"PDOK {url}: more than {MAX_PAGES} pages; is the paging broken?")
        _doc, body = http.get_json(next_url, what=f"PDOK {folder_name} page {n + 1}")
        feats, nxt = parse_page(body)
        dl.write_page(n, body)
        n += 1
        records += len(feats)
        next_url = nxt
    dl.finish({"pages": n, "records": records, "url": url})
    return dl


def download_features(
    level: str, year: int, settings: _settings.Settings | None = None
) -> tuple[dict, str]:
    """All features of one level and year as a FeatureCollection, and the URL it came from.

    Tries the services of :func:`candidate_urls` in order (a 404 moves on to the next). Features
    are de-duplicated by id; features whose ``jaarcode`` property names another year are dropped
    (a server that ignored the ``jaarcode`` filter). Raises DownloadError naming level and year.
    """
    s = settings or _settings.get()
    errors = []
    with _http.Client(s) as http:
        for url in candidate_urls(level, year, s):
            name = f"{LEVEL_NAMES[level]}-{int(year)}"
            try:
                dl = _download(url, name, s, http)
            except _http.HttpError as exc:
                errors.append(str(exc))
                if exc.status in (400, 404):
                    continue
                raise DownloadError(
                    f"PDOK boundaries {level} {year}: {exc}",
                    key="err_download",
                    level=level,
                    year=year,
                ) from exc
            features, seen = [], set()
            for page in dl.pages():
                for f in page:
                    jc = (f.get("properties") or {}).get("jaarcode")
                    if jc is not None and str(jc) != str(int(year)):
                        continue
                    fid = str(f.get("id", len(features)))
                    if fid not in seen:
                        seen.add(fid)
                        features.append(f)
            if features:
                return {"type": "FeatureCollection", "features": features}, url
            errors.append(f"{url}: no features for {year}")
    raise DownloadError(
        f"PDOK has no {LEVEL_NAMES[level]} boundaries for {year} (is {year} published on PDOK?): "
        + " | ".join(e[:200] for e in errors),
        key="err_download",
        level=level,
        year=year,
    )
