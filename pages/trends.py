"""Trends: time series since 2012 for up to six regions, with gemeente and NL benchmark lines.

``/trends?indicator=lbm&regions=WK036308,WK036309&lang=en`` — the URL is the state. NPLV area
codes work too (``regions=NPLV:Rotterdam-Zuid,REST:Rotterdam-Zuid``).
"""

from __future__ import annotations

import dash
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
    no_update,
)

from errors import WijkpeilError
from indicators import registry, views
from pages import builders, chart, common, ids
from pages.builders import DEFAULT_REGIONS, trend_figure
from pages.i18n import lang_of, page_title, t, unit

dash.register_page(__name__, path="/trends", title=page_title("title_trends"))


def embed_snippet(indicator: str, codes: list[str], lang: str) -> str:
    path = common.href("/embed/trend", lang, indicator=indicator, regions=",".join(codes))
    title = f"Wijkpeil: {registry.name(registry.get(indicator), lang)}"
    return chart.embed_snippet(path, title, 520)


def parts(indicator: str, codes: list[str], lang: str):  # noqa: ANN201
    """Figure, downloads of every drawn line, embed code and table of one trend view."""
    fig, df = trend_figure(indicator, codes, lang)
    drawn = list(dict.fromkeys(df["region_code"].astype(str)))
    ind = registry.get(indicator)
    table = chart.series_table(df, lang, unit=ind.unit, names=builders.area_names(lang))
    return (
        fig,
        df,
        chart.series_links(indicator, drawn, lang),
        embed_snippet(indicator, codes, lang),
        table,
    )


def layout(
    indicator: str = "lbm", regions: str = DEFAULT_REGIONS, lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        codes = common.parse_selection(regions) or common.parse_selection(DEFAULT_REGIONS)
        common.check_regions(codes)
        fig, df, downloads, snippet, table = parts(indicator, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    ind = registry.get(indicator)
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        html.H1(t("title_trends", lang), id=ids.PAGE_TITLE),
        common.banner(df, lang),
        html.Div([
            html.Div([html.Label(t("indicator", lang), htmlFor=ids.TREND_INDICATOR),
                      dcc.Dropdown(id=ids.TREND_INDICATOR, options=common.indicator_options(lang),
                                   value=indicator, clearable=False)], className="control wide"),
            html.Div([html.Label(t("wijken", lang), htmlFor=ids.TREND_REGIONS),
                      dcc.Dropdown(id=ids.TREND_REGIONS, options=common.region_options(codes, lang),
                                   value=codes, multi=True, placeholder=t("region_search", lang))],
                     className="control wide"),
        ], className="controls"),
        html.Div(id=ids.TREND_ERROR, className="callback-error", role="status"),
        chart.chart_block(ids.TREND_GRAPH, fig, f"{registry.name(ind, lang)} ({unit(ind.unit, lang)})",
                          lang, filename=f"wijkpeil-trend-{indicator}", downloads=downloads,
                          embed=snippet, table=table, graph_style={"height": "520px"}),
        html.P(t("harmonised_note", lang), className="note"),
    ])  # fmt: skip


@callback(
    Output(ids.TREND_GRAPH, "figure"), Output(ids.part(ids.TREND_GRAPH, "downloads"), "children"),
    Output(ids.part(ids.TREND_GRAPH, "embed"), "value"),
    Output(ids.part(ids.TREND_GRAPH, "table"), "children"),
    Output(ids.part(ids.TREND_GRAPH, "caption"), "children"),
    Output(ids.BANNER, "children", allow_duplicate=True), Output(ids.BANNER, "hidden", allow_duplicate=True), Output(ids.TREND_ERROR, "children"),
    Input(ids.TREND_INDICATOR, "value"), Input(ids.TREND_REGIONS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
def update(indicator: str, codes: list[str], lang: str):  # noqa: ANN201
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        picked = common.parse_selection(",".join(c for c in (codes or []) if isinstance(c, str)))
        if not picked:
            raise WijkpeilError("no regions", key="no_regions")
        common.check_regions(picked)
        fig, df, downloads, snippet, table = parts(indicator, picked, lang)
    except WijkpeilError as exc:
        return (*[no_update] * 7, common.callback_error(exc, lang))
    ind = registry.get(indicator)
    synthetic = bool(len(df)) and views.is_synthetic(df)
    return (fig, downloads, snippet, table, f"{registry.name(ind, lang)} ({unit(ind.unit, lang)})",
            t("synthetic_banner", lang) if synthetic else "", not synthetic, "")  # fmt: skip


@callback(
    Output(ids.TREND_REGIONS, "options"), Input(ids.TREND_REGIONS, "search_value"),
    State(ids.TREND_REGIONS, "value"), State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def region_options(text: str | None, current: list[str] | None, lang: str):  # noqa: ANN201
    if text is not None and not isinstance(text, str):
        return no_update
    return builders.region_options(
        text, [c for c in (current or []) if isinstance(c, str)], lang_of(lang)
    )


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="trendsLink"),
    Output(ids.part(ids.TREND_GRAPH, "tools-state"), "children"),
    Input(ids.TREND_INDICATOR, "value"), Input(ids.TREND_REGIONS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
