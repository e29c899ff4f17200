"""Fuzz replay (issue 12): the classes of bad input an operator's fuzz run turned into 500s, replayed
against the real app under ``gunicorn -c gunicorn.conf.py`` on the store the live app built.

Every response must be a 2xx or the right 4xx, never a 5xx; a rejection says what was wrong in the
page's language; no body names an internal path; the server logs exactly one line per rejected
request and no traceback at all. Expected texts are written out here by hand (Dutch and English
words a reader would see), not taken from pages/i18n.py.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from pages import ids
from tests.prod_server import ProdServer

#: What must never leak: file-system paths, the store's internal files (the public download
#: format ".parquet" in a link is fine; "observations/" and "artefacts/" are the store's inside).
INTERNAL = ("/work", "/home", "/root", "/tmp", "site-packages", "observations/", "artefacts/",
            "Traceback", 'File "')  # fmt: skip
#: Words that show the language of a rejection (hand-written, independent of pages/i18n.py).
NL_WORDS = ("Ongeldig", "Onbekend", "Waarde", "parameter", "aanvraag", "gebruik", "verwacht")
EN_WORDS = ("Invalid", "Unknown", "Value", "parameter", "request", "use", "expected")

#: Every page with valid example parameters (the store's real codes and areas).
PAGES = {
    "/": {"indicator": "lbm", "year": "2024", "level": "WK", "view": "map"},
    "/trends": {"indicator": "lbm", "regions": "WK059915"},
    "/gebieden": {"indicator": "lbm", "area": "Rotterdam-Zuid"},
    "/vergelijk": {"regions": "WK059915,GM0599", "indicators": "lbm,onv"},
    "/indices": {"kind": "veiligheid", "regions": "WK059915", "weights": "geweld:2,vermogen:1"},
    "/wijk/WK059915": {},
    "/embed/kaart": {"indicator": "onv", "year": "2022", "level": "WK"},
    "/embed/trend": {"indicator": "lbm", "regions": "WK059915"},
    "/methode": {},
    "/over": {},
}


@pytest.fixture(scope="module")
def prod(live_app, app_data_dir, tmp_path_factory):  # noqa: ANN001, ANN201
    """gunicorn with gunicorn.conf.py on the data dir the live app built its store in.

    WIJKPEIL_TEST_DATA_DIR (local iteration only) points it at an existing data dir instead.
    """
    data = Path(os.environ.get("WIJKPEIL_TEST_DATA_DIR") or app_data_dir)
    server = ProdServer(data, tmp_path_factory.mktemp("prod-fuzz"))
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


class Replay:
    """Sends requests, keeps every response for the global checks."""

    def __init__(self, server: ProdServer) -> None:
        self.base = server.base
        self.s = requests.Session()
        self.seen: list[tuple[str, requests.Response]] = []
        self.log_start = len(server.log())  # the server is shared by this module's tests

    def get(self, path: str) -> requests.Response:
        r = self.s.get(self.base + path, timeout=120, allow_redirects=False)
        self.seen.append((f"GET {path}", r))
        return r

    def post(
        self, body: object, raw: bytes | None = None, ctype: str = "application/json",
        lang: str | None = None,
    ) -> requests.Response:  # fmt: skip
        """POST a callback; ``lang`` sets the Referer a browser on ``/?lang=…`` would send."""
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": ctype}
        if lang:
            headers["Referer"] = f"{self.base}/?lang={lang}"
        r = self.s.post(self.base + "/_dash-update-component", data=data, headers=headers,
                        timeout=120)  # fmt: skip
        self.seen.append((f"POST {data[:120]!r}", r))
        return r

    def deps(self) -> list[dict]:
        return self.s.get(self.base + "/_dash-dependencies", timeout=30).json()


def _body(dep: dict, values: dict) -> dict:
    """A callback request exactly as dash-renderer builds it, for a dependency from
    /_dash-dependencies, with ``values`` per component id (pattern deps: a list of entries)."""
    outs = (
        dep["output"].strip(".").split("...") if dep["output"].startswith("..") else [dep["output"]]
    )
    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outs]

    def entry(d: dict) -> object:
        if d["id"].startswith("{"):
            return values[(d["id"], d["property"])]
        value = values.get((d["id"], d["property"]), values.get(d["id"]))
        return {"id": d["id"], "property": d["property"], "value": value}

    inputs = [entry(d) for d in dep["inputs"]]
    changed = []
    for item in inputs:
        for x in item if isinstance(item, list) else [item]:
            cid = x["id"]
            key = (
                json.dumps(cid, sort_keys=True, separators=(",", ":"))
                if isinstance(cid, dict)
                else cid
            )
            changed.append(f"{key}.{x['property']}")
    return {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 or dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": [entry(d) for d in dep["state"]],
        "changedPropIds": changed[:1],
    }


WEIGHT_IDS = [
    {"ind": "geweld", "type": ids.INDEX_WEIGHTS},
    {"ind": "vermogen", "type": ids.INDEX_WEIGHTS},
]


def baseline(lang: str) -> dict:
    """Valid values for every component a server callback reads (real codes from the store)."""
    pattern = json.dumps({"ind": ["ALL"], "type": ids.INDEX_WEIGHTS}, separators=(",", ":"))
    return {
        ids.URL: None, ids.LANG: lang,
        ids.COMPARE_REGIONS: ["WK059915"], ids.COMPARE_INDICATORS: ["lbm"],
        ids.AREAS_INDICATOR: "lbm", ids.AREA_SELECT: "Rotterdam-Zuid",
        ids.INDICATOR: "lbm", ids.YEAR: 2024, ids.LEVEL: "WK", ids.VIEW: "map",
        ids.SEARCH: None, ids.MAP: None,
        ids.INDEX_REGION: ["WK059915"], ids.INDEX_KIND: "veiligheid",
        ids.TREND_INDICATOR: "lbm", ids.TREND_REGIONS: ["WK059915"],
        ids.DATA_LEVEL: "wijk", ids.DATA_INDICATORS: ["lbm"], ids.DATA_YEAR_FROM: 2012,
        ids.DATA_YEAR_TO: 2024, ids.DATA_REGIONS: ["GM0599"],
        ids.FIND_INPUT: "Charlois", ids.FIND_PDOK: {}, ids.INDEX_DOWNLOAD_BUTTON: 1,
        "_pages_location": None,
        (pattern, "value"): [{"id": w, "property": "value", "value": 1} for w in WEIGHT_IDS],
        (pattern, "id"): [{"id": w, "property": "id", "value": w} for w in WEIGHT_IDS],
    }  # fmt: skip


def _fill(dep: dict, base: dict) -> dict:
    vals = dict(base)
    for d in dep["inputs"] + dep["state"]:
        if d["property"] == "search_value":
            vals[(d["id"], "search_value")] = "Charl"
    vals[(ids.URL, "pathname")], vals[(ids.URL, "search")] = "/", f"?lang={base[ids.LANG]}"
    vals[("_pages_location", "pathname")], vals[("_pages_location", "search")] = "/methode", ""
    return vals


def _server_deps(rp: Replay) -> list[dict]:
    return [d for d in rp.deps() if d.get("clientside_function") is None]


MUTATIONS = {
    "string": "abc",
    "number": 12345,
    "float": 1.5,
    "bool": True,
    "null": None,
    "object": {"a": 1},
    "nested list": [1, [2, [3]]],
    "huge list": ["WK059915"] * 10_000,
    "deep": json.loads("[" * 40 + "]" * 40),
    "big int": 10**30,
    "long string": "x" * 5000,
}


def _lang_ok(text: str, lang: str) -> bool:
    words = EN_WORDS if lang == "en" else NL_WORDS
    other = NL_WORDS[:4] if lang == "en" else EN_WORDS[:4]
    return any(w in text for w in words) and not any(w in text for w in other)


def _check_all(rp: Replay, server: ProdServer) -> None:
    """The global rules: no 5xx, no internal path, one log line per 4xx, no traceback."""
    fives = [(what, r.status_code) for what, r in rp.seen if r.status_code >= 500]
    assert not fives, f"{len(fives)} server errors, e.g. {fives[:5]}"
    leaks = [(what, bad) for what, r in rp.seen for bad in INTERNAL if bad in r.text]
    assert not leaks, f"internal paths or tracebacks in bodies: {leaks[:5]}"
    rejected = sum(400 <= r.status_code < 500 for _, r in rp.seen)
    log = server.log()[rp.log_start :]
    assert "Traceback" not in log, log[log.index("Traceback") - 300 :][:2000]
    lines = [ln for ln in log.splitlines() if "wijkpeil.server" in ln]
    assert sum("wijkpeil.server: rejected" in ln for ln in lines) == rejected, (
        f"{rejected} rejected requests but log lines: {lines[-10:]}"
    )
    assert not [ln for ln in lines if " ERROR " in ln], [ln for ln in lines if " ERROR " in ln][:5]


def _page_content(rp: Replay, path: str, search: str) -> dict:
    """What the browser renders: Dash Pages' content callback for ``path`` + ``search``."""
    dep = next(d for d in rp.deps() if d["output"].startswith(".._pages_content"))
    body = _body(dep, {"_pages_location": None})
    body["inputs"] = [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": search},
    ]
    body["changedPropIds"] = ["_pages_location.pathname"]
    r = rp.post(body)
    assert r.status_code == 200, (path, search, r.status_code, r.text[:300])
    return r.json()["response"]["_pages_content"]["children"]


