"""Embeddable time series: ``/embed/trend?indicator=lbm&regions=WK059915`` — chromeless."""

from __future__ import annotations

import dash
from dash import dcc, html

from errors import WijkpeilError
from pages import builders, common
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/embed/trend", title="Wijkpeil — trend (embed)")


def layout(
    indicator: str = "lbm", regions: str = builders.DEFAULT_REGIONS, lang: str = "nl", **_: str
):  # noqa: ANN201
    lang = lang_of(lang)
    try:
        codes = common.parse_codes(regions) or common.parse_codes(builders.DEFAULT_REGIONS)
        fig, df = builders.trend_figure(indicator, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/trends", lang, indicator=indicator, regions=",".join(codes))
    return html.Div([
        common.banner(df, lang),
        dcc.Graph(figure=fig, style={"height": "80vh"}, config={"displaylogo": False}, id="embed-graph"),
        html.P([common.source_text(df, lang), " ", html.A(t("open_full", lang), href=back, target="_blank")],
               className="source"),
    ], className="embed-page")  # fmt: skip
