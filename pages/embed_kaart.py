"""Embeddable map: ``/embed/kaart?indicator=onv&year=2022&level=WK`` (``&area=Rotterdam-Zuid``
zooms to an NPLV area) — chromeless, for an iframe, with title, source line and a link back."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from pages import builders, chart, common
from pages.i18n import lang_of, page_title

dash.register_page(__name__, path="/embed/kaart", title=page_title("title_embed"))


def layout(
    indicator: str = builders.DEFAULT_INDICATOR,
    year: str = "",
    level: str = "WK",
    area: str = "",
    lang: str = "nl",
    **_: str,
) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_level(level)
        common.check_indicator(indicator)
        yr = common.parse_year(year, indicator, level)
        if area:
            builders.area_frame(indicator, area)  # validates the area name
        fig, _, _, shown = builders.map_figure(indicator, yr, level, lang, area=area or None)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/", lang, indicator=indicator, year=yr, level=level)
    if area:
        back = common.href("/gebieden", lang, indicator=indicator, area=area)
    title = builders.map_title(indicator, yr, level, lang)
    return chart.embed_page(fig, shown, back, title, lang, filename=f"wijkpeil-{indicator}-{yr}")
