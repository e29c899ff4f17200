"""About the data: what the store holds (from its manifest), a coverage matrix, what is missing."""

from __future__ import annotations

import dash
from dash import dcc, html

from errors import WijkpeilError
from indicators import views
from pages import common
from pages.i18n import lang_of

dash.register_page(__name__, path="/over", title="Wijkpeil — over de data")

TEXT_NL = """
Wijkpeil toont alleen echte open data: CBS *Kerncijfers wijken en buurten* (KWB, 2012–2024), de
politiecijfers *Geregistreerde misdrijven* (47018NED), de grenzen van CBS/PDOK en de *Leefbaarometer 3.0*
(BZK). Wat deze kopie niet bevat, ontbreekt: het wordt nooit aangevuld. Met internettoegang haalt
`python -m loaders update` de rest op.
"""
TEXT_EN = """
Wijkpeil shows real open data only: CBS *Key figures for neighbourhoods* (KWB, 2012–2024), the police
table *Registered crime* (47018NED), CBS/PDOK boundaries and the *Leefbaarometer 3.0* (BZK). What this
copy does not hold is missing: it is never filled in. With internet access `python -m loaders update`
fetches the rest.
"""


def _table(df, cls: str = "data-table") -> html.Table:  # noqa: ANN001
    return html.Table(
        [html.Thead(html.Tr([html.Th(c) for c in df.columns]))]
        + [
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(
                                str(v),
                                className=f"cov-{v}"
                                if v in ("real", "missing", "synthetic")
                                else None,
                            )
                            for v in row
                        ]
                    )
                    for row in df.itertuples(index=False)
                ]
            )
        ],  # fmt: skip
        className=cls,
    )


def layout(lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        facts = views.store_facts()
        cov = views.coverage_matrix()
        um = views.unmatched_regions()
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    import pandas as pd

    parts = pd.DataFrame(facts["parts"])
    missing = pd.DataFrame(facts["missing"]) if facts["missing"] else None
    return html.Div([
        html.H1("Over de data" if lang == "nl" else "About the data"),
        dcc.Markdown(TEXT_EN if lang == "en" else TEXT_NL),
        html.H2("Dekking" if lang == "nl" else "Coverage"),
        html.Div(_table(cov, "data-table coverage"), className="table-scroll", id="coverage-matrix"),
        html.H2("Bronnen in deze kopie" if lang == "nl" else "Sources in this copy"),
        html.P(f"store {facts['id']} ({facts['kind']}), {facts['built_at']}, {facts['source']}"),
        html.Div(_table(parts), className="table-scroll"),
        *([html.H2("Ontbrekende bronnen" if lang == "nl" else "Missing sources"),
           html.Div(_table(missing), className="table-scroll")] if missing is not None else []),
        html.H2("Niet vergelijkbare wijken" if lang == "nl" else "Regions without a comparable value"),
        html.Div(_table(um[["level", "from_indeling", "from_code", "reason"]]) if len(um) else html.P("—"),
                 className="table-scroll", id="unmatched-regions"),
    ])  # fmt: skip
