"""Trends: time series since 2012 for up to six regions, with gemeente and NL benchmark lines.

``/trends?indicator=lbm&regions=WK036308,WK036309&lang=en`` — the URL is the state.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from errors import WijkpeilError
from indicators import registry, views
from pages import builders, common, ids
from pages.builders import DEFAULT_REGIONS, trend_figure
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/trends", title="Wijkpeil — trends")


def layout(
    indicator: str = "lbm", regions: str = DEFAULT_REGIONS, lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        registry.get(indicator)
        codes = common.parse_codes(regions) or common.parse_codes(DEFAULT_REGIONS)
        fig, df = trend_figure(indicator, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    opts = [
        {"label": f"{r.region_name} ({r.region_code})", "value": r.region_code}
        for r in views.regions().itertuples()
        if r.region_code in codes
    ]
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        common.banner(df, lang),
        html.Div([
            html.Label([t("indicator", lang), dcc.Dropdown(
                id=ids.TREND_INDICATOR, options=common.indicator_options(lang), value=indicator,
                clearable=False)], className="control wide"),
            html.Label([t("wijken", lang), dcc.Dropdown(
                id=ids.TREND_REGIONS, options=opts, value=codes, multi=True,
                placeholder=t("search", lang))], className="control wide"),
        ], className="controls"),
        html.Div(id=ids.TREND_ERROR, className="callback-error", role="status"),
        dcc.Graph(id=ids.TREND_GRAPH, figure=fig, config={"displaylogo": False}),
        html.P(t("harmonised_note", lang), className="note"),
        html.P(id=ids.TREND_DOWNLOADS, children=series_links(indicator, codes, lang)),
        html.Details([
            html.Summary(t("embed", lang), id=ids.TREND_EMBED_BUTTON), html.P(t("embed_help", lang)),
            html.Pre(embed_snippet(indicator, codes, lang), id=ids.TREND_EMBED_CODE),
        ], className="embed"),
    ])  # fmt: skip


def series_links(indicator: str, codes: list[str], lang: str) -> list:
    out: list = [t("download", lang), " "]
    for fmt in ("csv", "xlsx"):
        h = common.href(
            f"/download/series.{fmt}", lang, indicator=indicator, regions=",".join(codes)
        )
        out += [html.A(fmt.upper(), href=h, className="download"), " "]
    return out


def embed_snippet(indicator: str, codes: list[str], lang: str) -> str:
    src = common.href("/embed/trend", lang, indicator=indicator, regions=",".join(codes))
    return f'<iframe src="{{ORIGIN}}{src}" width="100%" height="480" style="border:0" loading="lazy"></iframe>'


@callback(
    Output(ids.TREND_GRAPH, "figure"), Output(ids.TREND_DOWNLOADS, "children"), Output(ids.TREND_EMBED_CODE, "children"),
    Output(ids.TREND_ERROR, "children"),
    Input(ids.TREND_INDICATOR, "value"), Input(ids.TREND_REGIONS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
def update(indicator: str, codes: list[str], lang: str):  # noqa: ANN201
    try:
        fig, _ = trend_figure(
            indicator, common.parse_codes(",".join(codes or [])) or ["NL00"], lang
        )
    except WijkpeilError as exc:
        return no_update, no_update, no_update, f"{t('error_callback', lang)} {exc}"
    return fig, series_links(indicator, codes, lang), embed_snippet(indicator, codes, lang), ""


@callback(
    Output(ids.TREND_REGIONS, "options"), Input(ids.TREND_REGIONS, "search_value"),
    State(ids.TREND_REGIONS, "value"), prevent_initial_call=True,
)  # fmt: skip
def region_options(text: str | None, current: list[str] | None):  # noqa: ANN201
    return builders.region_options(text, current)


clientside_callback(
    """function(indicator, regions, lang) {
        const q = new URLSearchParams({indicator: indicator, regions: (regions || []).join(',')});
        if (lang === 'en') { q.set('lang', 'en'); }
        window.history.replaceState(null, '', window.location.pathname + '?' + q.toString());
        return window.dash_clientside.no_update;
    }""",
    Output(ids.TREND_EMBED_BUTTON, "title"),
    Input(ids.TREND_INDICATOR, "value"), Input(ids.TREND_REGIONS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
