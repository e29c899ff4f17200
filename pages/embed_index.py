"""Embeddable composite index: ``/embed/index?kind=veiligheid&regions=WK059915&weights=geweld:2``
— chromeless, for an iframe."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import indices, views
from pages import builders, chart, common
from pages.i18n import lang_of, page_title, t

dash.register_page(__name__, path="/embed/index", title=page_title("title_embed"))


def layout(kind: str = "leefbaarheid", regions: str = builders.DEFAULT_REGIONS, weights: str = "",
           lang: str = "nl", **_: str) -> html.Div:  # fmt: skip
    lang = lang_of(lang)
    try:
        if kind not in views.INDEX_KINDS:
            raise WijkpeilError(f"unknown index kind {kind!r}", key="err_unknown_kind", value=kind)
        w = indices.parse_weights(weights) if weights else views.index_defaults(kind)
        codes = common.parse_selection(regions) or common.parse_selection(builders.DEFAULT_REGIONS)
        common.check_regions(codes)
        fig, shown, _ = builders.index_figure(kind, w, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    back = common.href("/indices", lang, kind=kind, regions=",".join(codes),
                       weights=indices.format_weights(w))  # fmt: skip
    return chart.embed_page(fig, shown if len(shown) else None, back, t("index_" + kind, lang),
                            lang, filename=f"wijkpeil-index-{kind}")  # fmt: skip
