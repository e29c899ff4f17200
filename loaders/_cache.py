"""Raw-download cache of the online loaders: one folder per request, one file per page.

Layout::

    <settings.cache_dir>/<source>/<name>-<sha256[:16] of the request>/
        request.json        what was asked (URL, parameters): written first, for humans
        page-000000.json    the body of page 0 exactly as received (decoded from gzip)
        page-000001.json    ...
        _complete.json      marker: pages, records, finished_at — written LAST

* The key is a hash of everything that changes the answer (host, path, $select, $filter,
  $format, year), so a different request never reads another's pages.
* A page is written to ``page-N.json.tmp`` and renamed into place (``os.replace``) only after its
  body parsed as a complete page; a failed or cut-off response is never on disk.
* A folder without marker is a download in progress or killed: :meth:`PagedDownload.resume_point`
  returns the number of good pages and the next-page URL stored in the last one, so the
  download continues with the page after the last good one. A page file that does not parse
  (disk trouble, a foreign edit) and every page after it are deleted and fetched again.
* A folder with a marker is complete and is read page by page (one page in memory at a time).

The marker-last rule and atomic renames mean a kill at any moment leaves either whole pages or
nothing; no partial page is ever read as data.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

MARKER = "_complete.json"
REQUEST = "request.json"
_PAGE = "page-{:06d}.json"


class CorruptCache(Exception):
    """A cached file exists but is unreadable (internal signal; the loader fetches it again)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"cached file {path} is corrupt: {reason}")
        self.path = path
        self.reason = reason


def request_key(*parts: object) -> str:
    """16 hex characters of sha256 over the JSON of ``parts`` (stable across runs)."""
    payload = json.dumps([str(p) if p is not None else "" for p in parts], ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class PagedDownload:
    """The cache folder of one paged request.

    ``parse(body) -> (records, next_url)`` turns a page body into its records and the URL of the
    next page (None on the last page); it raises ValueError/KeyError for a body that is not a
    complete page.
    """

    def __init__(
        self,
        root: Path,
        name: str,
        key: str,
        parse: Callable[[bytes], tuple[list, str | None]],
    ) -> None:
        self.folder = Path(root) / f"{name}-{key}"
        self.parse = parse

    # state
    @property
    def complete(self) -> bool:
        return (self.folder / MARKER).is_file()

    def marker(self) -> dict:
        try:
            return json.loads((self.folder / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorruptCache(self.folder / MARKER, f"unreadable marker ({exc})") from exc

    def page_path(self, i: int) -> Path:
        return self.folder / _PAGE.format(i)

    def start(self, request: dict) -> None:
        """Create the folder (if new) and record the request."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / REQUEST).exists():
            _write_atomic(self.folder / REQUEST, json.dumps(request, indent=1).encode())

    def resume_point(self) -> tuple[int, str | None, int]:
        """(good pages on disk, next URL after the last good page, records in them).

        Bad page files (and all after the first bad one) are removed. With zero good pages the
        URL is None: start from the first page.
        """
        n, nxt, records = 0, None, 0
        while self.page_path(n).is_file():
            try:
                recs, nxt_n = self.parse(self.page_path(n).read_bytes())
            except (OSError, ValueError, KeyError, TypeError):
                break
            records += len(recs)
            nxt = nxt_n
            n += 1
        for p in sorted(self.folder.glob("page-*.json*")):
            stem = p.name.split(".")[0]
            try:
                idx = int(stem.split("-")[1])
            except (IndexError, ValueError):
                continue
            if idx >= n or p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)
        return n, nxt, records

    def write_page(self, i: int, body: bytes) -> None:
        """Store page ``i`` (the caller has parsed it successfully)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.page_path(i), body)

    def finish(self, info: dict) -> None:
        """Write the completion marker (last)."""
        meta = dict(info)
        meta["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _write_atomic(self.folder / MARKER, json.dumps(meta, indent=1, default=str).encode())

    def pages(self) -> Iterator[list]:
        """Records of every page of a complete download, one page at a time."""
        meta = self.marker()
        n = int(meta.get("pages", 0))
        for i in range(n):
            p = self.page_path(i)
            try:
                recs, _ = self.parse(p.read_bytes())
            except FileNotFoundError as exc:
                raise CorruptCache(p, "page listed in the marker is missing") from exc
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CorruptCache(p, f"not a complete page ({exc})") from exc
            yield recs

    def records(self) -> Iterator[dict]:
        for page in self.pages():
            yield from page

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def bytes_on_disk(self) -> int:
        return (
            sum(p.stat().st_size for p in self.folder.glob("page-*.json"))
            if self.folder.exists()
            else 0
        )
