"""The versioned store: partitioned Parquet observations plus every serving artefact, one atomic switch.

Layout of a store root (``settings.store_dir``; the synthetic demo store has a root of its own)::

    <root>/current -> versions/<id>          relative symlink, replaced atomically (os.replace)
    <root>/versions/<id>/manifest.json        kind, parts, checksums of every file, coverage, gaps
    <root>/versions/<id>/observations/<dataset>-<year>.parquet   one table-year each (tidy rows)
    <root>/versions/<id>/artefacts/...        indicator dataset, web geometry (+ .gz), same-area tables
    <root>/versions/.build-<id>/              a build in progress (removed when it fails or is killed)
    <root>/.lock                              held (flock) by the one build that may run at a time

A build (:class:`Builder`) writes one table-year at a time (memory is bounded by one part), lets the
artefact builders write into ``artefacts/``, checksums every file, verifies, renames the build folder
to ``versions/<id>`` and only then switches ``current``. Until the switch, readers keep the previous
version; the previous version is kept after the switch so a worker that resolved it mid-request can
finish. Leftovers of killed builds are removed by the next build. A request resolves ``current`` once
(:func:`current`) and reads only that version, so it never serves a mix.

Kinds: ``real`` (published data only; rows whose ``source_table`` starts with ``synthetic:`` are
refused) and ``synthetic`` (the demo store; every part must be synthetic).
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import settings as _settings
from errors import StoreError
from loaders import schema

FORMAT = 2
MANIFEST = "manifest.json"
CURRENT = "current"
VERSIONS = "versions"
OBSERVATIONS = "observations"
ARTEFACTS = "artefacts"
KINDS = ("real", "synthetic")
#: Versions kept besides the current one (workers may still be reading the previous one).
KEEP_PREVIOUS = 1

_ARROW_SCHEMA = pa.schema(
    [
        ("year", pa.int16()),
        ("region_code", pa.string()),
        ("region_level", pa.string()),
        ("region_name", pa.string()),
        ("gemeente_code", pa.string()),
        ("variable", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("source_table", pa.string()),
        ("source_key", pa.string()),
    ]
)


@dataclass
class Part:
    """One table-year of tidy rows from one publisher table.

    ``dataset`` is the family (``kwb``, ``crime``, ``lbm``); ``year`` the reference year;
    ``indeling`` the year of the region classification its codes belong to (KWB 2015 -> 2015;
    47018NED as published in 2024 -> 2024 for every year; Leefbaarometer 3.0 -> 2024);
    ``origin`` is ``online``, ``shared`` or ``synthetic``; ``modified`` is the publisher's
    ``TableInfos.Modified`` (used by ``python -m loaders update``).
    """

    dataset: str
    year: int
    indeling: int
    table_id: str
    origin: str
    frame: pd.DataFrame
    modified: str | None = None
    url: str | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return part_key(self.dataset, self.year)


def part_key(dataset: str, year: int) -> str:
    """'kwb-2015': the identity of a table-year in a store (one part per key)."""
    return f"{dataset}-{int(year)}"


@dataclass
class Missing:
    """A source the build could not load: what, why, and what the user can do about it."""

    what: str
    why: str
    key: str | None = None
    next_step: str = ""

    def as_dict(self) -> dict:
        return {"what": self.what, "why": self.why, "key": self.key, "next_step": self.next_step}


def root_dir(kind: str = "real", settings: _settings.Settings | None = None) -> Path:
    """The store root of ``kind``: ``<data_dir>/store`` (real) or ``<data_dir>/demo`` (synthetic)."""
    s = settings or _settings.get()
    if kind not in KINDS:
        raise StoreError(f"unknown store kind {kind!r}; choose one of {KINDS}")
    return s.store_dir if kind == "real" else s.demo_store_dir


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _disk_error(exc: OSError, what: str, root: Path) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StoreError(
            f"the disk is full while writing {what}; free space under {root} or point "
            "WIJKPEIL_DATA_DIR at a folder with room, then build again (the previous store is intact)",
            key="err_disk_full",
        )
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return StoreError(
            f"cannot write {what}: {root} is read-only ({exc.strerror}); build as a user who may "
            "write there or set WIJKPEIL_DATA_DIR to a writable folder (serving needs only read access)",
            key="err_read_only",
        )
    return StoreError(f"cannot write {what} under {root}: {exc.strerror or exc}")


# --------------------------------------------------------------------------- reading


@dataclass
class Version:
    """One complete, immutable store version (what ``current`` points at)."""

    path: Path
    manifest: dict = field(repr=False)

    @property
    def id(self) -> str:
        return str(self.manifest.get("version", self.path.name))

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "real"))

    @property
    def parts(self) -> list[dict]:
        return list(self.manifest.get("parts", []))

    def artefact(self, *name: str) -> Path:
        """Path of an artefact file (it may not exist: check ``.exists()``)."""
        return self.path.joinpath(ARTEFACTS, *name)

    def read(
        self,
        datasets: Iterable[str] | None = None,
        years: Iterable[int] | None = None,
        levels: Iterable[str] | None = None,
        variables: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Tidy rows matching the filters plus the part's ``dataset``, ``indeling``, ``origin``.

        Reads one part file at a time with Parquet filters, so memory is bounded by the rows
        asked for, never by the whole store.
        """
        ds = None if datasets is None else set(datasets)
        ys = None if years is None else {int(y) for y in years}
        filters = []
        if levels is not None:
            filters.append(("region_level", "in", list(levels)))
        if variables is not None:
            filters.append(("variable", "in", sorted(set(variables))))
        frames = []
        for p in self.parts:
            if ds is not None and p["dataset"] not in ds:
                continue
            if ys is not None and int(p["year"]) not in ys:
                continue
            path = self.path / p["file"]
            try:
                t = pq.read_table(path, filters=filters or None, schema=_ARROW_SCHEMA)
            except (pa.ArrowInvalid, OSError) as exc:
                raise StoreError(
                    f"store part {p['file']} cannot be read ({type(exc).__name__}); rebuild the "
                    "store with `python -m loaders build`",
                    key="err_store",
                ) from exc
            if t.num_rows == 0:
                continue
            df = t.to_pandas()
            df["dataset"] = p["dataset"]
            df["indeling"] = int(p["indeling"])
            df["origin"] = p["origin"]
            frames.append(df)
        if not frames:
            return schema.empty().assign(dataset="", indeling=0, origin="").iloc[0:0]
        out = pd.concat(frames, ignore_index=True)
        out["indeling"] = out["indeling"].astype("int16")
        return out