def _texts(node: object) -> str:
    """All visible text of a serialised Dash component tree."""
    if isinstance(node, str | int | float):
        return f" {node}"
    if isinstance(node, list):
        return "".join(_texts(n) for n in node)
    if isinstance(node, dict):
        return _texts(node.get("props", {}).get("children"))
    return ""


def _has_error_page(node: object) -> bool:
    if isinstance(node, list):
        return any(_has_error_page(n) for n in node)
    if isinstance(node, dict):
        props = node.get("props", {})
        return props.get("id") == ids.ERROR_PAGE or _has_error_page(props.get("children"))
    return False


# ------------------------------------------------------------------------------------------------
# URL classes
# ------------------------------------------------------------------------------------------------


def _url_cases() -> list[tuple[str, str, str, str]]:
    """(class, path, query string, lang) for repeated and double-encoded parameters on every page."""
    cases = []
    for path, params in PAGES.items():
        for k, lang in enumerate(("nl", "en")):
            names = [*params, "lang"]
            for name in names:
                good = params.get(name, lang)
                rest = "&".join(
                    f"{n}={quote(v, safe=',:')}" for n, v in params.items() if n != name
                )
                rest = (rest + "&" if rest else "") + (f"lang={lang}" if name != "lang" else "")
                other = "onv" if name != "lang" else lang
                cases.append(
                    ("repeated", path, f"{rest}&{name}={good}&{name}={other}".strip("&"), lang)
                )
                cases.append(("%26-encoded", path,
                              f"{rest}&{name}={good}%26{name}%3D{other}".strip("&"), lang))  # fmt: skip
            if k == 0 and path == "/vergelijk":
                cases.append(("repeated", path, "indicators=lbm&indicators=onv", "nl"))
    return cases


