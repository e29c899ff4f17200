"""Server-level behaviour of the Wijkpeil app, registered from app.py with ``_server.register(app)``.

Everything here is about HTTP, not about pages:

* **Security headers** on every response: a Content-Security-Policy without ``'unsafe-inline'`` or
  ``'unsafe-eval'`` for scripts (Dash's inline renderer and clientside-callback scripts are allowed
  by their sha256 hashes, ``Dash.csp_hashes()``, dash PR #1371), ``X-Content-Type-Options``,
  ``Referrer-Policy``; not frameable (``frame-ancestors 'none'`` + ``X-Frame-Options: DENY``) except
  ``/embed/*`` (``frame-ancestors *``). External hosts (PDOK tiles, Locatieserver) come from
  ``settings.csp_hosts``.
* **Page status codes.** Dash serves the same index HTML for every URL and renders the page in the
  browser. The index view is wrapped so the HTTP status says what the page will show: 404 for a
  path that is no registered page, 400 when the page's layout returns its error page
  (``ids.ERROR_PAGE``) for the URL's parameters, 503/500 for server faults. Deciding calls the
  page's layout (pages are pure functions of URL parameters); the result is kept for a few
  seconds so the browser's page-content callback that follows reuses it instead of computing it
  again.
* **Layout guard.** Every layout in ``dash.page_registry`` is wrapped: repeated parameters
  (``?indicator=lbm&indicator=onv``; also what ``%26`` becomes, since Dash unquotes the search string
  before ``parse_qs``), over-long or control-character values, a query parameter that repeats a
  path variable and out-of-range index weights give a helpful error page in the page's language
  instead of a 500 or a blank page.
* **Callback validation.** ``POST /_dash-update-component`` is checked before Dash dispatches it:
  JSON object, known server-side output, inputs/state matching the callback's declared
  dependencies, values of JSON-sane size, of the types the callback function declares in its
  annotations and per-property rules, and within the closed sets of a few components
  (``_domains``). Rejections are a 4xx with a short message in the page's
  language and ONE log line, never a traceback.
* **Errors.** 4xx from anywhere are logged as one line. Real faults are logged once with their
  traceback and answered with a generic message (no internal paths); a store problem is a 503.
* **/healthz** reports ``loaders.store.health()`` (cached ``settings.health_ttl`` seconds per worker):
  200 ``{"status": "ok"}`` or 503 with the reason.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import math
import os
import re
import sys
import threading
import time
import types
import typing
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import parse_qs, unquote

import dash
import flask
from werkzeug.exceptions import HTTPException

import settings as _settings
from errors import StoreError, WijkpeilError
from pages import common, ids
from pages.i18n import lang_of, t

LOG = logging.getLogger("wijkpeil.server")

#: Limits for query parameters and callback payloads (far above what the UI ever sends).
MAX_PARAM_CHARS = 500
MAX_LIST = 500
MAX_DEPTH = 12
MAX_STR = 4000
MAX_INT = 2**53
#: Index weights: 0 (leave the component out) or a number in [MIN_WEIGHT, MAX_WEIGHT]. Larger
#: values overflow the weighted mean (1e308 gives NaN everywhere); the UI offers 0-10.
MIN_WEIGHT, MAX_WEIGHT = 0.001, 1000.0
#: Seconds a computed page layout is reused (index GET -> page-content callback; identical URLs).
LAYOUT_TTL = 10.0
LAYOUT_CACHE_SIZE = 16

_CTRL = re.compile(r"[\x00-\x1f\x7f]")
_PATH_JUNK = re.compile(r"[\x00-\x20\x7f]")
_DISPATCH = "_dash-update-component"
_PAGES_CONTENT_PREFIX = ".._pages_content.children..."
NOT_FOUND_MODULE = "pages.not_found_404"


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def safe_path(path: str | None) -> str:
    """A site-relative path that can never become a link to another host.

    Browsers drop tabs/newlines inside URLs and read ``\\`` as ``/``, so ``//evil.example/x``,
    ``/\\evil.example`` and ``/\\t/evil.example`` all mean "another host". We drop whitespace and
    control characters, turn backslashes into slashes and collapse repeated slashes.
    """
    p = _PATH_JUNK.sub("", str(path or "")).replace("\\", "/")
    p = re.sub(r"/{2,}", "/", p)
    return p if p.startswith("/") else "/" + p


def _one_line(text: object, limit: int = 300) -> str:
    s = _CTRL.sub(" ", str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _fmt(key: str, lang: str, **params: object) -> str:
    return t(key, lang).format(**params)


def _request_lang() -> str:
    """The language of the page a request comes from: ?lang=, else the Referer's ?lang=."""
    if not flask.has_request_context():
        return "nl"
    lang = flask.request.args.get("lang")
    if lang is None:
        ref = flask.request.headers.get("Referer", "")
        if "?" in ref:
            lang = (parse_qs(ref.split("?", 1)[1]).get("lang") or [None])[-1]
    return lang_of(lang)


def _text(status: int, message: str) -> flask.Response:
    return flask.Response(message + "\n", status=status, mimetype="text/plain")


