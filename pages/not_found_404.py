"""Unknown URL: a helpful page in the reader's language, not a traceback."""

from __future__ import annotations

import dash
from dash import dcc, html

from pages import common, ids
from pages.i18n import lang_of, page_title, request_lang, t

dash.register_page(__name__, path="/404", title=page_title("title_not_found"))


def layout(lang: str = "", **_: str) -> html.Div:
    lang = lang_of(lang or request_lang())
    return html.Div([
        html.H1(t("title_not_found", lang), id=ids.PAGE_TITLE),
        html.P(t("not_found_text", lang)),
        dcc.Link(t("back_to_map", lang), href=common.href("/", lang)),
    ], id=ids.ERROR_PAGE, className="error-page")  # fmt: skip
