"""Online boundaries: the CBS wijken-en-buurten collections of PDOK (OGC API Features).

PDOK publishes each year as its own service, the year being part of the URL::

    {pdok_url}/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{gemeenten|wijken|buurten}/items
        ?f=json&limit=1000

(``pdok_url`` defaults to ``https://api.pdok.nl``; see https://api.pdok.nl/cbs/ for the list of
years). A response holds at most 1,000 features and a ``links`` entry with ``rel="next"`` for the
following page, which is followed until there is none. Each complete download is cached in
``<cache_dir>/pdok/<collection>-<year>-<hash of the first URL>/`` with the same rules as the CBS
cache (:mod:`loaders._cache`): checked first, written atomically with a completion marker last, so
failures and partial downloads are never cached. Connection resets, timeouts and 5xx are retried
with exponential backoff; a page that is not a FeatureCollection raises :class:`DownloadError`.
"""

from __future__ import annotations

import hashlib
import warnings

import requests

import settings as _settings
from errors import DownloadError, GeoError
from loaders import _cache

COLLECTIONS = {"GM": "gemeenten", "WK": "wijken", "BU": "buurten"}
PAGE_LIMIT = 1000
MAX_PAGES = 100  # 100,000 features: far above the ~14,500 buurten of a year


def items_url(level: str, year: int, settings: _settings.Settings | None = None) -> str:
    """The first page URL of one level and year."""
    s = settings or _settings.get()
    if level not in COLLECTIONS:
        raise GeoError(f"no PDOK collection for level {level!r}; use one of {sorted(COLLECTIONS)}")
    base = s.pdok_url.rstrip("/")
    return (
        f"{base}/cbs/wijken-en-buurten-{int(year)}/ogc/v1/collections/{COLLECTIONS[level]}/items"
        f"?f=json&limit={PAGE_LIMIT}"
    )


def _page(session: requests.Session, url: str, timeout: float) -> dict:
    r = session.get(url, timeout=timeout, headers={"Accept": "application/geo+json"})
    r.raise_for_status()
    try:
        body = r.json()
    except ValueError as exc:
        raise _cache.CorruptCache(url, f"response is not JSON ({exc})") from exc  # type: ignore[arg-type]
    if body.get("type") != "FeatureCollection" or not isinstance(body.get("features"), list):
        raise _cache.CorruptCache(url, "response is not a GeoJSON FeatureCollection")  # type: ignore[arg-type]
    return body


def _next(body: dict) -> str | None:
    for link in body.get("links") or []:
        if link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def download_features(
    level: str, year: int, settings: _settings.Settings | None = None
) -> tuple[dict, str]:
    """All features of one level and year as a FeatureCollection, and the first URL (cache first)."""
    s = settings or _settings.get()
    url = items_url(level, year, s)
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    folder = s.cache_dir / "pdok" / f"{COLLECTIONS[level]}-{int(year)}-{key}"
    try:
        cached = _cache.read_table(folder)
    except _cache.CorruptCache as exc:
        warnings.warn(f"{exc}; downloading again", stacklevel=2)
        cached = None
    if cached is not None:
        return {"type": "FeatureCollection", "features": cached["features"]}, url

    features: list[dict] = []
    seen: set[str] = set()
    next_url: str | None = url
    with requests.Session() as session:
        for _ in range(MAX_PAGES):
            if next_url is None:
                break
            page_url = next_url
            try:
                body = _cache.retry(
                    lambda u=page_url: _page(session, u, s.http_timeout),
                    attempts=s.http_retries,
                    backoff=s.http_backoff,
                )
            except _cache.CorruptCache as exc:
                raise DownloadError(
                    f"PDOK page {page_url} is malformed ({exc.reason}); nothing was cached — "
                    "retry later, or load the boundaries from a file (geo.boundaries.read_boundaries)"
                ) from exc
            except requests.RequestException as exc:
                raise DownloadError(
                    f"PDOK download of {level} {year} failed at {page_url}: {exc}; nothing was "
                    f"cached — check the connection / WIJKPEIL_PDOK_URL ({s.pdok_url}) and retry"
                ) from exc
            for f in body["features"]:
                fid = str(f.get("id", len(features)))
                if fid not in seen:  # a page boundary shift must not double a feature
                    seen.add(fid)
                    features.append(f)
            next_url = _next(body)
        else:
            raise DownloadError(f"PDOK {url}: more than {MAX_PAGES} pages; is the paging broken?")
    if not features:
        raise DownloadError(
            f"PDOK returned no features for {level} {year} ({url}); is {year} published on PDOK?"
        )
    _cache.write_table(folder, {"features": features}, {"url": url, "level": level, "year": year})
    return {"type": "FeatureCollection", "features": features}, url
