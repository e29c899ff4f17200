"""Load benchmark: ``python -m bench load [--users 1,20,50] [--duration 60] [--url URL] [--soak]``.

A bounded client on 127.0.0.1 only: one thread and one ``requests.Session`` per simulated user,
so at most ``users`` requests are in flight. Each user repeats realistic visits with a think time of
0.5-1.5 s between actions (a page view = HTML + Dash's page-content callback back to back, as a
browser sends them; the Dash layout, dependencies and the map geometry are fetched once per user,
as a browser caches them):

* map: page view of ``/`` (+ layout, dependencies, geometry once), then 2-5 recolours (indicator,
  year) and now and then a search;
* trends: page view, then 2-3 time-series callbacks (indicator, regions);
* profile: ``/wijk/<random wijk>``;
* areas: ``/gebieden``, then an area switch;
* index: ``/indices`` with random custom weights, then 1-2 weight changes (new weight sets);
* download: a map CSV or a series CSV.

Without ``--url`` it starts ``gunicorn -c gunicorn.conf.py app:server`` itself on a free port over
``WIJKPEIL_DATA_DIR`` (the production configuration); ``--cold`` restarts it before every run, else
a warm-up pass (not timed) precedes each run. Worker memory (RSS, PSS, USS via psutil) is sampled
every ``--sample`` seconds (10 s in ``--soak``); the RSS slope is a least-squares fit in MB/min.
Prints p50/p95/p99 per request kind and overall, errors, req/s, RSS max and slope; ``--json`` writes
all numbers. Not a test: the numbers go to bench/RESULTS.md by hand, with the machine and command.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

import psutil
import requests

MB = 2**20
GZIP = {"Accept-Encoding": "gzip"}
INDICATORS = ("lbm", "onv", "criminaliteit", "inkomen", "bijstand", "woz")
YEARS = (2016, 2018, 2020, 2022, 2023, 2024)  # recolour falls back to the last year with data
#: A year each indicator has in the real store built from ../shared (a download needs one); with
#: an online store every year 2012-2024 exists and these still do.
DOWNLOAD_YEARS = {"lbm": (2018, 2020, 2022, 2024), "onv": (2018, 2020, 2022, 2024),
                  "criminaliteit": (2023,), "inkomen": (2023,), "bijstand": (2023,),
                  "woz": (2023,)}  # fmt: skip


def pct(xs: list[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0-100) of ``xs``."""
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 3:
        return None
    ts, ys = [t for t, _ in samples], [y for _, y in samples]
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    den = sum((t - mt) ** 2 for t in ts)
    return 60 * sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / den if den else None


def _loopback(url: str) -> str:
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {url}: this benchmark runs against 127.0.0.1 only")
    return url.rstrip("/")


# ----------------------------------------------------------------------------------------------
# what the site offers (read once, before timing)
# ----------------------------------------------------------------------------------------------


def _find(node: object, cid: object) -> dict | None:
    """The serialised component with id ``cid`` in a Dash layout JSON."""
    if isinstance(node, list):
        for n in node:
            hit = _find(n, cid)
            if hit:
                return hit
    elif isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == cid:
            return node
        return _find(props.get("children"), cid)
    return None


def _find_all(node: object, pred) -> list[dict]:  # noqa: ANN001
    out: list[dict] = []
    if isinstance(node, list):
        for n in node:
            out += _find_all(n, pred)
    elif isinstance(node, dict):
        props = node.get("props", {})
        if pred(props.get("id")):
            out.append(node)
        out += _find_all(props.get("children"), pred)
    return out


