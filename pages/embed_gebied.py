"""Embeddable NPLV chart: ``/embed/gebied?area=Rotterdam-Zuid&indicator=lbm`` — the focus area vs
the rest of its gemeente vs the Netherlands, chromeless, for an iframe."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import registry
from pages import builders, chart, common
from pages.i18n import lang_of, page_title

dash.register_page(__name__, path="/embed/gebied", title=page_title("title_embed"))


def layout(
    area: str = builders.DEFAULT_AREA, indicator: str = "lbm", lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_indicator(indicator)
        fig, df, _ = builders.area_figure(indicator, area, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/gebieden", lang, indicator=indicator, area=area)
    title = f"{area}: {registry.name(registry.get(indicator), lang)}"
    return chart.embed_page(fig, df, back, title, lang, filename=f"wijkpeil-{indicator}-{area}")