def test_repeated_and_double_encoded_parameters_are_a_400_with_a_page_in_its_language(prod):
    rp = Replay(prod)
    cases = _url_cases()
    assert len(cases) > 100
    for kind, path, query, lang in cases:
        r = rp.get(f"{path}?{query}")
        assert r.status_code == 400, (kind, path, query, r.status_code)
        assert '<div id="react-entry-point">' in r.text  # the app still loads and shows the page
        page = _page_content(rp, path, "?" + query)
        assert _has_error_page(page), (kind, path, query)
        text = _texts(page)
        want = "meer dan eens" if lang == "nl" else "more than once"
        assert want in text, (kind, path, query, text[:300])
    _check_all(rp, prod)


UNKNOWN = ["/nope", "/trends/extra", "/wijk", "/embed/", "/embed/nope", "/404", "//evil.example/x",
           "/%2e%2e/%2e%2e/etc/passwd", "/static/x.js", "/assets/nope.css",
           "/_dash-component-suites/evil/x.js", "/_dash-component-suites/dash/../../etc/passwd",
           "/geo/WK/1999.geojson", "/download/nope.csv"]  # fmt: skip


def test_unknown_urls_are_404(prod):
    rp = Replay(prod)
    for path in UNKNOWN:
        r = rp.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text[:200])
    page = _page_content(rp, "/nope", "?lang=en")
    assert "not found" in _texts(page).lower()
    _check_all(rp, prod)


