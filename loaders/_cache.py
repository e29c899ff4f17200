"""Raw-download cache and retry plumbing for the online CBS loader.

Cache layout (the folder layout ``cbsodata.download_data(dir=...)`` uses, one JSON file per
metadata table)::

    <settings.cache_dir>/cbs/<TABLE>-<sha256[:12] of (catalog, table id, filters)>/
        TableInfos.json  DataProperties.json  TypedDataSet.json  WijkenEnBuurten.json  ...
        _complete.json   marker: row count per metadata table, URL, filters, time — written last

A table folder only ever appears complete: it is written in a temporary sibling folder and renamed
into place (``os.replace``) after every file and the marker are on disk. A folder without marker,
with a file that is not valid JSON, or with a row count that differs from the marker is *corrupt*
(:class:`CorruptCache`); the loader warns and downloads again.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import requests

MARKER = "_complete.json"
_T = TypeVar("_T")


class CorruptCache(Exception):
    """A cached table folder exists but is incomplete or unreadable (internal signal)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cached file {path} is corrupt: {reason}")
        self.path = path
        self.reason = reason


def cache_key(catalog: str, table_id: str, filters: str | None) -> str:
    """Folder name of one request: ``<TABLE>-<12 hex of sha256(catalog, table, filters)>``."""
    payload = json.dumps([catalog, table_id, filters or ""], ensure_ascii=True)
    return f"{table_id}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


def read_table(folder: Path) -> dict[str, list[dict]] | None:
    """The cached dump in ``folder``; None when nothing is cached; CorruptCache when it is broken."""
    if not folder.exists():
        return None
    marker = folder / MARKER
    if not marker.is_file():
        raise CorruptCache(marker, "the completion marker is missing (download was interrupted?)")
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
        rows = dict(meta["rows"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptCache(marker, f"unreadable marker ({exc})") from exc
    dump: dict[str, list[dict]] = {}
    for name, n in rows.items():
        path = folder / f"{name}.json"
        try:
            recs = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CorruptCache(path, "file listed in the marker is missing") from exc
        except (OSError, ValueError) as exc:
            raise CorruptCache(path, f"not valid JSON ({exc})") from exc
        if not isinstance(recs, list):
            raise CorruptCache(path, f"expected a list of records, found {type(recs).__name__}")
        if len(recs) != int(n):
            raise CorruptCache(path, f"{len(recs)} records, the marker says {n}")
        dump[name] = recs
    return dump


def _write_json(path: Path, obj: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())


def write_table(folder: Path, dump: Mapping[str, list[dict]], info: Mapping[str, object]) -> Path:
    """Write ``dump`` to ``folder`` atomically (temp folder, marker last, rename). Returns folder.

    An existing (corrupt) folder is replaced. If another process completed the same folder in the
    meantime, its copy is kept and ours discarded.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=folder.parent))
    old: Path | None = None
    try:
        for name, recs in dump.items():
            _write_json(tmp / f"{name}.json", list(recs))
        marker = dict(info)
        marker["rows"] = {name: len(recs) for name, recs in dump.items()}
        marker["written_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _write_json(tmp / MARKER, marker)
        if folder.exists():
            old = folder.parent / f".old-{folder.name}-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(folder, old)
        try:
            os.replace(tmp, folder)
        except OSError:
            # A concurrent writer won the race; keep its complete copy.
            if not (folder / MARKER).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)
    return folder


def remove_table(folder: Path) -> None:
    """Delete a cached table folder (used after a corrupt entry could not be replaced)."""
    if folder.exists():
        shutil.rmtree(folder)


def http_status(exc: BaseException) -> int | None:
    """HTTP status of a requests error, also when cbsodata re-raised it (status on ``__cause__``)."""
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 5:
        resp = getattr(cur, "response", None)
        if resp is not None and getattr(resp, "status_code", None) is not None:
            return int(resp.status_code)
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None


_TRANSIENT: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
    ValueError,  # json.JSONDecodeError: a malformed or truncated page
    KeyError,  # a page without 'value'
)


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: resets, timeouts, truncated bodies, 5xx/429, bad JSON."""
    if isinstance(exc, requests.HTTPError):
        status = http_status(exc)
        return status is None or status >= 500 or status == 429
    return isinstance(exc, _TRANSIENT)


def retry(
    fn: Callable[[], _T],
    *,
    attempts: int,
    backoff: float,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """Call ``fn`` up to ``attempts`` times; transient errors wait ``backoff * 2**(try-1)`` s.

    Non-transient errors and the last transient error propagate unchanged; ``on_retry(attempt,
    error, delay)`` is called before each wait.
    """
    attempts = max(1, int(attempts))
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = float(backoff) * (2 ** (attempt - 1))
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
