"""A small local CBS OData v3 server for tests, plus fixture builders from the real shared metadata.

The server (http.server + a thread, bound to 127.0.0.1 on a free port) speaks the JSON dialect
``cbsodata`` expects, on both ``/ODataFeed/odata/<TABLE>/`` (what cbsodata 1.3.5 uses) and
``/ODataApi/odata/<TABLE>/``:

* the service document lists every entity set (``{"odata.metadata": ..., "value": [{"name",
  "url"}, ...]}``), TypedDataSet and UntypedDataSet included;
* each entity set is served in pages of ``page_size`` records with ``odata.nextLink``
  (``$skip``-based, carrying ``$format`` and ``$filter`` on, as cbsodata drops its own params);
* ``$format=json`` is required, ``$filter`` supports ``eq ne gt ge lt le``, ``and or not``,
  parentheses, ``substringof('x', F)``, ``startswith(F, 'x')``, ``endswith`` and
  ``substring(F, start[, length])``; ``$select`` and ``$top`` are honoured;
* faults can be injected per request: ``reset`` (TCP RST before any response), ``reset_mid_body``
  (headers and half the body, then RST), ``status`` (e.g. 500) and ``malformed`` (200 with truncated
  JSON); unknown tables and entity sets answer 404.

Fixture builders read the real public files in ``shared_dir`` at test time; nothing is copied into
the repository. Values the shared data does not hold (47018NED counts, other periods of a multi-year
table) are *generated*, and the served TableInfos title says so (``TEST FIXTURE``).
"""

from __future__ import annotations

import csv
import json
import random
import re
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

Tables = dict[str, dict[str, list[dict]]]
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