def _note(status: int, reason: str) -> None:
    """Remember why this request is answered with ``status`` (logged once in after_request)."""
    if flask.has_request_context():
        flask.g.wijkpeil_status = status
        flask.g.wijkpeil_reason = reason


_ROOTS = re.compile(
    r"(?<![\w$.])/(?:home|root|tmp|usr|opt|var|srv|mnt|work|etc|proc|data|private|Users)"
    r"(?:/[\w.@+-]+)*/([\w.@+-]+)"
)


def _scrub(text: str) -> str:
    """Remove file-system paths from a message meant for a response body: the data folders become
    ``$WIJKPEIL_DATA_DIR``/``$WIJKPEIL_SHARED_DIR`` (what an operator sets), other absolute paths
    their last component (``…/observations.parquet``)."""
    s = _settings.get()
    for root, name in ((s.data_dir, "$WIJKPEIL_DATA_DIR"), (s.shared_dir, "$WIJKPEIL_SHARED_DIR")):
        text = text.replace(str(root.resolve()), name).replace(str(root), name)
    return _ROOTS.sub(r"…/\1", text)


# --------------------------------------------------------------------------------------------
# layout guard (every registered page)
# --------------------------------------------------------------------------------------------


class _Cache:
    """A tiny thread-safe TTL cache of computed layouts (per worker)."""

    def __init__(self, size: int, ttl: float) -> None:
        self.size, self.ttl = size, ttl
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple | None:
        with self._lock:
            hit = self._d.get(key)
            if hit is None or time.monotonic() - hit[0] > self.ttl:
                self._d.pop(key, None)
                return None
            self._d.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, value: tuple) -> None:
        with self._lock:
            self._d[key] = (time.monotonic(), value)
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


LAYOUTS = _Cache(LAYOUT_CACHE_SIZE, LAYOUT_TTL)


def _lang_param(value: object) -> str:
    if isinstance(value, list):
        value = value[-1] if value else None
    return lang_of(value if isinstance(value, str) else None)


def _weights_problem(text: str) -> tuple[str, dict] | None:
    """Out-of-range index weights (malformed ones are left to the page, which explains them)."""
    for tok in text.split(","):
        name, _, val = tok.partition(":")
        try:
            w = float(val)
        except ValueError:
            continue
        if w != 0 and not math.isnan(w) and not MIN_WEIGHT <= w <= MAX_WEIGHT:
            return "err_weight_range", {"name": _one_line(name.strip(), 40), "value": _one_line(val.strip(), 40),
                                        "low": f"{MIN_WEIGHT:g}", "high": f"{MAX_WEIGHT:g}"}  # fmt: skip
    return None


def _signature(layout: Callable) -> tuple[frozenset[str], bool]:
    """(names the layout declares, whether it also takes **kwargs)."""
    try:
        params = inspect.signature(layout).parameters.values()
    except (TypeError, ValueError):
        return frozenset(), True
    names = frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    return names, any(p.kind == p.VAR_KEYWORD for p in params)


def param_problem(params: dict, declared: frozenset[str]) -> tuple[str, dict] | None:
    """(i18n key, parameters) of what is wrong with the URL parameters a layout declares, or None.

    Parameters a page does not declare are not its business (``?utm_source=…`` twice is fine)."""
    conflict = flask.g.get("wijkpeil_conflict") if flask.has_request_context() else None
    if conflict:
        return "err_param_conflict", {"name": conflict}
    for name, value in params.items():
        if name not in declared and name != "lang":
            continue
        if isinstance(value, list):
            example = next((v for v in value if isinstance(v, str) and v), "…")
            return "err_repeated_param", {"name": name, "example": _one_line(example, 40)}
        if not isinstance(value, str) or len(value) > MAX_PARAM_CHARS or _CTRL.search(value):
            return "err_bad_param", {"name": name}
    if isinstance(params.get("weights"), str) and params["weights"].strip():
        return _weights_problem(params["weights"])
    return None


def _is_error_page(component: object, depth: int = 0) -> bool:
    if getattr(component, "id", None) == ids.ERROR_PAGE:
        return True
    if depth >= 4:
        return False
    kids = getattr(component, "children", None)
    kids = kids if isinstance(kids, list | tuple) else [kids]
    return any(_is_error_page(k, depth + 1) for k in kids if k is not None)


def _error_text(component: object, depth: int = 0) -> str:
    """The explanation shown on an error page (its ``error-detail`` paragraph), for the log."""
    if "error-detail" in str(getattr(component, "className", "") or ""):
        return _one_line(getattr(component, "children", ""), 200)
    kids = getattr(component, "children", None)
    for k in kids if isinstance(kids, list | tuple) else [kids]:
        if k is not None and depth < 5 and (hit := _error_text(k, depth + 1)):
            return hit
    return ""


def _server_error_page(lang: str, key: str):  # noqa: ANN202
    from dash import dcc, html

    return html.Div(
        [html.H2(t("server_error", lang)), html.P(t(key, lang), className="error-detail"),
         dcc.Link(t("back_to_map", lang), href=common.href("/", lang))],
        className="error-page server-error", role="alert",
    )  # fmt: skip


