"""First start of the dashboard: make sure a store, the web geometry and the indicator dataset exist.

The default source, in order: an existing store; else the real data in ``../shared/data`` with
synthetic gap filling (labelled synthetic everywhere); else the online CBS loaders.
"""

from __future__ import annotations

import time

import settings as _settings


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] Wijkpeil: {message}", flush=True)


def default_source(s: _settings.Settings) -> str | None:
    """None when a store exists; else 'offline' when the shared data is there; else 'cbs'."""
    from loaders import store

    if store.exists(s.store_dir):
        return None
    if (s.shared_dir / "lbm" / "wijk_scores_2002_2024.csv").exists():
        return "offline"
    return "cbs"


def prepare(s: _settings.Settings | None = None) -> None:
    """Build what is missing, with visible progress. Errors propagate with their clear message."""
    from geo import web
    from indicators import dataset
    from loaders import build

    s = s or _settings.get()
    source = default_source(s)
    if source is None:
        _say(f"using the existing store in {s.store_dir}")
    else:
        _say(f"no store in {s.store_dir}: building it from source {source!r} (first start only)")
        manifest = build.build(source, store_dir=s.store_dir, progress=_say)
        _say(build.summary(manifest).splitlines()[1])
    _say("web geometry (first start only)")
    for level in ("WK", "GM"):
        web.web_geojson_path(level, s.target_geo_year)
    _say("indicator dataset (cached after the first start)")
    frame = dataset.frame(s.store_dir)
    _say(f"{len(frame):,} indicator values ready")
