"""Benchmark suite: ``python -m bench [--quick] [--out bench/out/results.json]``.

Measures store builds (subprocess, peak RSS sampled with psutil), the indicator dataset build,
crosswalks, web geometry, the initial page payload, callback latency on a gunicorn server on
loopback, and a concurrent-user load run. Prints a table and writes JSON. Not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

import settings as _settings

REPO = Path(__file__).resolve().parents[1]
MB = 2**20


def _pct(xs: list[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0-100) of ``xs``; None for no samples."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    """Cores, RAM, python version and CPU model of this machine."""
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError as exc:
        model = f"unknown ({exc})"
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "cpu": model,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _run_sampled(cmd: list[str], env: dict, timeout: float) -> dict:
    """Run ``cmd``; return wall seconds, peak RSS (MB, process tree) and exit code."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        if time.perf_counter() - t0 > timeout:
            proc.kill()
            break
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(True))
            peak = max(peak, rss)
        except psutil.Error:
            pass  # process ended between poll and sample; the last sample stands
        time.sleep(0.05)
    proc.wait()
    reader.join(5)
    return {
        "seconds": round(time.perf_counter() - t0, 2),
        "peak_rss_mb": round(peak / MB, 1),
        "rc": proc.returncode,
        "tail": "".join(out)[-600:],
    }


def bench_builds(res: dict, quick: bool) -> Path | None:
    """The first start as a user runs it (``python app.py`` on an empty data folder with
    ../shared beside it: the real store, indicator dataset, trends, index scores and geometry,
    until /healthz answers), then the synthetic demo store build. Wall time and peak RSS of the
    process tree. Returns the data folder of the real store (used by the server benchmarks)."""
    tmp = Path(tempfile.mkdtemp(prefix="wijkpeil-bench-first-start-"))
    port = _free_port()
    env = dict(os.environ, WIJKPEIL_DATA_DIR=str(tmp), PORT=str(port), HOST="127.0.0.1",
               WIJKPEIL_PROGRESS_BARS="off")  # fmt: skip
    env.pop("WIJKPEIL_STORE_KIND", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    ps, peak, ok = psutil.Process(proc.pid), 0, False
    while time.perf_counter() - t0 < 600 and proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss
                       + sum(c.memory_info().rss for c in ps.children(recursive=True)))  # fmt: skip
        except psutil.Error:
            pass
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                ok = True
                break
        except requests.RequestException:
            time.sleep(0.2)
    took = time.perf_counter() - t0
    proc.terminate()
    proc.wait(30)
    root = tmp / "store"
    m = (
        json.loads((root / os.readlink(root / "current") / "manifest.json").read_text())
        if ok
        else {}
    )
    res["first_start_shared"] = {
        "ok": ok, "seconds": round(took, 1), "peak_rss_mb": round(peak / MB),
        "rows": m.get("rows"), "indicator_values": (m.get("report") or {}).get("indicator_values"),
        "synthetic_rows": m.get("synthetic_rows"),
    }  # fmt: skip
    print(f"  first start (shared): {res['first_start_shared']}", flush=True)
    if not quick:
        syn = tempfile.mkdtemp(prefix="wijkpeil-bench-synthetic-")
        r = _run_sampled([sys.executable, "-m", "loaders", "build", "--source", "synthetic"],
                         dict(os.environ, WIJKPEIL_DATA_DIR=syn), timeout=900)  # fmt: skip
        res["build_synthetic_demo"] = r if r["rc"] == 0 else dict(r, error="build failed")
        print(f"  synthetic demo build: {r['seconds']} s", flush=True)
    return tmp if ok else None


def bench_crosswalk(res: dict) -> None:
    """Same-area tables by boundaries (geo.samearea.by_boundaries) of every wijk boundary year
    2012-2016 onto 2024 (the geometric evidence of the same-area rule)."""
    import warnings

    from geo import boundaries, samearea

    years = [y for y in range(2012, 2017) if boundaries.boundary_file("WK", y) is not None]
    per = {}
    t_all = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the files' own repair/null-geometry notes
        tgt = boundaries.load_boundaries("WK", 2024, source="files")
        for y in years:
            t = time.perf_counter()
            src = boundaries.load_boundaries("WK", y, source="files")
            table = samearea.by_boundaries("WK", y, src, tgt)
            per[str(y)] = {"seconds": round(time.perf_counter() - t, 2), "rows": len(table)}
    res["crosswalk"] = {
        "years": years,
        "total_seconds": round(time.perf_counter() - t_all, 2),
        "per_year": per,
    }


