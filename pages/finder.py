"""Find your wijk: by gemeente (also in common use: "Den Haag"), wijk or buurt name, postcode or
address.

Names are searched on the server (:func:`indicators.views.search` plus the alias table in
:mod:`pages.aliases`). Postcodes and addresses go to the PDOK Locatieserver FROM THE READER'S
BROWSER (``assets/wijkpeil.js``: ``dash_clientside.wijkpeil.locatieserver``); the server never
touches the network, it only turns the documents the browser received into links. The base URL is
the setting ``locatieserver_url``, handed to the page in a ``dcc.Store``.

Locatieserver v3.1 ``/free`` (https://github.com/PDOK/locatieserver, README and wiki
"API Locatieserver"): parameters ``q`` (Solr syntax, e.g. ``postcode:3083AB AND huisnummer:12``),
``fq`` (``type:adres``), ``rows``, ``fl``; response ``{"response": {"numFound", "start",
"docs": [...]}}``. Address documents carry ``type``, ``weergavenaam``, ``wijkcode`` ("WK030710"),
``wijknaam``, ``buurtcode`` ("BU03071001"), ``buurtnaam``, ``gemeentecode`` ("0307", no GM prefix),
``gemeentenaam``, ``postcode`` (as in the lookup response quoted in public client code, e.g. a
documented v3 lookup of "Lijsterstraat 20, 3815DT Amersfoort").

Result rows are generic: ``{code, name, level, gemeente_name}`` (+ ``target``: the 2024 wijk or
gemeente the link opens, ``label``, ``note``), whatever produced them.
"""

from __future__ import annotations

import re

import pandas as pd
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

import settings as _settings
from errors import WijkpeilError
from indicators import views
from pages import aliases, common, ids
from pages.i18n import t

MAX_ROWS = 12
DIGIT = re.compile(r"\d")


def resolve_current(code: str) -> str | None:
    """The 2024 wijk (or gemeente) that holds ``code`` today; None when unknown.

    HOOK for old codes: the lead's ``views.region_info(code)`` will return redirect data for codes
    that no longer exist (read here as ``current_code``, ``redirect`` or the first of
    ``successors``). Until then a code is current exactly when ``region_info`` knows it.
    """
    try:
        info = views.region_info(code)
    except WijkpeilError:
        return None
    for key in ("current_code", "redirect"):
        if info.get(key):
            return str(info[key])
    succ = info.get("successors")
    if isinstance(succ, list | tuple) and succ:
        first = succ[0]
        return str(first.get("code") if isinstance(first, dict) else first)
    return code


def _row(code: str, name: str, level: str, gemeente: str, lang: str, **extra: str) -> dict:
    """A generic result row with the link target and a label."""
    level = str(level)
    if level == "BU":
        target = extra.get("wijk_code") or ("WK" + code[2:8] if code.startswith("BU") else None)
        target = resolve_current(target) if target else None
        wijk = extra.get("wijk_name") or ""
        note = t("buurt_in_wijk", lang, w=wijk) if wijk else t("lvl_BU", lang)
    else:
        target = resolve_current(code)
        note = t("lvl_" + level, lang) if level in ("GM", "WK") else level
    where = t("in_gemeente", lang, g=gemeente) if gemeente and level != "GM" else ""
    label = " ".join(p for p in (name, f"({note}{', ' + where if where else ''})") if p)
    return {"code": code, "name": name, "level": level, "gemeente_name": gemeente,
            "target": target, "label": label, "note": extra.get("note", "")}  # fmt: skip


def _generic(rec: dict) -> tuple[str, str, str, str]:
    """(code, name, level, gemeente_name) from a search row in either column convention."""
    code = rec.get("code", rec.get("region_code"))
    name = rec.get("name", rec.get("region_name"))
    level = rec.get("level", rec.get("region_level"))
    return str(code), str(name), str(level), str(rec.get("gemeente_name") or "")