BAD_VALUES = [
    ("/indices", "weights=geweld:1e308,vermogen:1", "1e308"),
    ("/indices", "weights=geweld:1e308,vermogen:1e308&lang=en", "1e308"),
    ("/indices", "weights=geweld:inf", "inf"),
    ("/indices", "weights=geweld:-1", "-1"),
    ("/indices", "weights=geweld:nan", "nan"),
    ("/indices", "weights=geweld:1e-320", "1e-320"),
    ("/indices", "weights=geweld", "geweld"),
    ("/", "year=1e308", "1e308"),
    ("/", "year=99999", "99999"),
    ("/", "year=-1", "-1"),
    ("/", "indicator=%00", "indicator"),
    ("/", "indicator=" + "x" * 600, "indicator"),
    ("/", "indicator=%3Cscript%3Ealert(1)%3C/script%3E", "script"),
    ("/", "level=XX&lang=en", "XX"),
    ("/embed/kaart", "year=abc", "abc"),
    ("/trends", "regions=../../etc/passwd", "passwd"),
    ("/vergelijk", "indicators=" + ",".join(["lbm"] * 20), "6"),
    ("/gebieden", "area=Nergens", "Nergens"),
    ("/wijk/WK059915", "code=GM0599", "code"),
    ("/wijk/%00", "", "%00"),
    ("/wijk/WK999999", "lang=en", "WK999999"),
]


def test_bad_and_out_of_range_values_are_a_400_that_says_what(prod):
    rp = Replay(prod)
    for path, query, shown in BAD_VALUES:
        r = rp.get(f"{path}?{query}" if query else path)
        assert r.status_code == 400, (path, query, r.status_code)
        page = _page_content(rp, path, f"?{query}" if query else "")
        text = _texts(page)
        assert _has_error_page(page) and shown in text, (path, query, text[:300])
    r = rp.get("/?indicator=" + "x" * 3000)
    assert r.status_code == 414
    _check_all(rp, prod)


# ------------------------------------------------------------------------------------------------
# callback classes
# ------------------------------------------------------------------------------------------------


def test_every_server_callback_accepts_its_valid_request(prod):
    """The validator must never refuse what the browser sends (baseline for the fuzz below)."""
    rp = Replay(prod)
    deps = _server_deps(rp)
    assert len(deps) >= 12
    for dep in deps:
        body = _body(dep, _fill(dep, baseline("en")))
        r = rp.post(body)
        assert r.status_code in (200, 204), (dep["output"], r.status_code, r.text[:300])
    _check_all(rp, prod)


