"""Methodology for a reader: what each indicator means (from the registry, in the reader's
language), how areas and trends are made, how the map classes work, and the limits."""

from __future__ import annotations

import dash
from dash import html

from indicators import registry
from pages import chart, ids
from pages.i18n import METHOD_SECTIONS, lang_of, page_title, prose, t, theme, unit

dash.register_page(__name__, path="/methode", title=page_title("title_method"))


def _direction(polarity: int, lang: str) -> str:
    return {1: t("better", lang), -1: t("worse", lang)}.get(polarity, t("neutral", lang))


def indicator_tables(lang: str) -> list:
    out = []
    for th in registry.THEMES:
        inds = registry.by_theme(th)
        if not inds:
            continue
        rows = [[
            registry.name(i, lang),
            i.description_en if lang == "en" else i.description_nl,
            unit(i.unit, lang),
            _direction(i.polarity, lang),
            i.source_table,
            html.Code(i.formula),
        ] for i in inds]  # fmt: skip
        out += [
            html.H3(theme(th, lang)),
            html.Div(chart.simple_table(
                [t("indicator", lang), t("method_description", lang), t("unit", lang),
                 t("method_polarity", lang), t("method_sources", lang), t("method_formula", lang)],
                rows, class_name="data-table method-table stack")),
        ]  # fmt: skip
    return out


def layout(lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    toc = html.Nav([
        html.H2(t("method_toc", lang)),
        html.Ol([html.Li(html.A(titles[1 if lang == "en" else 0], href=f"#{key}"))
                 for key, titles in METHOD_SECTIONS]),
    ], className="toc", **{"aria-label": t("method_toc", lang)})  # fmt: skip
    sections = []
    for key, titles in METHOD_SECTIONS:
        heading = html.H2(titles[1 if lang == "en" else 0], id=key)
        if key == "indicators":
            sections.append(html.Section([heading, *indicator_tables(lang)]))
        else:
            sections.append(html.Section([heading, *[html.P(p) for p in prose(key, lang)]]))
    return html.Div([
        html.H1(t("title_method", lang), id=ids.PAGE_TITLE),
        html.P(t("method_intro", lang), className="lead"),
        toc,
        *sections,
    ], className="methodology")  # fmt: skip
