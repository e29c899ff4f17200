"""Snapshot loader + store on the real files in ../shared/data, and the CLI as a user runs it.

Expected values are read from the publisher files themselves (openpyxl / json), independently of
the loader, so these tests fail when the loader mis-reads a file.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from errors import InputError, StoreError
from loaders import snapshot, store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tidy(shared_dir: Path) -> pd.DataFrame:
    return snapshot.load_snapshot(shared_dir)


@pytest.fixture(scope="module")
def xlsx_cells(shared_dir: Path) -> dict[tuple[str, str], object]:
    """(region code, short name) -> raw cell value of kwb-2023-subset.xlsx, read with openpyxl."""
    ws = openpyxl.load_workbook(shared_dir / "cbs" / "kwb-2023-subset.xlsx", read_only=True).active
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    out = {}
    for r in rows:
        for col, v in zip(header[1:], r[1:], strict=True):
            out[(str(r[0]).strip(), col)] = v
    return out


def _value(tidy: pd.DataFrame, year: int, code: str, variable: str) -> float:
    hit = tidy[(tidy.year == year) & (tidy.region_code == code) & (tidy.variable == variable)]
    assert len(hit) == 1, f"{year} {code} {variable}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


def test_kwb_2023_values_exactly_as_published(tidy, xlsx_cells):
    wijken = sorted({c for c, _ in xlsx_cells if c.startswith("WK")})
    assert len(wijken) > 3000
    checked = 0
    for code in wijken[::50]:
        for short, stem in (
            ("a_inw", "AantalInwoners"),
            ("p_hh_li", "k_40HuishoudensMetLaagsteInkomen"),
        ):
            raw = xlsx_cells[(code, short)]
            got = _value(tidy, 2023, code, stem)
            if raw == "." or raw is None:
                assert math.isnan(got), f"{code} {short}: '.' must be NaN, got {got}"
            else:
                assert got == pytest.approx(float(str(raw).replace(",", "."))), (
                    code,
                    short,
                )
            checked += 1
    assert checked > 100


def test_missing_marks_become_nan_never_zero(tidy, xlsx_cells):
    dots = [
        (c, s)
        for (c, s), v in xlsx_cells.items()
        if v == "." and s == "g_ink_pi" and c.startswith("WK")
    ]
    assert dots, "the file has secret income cells"
    for code, _ in dots[:20]:
        assert math.isnan(_value(tidy, 2023, code, "GemiddeldInkomenPerInwoner"))


def test_decimal_commas_parsed(tidy, xlsx_cells):
    raw = xlsx_cells[("NL00", "g_afs_hp")]
    assert isinstance(raw, str) and "," in raw
    assert _value(tidy, 2023, "NL00", "AfstandTotHuisartsenpraktijk") == float(
        raw.replace(",", ".")
    )


def test_85984ned_2024_extract_exact(tidy, shared_dir):
    data = json.loads(
        (shared_dir / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json").read_text()
    )
    codes = [c for c in data if c.strip().startswith("WK")][::97]
    for code in codes:
        for key, raw in data[code].items():
            got = _value(tidy, 2024, code.strip(), key.rsplit("_", 1)[0])
            assert (raw is None and math.isnan(got)) or got == raw, (code, key)
    sub = tidy[(tidy.year == 2024) & (tidy.source_table == "85984NED")]
    assert set(sub["source_key"]) == {k for v in data.values() for k in v}


def test_store_round_trip_and_filters(tidy, tmp_path):
    m = store.write_store(tidy, tmp_path / "store", sources=["snapshot"])
    assert m["rows"] == len(tidy) and m["synthetic_rows"] == 0
    back = store.read(
        years=[2023],
        levels=["WK"],
        variables=["AantalInwoners"],
        store_dir=tmp_path / "store",
    )
    want = tidy[
        (tidy.year == 2023) & (tidy.region_level == "WK") & (tidy.variable == "AantalInwoners")
    ]
    assert len(back) == len(want) > 3000
    pd.testing.assert_series_equal(
        back.sort_values("region_code")["value"].reset_index(drop=True),
        want.sort_values("region_code")["value"].reset_index(drop=True),
    )


def test_failed_build_keeps_previous_store(tidy, tmp_path, monkeypatch):
    target = tmp_path / "store"
    store.write_store(tidy.head(1000), target)
    before = store.manifest(target)

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store.pq, "write_table", boom)
    with pytest.raises(OSError):
        store.write_store(tidy, target)
    assert store.manifest(target) == before
    assert len(store.read(store_dir=target)) == 1000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store-build-")]


def test_unwritable_data_dir_gives_clear_error(tidy, tmp_path):
    # A data dir that cannot hold a store: its parent is a regular file. This fails for every
    # user (root ignores chmod, so a read-only directory alone would not test anything as root).
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="WIJKPEIL_DATA_DIR"):
        store.write_store(tidy.head(10), blocker / "store")
    assert blocker.read_text() == "not a directory"
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if not os.access(ro, os.W_OK):  # permissions enforced (non-root): read-only must fail too
            with pytest.raises(StoreError, match="WIJKPEIL_DATA_DIR"):
                store.write_store(tidy.head(10), ro / "store")
    finally:
        ro.chmod(0o700)


def test_corrupt_xlsx_and_missing_column_named(shared_dir, tmp_path):
    bad = tmp_path / "kwb-2023.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(InputError, match=r"kwb-2023\.xlsx.*download kwb-2023\.xlsx again"):
        snapshot.load_kwb_xlsx(bad)
    df = pd.read_excel(shared_dir / "cbs" / "kwb-2023-subset.xlsx", nrows=5).drop(
        columns=["gwb_code_10"]
    )
    nocode = tmp_path / "kwb-2023-nocode.xlsx"
    df.to_excel(nocode, index=False)
    with pytest.raises(InputError, match="gwb_code_10"):
        snapshot.load_kwb_xlsx(nocode)


def _run_cli(
    *args: str, env: dict | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_cli_build_bad_snapshot_keeps_store(shared_dir, tmp_path):
    st = tmp_path / "store"
    ok = _run_cli(
        "build",
        "--source",
        "snapshot",
        "--snapshot",
        str(shared_dir),
        "--store",
        str(st),
    )
    assert ok.returncode == 0, ok.stderr
    assert "rows per year and level" in ok.stdout and "2023" in ok.stdout
    before = (st / store.DATA_FILE).read_bytes()
    # a snapshot folder whose KWB download is corrupt
    snap = tmp_path / "snap"
    (snap / "cbs").mkdir(parents=True)
    (snap / "cbs" / "kwb-2023.xlsx").write_bytes(b"garbage")
    bad = _run_cli("build", "--source", "snapshot", "--snapshot", str(snap), "--store", str(st))
    assert bad.returncode == 2
    assert "kwb-2023.xlsx" in bad.stderr and "Traceback" not in bad.stderr
    assert (st / store.DATA_FILE).read_bytes() == before
    info = _run_cli("info", "--store", str(st))
    assert info.returncode == 0 and "snapshot" in info.stdout


def test_killed_build_leaves_old_store_loadable(shared_dir, tmp_path):
    st = tmp_path / "store"
    assert (
        _run_cli(
            "build",
            "--source",
            "snapshot",
            "--snapshot",
            str(shared_dir),
            "--store",
            str(st),
        ).returncode
        == 0
    )
    before = store.manifest(st)
    proc = subprocess.Popen(
        [sys.executable, "-m", "loaders", "build", "--source", "snapshot", "--snapshot", str(shared_dir),
         "--store", str(st)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(4)  # mid-way through reading the xlsx
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.manifest(st) == before
    assert len(store.read(years=[2024], store_dir=st)) > 0
    for p in tmp_path.iterdir():
        if p.name.startswith(".store-build-"):
            shutil.rmtree(p)  # a killed build may leave its own temp dir; the store is untouched