def test_wrong_type_callback_inputs_are_a_4xx_or_handled(prod):
    rp = Replay(prod)
    counts = {"400": 0, "2xx": 0}
    for n, dep in enumerate(_server_deps(rp)):
        for k, d in enumerate(dep["inputs"] + dep["state"]):
            for m, (name, bad) in enumerate(MUTATIONS.items()):
                lang = "en" if (n + k + m) % 2 else "nl"
                body = _body(dep, _fill(dep, baseline(lang)))
                slot = body["inputs"] if k < len(dep["inputs"]) else body["state"]
                item = slot[k if k < len(dep["inputs"]) else k - len(dep["inputs"])]
                if isinstance(item, list):  # pattern dependency: mutate its first entry
                    item[0]["value"] = copy.deepcopy(bad)
                else:
                    item["value"] = copy.deepcopy(bad)
                r = rp.post(body, lang=lang)
                what = (dep["output"][:50], d["id"][:30], d["property"], name, r.status_code)
                assert r.status_code in (200, 204, 400), (what, r.text[:300])
                if r.status_code == 400:
                    counts["400"] += 1
                    assert len(r.text) < 300, what
                    if d["id"] != ids.LANG:
                        assert _lang_ok(r.text, lang), (what, lang, r.text)
                else:
                    counts["2xx"] += 1
                    if r.status_code == 200:
                        assert "response" in r.json(), what
    assert counts["400"] > 300, counts
    _check_all(rp, prod)


