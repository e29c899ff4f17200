"""Region profile: ``/wijk/<code>`` — key figures with benchmarks, trends since 2012, the
Leefbaarometer, sources. Printable (see assets/style.css @media print) and shareable."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from errors import WijkpeilError
from indicators import registry, trends, views
from pages import common, figures, ids
from pages.i18n import lang_of, t

dash.register_page(__name__, path_template="/wijk/<code>", title="Wijkpeil — wijkprofiel")

KEY_INDICATORS = (
    "lbm", "onv", "criminaliteit", "woninginbraak", "geweld", "inkomen", "laag_inkomen", "bijstand",
    "arbeidsparticipatie", "jeugdzorg", "wmo", "eenpersoons", "woz", "corporatie", "gas",
)  # fmt: skip
CHARTS = ("lbm", "onv", "criminaliteit", "inkomen", "bijstand")


def _fmt(v: float | None) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:,.4g}".replace(",", " ")


def key_figures(code: str, lang: str) -> tuple[list[dict], pd.DataFrame]:
    """Per indicator: latest value of the region, its gemeente and NL, change since 2012, verdict."""
    rows, shown = [], []
    info = views.region_info(code)
    for ind_id in KEY_INDICATORS:
        if ind_id not in registry.ids() or ind_id not in views.available(info["level"]):
            continue
        try:
            df = views.benchmarks(ind_id, code)
        except WijkpeilError:
            continue
        own = df[(df["region_code"] == code) & df["value"].notna()]
        if own.empty:
            continue
        shown.append(df)
        latest = int(own["year"].max())
        at = df[df["year"] == latest].set_index("region_code")["value"]
        ch = trends.change(own, base_year=2012)
        ts = trends.theil_sen(own)
        ind = registry.get(ind_id)
        verdict = str(ts["verdict"].iloc[0]) if len(ts) else "no clear trend"
        rows.append({
            "indicator": registry.name(ind, lang), "unit": ind.unit, "year": latest,
            "value": _fmt(at.get(code)), "gemeente": _fmt(at.get(info["gemeente_code"])),
            "nl": _fmt(at.get("NL00")),
            "change": f"{_fmt(ch['abs_change'].iloc[0])} ({int(ch['base_year_used'].iloc[0])}→{int(ch['end_year_used'].iloc[0])})"
            if len(ch) and pd.notna(ch["abs_change"].iloc[0]) else "—",
            "trend": t(verdict, lang) if verdict in ("improving", "declining", "no clear trend") else verdict,
            "synthetic": bool(own["synthetic"].any()),
        })  # fmt: skip
    return rows, (pd.concat(shown, ignore_index=True) if shown else pd.DataFrame())


def layout(code: str = "", lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        code = common.parse_codes(code, limit=1)[0] if code else ""
        info = views.region_info(code)
        rows, shown = key_figures(code, lang)
    except (WijkpeilError, IndexError) as exc:
        return common.error_page(exc, lang, "unknown_wijk")
    head = ["indicator", "unit", "year", "value", "gemeente", "nl", "change", "trend"]
    labels = {"indicator": t("indicator", lang), "unit": "eenheid" if lang == "nl" else "unit",
              "year": t("year", lang), "value": info["name"], "gemeente": info["gemeente_name"] or t("gemeente", lang),
              "nl": t("nl", lang), "change": f"{t('change', lang)} 2012", "trend": t("trend", lang)}  # fmt: skip
    table = html.Table([
        html.Thead(html.Tr([html.Th(labels[h]) for h in head])),
        html.Tbody([html.Tr([html.Td(r[h]) for h in head], className="synthetic" if r["synthetic"] else "")
                    for r in rows]),
    ], className="key-figures")  # fmt: skip
    graphs = []
    for ind_id in CHARTS:
        if ind_id not in registry.ids() or ind_id not in views.available(info["level"]):
            continue
        try:
            df = views.benchmarks(ind_id, code)
        except WijkpeilError:
            continue
        ind = registry.get(ind_id)
        graphs.append(dcc.Graph(figure=figures.timeseries(
            df, f"{registry.name(ind, lang)} — {info['name']}", ind.unit,
            source=common.source_text(df, lang, t("no_interp", lang))), config={"displaylogo": False}))  # fmt: skip
    area = views.area_of(code)
    return html.Div([
        common.banner(shown, lang) if len(shown) else html.Div(id=ids.BANNER, hidden=True),
        html.H2(f"{t('profile', lang)}: {info['name']} ({code})"),
        html.P([f"{t('gemeente', lang)}: {info['gemeente_name']} ({info['gemeente_code']})",
                html.Br() if area else None,
                f"{t('area', lang)}: {area}" if area else None]),  # fmt: skip
        html.Button(t("print", lang), id="print-button", className="no-print", n_clicks=0),
        html.H3(t("key_figures", lang)),
        table,
        html.Div(graphs, className="profile-graphs"),
        html.P([dcc.Link(t("nav_trends", lang), href=common.href("/trends", lang, regions=code)), " · ",
                dcc.Link(t("nav_indices", lang), href=common.href("/indices", lang, region=code)), " · ",
                dcc.Link(t("nav_compare", lang), href=common.href("/vergelijk", lang, regions=code))],
               className="no-print"),  # fmt: skip
        html.P(common.source_text(shown, lang) if len(shown) else "", className="source"),
    ], className="profile")  # fmt: skip


dash.clientside_callback(
    "function(n) { if (n) { window.print(); } return ''; }",
    dash.Output("print-button", "title"),
    dash.Input("print-button", "n_clicks"),
    prevent_initial_call=True,
)