@dataclass
class Site:
    """Dependencies, real region codes, NPLV areas and index components of the served app."""

    base: str
    deps: list[dict]
    wijken: list[str]
    areas: list[str]
    components: dict[str, list[str]]

    @classmethod
    def discover(cls, base: str) -> Site:
        s = requests.Session()
        deps = s.get(base + "/_dash-dependencies", timeout=60).json()
        csv = s.get(base + "/download/map.csv?indicator=lbm&level=WK", timeout=120)
        csv.raise_for_status()
        lines = csv.text.splitlines()
        col = lines[0].split(",").index("region_code")
        wijken = sorted({ln.split(",")[col] for ln in lines[1:] if ln.split(",")[col]})
        site = cls(base, deps, wijken, [], {})
        areas = site.page(s, "/gebieden", "")[1]
        opts = (_find(areas, "area-select") or {}).get("props", {}).get("options", [])
        site.areas = [o if isinstance(o, str) else o.get("value") for o in opts]
        for kind in ("leefbaarheid", "veiligheid"):
            lay = site.page(s, "/indices", f"?kind={kind}")[1]
            found = _find_all(
                lay, lambda i: isinstance(i, dict) and i.get("type") == "index-weights"
            )
            site.components[kind] = [n["props"]["id"]["ind"] for n in found]
        if not site.wijken or not site.areas or not all(site.components.values()):
            raise RuntimeError("could not read wijken, areas or index components from the app")
        return site

    def dep(self, prefix: str) -> dict:
        return next(d for d in self.deps if d["output"].startswith(prefix))

    def body(self, prefix: str, values: dict, changed: str) -> dict:
        """A callback request as dash-renderer sends it (``values`` by (id, property) or id)."""
        dep = self.dep(prefix)
        multi = dep["output"].startswith("..")
        outs = dep["output"].strip(".").split("...") if multi else [dep["output"]]
        outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outs]

        def entry(d: dict) -> object:
            key = (d["id"], d["property"])
            return values[key] if d["id"].startswith("{") else {
                "id": d["id"], "property": d["property"], "value": values.get(key, values.get(d["id"]))
            }  # fmt: skip

        return {"output": dep["output"], "outputs": outputs if multi else outputs[0],
                "inputs": [entry(d) for d in dep["inputs"]],
                "state": [entry(d) for d in dep["state"]], "changedPropIds": [changed]}  # fmt: skip

    def page(self, s: requests.Session, path: str, search: str) -> tuple[list, object]:
        """GET the page HTML and POST its content callback: [(kind, response)], layout JSON."""
        r1 = s.get(self.base + path + search, headers=GZIP, timeout=120)
        body = self.body(
            ".._pages_content",
            {("_pages_location", "pathname"): path, ("_pages_location", "search"): search},
            "_pages_location.pathname",
        )
        r2 = s.post(self.base + "/_dash-update-component", json=body, timeout=120)
        layout = r2.json()["response"]["_pages_content"]["children"] if r2.ok else None
        return [(r1, "html"), (r2, "page")], layout


# ----------------------------------------------------------------------------------------------
# users
# ----------------------------------------------------------------------------------------------


@dataclass
class Record:
    lat: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, status: str) -> None:
        """One request: latency and its status (an HTTP code, or the exception's name)."""
        with self.lock:
            self.lat.setdefault(kind, []).append(ms)
            if not status.startswith(("2", "3")):
                self.errors[kind] = self.errors.get(kind, 0) + 1
                per = self.statuses.setdefault(kind, {})
                per[status] = per.get(status, 0) + 1