def test_malformed_callback_posts_are_a_4xx(prod):
    rp = Replay(prod)
    deps = _server_deps(rp)
    dep = next(d for d in deps if d["output"].startswith(f"..{ids.MAP}.figure"))
    good = _body(dep, _fill(dep, baseline("en")))
    cases: list[tuple[str, dict | None, bytes | None, str, int]] = [
        ("text/plain body", None, b"hello", "text/plain", 415),
        ("form body", None, b"a=1&b=2", "application/x-www-form-urlencoded", 415),
        ("broken JSON", None, b'{"output": ', "application/json", 400),
        ("NaN literal", None, json.dumps(good).replace("2024", "NaN").encode(), "application/json", 400),
        ("Infinity literal", None, json.dumps(good).replace("2024", "Infinity").encode(),
         "application/json", 400),
        ("empty body", None, b"", "application/json", 400),
    ]  # fmt: skip
    for name, value in (("list", []), ("number", 1), ("string", "x"), ("null", None)):
        cases.append((f"JSON {name}", None, json.dumps(value).encode(), "application/json", 400))

    def variant(name: str, change, status: int = 400) -> None:  # noqa: ANN001
        body = copy.deepcopy(good)
        change(body)
        cases.append((name, body, None, "application/json", status))

    variant("no output", lambda b: b.pop("output"))
    variant("output not a string", lambda b: b.update(output=["x"]))
    variant("unknown output", lambda b: b.update(output="nope.children"))
    variant("clientside-only output", lambda b: b.update(output=f"{ids.EMBED_BUTTON}.title"))
    variant("huge output", lambda b: b.update(output="x" * 100_000))
    variant("outputs missing", lambda b: b.pop("outputs"))
    variant("outputs wrong count", lambda b: b.update(outputs=b["outputs"][:2]))
    variant("outputs wrong property", lambda b: b["outputs"][0].update(property="nope"))
    variant("inputs missing", lambda b: b.pop("inputs"))
    variant("inputs an object", lambda b: b.update(inputs={"a": 1}))
    variant("inputs short", lambda b: b.update(inputs=b["inputs"][:1]))
    variant("inputs long", lambda b: b.update(inputs=b["inputs"] + b["inputs"]))
    variant("input not an object", lambda b: b["inputs"].__setitem__(0, "x"))
    variant("input wrong id", lambda b: b["inputs"][0].update(id="nope"))
    variant("input id an object", lambda b: b["inputs"][0].update(id={"a": "b"}))
    variant("input wrong property", lambda b: b["inputs"][0].update(property="children"))
    variant("state missing", lambda b: b.pop("state"))
    variant("state wrong id", lambda b: b["state"][0].update(id="url"))
    variant("changedPropIds a string", lambda b: b.update(changedPropIds="map-year.value"))
    variant("changedPropIds unknown", lambda b: b.update(changedPropIds=["nope.value"]))
    variant("changedPropIds bad JSON id", lambda b: b.update(changedPropIds=['{"a":.value']))
    variant("changedPropIds not strings", lambda b: b.update(changedPropIds=[1, None]))
    idx = next(d for d in deps if d["output"].startswith(f"..{ids.INDEX_GRAPH}"))
    igood = _body(idx, _fill(idx, baseline("en")))

    def ivariant(name: str, change) -> None:  # noqa: ANN001
        body = copy.deepcopy(igood)
        change(body)
        cases.append((name, body, None, "application/json", 400))

    ivariant("weight 1e308", lambda b: b["inputs"][0][0].update(value=1e308))
    ivariant("weight a string", lambda b: b["inputs"][0][0].update(value="2"))
    ivariant("weight a list", lambda b: b["inputs"][0][0].update(value=[1]))
    ivariant("pattern input not a list", lambda b: b["inputs"].__setitem__(0, b["inputs"][0][0]))
    ivariant("pattern id wrong type", lambda b: b["inputs"][0][0]["id"].update(type="nope"))
    ivariant("pattern id extra key", lambda b: b["inputs"][0][0]["id"].update(x=1))
    ivariant("pattern id value a list", lambda b: b["inputs"][0][0]["id"].update(ind=["ALL"]))
    ivariant("pattern ids not objects", lambda b: b["state"][0].__setitem__(0, 5))
    ivariant("pattern list huge", lambda b: b["inputs"].__setitem__(0, b["inputs"][0] * 600))
    pages = next(d for d in deps if d["output"].startswith(".._pages_content"))
    pgood = _body(pages, _fill(pages, baseline("en")))
    for name, val in (
        ("pathname a number", 5),
        ("pathname a list", ["/"]),
        ("search an object", {}),
    ):
        body = copy.deepcopy(pgood)
        body["inputs"][0 if "pathname" in name else 1]["value"] = val
        cases.append((name, body, None, "application/json", 400))
    neg = copy.deepcopy(igood)  # a negative weight: the page keeps its view and says why
    neg["inputs"][0][0]["value"] = -1
    r = rp.post(neg)
    assert r.status_code == 200, r.text[:300]
    assert "-1" in r.json()["response"][ids.INDEX_ERROR]["children"]
    for name, body, raw, ctype, status in cases:
        r = rp.post(body, raw=raw, ctype=ctype)
        assert r.status_code == status, (name, r.status_code, r.text[:300])
        assert len(r.text) < 300, name
    assert len(cases) >= 44
    big = b'{"output": "' + b"x" * (2 << 20) + b'"}'
    r = rp.post(None, raw=big)
    assert r.status_code == 413
    r = rp.get("/_dash-update-component")  # GET reaches Dash's catch-all page route: no page
    assert r.status_code == 404
    r = rp.s.put(rp.base + "/", data=b"x", timeout=30)
    rp.seen.append(("PUT /", r))
    assert r.status_code == 405
    _check_all(rp, prod)


def test_rejections_follow_the_page_language(prod):
    rp = Replay(prod)
    dep = next(d for d in _server_deps(rp) if d["output"].startswith(f"..{ids.TREND_GRAPH}"))
    for lang, words in (
        ("nl", ("Ongeldige waarde", "verwacht")),
        ("en", ("Invalid value", "expected")),
    ):
        body = _body(dep, _fill(dep, baseline(lang)))
        body["inputs"][0]["value"] = {"not": "an indicator"}
        r = rp.post(body)
        assert r.status_code == 400 and all(w in r.text for w in words), (lang, r.text)
    r = rp.post(None, raw=b"{", ctype="application/json")
    assert r.status_code == 400 and "JSON" in r.text and "Ongeldige" in r.text  # no page: Dutch
    r = rp.s.post(rp.base + "/_dash-update-component", data=b"{", timeout=30,
                  headers={"Content-Type": "application/json", "Referer": rp.base + "/?lang=en"})  # fmt: skip
    rp.seen.append(("POST { (referer en)", r))
    assert r.status_code == 400 and "Invalid callback request" in r.text
    _check_all(rp, prod)