def _load_manifest(path: Path) -> dict:
    try:
        m = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StoreError(
            f"{MANIFEST} of store version {path.name} is missing; rebuild with "
            "`python -m loaders build`",
            key="err_store",
        ) from exc
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"{MANIFEST} of store version {path.name} is unreadable ({type(exc).__name__}); "
            "rebuild with `python -m loaders build`",
            key="err_store",
        ) from exc
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise StoreError(
            f"store version {path.name} has an old or unknown format; rebuild with "
            "`python -m loaders build`",
            key="err_store",
        )
    return m


_VERSION_CACHE: dict[tuple[str, float], Version] = {}


def current(root: Path | None = None) -> Version | None:
    """The version ``<root>/current`` points at, or None when there is no store yet.

    Cheap (one readlink and a stat): safe to call per request. The manifest is parsed once per
    version and process.
    """
    r = Path(root) if root is not None else _settings.get().store_dir
    link = r / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(
            f"the store pointer {CURRENT} is not a link ({exc.strerror}); rebuild"
        ) from exc
    path = (r / target).resolve()
    try:
        mtime = (path / MANIFEST).stat().st_mtime
    except FileNotFoundError:
        raise StoreError(
            f"the store points at version {Path(target).name}, which is gone; run "
            "`python -m loaders build` (or restart `python app.py`) to recover",
            key="err_store",
        ) from None
    key = (str(path), mtime)
    v = _VERSION_CACHE.get(key)
    if v is None:
        v = Version(path, _load_manifest(path))
        _VERSION_CACHE.clear()
        _VERSION_CACHE[key] = v
    return v


