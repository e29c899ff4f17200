"""Embeddable small multiples of all 20 NPLV areas: ``/embed/gebieden?indicator=lbm``."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import registry
from pages import builders, chart, common
from pages.i18n import lang_of, page_title, t

dash.register_page(__name__, path="/embed/gebieden", title=page_title("title_embed"))


def layout(indicator: str = "lbm", lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        fig, allrows = builders.overview_figure(indicator, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/gebieden", lang, indicator=indicator)
    title = f"{t('areas_overview', lang)}: {registry.name(registry.get(indicator), lang)}"
    return chart.embed_page(
        fig, allrows, back, title, lang, filename=f"wijkpeil-{indicator}-nplv", height="1300px"
    )
