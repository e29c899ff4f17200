"""Compare up to six wijken side by side on chosen indicators: latest values and over time.

``/vergelijk?regions=WK036308,WK059915&indicators=lbm,onv&lang=en``
"""

from __future__ import annotations

import dash
import pandas as pd
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
from pages import builders, chart, common, figures, ids
from pages.i18n import error_text, fmt_value, lang_of, page_title, t, unit

dash.register_page(__name__, path="/vergelijk", title=page_title("title_compare"))

DEFAULT = builders.DEFAULT_COMPARE
MAX_INDICATORS = 6


def parse_indicators(text: str | None) -> list[str]:
    items = [i.strip() for i in (text or "lbm,onv").split(",") if i.strip()]
    if len(items) > MAX_INDICATORS:
        raise WijkpeilError(f"at most {MAX_INDICATORS} indicators at once; got {len(items)}",
                            key="err_too_many_indicators", limit=MAX_INDICATORS, n=len(items))  # fmt: skip
    for i in items:
        common.check_indicator(i)
    return items


def compare_blocks(codes: list[str], indicators: list[str], lang: str) -> tuple[list, pd.DataFrame]:
    blocks, shown = [], []
    for ind_id in indicators:
        ind = registry.get(ind_id)
        name = registry.name(ind, lang)
        try:
            bars, df, latest = builders.bars_figure(codes, ind_id, lang)
        except WijkpeilError as exc:
            blocks.append(html.P(f"{name}: {error_text(exc, lang)}", className="callback-error"))
            continue
        shown.append(df)
        src = common.source_text(df, lang, t("no_interp", lang))
        lines = figures.timeseries(df, t("compare_over_time", lang, ind=name), unit(ind.unit, lang),
                                   lang, unit=ind.unit, source=src)  # fmt: skip
        all_codes = [*codes, "NL00"]
        bar_rows = [[r.label, fmt_value(r.value, ind.unit, lang)] for r in latest.itertuples()]
        regions = ",".join(codes)
        blocks.append(html.Section([
            html.H2(name),
            html.Div([
                chart.chart_block(ids.compare_graph("bars", ind_id), bars,
                                  t("compare_latest", lang, ind=name), lang,
                                  filename=f"wijkpeil-vergelijk-{ind_id}",
                                  downloads=chart.series_links(ind_id, all_codes, lang),
                                  embed=chart.embed_snippet(common.href(
                                      "/embed/vergelijk", lang, indicator=ind_id, regions=regions),
                                      f"Wijkpeil: {name}", 460),
                                  table=chart.simple_table([t("name", lang), t("value", lang)],
                                                           bar_rows, num_cols={1}),
                                  class_name="half", graph_style={"minHeight": "300px"}),
                chart.chart_block(ids.compare_graph("lines", ind_id), lines,
                                  t("compare_over_time", lang, ind=name), lang,
                                  filename=f"wijkpeil-vergelijk-{ind_id}-tijd",
                                  downloads=chart.series_links(ind_id, all_codes, lang),
                                  embed=chart.embed_snippet(common.href(
                                      "/embed/vergelijk", lang, indicator=ind_id, regions=regions,
                                      chart="lines"), f"Wijkpeil: {name}", 460),
                                  table=chart.series_table(df, lang, unit=ind.unit),
                                  class_name="half", graph_style={"height": "420px"}),
            ], className="row"),
        ], className="compare-block"))  # fmt: skip
    return blocks, (pd.concat(shown, ignore_index=True) if shown
                    else pd.DataFrame(columns=["value", "synthetic"]))  # fmt: skip


def layout(
    regions: str = DEFAULT, indicators: str = "lbm,onv", lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        codes = common.parse_selection(regions) or common.parse_selection(DEFAULT)
        common.check_regions(codes)
        inds = parse_indicators(indicators)
        blocks, shown = compare_blocks(codes, inds, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        html.H1(t("title_compare", lang), id=ids.PAGE_TITLE),
        common.banner(shown, lang),
        html.Div([
            html.Div([html.Label(t("wijken", lang), htmlFor=ids.COMPARE_REGIONS),
                      dcc.Dropdown(id=ids.COMPARE_REGIONS, options=common.region_options(codes, lang),
                                   value=codes, multi=True, placeholder=t("region_search", lang))],
                     className="control wide"),
            html.Div([html.Label(t("indicators", lang), htmlFor=ids.COMPARE_INDICATORS),
                      dcc.Dropdown(id=ids.COMPARE_INDICATORS, options=common.indicator_options(lang),
                                   value=inds, multi=True, placeholder=t("choose", lang))],
                     className="control wide"),
        ], className="controls"),
        html.Div(id=ids.COMPARE_ERROR, className="callback-error", role="status"),
        html.Div(blocks, id=ids.COMPARE_OUT),
        html.Span(id=ids.part(ids.COMPARE_OUT, "tools-state"), hidden=True),
    ])  # fmt: skip


@callback(
    Output(ids.COMPARE_OUT, "children"), Output(ids.BANNER, "children", allow_duplicate=True), Output(ids.BANNER, "hidden", allow_duplicate=True),
    Output(ids.COMPARE_ERROR, "children"),
    Input(ids.COMPARE_REGIONS, "value"), Input(ids.COMPARE_INDICATORS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
def update(codes: list[str], inds: list[str], lang: str):  # noqa: ANN201
    lang = lang_of(lang)
    try:
        picked = common.parse_selection(",".join(c for c in (codes or []) if isinstance(c, str)))
        if not picked:
            raise WijkpeilError("no regions", key="no_regions")
        common.check_regions(picked)
        chosen = parse_indicators(",".join(i for i in (inds or []) if isinstance(i, str)) or "lbm")
        blocks, shown = compare_blocks(picked, chosen, lang)
    except WijkpeilError as exc:
        return no_update, no_update, no_update, common.callback_error(exc, lang)
    synthetic = bool(len(shown)) and views.is_synthetic(shown)
    return blocks, t("synthetic_banner", lang) if synthetic else "", not synthetic, ""


@callback(
    Output(ids.COMPARE_REGIONS, "options"), Input(ids.COMPARE_REGIONS, "search_value"),
    State(ids.COMPARE_REGIONS, "value"), State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def region_options(text: str | None, current: list[str] | None, lang: str):  # noqa: ANN201
    if text is not None and not isinstance(text, str):
        return no_update
    return builders.region_options(
        text, [c for c in (current or []) if isinstance(c, str)], lang_of(lang)
    )


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="compareLink"),
    Output(ids.part(ids.COMPARE_OUT, "tools-state"), "children"),
    Input(ids.COMPARE_REGIONS, "value"), Input(ids.COMPARE_INDICATORS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