def require(root: Path | None = None) -> Version:
    """Like :func:`current` but a missing store is a StoreError that says how to build one."""
    v = current(root)
    if v is None:
        raise StoreError(
            "there is no data store yet; start `python app.py` once (it builds the store) or run "
            "`python -m loaders build`",
            key="err_store",
        )
    return v


def verify(version: Version, *, checksums: bool = True) -> list[str]:
    """Problems of a version (empty when sound): files listed in the manifest that are missing,
    have another size or (``checksums``) another SHA-256. Names are relative to the version."""
    problems = []
    for rel, meta in sorted(version.manifest.get("files", {}).items()):
        p = version.path / rel
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            problems.append(f"{rel} is missing")
            continue
        except OSError as exc:
            problems.append(f"{rel} cannot be read ({exc.strerror})")
            continue
        if size != meta["bytes"]:
            problems.append(f"{rel} has {size} bytes, the manifest says {meta['bytes']}")
        elif checksums and _sha256(p) != meta["sha256"]:
            problems.append(f"{rel} does not match its checksum")
    return problems


_VERIFIED: dict[str, tuple[tuple, list[str]]] = {}


def health(root: Path | None = None) -> tuple[bool, str]:
    """(ok, reason) for the serving store: present, manifest readable, every file intact.

    Checksums are computed once per version and process and again only when a file's size or
    modification time changes, so a frequent health check costs a few stats. Never raises; the
    reason names files relative to the store version (no absolute paths).
    """
    try:
        v = require(root if root is not None else _settings.get().serving_store_dir)
    except StoreError as exc:
        return False, str(exc)
    sig = []
    for rel in sorted(v.manifest.get("files", {})):
        try:
            st = (v.path / rel).stat()
            sig.append((rel, st.st_size, st.st_mtime_ns))
        except OSError:
            sig.append((rel, -1, -1))
    key = str(v.path)
    cached = _VERIFIED.get(key)
    if cached is not None and cached[0] == tuple(sig):
        problems = cached[1]
    else:
        problems = verify(v)
        _VERIFIED[key] = (tuple(sig), problems)
    if problems:
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        return False, "store damaged: " + "; ".join(problems[:3]) + more + (
            "; rebuild with `python -m loaders build`"
        )
    return True, f"store {v.id} ({v.kind}) ok"