class User:
    """One simulated visitor: a session, a random generator, and the visits."""

    def __init__(
        self, site: Site, rec: Record | None, seed: int, stop_at: float, think: tuple
    ) -> None:
        self.site, self.rec, self.stop_at, self.think = site, rec, stop_at, think
        self.rnd = random.Random(seed)
        self.s = requests.Session()
        self.seen_static = False

    def _timed(self, kind: str, fn) -> requests.Response | None:  # noqa: ANN001
        t0 = time.perf_counter()
        try:
            r = fn()
            _ = r.content
            status = str(r.status_code)
        except requests.RequestException as exc:
            r, status = None, type(exc).__name__
        if self.rec is not None:
            self.rec.add(kind, (time.perf_counter() - t0) * 1000, status)
        return r

    def get(self, kind: str, path: str) -> requests.Response | None:
        return self._timed(
            kind, lambda: self.s.get(self.site.base + path, headers=GZIP, timeout=120)
        )

    def post(self, kind: str, body: dict) -> requests.Response | None:
        url = self.site.base + "/_dash-update-component"
        return self._timed(kind, lambda: self.s.post(url, json=body, headers=GZIP, timeout=120))

    def pause(self) -> bool:
        """Think; False when the run is over."""
        left = self.stop_at - time.perf_counter()
        if left <= 0:
            return False
        time.sleep(min(left, self.rnd.uniform(*self.think)))
        return time.perf_counter() < self.stop_at

    def view(self, path: str, search: str = "") -> None:
        """A page view: HTML, (layout + dependencies once), the page-content callback."""
        self.get("html", path + search)
        if not self.seen_static:
            self.get("dash-layout", "/_dash-layout")
            self.get("dash-dependencies", "/_dash-dependencies")
            self.seen_static = True
        body = self.site.body(
            ".._pages_content",
            {("_pages_location", "pathname"): path, ("_pages_location", "search"): search},
            "_pages_location.pathname",
        )
        self.post(f"page {path.split('/')[1] or 'map'}", body)

    # --- visits ------------------------------------------------------------------------------

    def visit_map(self) -> None:
        ind = self.rnd.choice(INDICATORS)
        self.view("/", f"?indicator={ind}")
        if not getattr(self, "has_geometry", False):
            self.get("geometry", "/geo/WK/2024.geojson")
            self.has_geometry = True
        for i in range(self.rnd.randint(2, 5)):
            if not self.pause():
                return
            ind = self.rnd.choice(INDICATORS) if i % 2 else ind
            values = {"map-indicator": ind, "map-year": self.rnd.choice(YEARS), "map-level": "WK",
                      "map-view": "map", "page-lang": "nl"}  # fmt: skip
            changed = "map-indicator.value" if i % 2 else "map-year.value"
            self.post("recolour", self.site.body("..map-graph.figure", values, changed))
        if self.rnd.random() < 0.3 and self.pause():
            text = self.rnd.choice(["Char", "Den Haag", "Tarwewijk", "Zuid", "Centr"])
            values = {"find-input": text, "find-pdok": {}, "page-lang": "nl"}
            self.post("search", self.site.body("..find-results.children", values,
                                               "find-input.value"))  # fmt: skip

    def _regions(self, n: int) -> list[str]:
        return self.rnd.sample(self.site.wijken, n)

    def visit_trends(self) -> None:
        codes = self._regions(2)
        self.view("/trends", f"?indicator=lbm&regions={','.join(codes)}")
        for _ in range(self.rnd.randint(2, 3)):
            if not self.pause():
                return
            values = {"trend-indicator": self.rnd.choice(INDICATORS),
                      "trend-regions": self._regions(self.rnd.randint(1, 3)), "page-lang": "nl"}  # fmt: skip
            self.post(
                "trends", self.site.body("..trend-graph.figure", values, "trend-regions.value")
            )

    def visit_profile(self) -> None:
        self.view(f"/wijk/{self.rnd.choice(self.site.wijken)}")

    def visit_areas(self) -> None:
        self.view("/gebieden", f"?area={quote(self.rnd.choice(self.site.areas))}")
        if self.pause():
            values = {"areas-indicator": self.rnd.choice(("lbm", "onv")),
                      "area-select": self.rnd.choice(self.site.areas), "page-lang": "nl"}  # fmt: skip
            self.post("areas", self.site.body("..area-graph.figure", values, "area-select.value"))

    def _weights(self, kind: str) -> dict[str, int]:
        comps = self.site.components[kind]
        w = {c: self.rnd.randint(0, 5) for c in comps}
        if not any(w.values()):
            w[comps[0]] = 1
        return w

    def visit_index(self) -> None:
        kind = "leefbaarheid"  # the real store from ../shared has no crime groups (safety index)
        w = self._weights(kind)
        code = self.rnd.choice(self.site.wijken)
        text = ",".join(f"{k}:{v}" for k, v in w.items())
        self.view("/indices", f"?kind={kind}&regions={code}&weights={text}")
        pattern = json.dumps({"ind": ["ALL"], "type": "index-weights"}, separators=(",", ":"))
        for _ in range(self.rnd.randint(1, 2)):
            if not self.pause():
                return
            w = self._weights(kind)
            wid = [{"ind": k, "type": "index-weights"} for k in w]
            values = {
                (pattern, "value"): [{"id": i, "property": "value", "value": w[i["ind"]]} for i in wid],
                (pattern, "id"): [{"id": i, "property": "id", "value": i} for i in wid],
                "index-region": [code], "index-kind": kind, "page-lang": "nl",
            }  # fmt: skip
            changed = json.dumps(wid[0], sort_keys=True, separators=(",", ":")) + ".value"
            self.post("index weights", self.site.body("..index-graph.figure", values, changed))

    def visit_download(self) -> None:
        if self.rnd.random() < 0.5:
            ind = self.rnd.choice(INDICATORS)
            year = self.rnd.choice(DOWNLOAD_YEARS[ind])
            self.get("download map", f"/download/map.csv?indicator={ind}&year={year}&level=WK")
        else:
            codes = ",".join(self._regions(2))
            self.get("download series", f"/download/series.csv?indicator=lbm&regions={codes}")

    VISITS = (("visit_map", 40), ("visit_trends", 15), ("visit_profile", 15), ("visit_areas", 8),
              ("visit_index", 12), ("visit_download", 10))  # fmt: skip

    def run(self) -> None:
        names, weights = zip(*self.VISITS, strict=True)
        while time.perf_counter() < self.stop_at:
            visit = self.rnd.choices(names, weights)[0]
            try:
                getattr(self, visit)()
            except (StopIteration, KeyError, ValueError) as exc:  # a client bug, counted loudly
                if self.rec is not None:
                    self.rec.add(f"client error in {visit}", 0.0, type(exc).__name__)
            if not self.pause():
                return


