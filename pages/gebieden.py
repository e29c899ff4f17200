"""NPLV focus areas: one area in detail (area vs rest of gemeente vs NL) with its wijken on the
map, small multiples of all 20, and the confidence of each area's wijk list.

``/gebieden?indicator=onv&area=Rotterdam-Zuid&lang=en`` — the URL follows every choice.
"""

from __future__ import annotations

from urllib.parse import urlparse

import dash
import pandas as pd
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from errors import WijkpeilError
from indicators import registry, views
from pages import builders, chart, common, ids
from pages.builders import DEFAULT_AREA
from pages.i18n import confidence, fmt_num, lang_of, page_title, t, unit

dash.register_page(__name__, path="/gebieden", title=page_title("areas_title"))


def confidence_text(area: str, lang: str) -> str:
    conf = views.area_confidence().set_index("area_name")
    src = str(conf.loc[area, "source"])
    src = t("source_inferred", lang) if src == "inferred" else src
    return (f"{t('confidence', lang)} ({area}): {confidence(str(conf.loc[area, 'confidence']), lang)}"
            f" — {t('area_list_source', lang)}: {src}")  # fmt: skip


def confidence_table(lang: str) -> html.Table:
    conf = views.area_confidence()
    rows = []
    for r in conf.itertuples():
        src = t("source_inferred", lang) if r.source == "inferred" else r.source
        link = (html.A(urlparse(src).netloc, href=src, title=src) if str(src).startswith("http")
                else src)  # fmt: skip
        rows.append([r.area_name, r.gemeente, str(r.wijken), link,
                     html.Span(confidence(r.confidence, lang), className=f"conf-{r.confidence}")])  # fmt: skip
    return chart.simple_table(
        [t("area", lang), t("Gemeente", lang), t("n_wijken", lang), t("area_list_source", lang),
         t("confidence", lang)], rows, num_cols={2}, class_name="data-table areas stack",
    )  # fmt: skip


def detail_parts(indicator: str, area: str, lang: str):  # noqa: ANN201
    fig, df, names = builders.area_figure(indicator, area, lang)
    ind = registry.get(indicator)
    path = common.href("/embed/gebied", lang, area=area, indicator=indicator)
    snippet = chart.embed_snippet(path, f"Wijkpeil: {area} — {registry.name(ind, lang)}", 520)
    table = chart.series_table(df, lang, unit=ind.unit, names=names)
    return fig, df, chart.series_links(indicator, builders.area_codes(area), lang), snippet, table


def map_parts(indicator: str, area: str, lang: str):  # noqa: ANN201
    year = views.default_year(indicator)
    fig, vals, _classes, shown = builders.map_figure(indicator, year, "WK", lang, area=area)
    n = int(shown["value"].notna().sum())
    members = vals[vals["code"].isin(views.area_members(area))].sort_values("name")
    path = common.href("/embed/kaart", lang, indicator=indicator, year=year, level="WK", area=area)
    snippet = chart.embed_snippet(path, f"Wijkpeil: {area}", 560)
    dl = chart.series_links(indicator, members["code"].tolist()[: common.MAX_DOWNLOAD_CODES], lang)
    ind = registry.get(indicator)
    rows = [[r.name, fmt_num(r.value, lang, unit=ind.unit),
             builders.rank_text(None if pd.isna(r.rank) else int(r.rank), n, lang)]
            for r in members.itertuples()]  # fmt: skip
    table = chart.simple_table([t("name", lang), f"{t('value', lang)} ({unit(ind.unit, lang)}), {year}",
                                t("rank", lang)], rows, num_cols={1})  # fmt: skip
    return fig, dl, snippet, table


def overview_parts(indicator: str, lang: str):  # noqa: ANN201
    fig, allrows = builders.overview_figure(indicator, lang)
    codes = ["NL00"] + [c for a in views.area_names() for c in builders.area_codes(a)[:2]]
    ind = registry.get(indicator)
    table = chart.series_table(allrows, lang, unit=ind.unit, names=builders.area_names(lang))
    return fig, allrows, chart.series_links(indicator, codes, lang), table


