"""Full-size rehearsal of the online first start (not a test): ``python -m bench.online``.

Starts, in a separate process (so their memory is not counted), local servers at real table
sizes on ports 8500-8599: the CBS OData server with every KWB year 2012-2024 (all 18,313 regions of
the 2024 indeling, every column of each year's shape, generated values) and 47018NED (59 crime types
× 18,313 regions × 12 periods, ~1.08 M rows a year, generated counts), the PDOK server (gemeente and
wijk boundaries for every year: real shared geometry; years without a shared file reuse the 2024
geometry relabelled) and the Leefbaarometer zip (the real wijk CSV). Then runs, in this process,
what the build does online: ``online.plan`` and ``online.fetch`` for every task with the registry's
stems and crime types, and ``geo.boundaries.load_boundaries`` for WK and GM of every year.

Reports wall time, HTTP requests, bytes received, peak RSS of this process overall and the peak
while fetching the largest KWB year and one 47018NED year (sampled every 50 ms with psutil).
``--years 2023-2024`` limits the years (a quick run); ``--page-size`` sets the OData page size
(10,000 by default, a guess at CBS's feed page size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]

_SERVE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import settings
from tests.odata_server import ODataServer, KWB_IDS, kwb_table, crime_table
from tests.pdok_server import PdokServer, gebiedsindeling_feature
from tests.lbm_server import LbmServer
years = [int(y) for y in sys.argv[2].split(",")]
page = int(sys.argv[3])
sh = settings.get().shared_dir
tabs = {KWB_IDS[y]: kwb_table(y, sh, gemeenten=None) for y in years}
tabs["47018NED"] = crime_table(sh, gemeenten=None)
od = ODataServer(tabs, page_size=page, port_wanted=8510).start()
ind = {}
def feats(name):
    p = sh / "geo" / name
    return json.loads(p.read_text())["features"] if p.exists() else None
for y in years:
    for lv, fname in (("WK", "wijk"), ("GM", "gemeente")):
        fs = feats(f"{fname}_{y}.geojson") or feats(f"{fname}_2024.geojson")
        ind[(y, lv)] = [gebiedsindeling_feature(f, y, i, lv) for i, f in enumerate(fs)]
pd = PdokServer(indelingen=ind); purl = pd.start()
lbm = LbmServer((sh / "lbm" / "wijk_scores_2002_2024.csv").read_bytes()); lurl = lbm.start()
print(json.dumps({"odata": od.host, "pdok": purl, "lbm": lurl}), flush=True)
while True:
    time.sleep(3600)
"""