def _store_version() -> str:
    """The served store version (a new store never gets a page cached for the old one)."""
    try:
        from loaders import store

        v = store.current(_settings.get().serving_store_dir)
        return v.id if v is not None else ""
    except Exception:  # noqa: BLE001 - the page itself reports store problems
        return ""


def compute_page(module: str, layout: Callable, params: dict) -> tuple[object, int, str]:
    """(component, status, reason) for a page layout called with URL ``params`` (cached briefly)."""
    lang = _lang_param(params.get("lang"))
    conflict = flask.g.get("wijkpeil_conflict") if flask.has_request_context() else None
    key = (module, conflict, _store_version(),
           tuple(sorted((str(k), repr(v)) for k, v in params.items())))  # fmt: skip
    hit = LAYOUTS.get(key)
    if hit is not None:
        return hit
    declared, takes_any = _signature(layout)
    if not takes_any:  # Dash passes every query parameter; a layout without **kwargs would raise
        params = {k: v for k, v in params.items() if k in declared}
    bad = param_problem(params, declared)
    if bad is not None:
        text = _fmt(bad[0], lang, **bad[1])
        page = common.error_page(WijkpeilError(text), lang, "bad_request")
        out = (page, 400, f"bad URL parameters: {_fmt(bad[0], 'en', **bad[1])}")
    else:
        try:
            comp = layout(**params)
        except StoreError as exc:  # a known condition with a clear message: one line, no traceback
            LOG.error("store unavailable while rendering %s: %s", module, _one_line(exc, 600))
            out = (_server_error_page(lang, "store_unavailable"), 503, "store unavailable")
        except Exception:  # a real fault: the traceback once, server side; a generic page
            LOG.exception("server fault while rendering %s with %s", module, _one_line(params))
            out = (_server_error_page(lang, "server_error_text"), 500, "server fault (logged)")
        else:
            if module == NOT_FOUND_MODULE:
                out = (comp, 404, "no such page")
            elif _is_error_page(comp):
                out = (comp, 400, f"the page rejected its URL parameters: {_error_text(comp)}")
            else:
                out = (comp, 200, "")
    LAYOUTS.put(key, out)
    return out


def _guard(module: str, layout: Callable) -> Callable:
    @functools.wraps(layout)
    def guarded(**params: object) -> object:
        comp, status, reason = compute_page(module, layout, params)
        if status != 200:
            _note(status, reason)
        return comp

    guarded.__wijkpeil_guarded__ = True  # type: ignore[attr-defined]
    guarded.__wijkpeil_layout__ = layout  # type: ignore[attr-defined]
    return guarded


def guard_pages() -> None:
    """Wrap every callable layout in ``dash.page_registry`` (idempotent)."""
    for module, page in dash.page_registry.items():
        layout = page.get("layout")
        if callable(layout) and not getattr(layout, "__wijkpeil_guarded__", False):
            page["layout"] = _guard(module, layout)


# --------------------------------------------------------------------------------------------
# page status of the index HTML
# --------------------------------------------------------------------------------------------


def dash_query(search: str) -> dict:
    """The keyword arguments Dash Pages passes to a layout for ``search`` (``?a=b``).

    Mirrors ``dash._pages._parse_query_string`` (dash 2.18): the string is unquoted once and then
    parsed with ``parse_qs`` (which unquotes again), so ``%26`` splits a value; repeated names
    become lists.
    """
    s = unquote(search or "")
    if not s.startswith("?"):
        return {}
    return {k: (v[0] if len(v) == 1 else v) for k, v in parse_qs(s[1:]).items()}


def match_page(app: dash.Dash, pathname: str) -> tuple[str | None, dict | None, dict]:
    """(module, page, path variables) of the page Dash Pages shows for ``pathname``."""
    from dash._pages import _path_to_page  # dash 2.18: the exact matcher of the pages callback

    page, variables = _path_to_page(app.strip_relative_path(pathname))
    if not page:
        return None, None, {}
    return page["module"], page, variables or {}


def _conflict(variables: dict, query: dict) -> str | None:
    clash = sorted(set(variables) & set(query))
    return clash[0] if clash else None


def page_status(app: dash.Dash, raw_path: str, raw_query: str) -> tuple[int, str]:
    """Status and reason for GET ``raw_path?raw_query`` (percent-encoded, as the browser has it)."""
    module, page, variables = match_page(app, raw_path)
    query = dash_query("?" + raw_query if raw_query else "")
    if page is None or module == NOT_FOUND_MODULE:
        return 404, "no such page"
    conflict = _conflict(variables, query)
    if conflict:
        flask.g.wijkpeil_conflict = conflict
        query = {k: v for k, v in query.items() if k not in variables}
    layout = page.get("layout")
    if not callable(layout):
        return 200, ""
    _, status, reason = compute_page(module, _unguarded(layout), {**variables, **query})
    return status, reason


def _unguarded(layout: Callable) -> Callable:
    return getattr(layout, "__wijkpeil_layout__", layout)