def local_rows(text: str | None, lang: str) -> list[dict]:
    """Name search: aliases first ("Den Haag" → 's-Gravenhage), then views.search rows."""
    q = (text or "").strip()[:60]
    if len(q) < 2:
        return []
    rows: list[dict] = []
    for alias, code, official in aliases.lookup(q):
        r = _row(code, official, "GM", "", lang)
        r["note"] = t("alias_of", lang, a=alias.title())
        rows.append(r)
    hits = views.search(q)
    for rec in hits.to_dict("records") if isinstance(hits, pd.DataFrame) else list(hits):
        code, name, level, gm = _generic(rec)
        extra = {k: str(rec[k]) for k in ("wijk_code", "wijk_name") if rec.get(k)}
        rows.append(_row(code, name, level, gm, lang, **extra))
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rows:
        key = (r["code"], r["level"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out[:MAX_ROWS]


def pdok_rows(pdok: dict | None, lang: str) -> list[dict]:
    """Distinct wijken of the Locatieserver documents the browser received."""
    docs = (pdok or {}).get("docs") or []
    out: dict[str, dict] = {}
    for d in docs:
        if not isinstance(d, dict):
            continue
        wk = str(d.get("wijkcode") or "")
        if not re.fullmatch(r"WK\d{4}[0-9A-Z]{2}", wk) or wk in out:
            continue
        via = str(d.get("weergavenaam") or d.get("postcode") or "")
        name, gemeente = str(d.get("wijknaam") or wk), str(d.get("gemeentenaam") or "")
        try:  # our (CBS 2024) name of the wijk when we know the code
            info = views.region_info(wk)
            name, gemeente = info["name"], info["gemeente_name"] or gemeente
        except WijkpeilError:
            pass
        r = _row(wk, name, "WK", gemeente, lang)
        r["note"] = t("find_via", lang, what=via) if via else ""
        if r["target"] is None:
            r["note"] = t("find_not_in_2024", lang, code=wk)
        out[wk] = r
    return list(out.values())[:MAX_ROWS]


def wants_pdok(text: str | None) -> bool:
    """Postcodes and addresses (anything with a digit) go to the Locatieserver."""
    return bool(text and DIGIT.search(text) and len(text.strip()) >= 4)


def status_line(text: str | None, pdok: dict | None, n: int, lang: str) -> str:
    q = (text or "").strip()
    if len(q) < 2:
        return ""
    pdok = pdok or {}
    pending = wants_pdok(q) and pdok.get("query") != q
    if pending:
        return t("find_searching", lang)
    if wants_pdok(q) and pdok.get("status") == "offline":
        return t("find_offline", lang)
    if wants_pdok(q) and pdok.get("status") == "error":
        return t("find_error", lang, status=pdok.get("code", "?"))
    if n == 0:
        return t("find_none", lang, q=q)
    return t("find_result_one", lang) if n == 1 else t("find_results", lang, n=n)


def result_list(rows: list[dict], lang: str, query: str = "") -> html.Ul:
    items = []
    for r in rows:
        main = (dcc.Link(r["label"], href=common.href(f"/wijk/{r['target']}", lang))
                if r["target"] else html.Span(r["label"]))  # fmt: skip
        note = html.Span(" " + r["note"], className="find-note") if r["note"] else None
        items.append(html.Li([main, note]))
    return html.Ul(items, className="find-results", **{"data-query": query})


def component(lang: str) -> html.Section:
    """The search box with its result list (one per page)."""
    return html.Section(
        [
            html.H2(t("find_title", lang), id="find-title"),
            html.Label(t("find_label", lang), htmlFor=ids.FIND_INPUT, className="find-label"),
            dcc.Input(
                id=ids.FIND_INPUT,
                type="search",
                debounce=0.35,
                autoComplete="off",
                placeholder=t("find_placeholder", lang),
                className="find-input",
                spellCheck=False,
            ),  # fmt: skip
            dcc.Store(id=ids.LOCATIESERVER, data=_settings.get().locatieserver_url),
            dcc.Store(id=ids.FIND_PDOK, data={}),
            html.P(
                id=ids.FIND_STATUS,
                className="find-status",
                role="status",
                **{"aria-live": "polite"},
            ),  # fmt: skip
            html.Div(id=ids.FIND_RESULTS),
        ],
        className="finder",
        **{"aria-labelledby": "find-title"},
    )


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="locatieserver"),
    Output(ids.FIND_PDOK, "data"),
    Input(ids.FIND_INPUT, "value"),
    State(ids.LOCATIESERVER, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.FIND_RESULTS, "children"),
    Output(ids.FIND_STATUS, "children"),
    Input(ids.FIND_INPUT, "value"),
    Input(ids.FIND_PDOK, "data"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def show_results(text: str | None, pdok: dict | None, lang: str):  # noqa: ANN201
    """Adapter: names (server) + Locatieserver documents (from the browser) → links."""
    if not isinstance(text, str):
        return result_list([], "nl"), ""
    lang = lang if lang in ("nl", "en") else "nl"
    rows = local_rows(text, lang)
    if wants_pdok(text) and isinstance(pdok, dict) and pdok.get("query") == text.strip():
        have = {r["code"] for r in rows}
        rows += [r for r in pdok_rows(pdok, lang) if r["code"] not in have]
    return result_list(rows, lang, text), status_line(text, pdok if isinstance(pdok, dict) else {},
                                                len(rows), lang)  # fmt: skip