class Peak:
    """Sample this process's RSS every 50 ms; ``mark()`` starts a new window."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.window = 0
        self.overall = 0
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop:
            rss = self.proc.memory_info().rss
            self.window = max(self.window, rss)
            self.overall = max(self.overall, rss)
            time.sleep(0.05)

    def mark(self) -> int:
        w, self.window = self.window, self.proc.memory_info().rss
        return w


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.online")
    ap.add_argument("--years", default="2012-2024")
    ap.add_argument("--page-size", type=int, default=10_000)
    ap.add_argument("--first-start", action="store_true",
                    help="run the whole first start (python -m loaders build --source online: "
                         "downloads, store, indicator dataset, geometry) in a child process and "
                         "report its wall time and peak RSS (process tree, sampled)")  # fmt: skip
    args = ap.parse_args(argv)
    a, _, b = args.years.partition("-")
    years = list(range(int(a), int(b or a) + 1))

    import settings
    from geo import boundaries
    from indicators import registry
    from loaders import _http, online

    stems = {s for ind in registry.REGISTRY if ind.family == "kwb" for s in ind.stems}
    stems |= {"AantalInwoners"}
    crime_keys = {s[len("GeregistreerdeMisdrijven[") : -1] for ind in registry.REGISTRY
                  for s in ind.stems if s.startswith("GeregistreerdeMisdrijven[")}  # fmt: skip

    stats = _http.Stats()
    send, body = _http.Client._send, _http.Client._body

    def _send(self, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        stats.requests += 1
        return send(self, *a, **k)

    def _body(self, r):  # noqa: ANN001, ANN202
        data = body(self, r)
        stats.bytes += int(r.headers.get("Content-Length") or len(data))
        return data

    _http.Client._send, _http.Client._body = _send, _body  # type: ignore[method-assign]

    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(REPO), ",".join(map(str, years)), str(args.page_size)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        hosts = json.loads(server.stdout.readline())  # type: ignore[union-attr]
        data = Path(tempfile.mkdtemp(prefix="wijkpeil-bench-online-"))
        if args.first_start:
            return _first_start(hosts, data, years)
        s = settings.override(
            cbs_catalog=hosts["odata"], police_catalog=hosts["odata"], use_https=False,
            pdok_url=hosts["pdok"], lbm_url=hosts["lbm"], data_dir=data,
            shared_dir=data / "no-shared", http_timeout=300,
        )  # fmt: skip
        peak = Peak()
        t0 = time.perf_counter()
        tasks, missing = online.plan(
            s, stems=stems, crime_keys=crime_keys, years=range(years[0], years[-1] + 1)
        )
        rows: list[dict] = []
        for t in tasks:
            peak.mark()
            t1 = time.perf_counter()
            r0, b0 = stats.requests, stats.bytes
            parts = online.fetch(t, s, stems=stems, crime_keys=crime_keys)
            rows.append({"task": t.key, "seconds": round(time.perf_counter() - t1, 1),
                         "rows": sum(len(p.frame) for p in parts), "requests": stats.requests - r0,
                         "MB": round((stats.bytes - b0) / 1e6, 1), "peak_rss_MB": round(peak.mark() / 1e6)})  # fmt: skip
            del parts
            print(json.dumps(rows[-1]), flush=True)
        peak.mark()
        t2 = time.perf_counter()
        r0, b0 = stats.requests, stats.bytes
        for y in years:
            for lv in ("GM", "WK"):
                boundaries.load_boundaries(lv, y, source="pdok", settings=s)
        rows.append({"task": f"boundaries GM+WK {years[0]}-{years[-1]}", "seconds": round(time.perf_counter() - t2, 1),
                     "rows": None, "requests": stats.requests - r0, "MB": round((stats.bytes - b0) / 1e6, 1),
                     "peak_rss_MB": round(peak.mark() / 1e6)})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
        total = time.perf_counter() - t0
        peak._stop = True
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kwb = [r for r in rows if r["task"].startswith("kwb-")]
        crime = [r for r in rows if r["task"].startswith("crime-")]
        summary = {
            "years": f"{years[0]}-{years[-1]}", "page_size": args.page_size,
            "tasks": len(tasks), "missing": [m.key for m in missing],
            "seconds": round(total, 1), "requests": stats.requests, "MB_received": round(stats.bytes / 1e6, 1),
            "peak_rss_MB_overall": round(max(peak.overall / 1e6, maxrss)),
            "peak_rss_MB_largest_kwb_year": max((r["peak_rss_MB"] for r in kwb), default=None),
            "peak_rss_MB_largest_crime_year": max((r["peak_rss_MB"] for r in crime), default=None),
            "cache_MB_on_disk": round(sum(p.stat().st_size for p in (data / "cache").rglob("*") if p.is_file()) / 1e6, 1),
        }  # fmt: skip
        print(json.dumps(summary, indent=1))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


def _first_start(hosts: dict, data: Path, years: list[int]) -> int:
    """`python -m loaders build --source online` against the local servers; time and peak RSS."""
    env = dict(os.environ, WIJKPEIL_DATA_DIR=str(data), WIJKPEIL_SHARED_DIR=str(data / "no-shared"),
               WIJKPEIL_CBS_CATALOG=hosts["odata"], WIJKPEIL_POLICE_CATALOG=hosts["odata"],
               WIJKPEIL_USE_HTTPS="0", WIJKPEIL_PDOK_URL=hosts["pdok"], WIJKPEIL_LBM_URL=hosts["lbm"],
               WIJKPEIL_HTTP_TIMEOUT="300", WIJKPEIL_PROGRESS_BARS="off")  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "loaders", "build", "--source", "online",
                             "--years", f"{years[0]}-{years[-1]}"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    ps, peak, lines = psutil.Process(proc.pid), 0, []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(
                c.memory_info().rss for c in ps.children(recursive=True)
            )
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    reader.join(5)
    took = time.perf_counter() - t0
    print("".join(lines[-40:]))
    root = data / "store"
    version = root / os.readlink(root / "current") if (root / "current").exists() else None
    m = json.loads((version / "manifest.json").read_text()) if version else {}
    summary = {
        "first_start": "python -m loaders build --source online", "years": f"{years[0]}-{years[-1]}",
        "exit_code": proc.returncode, "seconds": round(took, 1), "peak_rss_MB": round(peak / 1e6),
        "parts": len(m.get("parts", [])), "rows": m.get("rows"),
        "indicator_values": (m.get("report") or {}).get("indicator_values"),
        "missing": [x["what"] for x in m.get("missing", [])],
        "store_MB": round(sum(p.stat().st_size for p in version.rglob("*") if p.is_file()) / 1e6, 1)
        if version else None,
        "cache_MB": round(sum(p.stat().st_size for p in (data / "cache").rglob("*") if p.is_file()) / 1e6, 1),
    }  # fmt: skip
    print(json.dumps(summary, indent=1))
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("WIJKPEIL_PROGRESS_BARS", "off")
    sys.exit(main())
