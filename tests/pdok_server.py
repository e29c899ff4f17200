"""A local PDOK OGC API Features server for tests (127.0.0.1) that pages like PDOK does.

Services and paths (see geo/_pdok.py for the public sources):

* ``/cbs/gebiedsindelingen/ogc/v1/collections/<level>_gegeneraliseerd/items?jaarcode=Y`` for
  Y >= 2016 and ``/cbs/gebiedsindelingen-historisch/...`` for Y <= 2015 (features with
  ``statcode``, ``statnaam``, ``jaarcode``, ``rubriek``, ``id`` properties, as the public code that
  reads the service uses them; other properties of the real service are not known here);
* ``/cbs/wijken-en-buurten-Y/ogc/v1/collections/<gemeenten|wijken|buurten>/items`` for the years in
  ``collections`` keyed ``(Y, 'wijken')`` etc. — features served with all the properties they
  were given (the real ones of ../shared/data/geo).

Paging is by **cursor** as PDOK's GoKoala does (PDOK/gokoala issue #301: "only cursor-based
pagination", clients follow ``rel="next"``): the next link carries ``cursor=<opaque token>``; an
``offset`` parameter is ignored; a cursor used with other query parameters than it was issued for
starts again at the first page (gokoala PR #71). ``limit`` is capped at ``max_limit`` (1000; the
exact cap of PDOK is a guess). ``numberReturned`` is given, ``numberMatched`` is omitted.

Faults, consumed one per request from ``faults``: ``'reset'`` (TCP RST), a status code as text
(``'500'``, ``'503'``), ``'malformed'`` (cut JSON body), ``'stall'`` (sleep ``stall_seconds``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

_WB = re.compile(r"^/cbs/wijken-en-buurten-(\d{4})/ogc/v1/collections/(\w+)/items$")
_GI = re.compile(
    r"^/cbs/(gebiedsindelingen(?:-historisch)?)/ogc/v1/collections/(\w+)_gegeneraliseerd/items$"
)
_LEVEL_OF = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}
_WB_NAME = {"gemeenten": "GM", "wijken": "WK", "buurten": "BU"}


def gebiedsindeling_feature(f: dict, year: int, i: int, level: str) -> dict:
    """A shared-file feature in the gebiedsindelingen shape (statcode/statnaam/jaarcode)."""
    p = f.get("properties") or {}
    code = next(
        (p[k] for k in ("statcode", "wijkcode", "gemeentecode", "buurtcode") if p.get(k)), None
    )
    name = next(
        (p[k] for k in ("statnaam", "wijknaam", "gemeentenaam", "buurtnaam") if p.get(k)), None
    )
    if level == "WK" and p.get("wijkcode"):
        code, name = p["wijkcode"], p.get("wijknaam")
    return {
        "type": "Feature",
        "id": f"{year}{i:06d}",
        "geometry": f.get("geometry"),
        "properties": {"statcode": code, "statnaam": name, "jaarcode": year,
                       "rubriek": {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}[level], "id": i},
    }  # fmt: skip


@dataclass
class PdokServer:
    """``collections``: ``{(year, 'wijken'|'gemeenten'|'buurten'): features}`` for the
    wijken-en-buurten services; ``indelingen``: ``{(year, 'GM'|'WK'|'BU'): features}`` for the
    gebiedsindelingen services (features already in that shape)."""

    collections: dict[tuple[int, str], list[dict]] = field(default_factory=dict)
    indelingen: dict[tuple[int, str], list[dict]] = field(default_factory=dict)
    faults: list[str | None] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    max_limit: int = 1000
    stall_seconds: float = 5.0

    def _features(self, path: str, q: dict[str, str]) -> tuple[list[dict] | None, dict]:
        m = _WB.match(path)
        if m:
            key = (int(m.group(1)), m.group(2))
            return self.collections.get(key), {}
        m = _GI.match(path)
        if m:
            level = _LEVEL_OF.get(m.group(2))
            if level is None:
                return None, {}
            historic = m.group(1).endswith("historisch")
            feats: list[dict] = []
            for (y, lv), fs in sorted(self.indelingen.items()):
                if lv != level or (y <= 2015) != historic:
                    continue
                if q.get("jaarcode") and str(y) != q["jaarcode"]:
                    continue
                feats += fs
            return feats, {"jaarcode": q.get("jaarcode")}
        return None, {}

    def start(self) -> str:
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                return

            def do_GET(self) -> None:  # noqa: N802
                srv.requests.append(self.path)
                fault = srv.faults.pop(0) if srv.faults else None
                if fault == "stall":
                    time.sleep(srv.stall_seconds)
                if fault == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    return
                if fault and fault.isdigit():
                    self.send_error(int(fault))
                    return
                u = urlsplit(self.path)
                q = {k: v[-1] for k, v in parse_qs(u.query).items()}
                feats, _ = srv._features(u.path, q)
                if feats is None or q.get("f", "json") != "json":
                    body = json.dumps(
                        {"code": "NotFound", "description": f"{u.path} not found"}
                    ).encode()
                    self.send_response(404)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                limit = min(int(q.get("limit", "10")), srv.max_limit)
                others = {k: v for k, v in q.items() if k != "cursor"}
                qhash = hashlib.sha1(json.dumps(others, sort_keys=True).encode()).hexdigest()[:8]
                offset = 0
                if q.get("cursor"):
                    try:
                        tok = json.loads(base64.urlsafe_b64decode(q["cursor"] + "==="))
                        offset = int(tok["o"]) if tok.get("q") == qhash else 0
                    except (ValueError, KeyError, TypeError):
                        offset = 0
                page = feats[offset : offset + limit]
                body_doc = {"type": "FeatureCollection", "timeStamp": "2025-01-01T00:00:00Z",
                            "numberReturned": len(page), "features": page, "links": [
                                {"rel": "self", "type": "application/geo+json", "href": srv.url + self.path}]}  # fmt: skip
                if offset + limit < len(feats):
                    tok = base64.urlsafe_b64encode(
                        json.dumps({"o": offset + limit, "q": qhash}).encode()
                    )
                    nq = dict(others, cursor=tok.decode().rstrip("="))
                    body_doc["links"].append({"rel": "next", "type": "application/geo+json",
                                              "title": "Next page", "href": f"{srv.url}{u.path}?{urlencode(nq)}"})  # fmt: skip
                data = json.dumps(body_doc).encode()
                if fault == "malformed":
                    data = data[: len(data) // 2]
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
