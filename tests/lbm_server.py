"""A local stand-in for the Leefbaarometer open-data download (127.0.0.1).

Serves ``/resources/open-data-leefbaarometer-meting-2024.zip`` — the address public code downloads
the Leefbaarometer 3.0 open data from (see loaders/online.py) — as a zip whose folder and buurt
file name follow what that code expects ("Leefbaarometer 3.0 - Meting 2024 - open data/
Leefbaarometer-scores buurten 2002-2024.csv"). The *wijk* member name is a guess by analogy
("Leefbaarometer-scores wijken 2002-2024.csv"); its content is what the test passes in (the real
../shared/data/lbm/wijk_scores_2002_2024.csv, published by BZK under CC0). The buurt member is a
two-line placeholder (the loader must pick the wijk file by its header, not by position).

HTTP behaviour: ``HEAD`` answers with Content-Length and Last-Modified; ``GET`` honours
``Range: bytes=N-`` with 206 (as static file servers do; that leefbaarometer.nl does is a guess).
Faults, consumed one per request from ``faults``: ``'404'``/``'503'`` (any status), ``'reset'``,
``'cut'`` (sends half of the body, then resets the connection).
"""

from __future__ import annotations

import io
import socket
import struct
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/resources/open-data-leefbaarometer-meting-2024.zip"
FOLDER = "Leefbaarometer 3.0 - Meting 2024 - open data/"
WIJK_MEMBER = FOLDER + "Leefbaarometer-scores wijken 2002-2024.csv"
BUURT_MEMBER = FOLDER + "Leefbaarometer-scores buurten 2002-2024.csv"
LAST_MODIFIED = "Tue, 01 Apr 2025 08:00:00 GMT"


def build_zip(wijk_csv: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(BUURT_MEMBER, '"bu_code","jaar","lbm"\n"BU00000000",2024,4.1\n')
        zf.writestr(WIJK_MEMBER, wijk_csv)
        zf.writestr(
            FOLDER + "LEESMIJ.txt", "TEST FIXTURE zip; wijk scores are the real CSV passed in\n"
        )
    return buf.getvalue()


@dataclass
class LbmServer:
    wijk_csv: bytes
    faults: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, range)
    sent: int = 0

    def start(self) -> str:
        srv = self
        self.body = build_zip(self.wijk_csv)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                return

            def _fault(self) -> bool:
                fault = srv.faults.pop(0) if srv.faults else None
                if fault == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    return True
                if fault and fault.isdigit():
                    self.send_response(int(fault))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                self._cut = fault == "cut"
                return False

            def _unknown_path(self) -> bool:
                """404 (empty body) for anything but the published file's path."""
                if self.path.split("?")[0] == PATH:
                    return False
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True

            def do_HEAD(self) -> None:  # noqa: N802
                srv.requests.append(("HEAD", self.path, ""))
                if self._fault():
                    return
                if self._unknown_path():
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(srv.body)))
                self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                rng = self.headers.get("Range", "")
                srv.requests.append(("GET", self.path, rng))
                if self._fault():
                    return
                if self._unknown_path():
                    return
                start = 0
                if rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                data = srv.body[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Last-Modified", LAST_MODIFIED)
                if start:
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(srv.body) - 1}/{len(srv.body)}"
                    )
                self.end_headers()
                if self._cut:
                    half = data[: len(data) // 2]
                    self.wfile.write(half)
                    self.wfile.flush()
                    srv.sent += len(half)
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    return
                self.wfile.write(data)
                srv.sent += len(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{PATH}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
