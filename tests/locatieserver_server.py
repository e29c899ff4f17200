"""A local stand-in for the PDOK Locatieserver v3.1 ``/free`` endpoint (tests only, 127.0.0.1).

What it imitates, and where that comes from:

* Base URL ``…/bzk/locatieserver/search/v3_1`` and the endpoints ``free``, ``suggest``,
  ``lookup``, ``reverse``: PDOK's own README (github.com/PDOK/locatieserver, "Documentatie" and
  release notes 3.0 → 3.1) and wiki page "API Locatieserver".
* Parameters ``q`` (Solr syntax, e.g. ``postcode:9712JN AND huisnummer:4``), ``fq``
  (``type:adres``), ``rows``, ``start``, ``fl`` (field list): the RijksICTGilde
  "handleiding-locatieserver" chapter on the free service (02-free.Rmd), and public clients that
  call ``/v3_1/free?q=postcode:…&fq=type:adres``.
* Release note 3.1 item 3: query parameters that are not in the OpenAPI specification are
  refused — here with HTTP 400.
* The answer ``{"response": {"numFound", "start", "maxScore", "numFoundExact", "docs": [...]}}``
  (release note 3.1 item 5 adds ``numFoundExact``); address documents with ``type: "adres"``,
  ``weergavenaam``, ``postcode``, ``huisnummer``, ``straatnaam``, ``woonplaatsnaam``,
  ``gemeentecode`` (4 digits, no "GM"), ``gemeentenaam``, ``wijkcode``, ``wijknaam``,
  ``buurtcode``, ``buurtnaam``, ``centroide_ll``: the documented v3 lookup answers quoted in
  public code ("Lijsterstraat 20, 3815DT Amersfoort", wijkcode WK030710 "Wijk 10 Liendert",
  buurtcode BU03071001 "Vinkenbaan"; "Evert van de Beekstraat 202, 1118CP Schiphol", WK039416,
  BU03941663). Those two documents are reproduced below.
* CORS: PDOK answers browser requests from any origin (release note 3.1 item 2 on CORS
  pre-flight); here ``Access-Control-Allow-Origin: *``.

GUESSES (not documented anywhere we could read): how Solr scores and orders free-text hits (here:
the order of the fixture), whether ``postcode:3083*`` prefix queries behave exactly like this
(here: a prefix match on the postcode), and the Rotterdam documents for postcode 3083 (an
illustrative fixture in the documented format: street names and buurt code are invented; only
the wijk code WK059915 Charlois is a real 2024 code).

``offline = True`` makes the server drop every connection without an answer, as a browser sees
an unreachable host (``fetch`` rejects with a TypeError).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PREFIX = "/bzk/locatieserver/search/v3_1"
ALLOWED = {"q", "fq", "rows", "start", "fl", "sort", "df", "bq", "lat", "lon", "wt", "indent"}


def _adres(weergave: str, straat: str, nr: int, postcode: str, plaats: str, gm: str, gmnaam: str,
           wk: str, wknaam: str, bu: str, bunaam: str, lonlat: tuple[float, float]) -> dict:  # fmt: skip
    return {
        "type": "adres", "bron": "BAG", "weergavenaam": weergave, "straatnaam": straat,
        "huisnummer": nr, "huis_nlt": str(nr), "postcode": postcode, "woonplaatsnaam": plaats,
        "gemeentecode": gm, "gemeentenaam": gmnaam, "wijkcode": wk, "wijknaam": wknaam,
        "buurtcode": bu, "buurtnaam": bunaam, "centroide_ll": f"POINT({lonlat[0]} {lonlat[1]})",
        "id": "adr-" + re.sub(r"[^0-9a-z]", "", weergave.lower())[:32],
    }  # fmt: skip


#: Documents the fake knows (see module docstring for which are published examples).
DOCS: list[dict] = [
    _adres("Lijsterstraat 20, 3815DT Amersfoort", "Lijsterstraat", 20, "3815DT", "Amersfoort",
           "0307", "Amersfoort", "WK030710", "Wijk 10 Liendert", "BU03071001", "Vinkenbaan",
           (5.40168265, 52.16646193)),
    _adres("Evert van de Beekstraat 202, 1118CP Schiphol", "Evert van de Beekstraat", 202,
           "1118CP", "Schiphol", "0394", "Haarlemmermeer", "WK039416", "Schiphol", "BU03941663",
           "Schiphol", (4.7617, 52.3081)),
    _adres("Voorbeeldstraat 1, 3083AA Rotterdam", "Voorbeeldstraat", 1, "3083AA", "Rotterdam",
           "0599", "Rotterdam", "WK059915", "Charlois", "BU05991500", "Tarwewijk",
           (4.4893, 51.8942)),
    _adres("Voorbeeldstraat 3, 3083AA Rotterdam", "Voorbeeldstraat", 3, "3083AA", "Rotterdam",
           "0599", "Rotterdam", "WK059915", "Charlois", "BU05991500", "Tarwewijk",
           (4.4895, 51.8943)),
    _adres("Proefweg 12, 3083BC Rotterdam", "Proefweg", 12, "3083BC", "Rotterdam", "0599",
           "Rotterdam", "WK059915", "Charlois", "BU05991500", "Tarwewijk", (4.4871, 51.8930)),
]  # fmt: skip


def _match(doc: dict, q: str) -> bool:
    """A small subset of Solr syntax: field:value (value* for a prefix), AND, free words."""
    q = q.strip()
    if not q or q == "*:*":
        return True
    for part in re.split(r"\s+AND\s+|\s+and\s+|\+", q):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\w+):(\S+)", part)
        if m:
            field, value = m.group(1), m.group(2)
            have = str(doc.get(field, "")).upper().replace(" ", "")
            want = value.upper().replace(" ", "")
            if want.endswith("*"):
                if not have.startswith(want[:-1]):
                    return False
            elif have != want:
                return False
        else:
            words = re.findall(r"\w+", part.lower())
            text = doc["weergavenaam"].lower()
            if not all(w in text for w in words):
                return False
    return True


def _filter(doc: dict, fqs: list[str]) -> bool:
    for fq in fqs:
        m = re.fullmatch(r"type:\(?([\w\s]+?)\)?", fq.strip())
        if m:
            types = [x for x in re.split(r"\s+OR\s+|\s+", m.group(1)) if x]
            if doc.get("type") not in types:
                return False
    return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.server.offline:
            self.close_connection = True
            self.connection.close()
            return
        url = urlparse(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        self.server.requests.append({"path": url.path, "params": params})
        if url.path != PREFIX + "/free":
            self._send(404, {"code": 404, "message": "Not Found"})
            return
        unknown = sorted(set(params) - ALLOWED)
        if unknown:
            self._send(400, {"code": 400, "message": f"unknown query parameter(s) {unknown}"})
            return
        q = (params.get("q") or ["*:*"])[-1]
        rows = int((params.get("rows") or ["10"])[-1])
        start = int((params.get("start") or ["0"])[-1])
        fl = (params.get("fl") or [""])[-1]
        hits = [d for d in DOCS if _match(d, q) and _filter(d, params.get("fq", []))]
        docs = hits[start : start + rows]
        if fl and fl.strip() != "*":
            keep = {f.strip() for f in fl.split(",") if f.strip()}
            docs = [{k: v for k, v in d.items() if k in keep} for d in docs]
        self._send(200, {"response": {"numFound": len(hits), "start": start,
                                      "maxScore": 10.0 if hits else 0.0, "numFoundExact": True,
                                      "docs": docs}})  # fmt: skip


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    offline = False

    def __init__(self, addr: tuple[str, int]) -> None:
        super().__init__(addr, _Handler)
        self.requests: list[dict] = []


class FakeLocatieserver:
    """Run the fake on 127.0.0.1 (a free port unless given) in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    @property
    def requests(self) -> list[dict]:
        return self._server.requests

    @property
    def offline(self) -> bool:
        return self._server.offline

    @offline.setter
    def offline(self, value: bool) -> None:
        self._server.offline = value

    def start(self) -> FakeLocatieserver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":  # manual use: python tests/locatieserver_server.py [port]
    import sys

    srv = FakeLocatieserver(int(sys.argv[1]) if len(sys.argv) > 1 else 8399).start()
    print(srv.url, flush=True)
    threading.Event().wait()
