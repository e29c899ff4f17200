"""A local PDOK OGC API Features server for tests (127.0.0.1, free port).

Serves ``/cbs/wijken-en-buurten-<year>/ogc/v1/collections/<coll>/items?f=json&limit=N&offset=K``
from real features passed in (read from ``../shared/data/geo`` by the test), in PDOK's shape:
``type``, ``features`` (each with ``id``), ``numberReturned``, ``numberMatched`` omitted as PDOK
does for large sets, ``links`` with ``rel="next"`` carrying the offset. Faults per request:
``reset`` (TCP RST), ``status`` (e.g. 500) and ``malformed`` (truncated JSON).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_PATH = re.compile(r"^/cbs/wijken-en-buurten-(\d{4})/ogc/v1/collections/(\w+)/items$")


@dataclass
class PdokServer:
    collections: dict[tuple[int, str], list[dict]]
    faults: list[str] = field(default_factory=list)  # consumed one per request
    requests: list[str] = field(default_factory=list)
    max_limit: int = 1000

    def start(self) -> str:
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                return

            def do_GET(self) -> None:  # noqa: N802
                srv.requests.append(self.path)
                fault = srv.faults.pop(0) if srv.faults else None
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
                m = _PATH.match(u.path)
                q = parse_qs(u.query)
                key = (int(m.group(1)), m.group(2)) if m else None
                if key not in srv.collections or q.get("f") != ["json"]:
                    self.send_error(404)
                    return
                limit = min(int(q.get("limit", ["10"])[0]), srv.max_limit)
                offset = int(q.get("offset", ["0"])[0])
                feats = srv.collections[key][offset : offset + limit]
                body = {"type": "FeatureCollection", "features": feats,
                        "numberReturned": len(feats), "links": []}  # fmt: skip
                if offset + limit < len(srv.collections[key]):
                    nxt = f"{srv.url}{u.path}?f=json&limit={limit}&offset={offset + limit}"
                    body["links"].append(
                        {"rel": "next", "type": "application/geo+json", "href": nxt}
                    )
                data = json.dumps(body).encode()
                if fault == "malformed":
                    data = data[: len(data) // 2]
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
