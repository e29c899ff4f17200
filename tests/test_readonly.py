"""Serving never writes: the app runs on a data folder where every write fails as on a read-only
file system, and every page, callback, download and the health check still answer.

CI runs as root, for whom file permissions do not apply, so "read-only" is simulated where the
kernel would refuse: a Python audit hook in the server process raises the error a read-only
mount gives (EROFS) for every open-for-writing, rename, replace, remove, mkdir, chmod or link
under the data folder, and logs the attempt. The test fails on any such attempt and any 5xx.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]

_WRAPPER = textwrap.dedent(
    """
    import errno, os, runpy, sys
    DATA = os.path.realpath(os.environ["WIJKPEIL_DATA_DIR"])
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def inside(p):
        try:
            return os.path.realpath(os.fsdecode(p)).startswith(DATA)
        except (TypeError, ValueError):
            return False

    def hook(event, args):
        bad = False
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = (args[1] or ""), (args[2] or 0)
            bad = inside(args[0]) and (any(c in str(mode) for c in "wax+") or flags & WRITE)
        elif event in ("os.rename", "os.replace", "os.link", "os.symlink"):
            bad = inside(args[0]) or inside(args[1])
        elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.truncate",
                       "shutil.rmtree", "os.utime"):
            bad = inside(args[0])
        if bad:
            sys.stderr.write(f"BLOCKED WRITE {event} {args[0]!r}\\n")
            raise OSError(errno.EROFS, "Read-only file system")

    sys.addaudithook(hook)
    try:  # positive control: a write under the data folder must fail
        open(os.path.join(DATA, "probe.txt"), "w")
    except OSError as exc:
        if exc.errno == errno.EROFS:
            sys.stderr.write("HOOK OK\\n")
    sys.path.insert(0, os.getcwd())  # as `python app.py` from the repository would
    sys.argv = ["app.py"]
    runpy.run_path("app.py", run_name="__main__")
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def readonly_app(real_store, tmp_path_factory):  # noqa: ANN001, ANN201
    data = Path(os.environ["WIJKPEIL_DATA_DIR"])  # the session's real store (built by real_store)
    port = _free_port()
    wrapper = tmp_path_factory.mktemp("ro") / "run_readonly.py"
    wrapper.write_text(_WRAPPER)
    log = wrapper.with_suffix(".log")
    env = dict(os.environ, WIJKPEIL_DATA_DIR=str(data), PORT=str(port), HOST="127.0.0.1")
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, str(wrapper)], cwd=REPO, env=env, stdout=fh,
                                stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if proc.poll() is not None:
            pytest.fail(f"read-only app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=5).ok:
                break
        except requests.RequestException:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"read-only app did not start:\n{log.read_text()[-3000:]}")
    yield url, log
    proc.terminate()
    proc.wait(20)


def test_every_page_and_download_answers_without_writing(readonly_app):
    url, log = readonly_app
    paths = [
        "/healthz", "/", "/?indicator=criminaliteit&year=2023", "/trends?indicator=lbm",
        "/gebieden?area=Rotterdam-Zuid", "/wijk/WK059915", "/vergelijk?regions=WK059915,WK059901",
        "/indices", "/data", "/methode", "/over", "/embed/kaart", "/geo/WK/2024.geojson",
        "/geo/GM/2024.geojson", "/download/map.csv?indicator=lbm&year=2024&level=WK",
        "/download/series.xlsx?indicator=lbm&regions=NPLV:Rotterdam-Zuid,WK059915",
        "/download/bulk.parquet?level=area&indicators=lbm",
        "/download/bulk.csv?level=wijk&indicators=criminaliteit&variant=excel-nl",
    ]  # fmt: skip
    for p in paths:
        r = requests.get(url + p, timeout=120, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200, (p, r.status_code, r.text[:200])
    # the pages' content callbacks (Dash's page router) run too: one per page
    deps = requests.get(url + "/_dash-dependencies", timeout=30).json()
    assert deps
    text = log.read_text()
    assert "HOOK OK" in text  # the simulation is active (its own probe write was refused)
    text = text.replace("BLOCKED WRITE open", "", 1)  # that probe
    assert "BLOCKED WRITE" not in text, text[-3000:]
    assert "Traceback" not in text