# --------------------------------------------------------------------------- writing


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    fh = open(root / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another build is writing the store in {root}; wait for it to finish",
                key="err_store_busy",
            ) from None
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def cleanup(root: Path) -> list[str]:
    """Remove leftovers of killed builds and versions older than the kept ones. Call with the
    build lock held (the :class:`Builder` does). Returns what was removed (names)."""
    removed = []
    vdir = root / VERSIONS
    for p in root.glob(".current-*"):
        p.unlink(missing_ok=True)
        removed.append(p.name)
    if not vdir.is_dir():
        return removed
    for p in vdir.glob(".build-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    cur = None
    with contextlib.suppress(OSError):
        cur = (root / os.readlink(root / CURRENT)).resolve().name
    done = sorted(
        (p for p in vdir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    keep = {cur} | {p.name for p in [q for q in done if q.name != cur][-KEEP_PREVIOUS:]}
    for p in done:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def recover(root: Path | None = None) -> str | None:
    """Repair a half state: ``current`` missing or dangling while complete versions exist.

    Points ``current`` at the newest complete version (one whose manifest loads and verifies by
    size). Returns the version id it switched to, or None when nothing needed doing / was possible.
    """
    r = Path(root) if root is not None else _settings.get().store_dir
    link = r / CURRENT
    with contextlib.suppress(StoreError):
        if current(r) is not None:
            return None
    vdir = r / VERSIONS
    if not vdir.is_dir():
        return None
    for p in sorted((q for q in vdir.iterdir() if q.is_dir() and not q.name.startswith(".")),
                    key=lambda q: q.name, reverse=True):  # fmt: skip
        try:
            v = Version(p, _load_manifest(p))
        except StoreError:
            continue
        if verify(v, checksums=False):
            continue
        _switch(r, p)
        if link.exists():
            return v.id
    return None


def _switch(root: Path, version_path: Path) -> None:
    tmp = root / f".current-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(version_path, root), tmp)
    os.replace(tmp, root / CURRENT)
    with contextlib.suppress(OSError):
        dfd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _validate_part(part: Part, kind: str) -> pd.DataFrame:
    where = f"{part.table_id} {part.year}"
    if part.origin not in ("online", "shared", "synthetic"):
        raise StoreError(f"{where}: unknown origin {part.origin!r}")
    df = schema.validate(part.frame, where=where)
    syn = schema.is_synthetic(df["source_table"])
    if kind == "real" and (part.origin == "synthetic" or bool(syn.any())):
        raise StoreError(
            f"{where}: synthetic rows cannot enter the real store; build the demo store with "
            "`python -m loaders build --source synthetic` (it has a folder of its own)"
        )
    if kind == "synthetic" and not bool(syn.all()):
        raise StoreError(f"{where}: every row of the synthetic store must be labelled synthetic")
    return df


class Builder:
    """Build a new store version; use as a context manager, then :meth:`commit`.

    ``base`` (an existing version) lets an update carry unchanged parts over (hard links, no copy).
    Without a commit (an exception, a kill) the build folder is removed and ``current`` is untouched.
    """

    def __init__(self, root: Path, kind: str = "real", base: Version | None = None) -> None:
        if kind not in KINDS:
            raise StoreError(f"unknown store kind {kind!r}; choose one of {KINDS}")
        self.root = Path(root)
        self.kind = kind
        self.base = base
        self.parts: dict[str, dict] = {}
        self.missing: list[dict] = []
        # sortable by build start (microseconds), unique (random suffix)
        now = datetime.datetime.now(datetime.UTC)
        self.id = now.strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
        self.path: Path | None = None
        self._stack = contextlib.ExitStack()
        self.committed: Version | None = None

    # context management
    def __enter__(self) -> Builder:
        self._stack.enter_context(_lock(self.root))
        cleanup(self.root)
        try:
            (self.root / VERSIONS).mkdir(parents=True, exist_ok=True)
            os.chmod(self.root / VERSIONS, 0o755)
            self.path = self.root / VERSIONS / f".build-{self.id}"
            (self.path / OBSERVATIONS).mkdir(parents=True)
            (self.path / ARTEFACTS).mkdir()
        except OSError as exc:
            self._stack.close()
            raise _disk_error(exc, "a new store version", self.root) from exc
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        try:
            if self.committed is None and self.path is not None:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._stack.close()

    @property
    def artefacts(self) -> Path:
        assert self.path is not None, "use the Builder as a context manager"
        return self.path / ARTEFACTS

    def add(self, part: Part) -> dict:
        """Validate and write one part now (replacing a carried-over part of the same key)."""
        assert self.path is not None, "use the Builder as a context manager"
        df = _validate_part(part, self.kind)
        rel = f"{OBSERVATIONS}/{part.key}.parquet"
        df = df.sort_values(["variable", "region_level", "region_code"], kind="stable")
        table = pa.Table.from_pandas(df, schema=_ARROW_SCHEMA, preserve_index=False)
        try:
            pq.write_table(table, self.path / rel, compression="zstd", row_group_size=250_000)
        except OSError as exc:
            raise _disk_error(exc, rel, self.root) from exc
        entry = {
            "key": part.key,
            "dataset": part.dataset,
            "year": int(part.year),
            "indeling": int(part.indeling),
            "table_id": part.table_id,
            "origin": part.origin,
            "file": rel,
            "rows": int(len(df)),
            "values": int(df["value"].notna().sum()),
            "levels": sorted(df["region_level"].unique().tolist()),
            "variables": int(df["variable"].nunique()),
            "modified": part.modified,
            "url": part.url,
            "note": part.note,
        }
        self.parts[part.key] = entry
        self.missing = [m for m in self.missing if m.get("key") != part.key]
        return entry

    def carry(self, keys: Iterable[str] | None = None) -> list[str]:
        """Carry parts of ``base`` over unchanged (hard links). ``None``: every part not yet added."""
        assert self.path is not None, "use the Builder as a context manager"
        if self.base is None:
            return []
        done = []
        wanted = None if keys is None else set(keys)
        for p in self.base.parts:
            if p["key"] in self.parts or (wanted is not None and p["key"] not in wanted):
                continue
            src, dst = self.base.path / p["file"], self.path / p["file"]
            try:
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copy2(src, dst)
            except OSError as exc:
                raise _disk_error(exc, p["file"], self.root) from exc
            self.parts[p["key"]] = dict(p)
            done.append(p["key"])
        return done

    def note_missing(self, item: Missing) -> None:
        """Record a source that could not be loaded (listed by ``python -m loaders info`` and /over)."""
        self.missing = [m for m in self.missing if not (item.key and m.get("key") == item.key)]
        self.missing.append(item.as_dict())

    def version(self) -> Version:
        """The version being built, readable before the commit (for the artefact builders)."""
        assert self.path is not None, "use the Builder as a context manager"
        return Version(self.path, self._manifest({}))

    def _manifest(self, extra: dict) -> dict:
        parts = sorted(self.parts.values(), key=lambda p: (p["dataset"], p["year"]))
        return {
            "format": FORMAT,
            "kind": self.kind,
            "version": self.id,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "parts": parts,
            "missing": list(self.missing),
            "rows": sum(p["rows"] for p in parts),
            "synthetic_rows": sum(p["rows"] for p in parts) if self.kind == "synthetic" else 0,
            **extra,
        }

    def commit(self, extra: dict | None = None) -> Version:
        """Checksum every file, write the manifest, verify, and switch ``current`` atomically."""
        assert self.path is not None, "use the Builder as a context manager"
        if not self.parts:
            raise StoreError(
                "the build loaded no data at all, so the previous store was kept; "
                + ("; ".join(m["what"] + ": " + m["why"] for m in self.missing[:3]) or "no source")
            )
        files = {}
        try:
            for p in sorted(self.path.rglob("*")):
                if p.is_file():
                    os.chmod(p, 0o644)
                    rel = p.relative_to(self.path).as_posix()
                    files[rel] = {"bytes": p.stat().st_size, "sha256": _sha256(p)}
                elif p.is_dir():
                    os.chmod(p, 0o755)
            manifest = self._manifest(extra or {})
            manifest["files"] = files
            tmp = self.path / (MANIFEST + ".tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(manifest, fh, indent=1, ensure_ascii=False, default=str)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path / MANIFEST)
            os.chmod(self.path, 0o755)
        except OSError as exc:
            raise _disk_error(exc, MANIFEST, self.root) from exc
        built = Version(self.path, manifest)
        problems = verify(built)
        if problems:
            raise StoreError(
                "the new store version failed verification: " + "; ".join(problems[:3])
            )
        final = self.root / VERSIONS / self.id
        try:
            os.rename(self.path, final)
            self.path = final
            _switch(self.root, final)
        except OSError as exc:
            raise _disk_error(exc, "the store switch", self.root) from exc
        self.committed = Version(final, manifest)
        cleanup(self.root)
        return self.committed
