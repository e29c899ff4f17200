"""The versioned store under faults: atomic switch, kills at every step, half states recovered,
damaged files detected, read-only folders and a full disk reported clearly, one build at a time.

Faults that root would not feel (permissions) are simulated by raising the OSError the kernel
gives (EACCES, EROFS, ENOSPC), so these tests behave the same when CI runs as root.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from errors import StoreError
from loaders import schema, store

REPO = Path(__file__).resolve().parents[1]


def _part(year: int, value: float, dataset: str = "kwb") -> store.Part:
    df = pd.DataFrame(
        {
            "year": [year, year],
            "region_code": ["GM0014", "WK001400"],
            "region_level": ["GM", "WK"],
            "region_name": ["Groningen", "Centrum"],
            "gemeente_code": ["GM0014", "GM0014"],
            "variable": ["AantalInwoners", "AantalInwoners"],
            "value": [value, value / 10],
            "unit": ["aantal", "aantal"],
            "source_table": ["85984NED", "85984NED"],
            "source_key": ["AantalInwoners_5", "AantalInwoners_5"],
        }
    )
    return store.Part(dataset, year, year, "85984NED", "shared", df)


def _build(root: Path, *parts: store.Part) -> store.Version:
    with store.Builder(root) as b:
        for p in parts:
            b.add(p)
        (b.artefacts / "x.txt").write_text("artefact")
        return b.commit({"source": "test"})


def test_round_trip_filters_and_switch(tmp_path):
    root = tmp_path / "store"
    v1 = _build(root, _part(2023, 100.0), _part(2024, 200.0))
    assert store.current(root).id == v1.id
    got = v1.read(years=[2024], levels=["WK"])
    assert got["value"].tolist() == [20.0] and got["indeling"].tolist() == [2024]
    v2 = _build(root, _part(2024, 300.0))
    assert store.current(root).id == v2.id
    assert os.readlink(root / "current") == f"versions/{v2.id}"
    # the previous version is kept (a worker may still read it), older ones are removed
    _build(root, _part(2024, 400.0))
    names = sorted(p.name for p in (root / "versions").iterdir())
    assert v1.id not in names and v2.id in names and len(names) == 2
    for p in (root / "versions").rglob("*"):
        assert (p.stat().st_mode & 0o777) == (0o755 if p.is_dir() else 0o644), p


def test_real_store_refuses_synthetic_rows(tmp_path):
    p = _part(2024, 1.0)
    p.frame["source_table"] = schema.SYNTHETIC_PREFIX + "85984NED"
    with pytest.raises(StoreError, match="synthetic rows cannot enter the real store"):
        _build(tmp_path / "store", p)
    assert store.current(tmp_path / "store") is None


def test_failed_build_keeps_previous_and_leaves_no_folder(tmp_path):
    root = tmp_path / "store"
    v1 = _build(root, _part(2024, 1.0))
    with pytest.raises(RuntimeError), store.Builder(root) as b:
        b.add(_part(2023, 5.0))
        raise RuntimeError("source failed half-way")
    assert store.current(root).id == v1.id
    assert not list((root / "versions").glob(".build-*"))


@pytest.mark.parametrize("errno_, key", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"),
                                          (errno.EACCES, "read-only")])  # fmt: skip
def test_disk_full_and_read_only_are_one_clear_message(tmp_path, monkeypatch, errno_, key):
    root = tmp_path / "store"
    v1 = _build(root, _part(2024, 1.0))

    def fail(*_a, **_k):
        raise OSError(errno_, os.strerror(errno_))

    monkeypatch.setattr(store.pq, "write_table", fail)
    with pytest.raises(StoreError, match=key) as exc:
        _build(root, _part(2023, 2.0))
    assert "observations/kwb-2023.parquet" in str(exc.value)
    assert store.current(root).id == v1.id and store.health(root)[0]


def test_damaged_files_fail_health_and_name_the_file(tmp_path):
    root = tmp_path / "store"
    v = _build(root, _part(2024, 1.0))
    assert store.health(root) == (True, f"store {v.id} (real) ok")
    f = v.path / "observations" / "kwb-2024.parquet"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])  # truncated
    ok, reason = store.health(root)
    assert not ok and "observations/kwb-2024.parquet has" in reason and str(tmp_path) not in reason
    f.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size, one bit flipped
    ok, reason = store.health(root)
    assert not ok and "does not match its checksum" in reason
    (v.path / "manifest.json").write_text("{not json")
    store._VERSION_CACHE.clear()
    ok, reason = store.health(root)
    assert not ok and "manifest" in reason and "rebuild" in reason


def test_missing_store_health_says_how_to_build(tmp_path):
    ok, reason = store.health(tmp_path / "nothing")
    assert not ok and "python -m loaders build" in reason


def test_one_build_at_a_time(tmp_path):
    root = tmp_path / "store"
    with store.Builder(root) as b:
        b.add(_part(2024, 1.0))
        with pytest.raises(StoreError, match="another build"):
            store.Builder(root).__enter__()
        b.commit()


_KILL = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from loaders import store
    import tests.test_store as t
    step = sys.argv[1]
    real_rename, real_replace, real_symlink = os.rename, os.replace, os.symlink
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    def rename(a, b, *k):
        if step == "before-rename":
            die()
        real_rename(a, b, *k)
        if step == "after-rename":
            die()
    def symlink(a, b, *k):
        real_symlink(a, b, *k)
        if step == "after-symlink":
            die()
    def replace(a, b, *k):
        real_replace(a, b, *k)
        if step == "after-switch" and str(b).endswith("current"):
            die()
    store.os.rename, store.os.replace, store.os.symlink = rename, replace, symlink
    t._build(Path(sys.argv[2]), t._part(2023, 7.0))
    """
)