# ----------------------------------------------------------------------------------------------
# server and memory
# ----------------------------------------------------------------------------------------------


def server_workers(base: str) -> list[psutil.Process]:
    """The worker processes behind ``base``: the children of the gunicorn master that listens on
    the port (psutil names one holder of a shared socket: the master or a worker), else the one
    process that serves (``python app.py``)."""
    port = urlparse(base).port
    for c in psutil.net_connections("tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
            try:
                proc = psutil.Process(c.pid)
                parent = proc.parent()
                master = parent if parent and parent.cmdline() == proc.cmdline() else proc
                return master.children() or [master]
            except psutil.Error:
                return []
    return []


def memory(base: str) -> dict[str, float]:
    """Max RSS/PSS/USS over the workers and the PSS sum over master + workers, MB (0 when the
    processes cannot be read). PSS shares pages between the processes that map them, so the sum
    is what the server as a whole costs; with preload most of a worker's RSS is shared."""
    out = {"rss": 0.0, "pss": 0.0, "uss": 0.0, "total_pss": 0.0}
    workers = server_workers(base)
    procs = list(workers)
    try:
        master = workers[0].parent() if workers else None
        if master is not None and master.cmdline() == workers[0].cmdline():
            procs.append(master)
    except psutil.Error:
        pass
    for p in procs:
        try:
            m = p.memory_full_info()
        except psutil.Error:
            continue
        out["total_pss"] += getattr(m, "pss", 0) / MB
        if p in workers:
            for k in ("rss", "pss", "uss"):
                out[k] = max(out[k], getattr(m, k, 0) / MB)
    return out


def start_server(workers: int | None = None, env: dict | None = None):  # noqa: ANN201
    import settings as _settings
    from bench.__main__ import Server

    return Server(_settings.get().data_dir, workers=workers, env=env)


# ----------------------------------------------------------------------------------------------
# a run
# ----------------------------------------------------------------------------------------------


def run_load(site: Site, users: int, seconds: float, think: tuple, seed: int, sample: float,
             timed: bool = True) -> dict:  # fmt: skip
    """``users`` users for ``seconds``; returns the numbers (or {} when ``timed`` is False)."""
    rec = Record() if timed else None
    stop_at = time.perf_counter() + seconds
    mem: list[tuple[float, dict]] = []
    done = threading.Event()

    def sampler() -> None:
        t0 = time.perf_counter()
        while not done.is_set():
            mem.append((time.perf_counter() - t0, memory(site.base)))
            done.wait(sample)

    threads = [threading.Thread(target=User(site, rec, seed * 1000 + u, stop_at, think).run,
                                daemon=True) for u in range(users)]  # fmt: skip
    watch = threading.Thread(target=sampler, daemon=True)
    t0 = time.perf_counter()
    watch.start()
    for th in threads:
        th.start()
        time.sleep(min(0.05, 2.0 / max(users, 1)))  # ramp-up over at most ~2 s
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    done.set()
    watch.join(5)
    mem.append((wall, memory(site.base)))
    if rec is None:
        return {}
    every = [x for xs in rec.lat.values() for x in xs]
    rnd = lambda v: None if v is None else round(v, 1)  # noqa: E731
    kinds = {
        k: {"n": len(v), "p50_ms": rnd(pct(v, 50)), "p95_ms": rnd(pct(v, 95)),
            "p99_ms": rnd(pct(v, 99)), "errors": rec.errors.get(k, 0),
            "error_statuses": rec.statuses.get(k, {})}
        for k, v in sorted(rec.lat.items())
    }  # fmt: skip
    rss = [(t, m["rss"]) for t, m in mem if m["rss"]]
    return {
        "users": users, "seconds": round(wall, 1), "requests": len(every),
        "rps": round(len(every) / wall, 1), "errors": sum(rec.errors.values()),
        "p50_ms": rnd(pct(every, 50)), "p95_ms": rnd(pct(every, 95)), "p99_ms": rnd(pct(every, 99)),
        "worker_rss_max_mb": round(max((m["rss"] for _, m in mem), default=0), 1),
        "worker_pss_max_mb": round(max((m["pss"] for _, m in mem), default=0), 1),
        "worker_uss_max_mb": round(max((m["uss"] for _, m in mem), default=0), 1),
        "server_pss_total_max_mb": round(max((m["total_pss"] for _, m in mem), default=0), 1),
        "rss_slope_mb_per_min": rnd(slope_mb_per_min(rss)),
        "rss_slope_after_60s_mb_per_min": rnd(slope_mb_per_min([x for x in rss if x[0] >= 60])),
        "rss_samples_mb": [[round(t), round(r)] for t, r in rss],
        "kinds": kinds,
    }  # fmt: skip


def report(name: str, res: dict) -> None:
    print(f"\n== {name}: {res['users']} users, {res['seconds']} s, {res['requests']} requests, "
          f"{res['rps']} req/s, {res['errors']} errors")  # fmt: skip
    print(f"   all                        p50 {res['p50_ms']:>8} ms  p95 {res['p95_ms']:>8} ms  "
          f"p99 {res['p99_ms']:>8} ms")  # fmt: skip
    for k, v in res["kinds"].items():
        print(f"   {k:<18} n {v['n']:>5}  p50 {v['p50_ms']:>8}  p95 {v['p95_ms']:>8}  "
              f"p99 {v['p99_ms']:>8}  errors {v['errors']} {v['error_statuses'] or ''}")  # fmt: skip
    print(
        f"   worker RSS max {res['worker_rss_max_mb']} MB (PSS {res['worker_pss_max_mb']}, "
        f"USS {res['worker_uss_max_mb']}); server PSS total {res['server_pss_total_max_mb']} MB"
    )
    print(f"   RSS slope {res['rss_slope_mb_per_min']} MB/min (after 60 s: "
          f"{res['rss_slope_after_60s_mb_per_min']})")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    p.add_argument("--users", default="1,20,50", help="comma list of user counts (default 1,20,50)")
    p.add_argument("--duration", type=float, default=60, help="seconds per run (soak: 600)")
    p.add_argument("--url", help="an app already running on 127.0.0.1 (else gunicorn is started)")
    p.add_argument("--cold", action="store_true", help="restart the server before each run")
    p.add_argument("--warmup", type=float, default=20, help="untimed warm-up seconds (warm runs)")
    p.add_argument(
        "--soak", action="store_true", help="one long run (default 600 s), RSS every 10 s"
    )
    p.add_argument("--think", default="0.5,1.5", help="think time range in seconds")
    p.add_argument("--sample", type=float, default=2.0, help="RSS sampling interval in seconds")
    p.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--json", type=Path, help="write the numbers to this file")
    args = p.parse_args(argv)
    think = tuple(float(x) for x in args.think.split(","))
    counts = [int(u) for u in args.users.split(",")]
    if args.soak:
        counts = counts[-1:]
        args.duration = args.duration if "--duration" in (argv or sys.argv) else 600
        args.sample = 10.0
    server = None if args.url else start_server(args.workers)
    base = _loopback(args.url or server.base)
    out: dict = {"command": "python -m bench load " + " ".join(argv or sys.argv[1:]), "runs": {}}
    from bench.__main__ import machine

    out["machine"] = machine()
    site: Site | None = None
    try:
        for users in counts:
            if args.cold and server is not None and site is not None:
                server.stop()
                server = start_server(args.workers)
                base = server.base
            if site is None:  # the site's codes, areas and components (the same after a restart)
                site = Site.discover(base)
            site.base = base
            if not args.cold and args.warmup > 0:
                run_load(site, min(users, 10), args.warmup, think, args.seed + 99, 5, timed=False)
            res = run_load(site, users, args.duration, think, args.seed, args.sample)
            name = f"{'soak' if args.soak else 'cold' if args.cold else 'warm'} {users} users"
            out["runs"][name] = res
            report(name, res)
    finally:
        if server is not None:
            server.stop()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0
