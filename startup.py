"""First start of the dashboard: make sure a complete store exists before serving.

Order: an existing store (a half state left by a killed build is recovered first); else a new one
from the real data in ``../shared/data`` when it is there, else from the publishers online. The
build makes every artefact the server needs (``pipeline.build``), so serving never builds anything.
The synthetic demo store is used only when asked for (``WIJKPEIL_STORE_KIND=synthetic`` or
``python app.py --demo``); it is built on request the same way.
"""

from __future__ import annotations

import time

import settings as _settings


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] Wijkpeil: {message}", flush=True)


def prepare(s: _settings.Settings | None = None) -> None:
    """Build what is missing, with visible progress. Known failures raise WijkpeilError with a
    message that says what to do (app.py prints it without a traceback)."""
    import pipeline
    from loaders import store

    s = s or _settings.get()
    root = s.serving_store_dir
    recovered = store.recover(root)
    if recovered:
        _say(f"recovered the store: switched to complete version {recovered}")
    v = store.current(root)
    if v is not None:
        _say(f"using the {v.kind} store {v.id} ({v.manifest.get('source')})")
        _verify(s)
        return
    if s.store_kind == "synthetic":
        _say("no demo store yet: generating the synthetic demo set (first start only)")
        pipeline.build("synthetic", settings=s, progress=_say)
        _verify(s)
        return
    source = pipeline.resolve_source("auto", s)
    where = (
        s.shared_dir
        if source == "shared"
        else "CBS, the police catalogue, PDOK and the Leefbaarometer"
    )
    _say(f"no store yet: building it from {where} (first start only)")
    v = pipeline.build(source, settings=s, progress=_say)
    for m in v.manifest.get("missing", []):
        _say(f"missing: {m['what']} — {m['why']}")
    _verify(s)


def _verify(s: _settings.Settings) -> None:
    """Checksums and a load of every artefact, once, before serving (health checks then cost a
    few stats). A damaged store is reported with what to do; the server still starts and
    /healthz says 503 with the reason."""
    from indicators import dataset

    ok, reason = dataset.health()
    _say(f"store check: {reason}")