@pytest.mark.parametrize("step", ["before-rename", "after-rename", "after-symlink", "after-switch"])
def test_kill_at_every_switch_step_leaves_a_sound_store(tmp_path, step):
    root = tmp_path / "store"
    v1 = _build(root, _part(2024, 1.0))
    script = tmp_path / "kill.py"
    script.write_text(_KILL.format(repo=str(REPO)))
    proc = subprocess.run([sys.executable, str(script), step, str(root)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == -9, proc.stderr[-2000:]
    store._VERSION_CACHE.clear()
    cur = store.current(root)
    assert cur is not None and store.health(root)[0]
    if step == "after-switch":
        assert cur.id != v1.id and cur.read()["year"].tolist() == [2023, 2023]
    else:
        assert cur.id == v1.id and cur.read()["year"].tolist() == [2024, 2024]
    # the next build cleans every leftover and succeeds
    v3 = _build(root, _part(2022, 3.0))
    assert store.current(root).id == v3.id
    assert not list(root.glob(".current-*")) and not list((root / "versions").glob(".build-*"))


def test_dangling_pointer_is_recovered_on_start(tmp_path):
    root = tmp_path / "store"
    v1 = _build(root, _part(2024, 1.0))
    v2 = _build(root, _part(2023, 2.0))
    import shutil

    shutil.rmtree(v2.path)  # e.g. removed by hand
    store._VERSION_CACHE.clear()
    with pytest.raises(StoreError, match="gone"):
        store.current(root)
    assert store.recover(root) == v1.id
    assert store.current(root).id == v1.id
    (root / "current").unlink()
    assert store.recover(root) == v1.id


def test_killed_cli_build_keeps_the_previous_store(tmp_path, shared_dir):
    """`python -m loaders build` killed in the middle: the old store still serves, the next build works."""
    env = dict(os.environ, WIJKPEIL_DATA_DIR=str(tmp_path))
    root = tmp_path / "store"
    v1 = _build(root, _part(2024, 1.0))
    proc = subprocess.Popen([sys.executable, "-m", "loaders", "build", "--source", "shared"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    for line in proc.stderr:  # wait until it is writing parts, then kill it
        if "rows in" in line or "indicators" in line:
            break
    proc.kill()
    proc.wait(30)
    store._VERSION_CACHE.clear()
    assert store.current(root).id == v1.id and store.health(root)[0]
    assert list((root / "versions").glob(".build-*"))  # the killed build's folder ...
    _build(root, _part(2023, 2.0))
    assert not list((root / "versions").glob(".build-*"))  # ... is cleaned by the next build