def _raw_target() -> tuple[str, str]:
    env = flask.request.environ
    raw = env.get("RAW_URI") or env.get("REQUEST_URI")
    if not raw:
        return flask.request.path, flask.request.query_string.decode("latin-1")
    if not raw.startswith("/"):  # absolute-form request target (GET http://host/path HTTP/1.1)
        raw = raw.split("://", 1)[-1].partition("/")[1:]
        raw = "".join(raw) or "/"
    path, _, query = raw.partition("?")
    return path, query


def _wrap_index(app: dash.Dash) -> None:
    server = app.server
    prefix = app.config.routes_pathname_prefix
    for endpoint in (prefix, prefix + "<path:path>"):
        view = server.view_functions[endpoint]

        @functools.wraps(view)
        def index(*args: object, _view: Callable = view, **kwargs: object) -> flask.Response:
            body = _view(*args, **kwargs)
            path, query = _raw_target()
            status, reason = page_status(app, path, query)
            if status != 200:
                _note(status, reason)
            resp = flask.make_response(body)
            resp.status_code = status
            return resp

        server.view_functions[endpoint] = index


# --------------------------------------------------------------------------------------------
# callback validation
# --------------------------------------------------------------------------------------------


class Rejected(Exception):
    """A callback request we refuse: HTTP ``status`` and an i18n message key with parameters."""

    def __init__(self, status: int, key: str, log: str, **params: object) -> None:
        super().__init__(log)
        self.status, self.key, self.params = status, key, params


_NULLABLE = {"value", "search_value", "data", "clickData", "hoverData", "selectedData",
             "relayoutData", "n_clicks", "pathname", "search", "href", "hash"}  # fmt: skip


