"""Embeddable comparison: ``/embed/vergelijk?indicator=lbm&regions=WK059915,WK036308`` (latest
values as bars; ``&chart=lines`` for the development since 2012) — chromeless."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import registry
from pages import builders, chart, common, figures
from pages.i18n import lang_of, page_title, t, unit

dash.register_page(__name__, path="/embed/vergelijk", title=page_title("title_embed"))


def layout(indicator: str = "lbm", regions: str = builders.DEFAULT_COMPARE, chart_kind: str = "bars",
           lang: str = "nl", **params: str) -> html.Div:  # fmt: skip
    lang = lang_of(lang)
    kind = params.get("chart", chart_kind)
    try:
        common.check_indicator(indicator)
        codes = common.parse_selection(regions) or common.parse_selection(builders.DEFAULT_COMPARE)
        common.check_regions(codes)
        fig, df, _ = builders.bars_figure(codes, indicator, lang)
        ind = registry.get(indicator)
        name = registry.name(ind, lang)
        if kind == "lines":
            fig = figures.timeseries(df, t("compare_over_time", lang, ind=name), unit(ind.unit, lang),
                                     lang, unit=ind.unit,
                                     source=common.source_text(df, lang, t("no_interp", lang)))  # fmt: skip
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/vergelijk", lang, regions=",".join(codes), indicators=indicator)
    return chart.embed_page(fig, df, back, name, lang, filename=f"wijkpeil-vergelijk-{indicator}")
