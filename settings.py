"""Wijkpeil settings: one typed, documented place for every tunable.

Every field can be overridden with an environment variable ``WIJKPEIL_<FIELD>``
(upper case). Call :func:`get` for the current settings; tests may call
:func:`override` to obtain a modified copy and pass it explicitly.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WIJKPEIL_{name.upper()}", default)


@dataclass(frozen=True)
class Settings:
    """Immutable settings. Paths are absolute."""

    #: Writable folder for the raw-download cache and the store (ignored by git).
    data_dir: Path = field(default_factory=lambda: Path(_env("data_dir", str(REPO_ROOT / "data"))))
    #: Folder with the real public data brought in beside the project (read only).
    shared_dir: Path = field(
        default_factory=lambda: Path(_env("shared_dir", str(REPO_ROOT.parent / "shared" / "data")))
    )
    # ---- online sources (loaders/online.py, loaders/_http.py, geo/_pdok.py) -------------------
    #: CBS OData v3 catalog host for the open tables (KWB), without scheme.
    cbs_catalog: str = field(default_factory=lambda: _env("cbs_catalog", "opendata.cbs.nl"))
    #: CBS OData catalog host for third-party tables (police, 47018NED).
    police_catalog: str = field(default_factory=lambda: _env("police_catalog", "dataderden.cbs.nl"))
    #: Use https for the catalogs (False only for the local test servers).
    use_https: bool = field(
        default_factory=lambda: _env("use_https", "1") not in ("0", "false", "no")
    )
    #: PDOK base URL (OGC API Features of CBS gebiedsindelingen and wijken-en-buurten).
    pdok_url: str = field(default_factory=lambda: _env("pdok_url", "https://api.pdok.nl"))
    #: PDOK Locatieserver v3.1 base URL (postcode/address search). Called by the reader's BROWSER,
    #: never by the server: https://github.com/PDOK/locatieserver (README: v3_1, /free endpoint).
    locatieserver_url: str = field(
        default_factory=lambda: _env(
            "locatieserver_url", "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
        )
    )
    #: Leefbaarometer 3.0 open-data download (zip with the wijk scores CSV, CC0), as linked from
    #: leefbaarometer.nl ("Open data"); see loaders/online.py for the sources of this address.
    lbm_url: str = field(
        default_factory=lambda: _env(
            "lbm_url",
            "https://www.leefbaarometer.nl/resources/open-data-leefbaarometer-meting-2024.zip",
        )
    )
    #: HTTP: attempts per request, first backoff (s), longest single wait (s), total waiting
    #: allowed per request (s; retries stop when the next wait would exceed it), timeout (s).
    #: Waits grow exponentially with full jitter; a Retry-After header (429/503) is honoured.
    http_retries: int = field(default_factory=lambda: int(_env("http_retries", "10")))
    http_backoff: float = field(default_factory=lambda: float(_env("http_backoff", "2.0")))
    http_backoff_cap: float = field(default_factory=lambda: float(_env("http_backoff_cap", "120")))
    http_retry_budget: float = field(
        default_factory=lambda: float(_env("http_retry_budget", "900"))
    )
    http_timeout: float = field(default_factory=lambda: float(_env("http_timeout", "60")))
    #: Progress bars for downloads: 'auto' (when stderr is a terminal), 'on' or 'off'.
    progress_bars: str = field(default_factory=lambda: _env("progress_bars", "auto"))
    #: First and last year of the series.
    first_year: int = 2012
    last_year: int = 2024
    #: Target geography (wijk indeling year) for harmonised series.
    target_geo_year: int = 2024
    #: Dashboard serving.
    host: str = field(default_factory=lambda: os.environ.get("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("PORT", "8050")))
    #: External origins the browser may load images/tiles from and connect to (CSP img-src and
    #: connect-src), space separated: PDOK basemap tiles and the PDOK Locatieserver. Add a local
    #: test server here (WIJKPEIL_CSP_HOSTS="https://service.pdok.nl ... http://127.0.0.1:8499").
    csp_hosts: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            _env("csp_hosts", "https://service.pdok.nl https://api.pdok.nl").split()
        )
    )
    #: Seconds a worker reuses its last /healthz result (checksumming the store is not free).
    health_ttl: float = field(default_factory=lambda: float(_env("health_ttl", "5")))

    @property
    def cache_dir(self) -> Path:
        """Raw downloads, keyed by a hash of the request."""
        return self.data_dir / "cache"

    #: The curated list of the 20 NPLV focus areas (2024 wijk codes, sources, confidence).
    focus_areas_file: Path = field(
        default_factory=lambda: Path(
            _env("focus_areas", str(REPO_ROOT / "indicators" / "focus_areas.csv"))
        )
    )
    #: Which store the dashboard serves: ``real`` (default; published data only) or
    #: ``synthetic`` (the demo store built with ``python -m loaders build --source synthetic``).
    store_kind: str = field(default_factory=lambda: _env("store_kind", "real"))

    @property
    def store_dir(self) -> Path:
        """Root of the real store (versions + ``current`` link, see loaders/store.py)."""
        return self.data_dir / "store"

    @property
    def demo_store_dir(self) -> Path:
        """Root of the synthetic demo store (never mixed with the real one)."""
        return self.data_dir / "demo"

    @property
    def serving_store_dir(self) -> Path:
        """The store root the dashboard reads (``store_kind``)."""
        return self.demo_store_dir if self.store_kind == "synthetic" else self.store_dir

    @property
    def geo_dir(self) -> Path:
        """Derived geometry (web GeoJSON, crosswalks)."""
        return self.data_dir / "geo"


@lru_cache(maxsize=1)
def get() -> Settings:
    """Return the process-wide settings (read from the environment once)."""
    return Settings()


def override(**changes: object) -> Settings:
    """Return a copy of the current settings with ``changes`` applied (validated by name)."""
    names = {f.name for f in dataclasses.fields(Settings)}
    unknown = set(changes) - names
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; valid: {sorted(names)}")
    return dataclasses.replace(get(), **changes)