def _json_sane(value: object, field: str, depth: int = 0) -> None:
    """Bounded size/depth, finite numbers, string keys."""
    if depth > MAX_DEPTH:
        raise Rejected(400, "cb_too_large", f"{field} nested deeper than {MAX_DEPTH}", field=field)
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise Rejected(400, "cb_out_of_range", f"{field} integer too large", field=field,
                           low=-MAX_INT, high=MAX_INT)  # fmt: skip
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Rejected(400, "cb_bad_value", f"{field} is not finite", field=field,
                           expected="finite")  # fmt: skip
    elif isinstance(value, str):
        if len(value) > MAX_STR:
            raise Rejected(400, "cb_too_large", f"{field} string too long", field=field)
    elif isinstance(value, list):
        if len(value) > MAX_LIST:
            raise Rejected(400, "cb_too_large", f"{field} list of {len(value)}", field=field)
        for v in value:
            _json_sane(v, field, depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_LIST:
            raise Rejected(400, "cb_too_large", f"{field} object of {len(value)}", field=field)
        for v in value.values():
            _json_sane(v, field, depth + 1)


def _type_words(ann: object, lang: str) -> str:
    names = []
    for a in _union_args(ann):
        origin = typing.get_origin(a) or a
        key = {str: "type_str", int: "type_int", float: "type_float", bool: "type_bool",
               list: "type_list", tuple: "type_list", dict: "type_dict",
               type(None): "type_none"}.get(origin)  # fmt: skip
        if key:
            names.append(t(key, lang))
    return t("type_or", lang).join(dict.fromkeys(names)) or "?"


def _scalar(ann: object) -> bool:
    """An annotation of plain values (a single dropdown, a store), not a list or mapping."""
    if ann in (inspect.Parameter.empty, typing.Any, object):
        return True
    return all(a in (str, int, float, bool, type(None)) for a in _union_args(ann))


def _union_args(ann: object) -> tuple:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return typing.get_args(ann)
    return (ann,)


def conforms(value: object, ann: object) -> bool:
    """Does the JSON ``value`` fit the annotation (str, int, float, bool, list[...], dict, unions)?"""
    if ann in (inspect.Parameter.empty, typing.Any, object):
        return True
    args = _union_args(ann)
    if len(args) > 1:
        return any(conforms(value, a) for a in args)
    if ann is None or ann is type(None):
        return value is None
    origin, sub = typing.get_origin(ann) or ann, typing.get_args(ann)
    if origin is str:
        return isinstance(value, str)
    if origin is bool:
        return isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin in (list, tuple, typing.Sequence):
        return isinstance(value, list) and (not sub or all(conforms(v, sub[0]) for v in value))
    if origin in (dict, typing.Mapping):
        return isinstance(value, dict) and (
            len(sub) < 2 or all(conforms(v, sub[1]) for v in value.values())
        )
    return True  # an annotation we do not model: no claim


_SCALAR = str | int | float | bool | None
#: What a browser can send per property, whatever the callback declares (checked first).
PROPERTY_TYPES: dict[str, object] = {
    "value": _SCALAR | list[_SCALAR],
    "search_value": str | None,
    "n_clicks": int | None,
    "clickData": dict | None,
    "hoverData": dict | None,
    "pathname": str | None,
    "search": str | None,
    "href": str | None,
    "id": dict | str,
}
#: Per component id (or pattern ``type``) refinements of ``value``.
VALUE_TYPES: dict[str, object] = {ids.INDEX_WEIGHTS: int | float | None}
#: Magnitude limits that keep the computation finite (1e308 overflows the weighted mean); signs
#: and zeros are the callback's business (it explains a negative weight in the page).
VALUE_RANGES: dict[str, tuple[float, float]] = {ids.INDEX_WEIGHTS: (-MAX_WEIGHT, MAX_WEIGHT)}


def _domains() -> dict[tuple[str, str], Callable[[], object]]:
    """Closed sets of values for components whose callbacks index with the value unchecked
    (the browser only ever sends one of the options the server rendered)."""
    from indicators import views

    return {
        (ids.AREA_SELECT, "value"): views.area_names,
        (ids.INDEX_KIND, "data"): lambda: views.INDEX_KINDS,
    }


@functools.lru_cache(maxsize=256)
def _hints(func: Callable) -> list[tuple[str, object]]:
    """[(parameter name, annotation)] of a callback function's positional parameters."""
    target = inspect.unwrap(func)
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 - unresolvable annotations: no type claims
        hints = {}
    params = inspect.signature(target).parameters.values()
    return [
        (p.name, hints.get(p.name, inspect.Parameter.empty))
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def _id_key(cid: object) -> str:
    return cid.get("type", "") if isinstance(cid, dict) else str(cid)


def _check_item(item: object, spec_id: str, prop: str, field: str, lang: str) -> object:
    """One dependency entry ``{id, property, value}`` against its declared id and property."""
    if not isinstance(item, dict) or item.get("property") != prop:
        raise Rejected(400, "cb_bad_shape", f"{field} is not {{id, property: {prop!r}}}",
                       field=field)  # fmt: skip
    cid = item.get("id")
    if spec_id.startswith("{"):
        pattern = json.loads(spec_id)
        if not isinstance(cid, dict) or set(cid) != set(pattern):
            raise Rejected(400, "cb_bad_shape", f"{field} id does not fit {spec_id}", field=field)
        for k, want in pattern.items():
            got = cid[k]
            if isinstance(want, list):  # wildcard: ALL / MATCH / ALLSMALLER
                if not isinstance(got, str | int | float | bool) or isinstance(got, float):
                    raise Rejected(400, "cb_bad_shape", f"{field} id.{k} not a scalar", field=field)
            elif got != want:
                raise Rejected(400, "cb_bad_shape", f"{field} id.{k} != {want!r}", field=field)
    elif cid != spec_id:
        raise Rejected(400, "cb_bad_shape", f"{field} id {cid!r} != {spec_id!r}", field=field)
    value = item.get("value")
    _json_sane(value, field)
    label = f"{_id_key(cid)}.{prop}"
    for ann in (
        PROPERTY_TYPES.get(prop),
        VALUE_TYPES.get(_id_key(cid)) if prop == "value" else None,
    ):
        if ann is not None and not conforms(value, ann):
            raise Rejected(400, "cb_bad_value", f"{label}={_one_line(repr(value), 80)}",
                           field=label, expected=_type_words(ann, lang))  # fmt: skip
    if prop == "id" and value != cid:  # State(..., "id") carries the component's own id
        raise Rejected(400, "cb_bad_value", f"{label} is not the component id", field=label,
                       expected=t("type_dict", lang))  # fmt: skip
    domain = _domains().get((_id_key(cid), prop))
    if domain is not None and value not in domain():
        raise Rejected(400, "cb_unknown_value", f"{label}={_one_line(repr(value), 80)}",
                       field=label)  # fmt: skip
    rng = VALUE_RANGES.get(_id_key(cid)) if prop == "value" else None
    if rng and isinstance(value, int | float) and not (rng[0] <= value <= rng[1]):
        raise Rejected(400, "cb_out_of_range", f"{label}={value!r}", field=label,
                       low=f"{rng[0]:g}", high=f"{rng[1]:g}")  # fmt: skip
    return value


def _check_deps(items: object, specs: list[dict], field: str, lang: str) -> list[tuple]:
    """Entries of ``inputs``/``state``: [(value passed to the callback, property, label)]."""
    if not isinstance(items, list) or len(items) != len(specs):
        raise Rejected(400, "cb_bad_shape", f"{field}: {len(specs)} entries expected", field=field)
    out = []
    for i, (item, spec) in enumerate(zip(items, specs, strict=True)):
        sid, prop = spec["id"], spec["property"]
        where = f"{field}[{i}]"
        if isinstance(item, list):  # a pattern-matching ALL/ALLSMALLER dependency
            if not sid.startswith("{") or len(item) > MAX_LIST:
                raise Rejected(400, "cb_bad_shape", f"{where} unexpected list", field=where)
            vals = [_check_item(x, sid, prop, where, lang) for x in item]
            out.append((vals, prop, f"{json.loads(sid).get('type', sid)}.{prop}", True))
        else:
            v = _check_item(item, sid, prop, where, lang)
            out.append((v, prop, f"{_id_key(item.get('id'))}.{prop}", False))
    return out


def _changed(ids_list: object, inputs: list) -> None:
    if not isinstance(ids_list, list) or len(ids_list) > MAX_LIST:
        raise Rejected(400, "cb_bad_shape", "changedPropIds not a list", field="changedPropIds")
    known = set()
    for item in inputs:
        for x in item if isinstance(item, list) else [item]:
            cid = x["id"]
            key = (
                json.dumps(cid, sort_keys=True, separators=(",", ":"))
                if isinstance(cid, dict)
                else cid
            )
            known.add((key, x["property"]))
    for prop_id in ids_list:
        if not isinstance(prop_id, str) or "." not in prop_id:
            raise Rejected(
                400, "cb_bad_shape", f"changedPropIds {prop_id!r}", field="changedPropIds"
            )
        cid, _, prop = prop_id.rpartition(".")
        if cid.startswith("{"):
            try:
                cid = json.dumps(json.loads(cid), sort_keys=True, separators=(",", ":"))
            except (ValueError, TypeError):
                raise Rejected(400, "cb_bad_shape", "changedPropIds bad id",
                               field="changedPropIds") from None  # fmt: skip
        if (cid, prop) not in known:
            raise Rejected(400, "cb_bad_shape", f"changedPropIds {_one_line(prop_id, 80)} unknown",
                           field="changedPropIds")  # fmt: skip


def _outputs(outputs: object, spec: str) -> None:
    from dash._utils import split_callback_id  # dash 2.18: how dispatch splits the output string

    want = split_callback_id(spec)
    want = want if isinstance(want, list) else [want]
    got = outputs if isinstance(outputs, list) else [outputs]
    if len(got) != len(want):
        raise Rejected(400, "cb_bad_shape", "outputs count", field="outputs")
    for g, w in zip(got, want, strict=True):
        items = g if isinstance(g, list) else [g]
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str | dict):
                raise Rejected(400, "cb_bad_shape", "outputs entry", field="outputs")
            if item.get("property") != w["property"]:
                raise Rejected(400, "cb_bad_shape", "outputs property", field="outputs")


def _lang_of_body(body: object) -> str:
    """The page language of a callback: its ``page-lang`` store, else the Referer/URL."""
    if isinstance(body, dict):
        deps = [body.get("state"), body.get("inputs")]
        for item in [x for d in deps if isinstance(d, list) for x in d]:
            if isinstance(item, dict) and item.get("id") == ids.LANG:
                v = item.get("value")
                if v in ("nl", "en"):
                    return v
        for item in [x for d in deps if isinstance(d, list) for x in d]:
            if isinstance(item, dict) and item.get("property") == "search":
                v = item.get("value")
                if isinstance(v, str) and "lang=" in v:
                    return lang_of((parse_qs(v.lstrip("?")).get("lang") or [None])[-1])
    return _request_lang()


def validate_callback(app: dash.Dash) -> None:
    """Raise Rejected unless the current request is a well-formed call of a server callback."""
    req = flask.request
    if not req.is_json:
        raise Rejected(415, "cb_content_type", f"content type {req.mimetype!r}")
    body = req.get_json(silent=True)
    lang = _lang_of_body(body)
    flask.g.wijkpeil_lang = lang
    if not isinstance(body, dict):
        raise Rejected(400, "cb_not_json", "body is not a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or len(output) > 2000:
        raise Rejected(400, "cb_bad_shape", "output not a string", field="output")
    cb = app.callback_map.get(output)
    if cb is None or "callback" not in cb:  # unknown, or a clientside-only callback
        raise Rejected(400, "cb_unknown_output", f"unknown output {_one_line(output, 100)}",
                       output=_one_line(output, 80))  # fmt: skip
    _outputs(body.get("outputs"), output)
    inputs = _check_deps(body.get("inputs"), cb["inputs"], "inputs", lang)
    state = _check_deps(body.get("state", []), cb["state"], "state", lang)
    _changed(body.get("changedPropIds", []), body["inputs"])
    hints = _hints(cb["callback"])
    args = inputs + state
    if len(hints) == len(args):
        for (name, ann), (value, prop, label, is_list) in zip(hints, args, strict=True):
            if value is None and prop in _NULLABLE and not is_list and _scalar(ann):
                continue  # the browser nulls these (cleared single dropdown, empty store)
            if not conforms(value, ann):
                raise Rejected(400, "cb_bad_value", f"{label} ({name}) = {_one_line(repr(value), 80)}",
                               field=label, expected=_type_words(ann, lang))  # fmt: skip
    if output.startswith(_PAGES_CONTENT_PREFIX):
        _pages_request(app, body)


def _pages_request(app: dash.Dash, body: dict) -> None:
    """Dash Pages' own callback: a query parameter repeating a path variable would make Dash call
    ``layout(**path_variables, **query)`` with a duplicate keyword (a TypeError, a 500). Drop it
    from the search string and let the guard render the explanation."""
    vals = {i["property"]: i.get("value") for i in body["inputs"] if isinstance(i, dict)}
    path, search = vals.get("pathname"), vals.get("search")
    if not isinstance(path, str) or not path.startswith("/"):  # window.location.pathname
        raise Rejected(400, "cb_bad_value", f"pathname {_one_line(repr(path), 80)}",
                       field="pathname", expected="/…")  # fmt: skip
    if not isinstance(search, str) or (search and not search.startswith("?")):
        raise Rejected(400, "cb_bad_value", f"search {_one_line(repr(search), 80)}",
                       field="search", expected="?…")  # fmt: skip
    _, page, variables = match_page(app, path)
    conflict = _conflict(variables, dash_query(search)) if page else None
    if conflict:
        flask.g.wijkpeil_conflict = conflict
        kept = [p for p in search.lstrip("?").split("&")
                if unquote(p.split("=", 1)[0]) not in variables]  # fmt: skip
        for item in body["inputs"]:
            if isinstance(item, dict) and item.get("property") == "search":
                item["value"] = "?" + "&".join(kept) if kept else ""


def _wrap_dispatch(app: dash.Dash) -> None:
    server = app.server
    endpoint = app.config.routes_pathname_prefix + _DISPATCH
    view = server.view_functions[endpoint]

    @functools.wraps(view)
    def dispatch(*args: object, **kwargs: object) -> flask.Response:
        try:
            validate_callback(app)
        except Rejected as exc:
            lang = flask.g.get("wijkpeil_lang") or _request_lang()
            _note(exc.status, f"callback rejected: {exc}")
            return _text(exc.status, _fmt(exc.key, lang, **exc.params))
        return view(*args, **kwargs)

    server.view_functions[endpoint] = dispatch


# --------------------------------------------------------------------------------------------
# errors, headers, logging
# --------------------------------------------------------------------------------------------


def _on_exception(exc: Exception) -> flask.Response:
    """Every exception that reaches Flask: HTTP errors -> short 4xx text; faults -> generic 5xx."""
    from dash.exceptions import DependencyException, PreventUpdate

    lang = _request_lang()
    if isinstance(exc, PreventUpdate):  # Dash's own handler normally wins; keep its meaning
        return flask.Response("", status=204)
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        if code >= 500:
            LOG.error("HTTP %s on %s %s", code, flask.request.method, _one_line(flask.request.path))
            return _text(code, t("server_error_text", lang))
        key = {404: "http_not_found", 405: "http_method", 413: "http_too_large"}.get(
            code, "http_bad_request"
        )
        _note(code, f"{code} {exc.name}")
        resp = _text(code, _fmt(key, lang, method=_one_line(flask.request.method, 10)))
        if code == 405 and getattr(exc, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp
    if isinstance(exc, DependencyException):  # unknown /_dash-component-suites/<package>/...
        _note(404, "unknown component bundle")
        return _text(404, t("http_not_found", lang))
    if isinstance(exc, StoreError):
        LOG.error("store unavailable on %s %s: %s", flask.request.method,
                  _one_line(flask.request.path), _one_line(exc, 600))  # fmt: skip
        flask.g.wijkpeil_logged = True
        return _text(503, t("store_unavailable", lang))
    LOG.error("server fault on %s %s", flask.request.method, _one_line(flask.request.path),
              exc_info=exc)  # fmt: skip
    flask.g.wijkpeil_logged = True
    return _text(500, t("server_error_text", lang))


class CSP:
    """The Content-Security-Policy header value (script hashes follow the app's inline scripts).

    The smallest policy with 0 violations in Chromium on every page (measured by dropping one
    directive at a time, tests/test_headers.py): scripts only from 'self' plus the sha256 of
    Dash's inline renderer/clientside scripts (no 'unsafe-eval', no 'unsafe-inline');
    ``style-src 'unsafe-inline'`` is needed by the Dash renderer, dcc (react-select), dash_table and
    plotly.js, which insert <style> elements; ``img-src data:`` by plotly.js; ``worker-src blob:``
    by the MapLibre worker of plotly's map traces. Tiles and the Locatieserver are fetched by
    MapLibre/JS (``connect-src``); ``img-src`` lists the same hosts for image fallbacks.
    """

    def __init__(self, app: dash.Dash, hosts: tuple[str, ...]) -> None:
        self.app, self.hosts = app, " ".join(hosts)
        self._key: tuple | None = None
        self._value = ""

    def value(self, frame_ancestors: str) -> str:
        key = (len(self.app._inline_scripts), len(dash._callback.GLOBAL_INLINE_SCRIPTS))
        if key != self._key:
            hashes = " ".join(self.app.csp_hashes())
            self._value = "; ".join([
                "default-src 'self'",
                f"script-src 'self' {hashes}",
                "style-src 'self' 'unsafe-inline'",
                f"img-src 'self' data: {self.hosts}".strip(),
                f"connect-src 'self' {self.hosts}".strip(),
                "worker-src blob:",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
            ])  # fmt: skip
            self._key = (len(self.app._inline_scripts), len(dash._callback.GLOBAL_INLINE_SCRIPTS))
        return f"{self._value}; frame-ancestors {frame_ancestors}"


def is_embed(path: str) -> bool:
    return safe_path(path).startswith("/embed/")


def _after(csp: CSP) -> Callable[[flask.Response], flask.Response]:
    def after(resp: flask.Response) -> flask.Response:
        h = resp.headers
        if is_embed(flask.request.path):
            h["Content-Security-Policy"] = csp.value("*")
            h.pop("X-Frame-Options", None)
        else:
            h["Content-Security-Policy"] = csp.value("'none'")
            h["X-Frame-Options"] = "DENY"
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "strict-origin-when-cross-origin"
        status = resp.status_code
        if 400 <= status < 500:
            reason = flask.g.get("wijkpeil_reason") or _body_reason(resp)
            LOG.warning("rejected %s %s %s: %s", status, flask.request.method,
                        _one_line(flask.request.full_path.rstrip("?"), 200), _one_line(reason, 200))  # fmt: skip
        elif status >= 500 and not flask.g.get("wijkpeil_logged"):
            reason = flask.g.get("wijkpeil_reason") or _body_reason(resp)
            LOG.error("answered %s %s %s: %s", status, flask.request.method,
                      _one_line(flask.request.path, 200), _one_line(reason, 200))  # fmt: skip
        if status >= 400:
            _scrub_body(resp)
        return resp

    return after


def _scrub_body(resp: flask.Response) -> None:
    """Safety net: no error message leaves with a file-system path in it (the log keeps it)."""
    if (
        resp.direct_passthrough
        or resp.is_streamed
        or resp.mimetype not in ("text/plain", "application/json")
        or (resp.content_length or 0) > 65536
    ):
        return
    data = resp.get_data(as_text=True)
    clean = _scrub(data)
    if clean != data:
        resp.set_data(clean)


def _body_reason(resp: flask.Response) -> str:
    if resp.direct_passthrough or resp.is_streamed or (resp.content_length or 0) > 4096:
        return resp.status
    data = resp.get_data(as_text=True)
    return (data.strip().splitlines() or [resp.status])[0]


def _configure_logging() -> None:
    if not LOG.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
        )
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


# --------------------------------------------------------------------------------------------
# /healthz
# --------------------------------------------------------------------------------------------

_HEALTH_LOCK = threading.Lock()
_HEALTH: dict = {"at": -1e9, "result": (False, "not checked yet")}


def _store_health() -> tuple[bool, str]:
    """The served store's files verify and its indicator dataset loads (indicators.dataset)."""
    from indicators import dataset

    return dataset.health()


def health() -> tuple[bool, str, float]:
    """(ok, reason, age in seconds) — recomputed at most every ``settings.health_ttl`` seconds."""
    ttl = _settings.get().health_ttl
    now = time.monotonic()
    with _HEALTH_LOCK:
        if now - _HEALTH["at"] > ttl:
            try:
                result = _store_health()
            except Exception as exc:  # noqa: BLE001 - a health check must answer, not crash
                LOG.exception("health check failed")
                result = (False, f"health check failed: {type(exc).__name__}")
            _HEALTH.update(at=now, result=result)
        ok, reason = _HEALTH["result"]
        return bool(ok), str(reason), now - _HEALTH["at"]


def healthz() -> flask.Response:
    ok, reason, age = health()
    body = {"status": "ok" if ok else "unavailable", "reason": _scrub(reason),
            "checked_seconds_ago": round(age, 1), "pid": os.getpid()}  # fmt: skip
    if not ok:
        _note(503, f"unhealthy: {reason}")
        flask.g.wijkpeil_logged = False
    resp = flask.jsonify(body)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------


def first_request(server: flask.Flask) -> None:
    """Run Dash's one-time first-request setup now, in one thread, before serving.

    dash 2.18 builds its callback map (``Dash._setup_server``) and registers the Dash Pages
    callbacks (``enable_pages.router``) in ``before_request`` hooks that set their "done" flag
    first and do the work after: with threads (gunicorn gthread), a request arriving meanwhile sees
    a half-built app (``/_dash-dependencies`` without the map's callbacks, a callback answered as
    unknown). gunicorn.conf.py calls this in the master (preload) and in every worker before it
    accepts connections. Call it only after every callback is defined.
    """
    resp = server.test_client().get("/_dash-dependencies")
    if resp.status_code != 200:
        raise RuntimeError(f"Dash setup request failed with {resp.status_code}")


def _csp_hosts(st: _settings.Settings) -> tuple[str, ...]:
    """The allowed external hosts: settings.csp_hosts plus the origin of the configured
    Locatieserver (the browser calls it; a local one in tests, PDOK in production)."""
    from urllib.parse import urlsplit

    u = urlsplit(st.locatieserver_url)
    extra = (f"{u.scheme}://{u.netloc}",) if u.scheme and u.netloc else ()
    return tuple(dict.fromkeys((*st.csp_hosts, *extra)))


def register(app: dash.Dash) -> None:
    """Install everything above on ``app`` (call once, after the pages and routes exist)."""
    _configure_logging()
    server = app.server
    guard_pages()
    _wrap_index(app)
    _wrap_dispatch(app)
    server.register_error_handler(Exception, _on_exception)
    st = _settings.get()
    server.after_request(_after(CSP(app, _csp_hosts(st))))
    if "healthz" in server.view_functions:  # replaces the interim route of pages/_routes.py
        server.view_functions["healthz"] = healthz
    else:
        server.add_url_rule("/healthz", "healthz", healthz)
