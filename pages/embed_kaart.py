"""Embeddable map: ``/embed/kaart?indicator=onv&year=2022&level=WK`` — chromeless, for an iframe,
with title, source line and a link back to the full view."""

from __future__ import annotations

import dash
from dash import dcc, html

from errors import WijkpeilError
from indicators import views
from pages import builders, common
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/embed/kaart", title="Wijkpeil — kaart (embed)")


def layout(
    indicator: str = builders.DEFAULT_INDICATOR,
    year: str = "",
    level: str = "WK",
    lang: str = "nl",
    **_: str,
):  # noqa: ANN201
    lang = lang_of(lang)
    try:
        if level not in views.LEVELS:
            raise WijkpeilError(f"unknown level {level!r}; use WK or GM")
        yr = common.parse_year(year, indicator, level)
        fig, _ = builders.map_figure(indicator, yr, level, lang)
        shown = views.map_values(indicator, yr, level)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/", lang, indicator=indicator, year=yr, level=level)
    return html.Div([
        common.banner(shown, lang),
        dcc.Graph(figure=fig, style={"height": "82vh"}, config={"displaylogo": False}, id="embed-graph"),
        html.P([common.source_text(shown, lang), " ", html.A(t("open_full", lang), href=back, target="_blank")],
               className="source"),
    ], className="embed-page")  # fmt: skip