def layout(
    indicator: str = "lbm", area: str = DEFAULT_AREA, lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        area = area or DEFAULT_AREA
        fig, df, dl, snippet, table = detail_parts(indicator, area, lang)
        mfig, mdl, msnippet, mtable = map_parts(indicator, area, lang)
        ofig, allrows, odl, otable = overview_parts(indicator, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    ind = registry.get(indicator)
    name = registry.name(ind, lang)
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        html.H1(t("areas_title", lang), id=ids.PAGE_TITLE),
        html.P(t("areas_intro", lang), className="lead"),
        common.banner(allrows, lang),
        html.Div([
            html.Div([html.Label(t("indicator", lang), htmlFor=ids.AREAS_INDICATOR),
                      dcc.Dropdown(id=ids.AREAS_INDICATOR, options=common.indicator_options(lang),
                                   value=indicator, clearable=False)], className="control wide"),
            html.Div([html.Label(t("area", lang), htmlFor=ids.AREA_SELECT),
                      dcc.Dropdown(id=ids.AREA_SELECT, options=views.area_names(), value=area,
                                   clearable=False)], className="control wide"),
        ], className="controls"),
        html.Div(id=ids.AREAS_ERROR, className="callback-error", role="status"),
        html.P(confidence_text(area, lang), id=ids.AREA_CONFIDENCE, className="note"),
        html.Div([
            chart.chart_block(ids.AREA_GRAPH, fig, f"{area}: {name}", lang,
                              filename=f"wijkpeil-{indicator}-{area}", downloads=dl, embed=snippet,
                              table=table, class_name="half", graph_style={"height": "480px"}),
            chart.chart_block(ids.AREA_MAP, mfig, t("areas_map", lang, a=area), lang,
                              filename=f"wijkpeil-{indicator}-{area}-kaart", downloads=mdl,
                              embed=msnippet, table=mtable, class_name="half",
                              graph_style={"height": "480px"}),
        ], className="row"),
        html.H2(t("areas_overview", lang)),
        chart.chart_block(ids.AREAS_GRAPH, ofig, f"{t('areas_overview', lang)}: {name}", lang,
                          filename=f"wijkpeil-{indicator}-nplv", downloads=odl, table=otable,
                          embed=chart.embed_snippet(common.href("/embed/gebieden", lang, indicator=indicator),
                                                    f"Wijkpeil: {t('areas_overview', lang)}", 1200),
                          wide=True),
        html.P(t("areas_note", lang), className="note"),
        confidence_table(lang),
    ])  # fmt: skip


@callback(
    Output(ids.AREA_GRAPH, "figure"), Output(ids.part(ids.AREA_GRAPH, "downloads"), "children"),
    Output(ids.part(ids.AREA_GRAPH, "embed"), "value"), Output(ids.part(ids.AREA_GRAPH, "table"), "children"),
    Output(ids.part(ids.AREA_GRAPH, "caption"), "children"),
    Output(ids.AREA_MAP, "figure"), Output(ids.part(ids.AREA_MAP, "downloads"), "children"),
    Output(ids.part(ids.AREA_MAP, "embed"), "value"), Output(ids.part(ids.AREA_MAP, "table"), "children"),
    Output(ids.part(ids.AREA_MAP, "caption"), "children"),
    Output(ids.AREAS_GRAPH, "figure"), Output(ids.part(ids.AREAS_GRAPH, "downloads"), "children"),
    Output(ids.part(ids.AREAS_GRAPH, "embed"), "value"), Output(ids.part(ids.AREAS_GRAPH, "table"), "children"),
    Output(ids.AREA_CONFIDENCE, "children"), Output(ids.BANNER, "children", allow_duplicate=True), Output(ids.BANNER, "hidden", allow_duplicate=True),
    Output(ids.AREAS_ERROR, "children"),
    Input(ids.AREAS_INDICATOR, "value"), Input(ids.AREA_SELECT, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
def update(indicator: str, area: str, lang: str):  # noqa: ANN201
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        if not isinstance(area, str):
            raise WijkpeilError("no area", key="err_unknown_area", value=area,
                                valid=", ".join(views.area_names()))  # fmt: skip
        fig, df, dl, snippet, table = detail_parts(indicator, area, lang)
        mfig, mdl, msnippet, mtable = map_parts(indicator, area, lang)
        if ctx.triggered_id == ids.AREA_SELECT:  # the 20-area overview depends on the indicator
            ofig = odl = otable = no_update
            allrows = df
        else:
            ofig, allrows, odl, otable = overview_parts(indicator, lang)
    except WijkpeilError as exc:
        return (*[no_update] * 17, common.callback_error(exc, lang))
    name = registry.name(registry.get(indicator), lang)
    osnippet = no_update if ofig is no_update else chart.embed_snippet(common.href("/embed/gebieden", lang, indicator=indicator),
                                   f"Wijkpeil: {t('areas_overview', lang)}", 1200)  # fmt: skip
    synthetic = bool(len(allrows)) and views.is_synthetic(allrows)
    return (fig, dl, snippet, table, f"{area}: {name}", mfig, mdl, msnippet, mtable,
            t("areas_map", lang, a=area), ofig, odl, osnippet, otable, confidence_text(area, lang),
            t("synthetic_banner", lang) if synthetic else "", not synthetic, "")  # fmt: skip


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="areasLink"),
    Output(ids.part(ids.AREA_GRAPH, "tools-state"), "children"),
    Input(ids.AREAS_INDICATOR, "value"), Input(ids.AREA_SELECT, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