# --------------------------------------------------------------------------- server
@dataclass
class Fault:
    """One injected failure. ``entity`` '' is the service document; None matches anything.

    ``after`` matching requests are served normally first; then the fault fires ``times`` times
    (None: forever). ``page`` is the 0-based page index (``$skip // page_size``).
    """

    kind: str  # 'reset' | 'reset_mid_body' | 'status' | 'malformed'
    table: str | None = None
    entity: str | None = None
    page: int | None = None
    times: int | None = 1
    after: int = 0
    status: int = 500
    seen: int = 0
    fired: int = 0

    def matches(self, table: str, entity: str, page: int) -> bool:
        return (
            (self.table is None or self.table == table)
            and (self.entity is None or self.entity == entity)
            and (self.page is None or self.page == page)
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


@dataclass
class ODataServer:
    """Serve ``tables`` (``{table id: {entity set: records}}``) on 127.0.0.1; see module doc."""

    tables: Tables
    page_size: int = 1000
    hits: list[Hit] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for tid, ents in self.tables.items():
            if "TypedDataSet" in ents and "UntypedDataSet" not in ents:
                ents["UntypedDataSet"] = untyped(ents["TypedDataSet"])
            if not isinstance(ents, dict):
                raise TypeError(f"table {tid}: entity sets must be a dict")

    # lifecycle
    def start(self) -> ODataServer:
        """Bind a free loopback port and serve in a daemon thread."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.odata = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and close its socket."""
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
        if kind not in ("reset", "reset_mid_body", "status", "malformed"):
            raise ValueError(f"unknown fault kind {kind!r}")
        f = Fault(kind, **kw)  # type: ignore[arg-type]
        with self._lock:
            self.faults.append(f)
        return f

    def requests_for(self, table: str | None = None, entity: str | None = None) -> list[Hit]:
        """Hits so far, optionally only of one table / entity set."""
        with self._lock:
            return [
                h
                for h in self.hits
                if (table is None or h.table == table) and (entity is None or h.entity == entity)
            ]

    def _fault_for(self, table: str, entity: str, page: int) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if not f.matches(table, entity, page):
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


def untyped(typed: list[dict]) -> list[dict]:
    """CBS's UntypedDataSet: every value a right-aligned string, missing values as ``'.'``."""
    out = []
    for rec in typed:
        row = {}
        for k, v in rec.items():
            if k == "ID" or isinstance(v, str):
                row[k] = v
            else:
                row[k] = f"{'.' if v is None else v:>10}"
        out.append(row)
    return out


class _Handler(BaseHTTPRequestHandler):
    server_version = "WijkpeilTestOData/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    @property
    def odata(self) -> ODataServer:
        return self.server.odata  # type: ignore[attr-defined]

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        body = {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}}
        self._send(status, json.dumps(body).encode())

    def _rst(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segs = [s for s in parts.path.split("/") if s]
        srv = self.odata
        if len(segs) < 3 or segs[0] not in ("ODataFeed", "ODataApi") or segs[1].lower() != "odata":
            srv._log(Hit(self.path, "", "", 0, query, "404"))
            return self._error(404, f"no OData service at {parts.path}")
        table, entity = segs[2], "/".join(segs[3:])
        try:
            skip = int(query.get("$skip", "0"))
        except ValueError:
            return self._error(400, f"bad $skip {query.get('$skip')!r}")
        page = skip // max(1, srv.page_size)
        fault = srv._fault_for(table, entity, page)
        outcome = "200"
        body: bytes
        status = 200
        if table not in srv.tables:
            status, outcome = 404, "404"
            body = _error_body(f"Resource not found for the segment '{table}'.")
        elif query.get("$format") != "json":
            status, outcome = 406, "406"
            body = _error_body("this test server only serves $format=json")
        else:
            try:
                status, body = self._payload(segs[0], table, entity, query, skip)
            except FilterError as exc:
                status, body = 400, _error_body(str(exc))
            outcome = str(status)
        if fault is not None:
            outcome = fault.kind if fault.kind != "status" else str(fault.status)
            srv._log(Hit(self.path, table, entity, page, query, outcome))
            if fault.kind == "reset":
                return self._rst()
            if fault.kind == "reset_mid_body":
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: max(1, len(body) // 2)])
                self.wfile.flush()
                return self._rst()
            if fault.kind == "status":
                return self._send(fault.status, _error_body("injected server error"))
            if fault.kind == "malformed":
                return self._send(200, body[: max(1, len(body) // 2)])
        srv._log(Hit(self.path, table, entity, page, query, outcome))
        self._send(status, body)

    def _payload(
        self, service: str, table: str, entity: str, query: dict[str, str], skip: int
    ) -> tuple[int, bytes]:
        srv = self.odata
        base = f"http://{self.headers.get('Host', srv.host)}/{service}/odata/{table}"
        ents = srv.tables[table]
        if entity == "":
            doc = {
                "odata.metadata": f"{base}/$metadata",
                "value": [{"name": n, "url": f"{base}/{n}"} for n in ents],
            }
            return 200, json.dumps(doc).encode()
        if entity not in ents:
            return 404, _error_body(f"Resource not found for the segment '{entity}'.")
        recs = ents[entity]
        if query.get("$filter"):
            pred = parse_filter(query["$filter"])
            recs = [r for r in recs if pred(r)]
        top = int(query["$top"]) if query.get("$top") else None
        if top is not None:
            recs = recs[:top]
        chunk = recs[skip : skip + srv.page_size]
        if query.get("$select"):
            cols = [c.strip() for c in query["$select"].split(",")]
            chunk = [{c: r.get(c) for c in cols} for r in chunk]
        doc: dict[str, object] = {"odata.metadata": f"{base}/$metadata#Cbs.OData.{entity}"}
        doc["value"] = chunk
        if skip + srv.page_size < len(recs):
            nxt = {k: v for k, v in query.items() if k != "$skip"}
            nxt["$skip"] = str(skip + srv.page_size)
            qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in nxt.items())
            doc["odata.nextLink"] = f"{base}/{entity}?{qs}"
        return 200, json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _error_body(message: str) -> bytes:
    return json.dumps(
        {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}}
    ).encode()


# --------------------------------------------------------------------------- fixture builders
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


def _pad(code: str, width: int = 10) -> str:
    return f"{code:<{width}}"


def region_dimension(shared_dir: Path) -> list[dict]:
    """The real WijkenEnBuurten dimension (indeling 2024, padded keys) of 47018NED."""
    return read_cbs_csv(shared_dir / "crime" / "47018NED" / "WijkenEnBuurten.csv")


KWB8 = (
    "AantalInwoners_5",
    "Mannen_6",
    "Vrouwen_7",
    "Bevolkingsdichtheid_34",
    "Woningvoorraad_35",
    "OppervlakteTotaal_122",
    "OppervlakteLand_123",
    "OppervlakteWater_124",
)
#: Additive KWB8 measures: the NL row is the sum of the gemeenten (derived from the real file).
ADDITIVE = tuple(k for k in KWB8 if k != "Bevolkingsdichtheid_34")


def kwb2024_tables(shared_dir: Path, *, buurten: bool = True) -> dict[str, list[dict]]:
    """Entity sets of 85984NED built from the real shared files.

    TableInfos and DataProperties are the real metadata. TypedDataSet holds the real 2024 values
    of gemeente_wijk_8_variables.json for every gemeente and wijk (padded keys as CBS sends them),
    real buurt inhabitants from buurt_population.csv (other measures null for buurten), and an
    NL00 row whose additive measures are the sum of the gemeenten (density null). Measures not in
    the shared files are absent from the rows, as variables CBS did not publish are.
    """
    base = shared_dir / "cbs" / "85984NED"
    values: dict[str, dict] = json.loads((base / "gemeente_wijk_8_variables.json").read_text())
    regions = region_dimension(shared_dir)
    titles = {str(r["Key"]).strip(): r for r in regions}
    gem_name = {c: str(titles.get(c, {}).get("Title", "")) for c in titles if c.startswith("GM")}
    nl = {k: sum(v[k] for c, v in values.items() if c.startswith("GM")) for k in ADDITIVE}
    nl["Bevolkingsdichtheid_34"] = None
    rows: list[tuple[str, dict]] = [("NL00", nl)]
    rows += sorted(values.items())
    if buurten:
        with open(base / "buurt_population.csv", newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                pop = r["population"]
                rows.append(
                    (
                        r["nhood_id"],
                        {"AantalInwoners_5": int(pop) if pop not in ("", ".") else None},
                    )
                )
    soort = {"NL": "Land", "GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}
    typed = []
    for i, (code, vals) in enumerate(rows):
        gm = "GM" + code[2:6] if code[:2] in ("WK", "BU") else code
        typed.append(
            {
                "ID": i,
                "WijkenEnBuurten": _pad(code),
                "Gemeentenaam_1": f"{gem_name.get(gm, 'Nederland' if code == 'NL00' else ''):<40}",
                "SoortRegio_2": f"{soort[code[:2]]:<10}",
                "Codering_3": _pad(code),
                **{k: vals.get(k) for k in KWB8},
            }
        )
    dim_codes = {c for c, _ in rows}
    return {
        "TableInfos": json.loads((base / "TableInfos.json").read_text()),
        "DataProperties": json.loads((base / "DataProperties.json").read_text()),
        "TypedDataSet": typed,
        "WijkenEnBuurten": [r for r in regions if str(r["Key"]).strip() in dim_codes],
    }


def multi_year_kwb_tables(shared_dir: Path, periods: tuple[str, ...]) -> dict[str, list[dict]]:
    """A multi-year KWB-shaped table (like 70904NED) with a Perioden dimension — TEST FIXTURE.

    Uses the real 85984NED metadata and gemeente/wijk codes; the values per period are *generated*
    (real 2024 inhabitants scaled by a period factor) so that rows of different periods differ.
    The TableInfos title carries FIXTURE_LABEL.
    """
    t = kwb2024_tables(shared_dir, buurten=False)
    props = [dict(p) for p in t["DataProperties"]]
    props.insert(1, {"odata.type": "Cbs.OData.TimeDimension", "ID": 1000, "Position": 1,
                     "ParentID": None, "Type": "TimeDimension", "Key": "Perioden",
                     "Title": "Perioden", "Description": ""})  # fmt: skip
    typed, i = [], 0
    for n, period in enumerate(periods):
        factor = 1.0 - 0.01 * (len(periods) - 1 - n)
        for rec in t["TypedDataSet"]:
            row = dict(rec, ID=i, Perioden=period)
            for k in KWB8:
                if row.get(k) is not None:
                    row[k] = int(round(row[k] * factor))
            typed.append(row)
            i += 1
    info = [dict(t["TableInfos"][0], Title=f"{FIXTURE_LABEL}: multi-year KWB table")]
    return {
        "TableInfos": info,
        "DataProperties": props,
        "TypedDataSet": typed,
        "WijkenEnBuurten": t["WijkenEnBuurten"],
        "Perioden": [
            {"Key": p, "Title": p[:4], "Description": "", "Status": "Definitief"} for p in periods
        ],  # fmt: skip
    }


def crime_tables(
    shared_dir: Path,
    *,
    gemeente: str = "GM0034",
    soorten: int = 4,
    seed: int = 47018,
    null_share: float = 0.05,
) -> dict[str, list[dict]]:
    """Entity sets of 47018NED: the real metadata CSVs plus GENERATED counts — TEST FIXTURE.

    Real: TableInfos (title prefixed with FIXTURE_LABEL), DataProperties, SoortMisdrijf,
    WijkenEnBuurten, Perioden. Generated: TypedDataSet counts for NL00, ``gemeente`` and its wijken
    and buurten, the total ``0.0.0`` and the first ``soorten`` other crime types, every period;
    about ``null_share`` of the counts are null (secret), as CBS publishes some.
    """
    base = shared_dir / "crime" / "47018NED"
    meta = {n: read_cbs_csv(base / f"{n}.csv") for n in
            ("TableInfos", "DataProperties", "SoortMisdrijf", "WijkenEnBuurten", "Perioden")}  # fmt: skip
    meta["TableInfos"] = [dict(meta["TableInfos"][0])]
    meta["TableInfos"][0]["Title"] = f"{FIXTURE_LABEL}: {meta['TableInfos'][0]['Title']}"
    gm = gemeente[2:6]
    regions = [
        r for r in meta["WijkenEnBuurten"]
        if str(r["Key"]).strip() in ("NL00", gemeente) or str(r["Key"])[2:6] == gm
        and str(r["Key"])[:2] in ("WK", "BU")
    ]  # fmt: skip
    kinds = [meta["SoortMisdrijf"][0]] + [
        s for s in meta["SoortMisdrijf"][1:] if str(s["Key"]).strip() != "0.0.0"
    ][:soorten]
    rng = random.Random(seed)
    typed, i = [], 0
    soort_regio = {"NL": "Land", "GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}
    for p in meta["Perioden"]:
        for reg in regions:
            for k in kinds:
                n = None if rng.random() < null_share else rng.randint(0, 400)
                typed.append(
                    {
                        "ID": i,
                        "SoortMisdrijf": k["Key"],
                        "WijkenEnBuurten": reg["Key"],
                        "Perioden": p["Key"],
                        "GeregistreerdeMisdrijven_1": n,
                        "Gemeentenaam_2": f"{reg.get('Municipality') or '':<20}",
                        "SoortRegio_3": f"{soort_regio[str(reg['Key'])[:2]]:<10}",
                    }
                )
                i += 1
    return {**meta, "TypedDataSet": typed}
