"""Methodology: generated from the indicator registry (docs/methodology.md), never hand-written."""

from __future__ import annotations

import dash
from dash import dcc, html

from indicators import methodology
from pages.i18n import lang_of

dash.register_page(__name__, path="/methode", title="Wijkpeil — methode")


def layout(lang: str = "nl", **_: str) -> html.Div:
    lang_of(lang)
    return html.Div([dcc.Markdown(methodology.render(), className="methodology")])
