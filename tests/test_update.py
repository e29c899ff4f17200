"""`python -m loaders update`: a store built from ../shared gets everything it lacks from the
publishers (served locally), and later only what the publisher revised is downloaded again.

Expectations come from the servers' own request logs and tables (what was asked and what they
serve), and from the raw shared files for the parts that must be replaced.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.online_env import YEARS, env_for

REPO = Path(__file__).resolve().parents[1]


def _run(env: dict, *args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "loaders", *args], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=900)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    return r.stdout


def _manifest(data: Path) -> dict:
    root = data / "store"
    return json.loads((root / os.readlink(root / "current") / "manifest.json").read_text())


def test_update_fills_a_shared_store_then_fetches_only_revisions(servers, shared_dir, tmp_path):
    env = env_for(servers, tmp_path, shared_dir)
    _run(env, "build", "--source", "shared")
    first = _manifest(tmp_path)
    assert {p["origin"] for p in first["parts"]} == {"shared"}
    assert "kwb-2015" not in {p["key"] for p in first["parts"]}

    # 1. update: every table the shared copy lacks (and the partial KWB 2023/2024 extracts,
    #    crime 2023 on the 2023 indeling) comes from the publishers
    _run(env, "update")
    second = _manifest(tmp_path)
    parts = {p["key"]: p for p in second["parts"]}
    assert {f"kwb-{y}" for y in YEARS} <= set(parts)
    assert all(p["origin"] == "online" for p in parts.values())
    assert parts["kwb-2023"]["table_id"] == "85618NED"  # the full table, not the xlsx subset
    assert parts["crime-2023"]["indeling"] == 2024  # the current 47018NED publication
    assert second["source"] == "shared+online" and second["kind"] == "real"

    # 2. nothing revised: update downloads no data pages at all (only metadata requests)
    od = servers["odata"]
    before = len(od.hits)
    _run(env, "update")
    assert not [h for h in od.hits[before:] if h.entity == "TypedDataSet"]
    third = _manifest(tmp_path)
    assert {p["key"]: p["rows"] for p in third["parts"]} == {k: p["rows"] for k, p in parts.items()}

    # 3. CBS revises KWB 2015 (a new TableInfos.Modified): only that table is fetched again
    tid = "83220NED"
    servers["tables"][tid]["TableInfos"][0]["Modified"] = "2031-01-01T02:00:00"
    before = len(od.hits)
    _run(env, "update")
    data_pages = {h.table for h in od.hits[before:] if h.entity == "TypedDataSet"}
    assert data_pages == {tid}
    fourth = _manifest(tmp_path)
    revised = {p["key"]: p for p in fourth["parts"]}["kwb-2015"]
    assert revised["modified"] == "2031-01-01T02:00:00"
    # unchanged parts were carried over (hard links to the same bytes, not downloads)
    old = {p["key"]: p for p in third["parts"]}
    for key in ("kwb-2016", "crime-2019", "lbm-2024"):
        f_old = third["files"][old[key]["file"]]["sha256"]
        f_new = fourth["files"][{p["key"]: p for p in fourth["parts"]}[key]["file"]]["sha256"]
        assert f_old == f_new, key
    out = _run(env, "info")
    assert "kwb-2015" in out and "online" in out