def bench_web_geometry(res: dict, data_dir: Path | None) -> None:
    """Raw/gzip bytes and features of the web GeoJSON per level (2024), as the build made them."""
    if data_dir is None:
        res["web_geometry"] = "no store"
        return
    root = data_dir / "store"
    geo = root / os.readlink(root / "current") / "artefacts" / "geo"
    for level in ("WK", "GM"):
        p = geo / f"{level}_2024.geojson"
        raw = p.read_bytes()
        res[f"web_geometry_{level}"] = {
            "bytes": len(raw),
            "gzip_bytes": (geo / f"{level}_2024.geojson.gz").stat().st_size,
            "features": len(json.loads(raw)["features"]),
        }


class Server:
    """The production server, ``gunicorn -c gunicorn.conf.py app:server``, on a free loopback port
    (``workers`` overrides the configuration's worker count; access log off)."""

    def __init__(self, data_dir: Path, workers: int | None = None, env: dict | None = None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, WIJKPEIL_DATA_DIR=str(data_dir), HOST="127.0.0.1",
                   PORT=str(self.port), WIJKPEIL_ACCESS_LOG="/dev/null", **(env or {}))  # fmt: skip
        self.log = tempfile.NamedTemporaryFile(
            "w+", prefix="wijkpeil-gunicorn-", suffix=".log", delete=False
        )  # noqa: SIM115
        cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        cmd += ["-w", str(workers)] if workers else []
        self.proc = subprocess.Popen(
            [*cmd, "app:server"], cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        for _ in range(240):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log.name}"
                )
            try:
                if requests.get(self.base + "/healthz", timeout=5).ok:
                    return
            except requests.RequestException:  # not listening yet, or workers still booting
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz in 120 s; see {self.log.name}")

    def worker_rss_mb(self) -> float:
        """Max RSS over the gunicorn worker processes, MB."""
        try:
            kids = psutil.Process(self.proc.pid).children(recursive=True)
            return max((k.memory_info().rss for k in kids), default=0) / MB
        except psutil.Error:
            return 0.0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _bodies(session: requests.Session, base: str) -> tuple:
    """Callback request builders for map recolour and trends, from /_dash-dependencies."""
    from pages import ids

    deps = session.get(base + "/_dash-dependencies", timeout=30).json()

    def maker(prefix: str):  # noqa: ANN202
        dep = next(d for d in deps if d["output"].startswith(prefix))
        outputs = [
            {"id": o.split(".")[0], "property": o.split(".")[1]}
            for o in dep["output"].strip(".").split("...")
        ]

        def body(values: dict, changed: str) -> dict:
            return {
                "output": dep["output"],
                "outputs": outputs,
                "inputs": [dict(i, value=values.get(i["id"])) for i in dep["inputs"]],
                "state": [dict(s, value=values.get(s["id"])) for s in dep["state"]],
                "changedPropIds": [changed],
            }

        return body

    mapb, trendb = maker(f"..{ids.MAP}.figure"), maker(f"..{ids.TREND_GRAPH}.figure")
    inds, years = ["lbm", "onv"], [2020, 2022, 2024]
    regions = [["NL00", "GM0363"], ["WK036300", "GM0599"], ["GM0344", "WK059915"]]

    def recolour(i: int) -> dict:
        v = {ids.INDICATOR: inds[i % 2], ids.YEAR: years[(i // 2) % 3], ids.LEVEL: "WK",
             ids.VIEW: "map", ids.LANG: "nl"}  # fmt: skip
        return mapb(v, f"{ids.INDICATOR if i % 2 else ids.YEAR}.value")

    def trend(i: int) -> dict:
        v = {ids.TREND_INDICATOR: inds[i % 2], ids.TREND_REGIONS: regions[i % 3], ids.LANG: "nl"}
        return trendb(v, f"{ids.TREND_REGIONS}.value")

    return recolour, trend


def _get_size(session: requests.Session, url: str) -> tuple[int, int, int]:
    r = session.get(url, timeout=60)
    return r.status_code, len(r.content), len(gzip.compress(r.content, 6))


def bench_payload(res: dict, base: str) -> None:
    """Bytes of the first visit to / (HTML, bundles, layout, dependencies, page, geometry)."""

    sess = requests.Session()
    html = sess.get(base + "/", timeout=30).text
    urls = (
        ["/"]
        + re.findall(r'<script src="([^"]+)"', html)
        + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    )
    urls += ["/_dash-layout", "/_dash-dependencies", "/_dash-component-suites/dash/dcc/async-graph.js",
             "/_dash-component-suites/dash/dcc/async-dropdown.js",
             "/_dash-component-suites/plotly/package_data/plotly.min.js",  # dcc "eager" async
             "/geo/WK/2024.geojson"]  # fmt: skip
    items, raw, gz, missing = {}, 0, 0, []
    for u in urls:
        code, n, g = _get_size(sess, base + u)
        if code != 200:
            missing.append(f"{u} ({code})")
            continue
        items[u] = {"bytes": n, "gzip_bytes": g}
        raw, gz = raw + n, gz + g
    # the Dash Pages content callback that delivers the home layout
    deps = sess.get(base + "/_dash-dependencies", timeout=30).json()
    dep = next(d for d in deps if "_pages_content" in d["output"])
    body = {
        "output": dep["output"],
        "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in dep["output"].strip(".").split("...")],
        "inputs": [dict(i, value="/" if i["property"] == "pathname" else "") for i in dep["inputs"]],
        "state": [], "changedPropIds": ["_pages_location.pathname"],
    }  # fmt: skip
    r = sess.post(base + "/_dash-update-component", json=body, timeout=60)
    if r.ok:
        items["pages-content callback"] = {
            "bytes": len(r.content),
            "gzip_bytes": len(gzip.compress(r.content, 6)),
        }
        raw, gz = raw + len(r.content), gz + len(gzip.compress(r.content, 6))
    else:
        missing.append(f"pages-content callback ({r.status_code})")
    res["initial_payload"] = {"bytes": raw, "gzip_bytes": gz, "items": items, "missing": missing,
                              "note": "plotly.min.js is loaded eagerly by dcc.Graph; other lazy dcc chunks not counted"}  # fmt: skip


def bench_callbacks(res: dict, base: str, n: int) -> None:
    """Sequential latency and response bytes of the recolour and time-series callbacks."""
    sess = requests.Session()
    recolour, trend = _bodies(sess, base)
    for name, make in (("recolour", recolour), ("timeseries", trend)):
        for i in range(4):  # warm both workers
            sess.post(base + "/_dash-update-component", json=make(i), timeout=60)
        lat, size, errors = [], [], 0
        for i in range(n):
            t = time.perf_counter()
            r = sess.post(base + "/_dash-update-component", json=make(i), timeout=60)
            lat.append((time.perf_counter() - t) * 1000)
            size.append(len(r.content))
            errors += not r.ok
        res[f"callback_{name}"] = {
            "calls": n, "p50_ms": round(_pct(lat, 50), 1), "p95_ms": round(_pct(lat, 95), 1),
            "max_bytes": max(size), "gzip_bytes": len(gzip.compress(r.content, 6)), "errors": errors,
        }  # fmt: skip


def bench_load(res: dict, server: Server, users: int, seconds: float) -> None:
    """``users`` threads loop GET /, recolour, time series, GET geojson for ``seconds``."""
    base = server.base
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    rss_max = [server.worker_rss_mb()]

    def user(u: int) -> None:
        sess = requests.Session()
        recolour, trend = _bodies(sess, base)
        i = u
        steps = [
            lambda: sess.get(base + "/", timeout=60),
            lambda: sess.post(base + "/_dash-update-component", json=recolour(i), timeout=60),
            lambda: sess.post(base + "/_dash-update-component", json=trend(i), timeout=60),
            lambda: sess.get(base + ("/geo/WK/2024.geojson" if i % 2 else "/geo/GM/2024.geojson"), timeout=60),
        ]  # fmt: skip
        while time.perf_counter() < stop_at:
            for step in steps:
                t = time.perf_counter()
                try:
                    ok = step().ok
                except requests.RequestException:
                    ok = False
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    lat.append(dt)
                    errors[0] += not ok
            i += 1

    def watch() -> None:
        while time.perf_counter() < stop_at:
            rss_max[0] = max(rss_max[0], server.worker_rss_mb())
            time.sleep(0.5)

    t0 = time.perf_counter()
    w = threading.Thread(target=watch, daemon=True)
    w.start()
    with ThreadPoolExecutor(users) as pool:
        list(pool.map(user, range(users)))
    wall = time.perf_counter() - t0
    w.join(2)
    res[f"load_{users}_users"] = {
        "seconds": round(wall, 1), "requests": len(lat), "rps": round(len(lat) / wall, 1),
        "p50_ms": round(_pct(lat, 50) or 0, 1), "p95_ms": round(_pct(lat, 95) or 0, 1),
        "p99_ms": round(_pct(lat, 99) or 0, 1), "errors": errors[0],
        "worker_rss_max_mb": round(rss_max[0], 1),
    }  # fmt: skip


TARGETS = [
    ("initial_payload.bytes", "≤ 3 MB", lambda v: v <= 3 * 10**6),
    ("callback_recolour.p95_ms", "≤ 50 ms", lambda v: v <= 50),
    ("callback_recolour.max_bytes", "≤ 100 KB", lambda v: v <= 100_000),
    ("load_20_users.p95_ms", "≤ 300 ms", lambda v: v <= 300),
    ("load_20_users.errors", "0", lambda v: v == 0),
    ("load_50_users.p95_ms", "≤ 300 ms", lambda v: v <= 300),
    ("load_50_users.errors", "0", lambda v: v == 0),
    ("load_20_users.worker_rss_max_mb", "≤ 400 MB", lambda v: v <= 400),
    ("load_50_users.worker_rss_max_mb", "≤ 400 MB", lambda v: v <= 400),
    ("first_start_shared.peak_rss_mb", "well below 4.7 GB", lambda v: v <= 2048),
]


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if k in ("items", "tail", "per_year"):
            continue
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the suite, print a table, write JSON; returns the exit code.

    ``python -m bench load ...`` runs the load benchmark instead (bench/load.py).
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["load"]:
        from bench import load

        return load.main(argv[1:])
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer calls, 5 s load runs")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "results.json")
    p.add_argument("--skip", default="", help="comma list of: builds,crosswalk,geometry,server")
    args = p.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    res: dict = {
        "machine": machine(),
        "command": "python -m bench" + (" --quick" if args.quick else ""),
    }
    data = {"dir": None}

    def builds() -> None:
        data["dir"] = bench_builds(res, args.quick)

    steps = [
        ("builds", builds),
        ("crosswalk", lambda: bench_crosswalk(res)),
        ("geometry", lambda: bench_web_geometry(res, data["dir"])),
    ]
    for name, fn in steps:
        if name in skip:
            continue
        print(f"[bench] {name}", flush=True)
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - record and carry on with the other metrics
            res[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
    if "server" not in skip:
        print("[bench] server", flush=True)
        server = Server(data["dir"] or _settings.get().data_dir)
        try:
            bench_payload(res, server.base)
            bench_callbacks(res, server.base, 30 if args.quick else 200)
            for users in (20, 50):
                bench_load(res, server, users, 5 if args.quick else 20)
        except Exception as exc:  # noqa: BLE001
            res["server_error"] = f"{type(exc).__name__}: {exc}"
        finally:
            server.stop()
    flat = _flat(res)
    met = {}
    for key, target, ok in TARGETS:
        if isinstance(flat.get(key), int | float):
            met[key] = {"value": flat[key], "target": target, "met": bool(ok(flat[key]))}
    res["targets"] = met
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, args.out)
    for k, v in flat.items():
        mark = (
            ""
            if k not in met
            else (
                "  [met " + met[k]["target"] + "]"
                if met[k]["met"]
                else "  [MISSED " + met[k]["target"] + "]"
            )
        )
        print(f"{k:45s} {v}{mark}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
