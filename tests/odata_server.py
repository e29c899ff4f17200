"""A local CBS OData v3 server for tests and the benchmark, with the table shapes and faults of the
real one as far as public documentation and public client code show them.

Protocol (what :mod:`loaders.cbs` and cbsodata 1.3.5 speak; cbsodata's source builds these URLs):

* ``/ODataFeed/odata/<TABLE>/`` (bulk feed) and ``/ODataApi/odata/<TABLE>/`` answer a service
  document ``{"odata.metadata": ..., "value": [{"name", "url"}, ...]}`` listing every entity set;
* each entity set is served as ``{"odata.metadata": ..., "value": [...]}`` pages of ``page_size``
  records with ``odata.nextLink`` (``$skip``-based; the link carries ``$format``, ``$select`` and
  ``$filter`` on) until the last page. The page size of the real feed is not documented where we
  could read it; 10,000 (the ODataApi's cell limit, CBS "handleiding OData") is used for the
  benchmark — a guess;
* ``$format=json`` is required (else 406), ``$select`` and ``$filter`` (``eq ne gt ge lt le``,
  ``and or not``, parentheses, ``substringof``, ``startswith``, ``endswith``, ``substring``) and
  ``$top``/``$skip`` are honoured;
* an unknown field in ``$select`` or ``$filter`` answers **HTTP 400** with the OData v3 JSON error
  body ``{"odata.error": {"code": "", "message": {"lang": "en-US", "value": "..."}}}`` (real CBS
  answers 400 for an unknown property — issue 15 and users' reports; the exact message text here
  is a guess); an unknown table or entity set answers 404 with the same body;
* gzip: the body is gzip-compressed when the request says ``Accept-Encoding: gzip`` (``gzip=True``,
  the default). Whether CBS compresses its feed is not documented; modern IIS does by default —
  a guess, kept because the client must handle both.

Table shapes (see :func:`kwb_table`, :func:`crime_table`; values are GENERATED and labelled
``TEST FIXTURE`` in TableInfos, except where real values are passed in):

* 85984NED (2024): the real DataProperties (all 172 entries, every column: ``odata.type``, ID,
  Position, ParentID, Type, Key, Title, Description, MapYear, Datatype, Unit, Decimals, Default,
  PresentationType) and real TableInfos from ../shared/data/cbs/85984NED/;
* 2013-2020 tables: the key list of 83765NED (2017) exactly as public code that reads the table
  lists it (Codering_3 ... GemiddeldeWoningwaarde_35 ... GemiddeldElektriciteitsverbruikTotaal_47
  ... PersonenPerSoortUitkeringBijstand_74 ... Omgevingsadressendichtheid_105). Using it for every
  year 2013-2020 is a simplification: the stems match public readers of 82339NED-84799NED
  (GemiddeldeWoningwaarde_35 in 2018/2019, PersonenPerSoortUitkeringBijstand_74 in 2017/2018), the
  exact key numbers of each year are not verified;
* 2021-2023: the 2024 DataProperties with the 2021-2023 stems (OpleidingsniveauLaag/Middelbaar/
  Hoog, seen in public readers of 85318NED) and keys renumbered in order — renumbering is a guess;
* 2012 (70904NED): the 2017 keys plus a ``Perioden`` TimeDimension (2009JJ00-2012JJ00) and the
  region dimension named ``RegioS``; 2013 (82339NED) also ``RegioS`` (the name CBS's v4 service
  uses for that table; the v3 name is not verified). The loader must find both by Type;
* 47018NED: the real metadata CSVs of ../shared/data/crime/47018NED (TableInfos, DataProperties,
  SoortMisdrijf 59 types, WijkenEnBuurten 18,313 regions, Perioden) and a generated
  SoortMisdrijf × WijkenEnBuurten × Perioden cube of counts (~1.08 M rows a year at full size).

Big tables are :class:`Cube` objects: rows are computed from their index (never stored), and a
``$filter`` of the form ``A eq 'x' and (B eq 'y' or B eq 'z')`` is answered by index arithmetic,
so the full-size benchmark serves 13 M crime rows without holding them.

Faults (per request, see :class:`Fault`): ``reset`` (TCP RST before any byte — CBS users reported
resets, issue 14), ``reset_mid_body`` (headers and part of the body, then RST), ``status`` (e.g.
500/503, optionally with ``Retry-After``), ``throttle`` (429 with ``Retry-After``; RFC 6585 —
whether CBS throttles this way is a guess), ``malformed`` (200 with a cut JSON body of matching
Content-Length), ``short`` (Content-Length of the whole body, half of it sent: a truncated page),
``stall`` (wait ``seconds`` before answering: a timeout for the client), ``reject_filter`` (400 to
any request carrying ``$filter``, as a server that does not support it).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

FIXTURE_LABEL = "TEST FIXTURE (generated values, not CBS figures)"


# --------------------------------------------------------------------------- $filter parser
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<punct>[(),]))"
)
_OPS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
Pred = Callable[[Mapping], object]


class FilterError(ValueError):
    """An OData $filter this server cannot parse (answered with HTTP 400)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot parse $filter at {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def parse_filter(text: str) -> Pred:
    """Compile an OData v3 ``$filter`` string into a predicate over one record."""
    toks = _tokens(text)
    i = 0

    def peek() -> tuple[str, str]:
        return toks[i] if i < len(toks) else ("", "")

    def take(value: str | None = None) -> tuple[str, str]:
        nonlocal i
        tok = peek()
        if value is not None and tok[1] != value:
            raise FilterError(f"expected {value!r} in $filter {text!r}, found {tok[1]!r}")
        i += 1
        return tok

    def term() -> Pred:
        kind, val = take()
        if val == "(":
            e = expr()
            take(")")
            return e
        if kind == "str":
            s = val[1:-1].replace("''", "'")
            return lambda r: s
        if kind == "num":
            n = float(val) if "." in val else int(val)
            return lambda r: n
        if kind == "name":
            if val in ("true", "false", "null"):
                const = {"true": True, "false": False, "null": None}[val]
                return lambda r: const
            if peek()[1] == "(":
                take("(")
                args = [expr()]
                while peek()[1] == ",":
                    take(",")
                    args.append(expr())
                take(")")
                return func(val, args)
            return lambda r: r.get(val)
        raise FilterError(f"unexpected {val!r} in $filter {text!r}")

    def func(name: str, args: list[Pred]) -> Pred:
        if name == "substringof" and len(args) == 2:
            return lambda r: str(args[0](r)) in str(args[1](r) or "")
        if name == "startswith" and len(args) == 2:
            return lambda r: str(args[0](r) or "").startswith(str(args[1](r)))
        if name == "endswith" and len(args) == 2:
            return lambda r: str(args[0](r) or "").endswith(str(args[1](r)))
        if name == "substring" and len(args) in (2, 3):

            def sub(r: Mapping) -> str:
                s, start = str(args[0](r) or ""), int(args[1](r))
                return s[start : start + int(args[2](r))] if len(args) == 3 else s[start:]

            return sub
        if name in ("trim", "tolower", "toupper") and len(args) == 1:
            op = {"trim": str.strip, "tolower": str.lower, "toupper": str.upper}[name]
            return lambda r: op(str(args[0](r) or ""))
        raise FilterError(f"unsupported function {name}/{len(args)} in $filter {text!r}")

    def comparison() -> Pred:
        left = term()
        if peek()[1] in _OPS:
            op = _OPS[take()[1]]
            right = term()
            return lambda r: op(left(r), right(r))
        return left

    def unary() -> Pred:
        if peek()[1] == "not":
            take()
            inner = unary()
            return lambda r: not inner(r)
        return comparison()

    def conj() -> Pred:
        parts = [unary()]
        while peek()[1] == "and":
            take()
            parts.append(unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def expr() -> Pred:
        parts = [conj()]
        while peek()[1] == "or":
            take()
            parts.append(conj())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    e = expr()
    if i != len(toks):
        raise FilterError(f"trailing text {toks[i][1]!r} in $filter {text!r}")
    return e


_KEYWORDS = {"eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "true", "false", "null"}
_FUNCS = {"substringof", "startswith", "endswith", "substring", "trim", "tolower", "toupper"}


def filter_fields(text: str) -> set[str]:
    """Property names a ``$filter`` refers to (for the 400 on unknown fields)."""
    return {v for k, v in _tokens(text) if k == "name" and v not in _KEYWORDS and v not in _FUNCS}


def product_selection(text: str) -> dict[str, list[str]] | None:
    """``A eq 'x' and (B eq 'y' or B eq 'z')`` -> {'A': ['x'], 'B': ['y', 'z']}; None otherwise."""
    toks = [t for t in _tokens(text)]
    groups: list[list[tuple[str, str]]] = [[]]
    depth = 0
    i = 0
    while i < len(toks):
        kind, val = toks[i]
        if val == "(":
            depth += 1
        elif val == ")":
            depth -= 1
        elif val == "and" and depth == 0:
            groups.append([])
        elif val == "and":
            return None
        elif kind == "name" and val not in _KEYWORDS:
            if i + 2 >= len(toks) or toks[i + 1][1] != "eq" or toks[i + 2][0] != "str":
                return None
            groups[-1].append((val, toks[i + 2][1][1:-1].replace("''", "'")))
            i += 3
            continue
        elif val == "or":
            pass
        else:
            return None
        i += 1
    out: dict[str, list[str]] = {}
    for g in groups:
        names = {n for n, _ in g}
        if len(names) != 1:
            return None
        (n,) = names
        if n in out:
            return None
        out[n] = [v for _, v in g]
    return out


# --------------------------------------------------------------------------- generated tables
def stable_int(*parts: object) -> int:
    """A deterministic 32-bit number from ``parts`` (crc32 of their text)."""
    return zlib.crc32("|".join(map(str, parts)).encode())


@dataclass
class Cube:
    """A generated entity set: the product of ``dims`` (outermost first), one row per cell.

    ``column(name, cell)`` computes every other column from the cell ``{dim: key}``. Rows are
    never stored; :meth:`row` builds row ``i``.
    """

    dims: list[tuple[str, list[str]]]
    columns: list[str]
    column: Callable[[str, dict[str, str]], object]

    def __len__(self) -> int:
        n = 1
        for _, keys in self.dims:
            n *= len(keys)
        return n

    @property
    def fields(self) -> list[str]:
        return ["ID"] + [d for d, _ in self.dims] + self.columns

    def cell(self, i: int, dims: Sequence[tuple[str, list[str]]] | None = None) -> dict[str, str]:
        out = {}
        for name, keys in reversed(dims or self.dims):
            i, r = divmod(i, len(keys))
            out[name] = keys[r]
        return out

    def row(self, i: int, cell: dict[str, str] | None = None) -> dict:
        cell = cell if cell is not None else self.cell(i)
        rec: dict = {"ID": i}
        for name, _ in self.dims:
            rec[name] = cell[name]
        for c in self.columns:
            rec[c] = self.column(c, cell)
        return rec

    def rows(self) -> list[dict]:
        """Every row (small cubes only: tests read the generated source data with this)."""
        return [self.row(i) for i in range(len(self))]

    def select(
        self, sel: dict[str, list[str]]
    ) -> tuple[list[tuple[str, list[str]]], Callable[[dict], int]] | None:
        """Restrict dims to ``sel`` values (keys compared as sent, i.e. padded)."""
        if not set(sel) <= {d for d, _ in self.dims}:
            return None
        dims = []
        for name, keys in self.dims:
            if name in sel:
                allowed = set(sel[name])
                dims.append((name, [k for k in keys if k in allowed]))
            else:
                dims.append((name, keys))
        index = {name: {k: j for j, k in enumerate(keys)} for name, keys in self.dims}

        def row_id(cell: dict) -> int:
            i = 0
            for name, keys in self.dims:
                i = i * len(keys) + index[name][cell[name]]
            return i

        return dims, row_id


Entity = list[dict] | Cube
Tables = dict[str, dict[str, Entity]]


def _fields(ent: Entity) -> set[str]:
    if isinstance(ent, Cube):
        return set(ent.fields)
    out: set[str] = set()
    for r in ent[:50]:
        out |= set(r)
    return out


# --------------------------------------------------------------------------- server
@dataclass
class Fault:
    """One injected failure. ``entity`` '' is the service document; None matches anything.

    ``after`` matching requests are served normally first; then the fault fires ``times`` times
    (None: forever). ``page`` is the 0-based page index (``$skip // page_size``).
    """

    kind: str
    table: str | None = None
    entity: str | None = None
    page: int | None = None
    times: int | None = 1
    after: int = 0
    status: int = 500
    retry_after: str | None = None
    seconds: float = 5.0
    seen: int = 0
    fired: int = 0

    def matches(self, table: str, entity: str, page: int, query: Mapping[str, str]) -> bool:
        if self.kind == "reject_filter" and "$filter" not in query:
            return False
        return (
            (self.table is None or self.table == table)
            and (self.entity is None or self.entity == entity)
            and (self.page is None or self.page == page)
        )


FAULTS = (
    "reset",
    "reset_mid_body",
    "status",
    "throttle",
    "malformed",
    "short",
    "stall",
    "reject_filter",
)


@dataclass
class Hit:
    """One request the server received and what it answered."""

    path: str
    table: str
    entity: str
    page: int
    query: dict[str, str]
    outcome: str  # '200', '404', 'reset', 'malformed', ...
    nbytes: int = 0


@dataclass
class ODataServer:
    """Serve ``tables`` (``{table id: {entity set: records or Cube}}``) on 127.0.0.1."""

    tables: Tables
    page_size: int = 1000
    gzip: bool = True
    port_wanted: int = 0
    hits: list[Hit] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # lifecycle
    def start(self) -> ODataServer:
        """Bind the loopback port (``port_wanted``, 0: any free) and serve in a daemon thread."""
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port_wanted), _Handler)
        httpd.daemon_threads = True
        httpd.odata = self  # type: ignore[attr-defined]
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ODataServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        """The catalog host to give the loader: ``127.0.0.1:<port>``."""
        return f"127.0.0.1:{self.port}"

    # control
    def add_fault(self, kind: str, **kw: object) -> Fault:
        """Register a fault (see :class:`Fault`) and return it."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}")
        f = Fault(kind, **kw)  # type: ignore[arg-type]
        with self._lock:
            self.faults.append(f)
        return f

    def requests_for(self, table: str | None = None, entity: str | None = None) -> list[Hit]:
        with self._lock:
            return [
                h
                for h in self.hits
                if (table is None or h.table == table) and (entity is None or h.entity == entity)
            ]

    def _fault_for(
        self, table: str, entity: str, page: int, query: Mapping[str, str]
    ) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if not f.matches(table, entity, page, query):
                    continue
                f.seen += 1
                if f.seen <= f.after or (f.times is not None and f.fired >= f.times):
                    continue
                f.fired += 1
                return f
        return None

    def _log(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


def error_body(message: str) -> bytes:
    """The OData v3 JSON error body."""
    return json.dumps(
        {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}}
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "WijkpeilTestOData/2.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    @property
    def odata(self) -> ODataServer:
        return self.server.odata  # type: ignore[attr-defined]

    def _send(self, status: int, body: bytes, headers: dict | None = None, *, cut: str = "") -> int:
        zipped = self.odata.gzip and "gzip" in (self.headers.get("Accept-Encoding") or "")
        if zipped:
            body = gzip.compress(body, compresslevel=1)
        self.send_response(status)
        self.send_header("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
        if zipped:
            self.send_header("Content-Encoding", "gzip")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if cut == "malformed":
            body = body[: max(1, len(body) // 2)]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut == "short":
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self._rst()
            return len(body) // 2
        self.wfile.write(body)
        return len(body)

    def _rst(self) -> None:
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segs = [s for s in parts.path.split("/") if s]
        srv = self.odata
        if len(segs) < 3 or segs[0] not in ("ODataFeed", "ODataApi") or segs[1].lower() != "odata":
            srv._log(Hit(self.path, "", "", 0, query, "404"))
            self._send(404, error_body(f"No OData service at {parts.path}"))
            return
        table, entity = segs[2], "/".join(segs[3:])
        try:
            skip = int(query.get("$skip", "0"))
        except ValueError:
            self._send(400, error_body(f"Bad $skip {query.get('$skip')!r}"))
            return
        page = skip // max(1, srv.page_size)
        fault = srv._fault_for(table, entity, page, query)
        if fault is not None and fault.kind == "stall":  # a hung server: no answer at all
            srv._log(Hit(self.path, table, entity, page, query, "stall"))
            time.sleep(fault.seconds)
            self._rst()
            return
        if fault is not None and fault.kind == "reset":
            srv._log(Hit(self.path, table, entity, page, query, "reset"))
            self._rst()
            return
        headers: dict = {}
        if fault is not None and fault.kind in ("status", "throttle", "reject_filter"):
            status = {"throttle": 429, "reject_filter": 400}.get(fault.kind, fault.status)
            msg = {
                429: "Too many requests",
                400: "The query parameter '$filter' is not supported",
            }.get(status, "Internal server error (injected)")
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            srv._log(Hit(self.path, table, entity, page, query, str(status)))
            self._send(status, error_body(msg), headers)
            return
        if table not in srv.tables:
            status, body = 404, error_body(f"Resource not found for the segment '{table}'.")
        elif query.get("$format") != "json":
            status, body = 406, error_body("this test server only serves $format=json")
        else:
            try:
                status, body = self._payload(segs[0], table, entity, query, skip)
            except FilterError as exc:
                status, body = 400, error_body(str(exc))
        outcome = str(status)
        if fault is not None and fault.kind == "reset_mid_body":
            srv._log(Hit(self.path, table, entity, page, query, "reset_mid_body"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self._rst()
            return
        cut = fault.kind if fault is not None and fault.kind in ("malformed", "short") else ""
        if cut:
            outcome = cut
        hit = Hit(self.path, table, entity, page, query, outcome)
        srv._log(hit)  # logged before the answer goes out: a client never outruns the log
        hit.nbytes = self._send(status, body, headers, cut=cut)

    def _payload(
        self, service: str, table: str, entity: str, query: dict[str, str], skip: int
    ) -> tuple[int, bytes]:
        srv = self.odata
        base = f"http://{self.headers.get('Host', srv.host)}/{service}/odata/{table}"
        ents = srv.tables[table]
        if entity == "":
            names = list(ents) + (["UntypedDataSet"] if "TypedDataSet" in ents else [])
            doc = {
                "odata.metadata": f"{base}/$metadata",
                "value": [{"name": n, "url": f"{base}/{n}"} for n in names],
            }
            return 200, json.dumps(doc).encode()
        if entity not in ents:
            return 404, error_body(f"Resource not found for the segment '{entity}'.")
        ent = ents[entity]
        fields = _fields(ent)
        flt = query.get("$filter") or ""
        sel = [c.strip() for c in query["$select"].split(",")] if query.get("$select") else None
        unknown = sorted(((filter_fields(flt) if flt else set()) | set(sel or [])) - fields)
        if unknown:
            return 400, error_body(
                f"No property '{unknown[0]}' exists in type 'Cbs.OData.{entity}' at position 0."
            )
        top = int(query["$top"]) if query.get("$top") else None
        chunk, total = self._rows(ent, flt, skip, srv.page_size, top)
        if sel:
            chunk = [{c: r.get(c) for c in sel} for r in chunk]
        doc: dict[str, object] = {"odata.metadata": f"{base}/$metadata#Cbs.OData.{entity}"}
        doc["value"] = chunk
        if skip + srv.page_size < total:
            nxt = {k: v for k, v in query.items() if k != "$skip"}
            nxt["$skip"] = str(skip + srv.page_size)
            qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in nxt.items())
            doc["odata.nextLink"] = f"{base}/{entity}?{qs}"
        return 200, json.dumps(doc, ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _rows(
        ent: Entity, flt: str, skip: int, size: int, top: int | None
    ) -> tuple[list[dict], int]:
        if isinstance(ent, Cube):
            picked = ent.select(product_selection(flt) or {}) if flt else (ent.dims, None)
            if picked is not None:
                dims, row_id = picked
                total = 1
                for _, keys in dims:
                    total *= len(keys)
                if top is not None:
                    total = min(total, top)
                out = []
                for i in range(skip, min(skip + size, total)):
                    cell = ent.cell(i, dims)
                    out.append(ent.row(row_id(cell) if row_id else i, cell))
                return out, total
            recs = ent.rows()
        else:
            recs = ent
        if flt:
            pred = parse_filter(flt)
            recs = [r for r in recs if pred(r)]
        if top is not None:
            recs = recs[:top]
        return recs[skip : skip + size], len(recs)


# --------------------------------------------------------------------------- metadata files
_INT_FIELDS = {"ID", "Position", "ParentID", "MapYear", "Decimals", "CategoryGroupID"}
_BOOL = {"TRUE": True, "FALSE": False}


def read_cbs_csv(path: Path) -> list[dict]:
    """A CBS metadata CSV (as in shared/crime/47018NED) -> OData records with JSON types."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        rec: dict[str, object] = {}
        for k, v in row.items():
            if k in _INT_FIELDS:
                rec[k] = int(v) if v not in ("", None) else None
            elif v in _BOOL:
                rec[k] = _BOOL[v]
            elif k in ("Datatype", "Unit", "Default", "PresentationType", "ReleasePolicy"):
                rec[k] = v if v != "" else None
            else:
                rec[k] = v
        out.append(rec)
    return out


# --------------------------------------------------------------------------- table builders
def _pad(code: str, width: int = 10) -> str:
    return f"{code:<{width}}"


#: The keys of 83765NED (KWB 2017) in order, as public code that reads the whole table lists them.
KEYS_2017 = (
    "Gemeentenaam_1 SoortRegio_2 Codering_3 IndelingswijzigingWijkenEnBuurten_4 AantalInwoners_5 "
    "Mannen_6 Vrouwen_7 k_0Tot15Jaar_8 k_15Tot25Jaar_9 k_25Tot45Jaar_10 k_45Tot65Jaar_11 "
    "k_65JaarOfOuder_12 Ongehuwd_13 Gehuwd_14 Gescheiden_15 Verweduwd_16 WestersTotaal_17 "
    "NietWestersTotaal_18 Marokko_19 NederlandseAntillenEnAruba_20 Suriname_21 Turkije_22 "
    "OverigNietWesters_23 GeboorteTotaal_24 GeboorteRelatief_25 SterfteTotaal_26 SterfteRelatief_27 "
    "HuishoudensTotaal_28 Eenpersoonshuishoudens_29 HuishoudensZonderKinderen_30 "
    "HuishoudensMetKinderen_31 GemiddeldeHuishoudensgrootte_32 Bevolkingsdichtheid_33 "
    "Woningvoorraad_34 GemiddeldeWoningwaarde_35 PercentageEengezinswoning_36 "
    "PercentageMeergezinswoning_37 PercentageBewoond_38 PercentageOnbewoond_39 Koopwoningen_40 "
    "HuurwoningenTotaal_41 InBezitWoningcorporatie_42 InBezitOverigeVerhuurders_43 "
    "EigendomOnbekend_44 BouwjaarVoor2000_45 BouwjaarVanaf2000_46 "
    "GemiddeldElektriciteitsverbruikTotaal_47 Appartement_48 Tussenwoning_49 Hoekwoning_50 "
    "TweeOnderEenKapWoning_51 VrijstaandeWoning_52 Huurwoning_53 EigenWoning_54 "
    "GemiddeldAardgasverbruikTotaal_55 Appartement_56 Tussenwoning_57 Hoekwoning_58 "
    "TweeOnderEenKapWoning_59 VrijstaandeWoning_60 Huurwoning_61 EigenWoning_62 "
    "PercentageWoningenMetStadsverwarming_63 AantalInkomensontvangers_64 "
    "GemiddeldInkomenPerInkomensontvanger_65 GemiddeldInkomenPerInwoner_66 "
    "k_40PersonenMetLaagsteInkomen_67 k_20PersonenMetHoogsteInkomen_68 Actieven1575Jaar_69 "
    "k_40HuishoudensMetLaagsteInkomen_70 k_20HuishoudensMetHoogsteInkomen_71 "
    "HuishoudensMetEenLaagInkomen_72 HuishOnderOfRondSociaalMinimum_73 "
    "PersonenPerSoortUitkeringBijstand_74 PersonenPerSoortUitkeringAO_75 "
    "PersonenPerSoortUitkeringWW_76 PersonenPerSoortUitkeringAOW_77 BedrijfsvestigingenTotaal_78 "
    "ALandbouwBosbouwEnVisserij_79 BFNijverheidEnEnergie_80 GIHandelEnHoreca_81 "
    "HJVervoerInformatieEnCommunicatie_82 KLFinancieleDienstenOnroerendGoed_83 "
    "MNZakelijkeDienstverlening_84 RUCultuurRecreatieOverigeDiensten_85 PersonenautoSTotaal_86 "
    "PersonenautoSJongerDan6Jaar_87 PersonenautoS6JaarEnOuder_88 PersonenautoSBrandstofBenzine_89 "
    "PersonenautoSOverigeBrandstof_90 PersonenautoSPerHuishouden_91 PersonenautoSNaarOppervlakte_92 "
    "Motorfietsen_93 AfstandTotHuisartsenpraktijk_94 AfstandTotGroteSupermarkt_95 "
    "AfstandTotKinderdagverblijf_96 AfstandTotSchool_97 ScholenBinnen3Km_98 OppervlakteTotaal_99 "
    "OppervlakteLand_100 OppervlakteWater_101 MeestVoorkomendePostcode_102 Dekkingspercentage_103 "
    "MateVanStedelijkheid_104 Omgevingsadressendichtheid_105"
).split()

#: 2024 stem -> the stem the 2021-2023 tables use (public readers of 85318NED).
_STEMS_2021 = {
    "BasisonderwijsVmboMbo1": "OpleidingsniveauLaag",
    "HavoVwoMbo24": "OpleidingsniveauMiddelbaar",
    "HboWo": "OpleidingsniveauHoog",
}
#: Older stems -> the 2024 stem whose metadata (Datatype, Unit) they share.
_OLD_TO_2024 = {
    "GemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen",
    "GemiddeldElektriciteitsverbruikTotaal": "GemiddeldeElektriciteitsleveringTotaal",
}
_STRING_STEMS = {"Gemeentenaam", "SoortRegio", "Codering", "IndelingswijzigingWijkenEnBuurten",
                 "IndelingswijzigingGemeenteWijkBuurt", "MeestVoorkomendePostcode"}  # fmt: skip

KWB_IDS = {
    2012: "70904NED", 2013: "82339NED", 2014: "82931NED", 2015: "83220NED", 2016: "83487NED",
    2017: "83765NED", 2018: "84286NED", 2019: "84583NED", 2020: "84799NED", 2021: "85039NED",
    2022: "85318NED", 2023: "85618NED", 2024: "85984NED",
}  # fmt: skip


def _stem(key: str) -> str:
    return re.sub(r"_\d+$", "", key)


def real_props_2024(shared_dir: Path) -> list[dict]:
    return json.loads((shared_dir / "cbs" / "85984NED" / "DataProperties.json").read_text())


def kwb_properties(year: int, shared_dir: Path, region_dim: str | None = None) -> list[dict]:
    """DataProperties of the KWB table of ``year`` (see module doc for what is real)."""
    real = real_props_2024(shared_dir)
    by_stem = {_stem(p["Key"]): p for p in real if p.get("Type") == "Topic"}
    geo = dict(real[0], Key=region_dim or ("RegioS" if year <= 2013 else "WijkenEnBuurten"),
               MapYear=year)  # fmt: skip
    if year == 2024 and region_dim is None:
        return real
    if year >= 2021:
        props, n = [], 0
        for p in real:
            q = dict(p)
            if p.get("Type") == "GeoDetail":
                q = geo
            elif p.get("Type") == "Topic":
                n += 1
                q["Key"] = f"{_STEMS_2021.get(_stem(p['Key']), _stem(p['Key']))}_{n}"
            props.append(q)
        return props
    props = [geo]
    if year == 2012:
        props.append({"odata.type": "Cbs.OData.TimeDimension", "ID": 1, "Position": 1,
                      "ParentID": None, "Type": "TimeDimension", "Key": "Perioden",
                      "Title": "Perioden", "Description": "", "ReleasePolicy": False})  # fmt: skip
    for key in KEYS_2017:
        st = _stem(key)
        tmpl = by_stem.get(_OLD_TO_2024.get(st, st))
        q = {"odata.type": "Cbs.OData.Topic", "ID": len(props), "Position": len(props),
             "ParentID": None, "Type": "Topic", "Key": key,
             "Title": tmpl["Title"] if tmpl else st, "Description": "",
             "Datatype": (tmpl or {}).get("Datatype") or ("String" if st in _STRING_STEMS else "Long"),
             "Unit": (tmpl or {}).get("Unit") or ("code" if st in _STRING_STEMS else "aantal"),
             "Decimals": (tmpl or {}).get("Decimals", 0), "Default": "Impossible",
             "PresentationType": (tmpl or {}).get("PresentationType", "Absolute")}  # fmt: skip
        props.append(q)
    return props


def region_records(shared_dir: Path) -> list[dict]:
    """The real 47018NED region dimension (indeling 2024, padded keys, titles)."""
    return read_cbs_csv(shared_dir / "crime" / "47018NED" / "WijkenEnBuurten.csv")


def pick_regions(regions: list[dict], gemeenten: Sequence[str] | None) -> list[dict]:
    """NL00 plus the given gemeenten with their wijken and buurten (all regions when None)."""
    if gemeenten is None:
        return regions
    gms = {g[2:6] for g in gemeenten}
    return [
        r
        for r in regions
        if str(r["Key"]).strip() == "NL00"
        or (str(r["Key"])[:2] in ("GM", "WK", "BU") and str(r["Key"])[2:6] in gms)
    ]


def kwb_value(table_id: str, key: str, region: str, period: str, datatype: str | None) -> object:
    """The generated value of one cell (None for about 1 in 25: secret/missing)."""
    h = stable_int(table_id, key, region.strip(), period)
    if h % 25 == 0:
        return None
    if datatype in ("Double", "Float", "Decimal"):
        return round((h % 100000) / 100.0, 1)
    return int(h % 50000)


def kwb_table(
    year: int,
    shared_dir: Path,
    *,
    gemeenten: Sequence[str] | None = ("GM0034", "GM0363"),
    region_dim: str | None = None,
    overrides: Mapping[tuple[str, str], object] | None = None,
) -> dict[str, Entity]:
    """Entity sets of the KWB table of ``year`` (generated values; see module doc).

    ``overrides`` maps (region code, key) to a real value to serve instead of a generated one.
    """
    tid = KWB_IDS[year]
    props = kwb_properties(year, shared_dir, region_dim)
    geo = next(p["Key"] for p in props if p["Type"] == "GeoDetail")
    # KWB has no "crime without a known place" codes (GM0000 etc. exist only in 47018NED)
    regions = [r for r in pick_regions(region_records(shared_dir), gemeenten)
               if str(r["Key"])[2:6] != "0000"]  # fmt: skip
    titles = {str(r["Key"]).strip(): str(r.get("Title") or "") for r in regions}
    topics = [p for p in props if p["Type"] == "Topic"]
    types = {p["Key"]: p.get("Datatype") for p in topics}
    over = dict(overrides or {})
    soort = {"NL": "Land", "GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}

    def column(key: str, cell: dict[str, str]) -> object:
        code = cell[geo].strip()
        st = _stem(key)
        if st == "Gemeentenaam":
            g = "GM" + code[2:6] if code[:2] in ("WK", "BU") else code
            return f"{titles.get(g, 'Nederland' if code == 'NL00' else ''):<40}"
        if st == "SoortRegio":
            return f"{soort.get(code[:2], ''):<10}"
        if st == "Codering":
            return _pad(code)
        if types.get(key) == "String":
            return (
                "1" if st.startswith("Indeling") else f"{stable_int(tid, key, code) % 9000 + 1000}"
            )
        if (code, key) in over:
            return over[(code, key)]
        return kwb_value(tid, key, code, cell.get("Perioden", f"{year}JJ00"), types.get(key))

    dims: list[tuple[str, list[str]]] = [(geo, [str(r["Key"]) for r in regions])]
    periods = None
    if year == 2012:
        periods = ["2009JJ00", "2010JJ00", "2011JJ00", "2012JJ00"]
        dims.insert(0, ("Perioden", periods))
    info = json.loads((shared_dir / "cbs" / "85984NED" / "TableInfos.json").read_text())[0]
    info = dict(info, Identifier=tid, Period=str(year), Modified=f"{year + 1}-03-01T02:00:00",
                Title=f"{FIXTURE_LABEL}: Kerncijfers wijken en buurten {year}")  # fmt: skip
    out: dict[str, Entity] = {
        "TableInfos": [info],
        "DataProperties": props,
        "TypedDataSet": Cube(dims, [p["Key"] for p in topics], column),
        geo: [dict(r, Key=r["Key"]) for r in regions],
    }
    if periods:
        out["Perioden"] = [{"Key": p, "Title": p[:4], "Description": "", "Status": "Definitief"}
                           for p in periods]  # fmt: skip
    return out


def crime_value(key: str, region: str, period: str) -> int | None:
    h = stable_int("47018NED", key.strip(), region.strip(), period.strip())
    return None if h % 20 == 0 else int(h % 400)


def crime_table(
    shared_dir: Path,
    *,
    gemeenten: Sequence[str] | None = ("GM0034",),
    extra_periods: Sequence[str] = (),
) -> dict[str, Entity]:
    """Entity sets of 47018NED: the real metadata CSVs plus a GENERATED cube of counts.

    ``extra_periods`` (e.g. ``('2024JJ00',)``) are appended to the real Perioden, as CBS adds a
    year to the table.
    """
    base = shared_dir / "crime" / "47018NED"
    meta = {n: read_cbs_csv(base / f"{n}.csv") for n in
            ("TableInfos", "DataProperties", "SoortMisdrijf", "Perioden")}  # fmt: skip
    meta["TableInfos"] = [dict(meta["TableInfos"][0])]
    meta["TableInfos"][0]["Title"] = f"{FIXTURE_LABEL}: {meta['TableInfos'][0]['Title']}"
    meta["Perioden"] = meta["Perioden"] + [
        {"Key": p, "Title": p[:4], "Description": "", "Status": "Voorlopig"} for p in extra_periods
    ]
    regions = pick_regions(region_records(shared_dir), gemeenten)
    muni = {str(r["Key"]).strip(): str(r.get("Municipality") or "") for r in regions}
    soort = {"NL": "Land", "GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}

    def column(name: str, cell: dict[str, str]) -> object:
        code = cell["WijkenEnBuurten"].strip()
        if name == "GeregistreerdeMisdrijven_1":
            return crime_value(cell["SoortMisdrijf"], code, cell["Perioden"])
        if name == "Gemeentenaam_2":
            return f"{muni.get(code, ''):<20}"
        return f"{soort.get(code[:2], ''):<10}"

    cube = Cube(
        [("SoortMisdrijf", [str(k["Key"]) for k in meta["SoortMisdrijf"]]),
         ("WijkenEnBuurten", [str(r["Key"]) for r in regions]),
         ("Perioden", [str(p["Key"]) for p in meta["Perioden"]])],
        ["GeregistreerdeMisdrijven_1", "Gemeentenaam_2", "SoortRegio_3"],
        column,
    )  # fmt: skip
    return {**meta, "WijkenEnBuurten": regions, "TypedDataSet": cube}


def real_kwb2024_overrides(shared_dir: Path) -> dict[tuple[str, str], object]:
    """The real 85984NED values of ../shared (8 variables per gemeente and wijk, buurt inhabitants)."""
    base = shared_dir / "cbs" / "85984NED"
    values = json.loads((base / "gemeente_wijk_8_variables.json").read_text())
    out: dict[tuple[str, str], object] = {}
    for code, vals in values.items():
        for k, v in vals.items():
            out[(code, k)] = v
    with open(base / "buurt_population.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            pop = r["population"]
            out[(r["nhood_id"], "AantalInwoners_5")] = int(pop) if pop not in ("", ".") else None
    return out
