"""The local store: tidy Parquet + manifest, written atomically, read through filters.

Layout: ``<store_dir>/observations.parquet`` and ``<store_dir>/manifest.json``. A build writes a
sibling temp folder and swaps it in with renames, so a failed build leaves the old store intact.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import settings as _settings
from errors import StoreError
from loaders import schema

DATA_FILE = "observations.parquet"
MANIFEST = "manifest.json"


def _dir(store_dir: Path | None) -> Path:
    return Path(store_dir) if store_dir is not None else _settings.get().store_dir


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_store(
    df: pd.DataFrame,
    store_dir: Path | None = None,
    sources: Iterable[str] = (),
    extra: dict | None = None,
) -> dict:
    """Validate ``df`` and replace the store atomically. Returns the manifest (``extra`` merged in)."""
    target = _dir(store_dir)
    tidy = schema.validate(df, where="store build")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".store-build-", dir=target.parent))
    except OSError as exc:
        raise StoreError(
            f"cannot write the store under {target.parent} ({exc.strerror}); "
            "make the folder writable or set WIJKPEIL_DATA_DIR to a writable folder"
        ) from exc
    try:
        tidy = tidy.sort_values(["variable", "year", "region_level", "region_code"], kind="stable")
        pq.write_table(
            pa.Table.from_pandas(tidy, preserve_index=False),
            tmp / DATA_FILE,
            compression="zstd",
        )
        counts = tidy.groupby(["year", "region_level"]).size()
        manifest = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sources": sorted(set(sources)),
            "source_tables": sorted(tidy["source_table"].dropna().unique().tolist()),
            "synthetic_rows": int(schema.is_synthetic(tidy["source_table"]).sum()),
            "years": sorted(int(y) for y in tidy["year"].unique()),
            "rows": int(len(tidy)),
            "rows_per_year_level": {f"{y}/{lvl}": int(n) for (y, lvl), n in counts.items()},
            "variables": int(tidy["variable"].nunique()),
            "checksums": {DATA_FILE: _sha256(tmp / DATA_FILE)},
            **(extra or {}),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        if old.exists():
            shutil.rmtree(old)
        return manifest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def exists(store_dir: Path | None = None) -> bool:
    d = _dir(store_dir)
    return (d / DATA_FILE).exists() and (d / MANIFEST).exists()


def manifest(store_dir: Path | None = None) -> dict:
    d = _dir(store_dir)
    if not exists(d):
        raise StoreError(
            f"no store at {d}; build one with `python -m loaders build --source snapshot`"
        )
    try:
        return json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{d / MANIFEST} is corrupt ({exc}); rebuild with `python -m loaders build`"
        ) from exc


def read(
    years: Iterable[int] | None = None,
    levels: Iterable[str] | None = None,
    variables: Iterable[str] | None = None,
    store_dir: Path | None = None,
) -> pd.DataFrame:
    """Rows of the store matching the filters (a fresh frame: callers may not share it mutably)."""
    d = _dir(store_dir)
    manifest(d)
    filters = []
    if years is not None:
        filters.append(("year", "in", [int(y) for y in years]))
    if levels is not None:
        filters.append(("region_level", "in", list(levels)))
    if variables is not None:
        filters.append(("variable", "in", list(variables)))
    try:
        table = pq.read_table(d / DATA_FILE, filters=filters or None)
    except (pa.ArrowInvalid, OSError) as exc:
        raise StoreError(
            f"{d / DATA_FILE} cannot be read ({exc}); rebuild with `python -m loaders build`"
        ) from exc
    return table.to_pandas()
