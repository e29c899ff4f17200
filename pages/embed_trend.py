"""Embeddable time series: ``/embed/trend?indicator=lbm&regions=WK059915`` — chromeless. Accepts
wijk, gemeente and NPLV area codes (``regions=NPLV:Rotterdam-Zuid,REST:Rotterdam-Zuid``)."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import registry
from pages import builders, chart, common
from pages.i18n import lang_of, page_title

dash.register_page(__name__, path="/embed/trend", title=page_title("title_embed"))


def layout(
    indicator: str = "lbm", regions: str = builders.DEFAULT_REGIONS, lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        codes = common.parse_selection(regions) or common.parse_selection(builders.DEFAULT_REGIONS)
        common.check_regions(codes)
        fig, df = builders.trend_figure(indicator, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/trends", lang, indicator=indicator, regions=",".join(codes))
    title = registry.name(registry.get(indicator), lang)
    return chart.embed_page(fig, df, back, title, lang, filename=f"wijkpeil-trend-{indicator}")
