"""Wijk profile: /wijk/WK… — Leefbaarometer trend of one wijk vs the national mean."""

from __future__ import annotations

import dash
from dash import dcc, html

from errors import IndicatorError
from indicators import leefbaarometer
from pages import figures

dash.register_page(__name__, path_template="/wijk/<code>", title="Wijkpeil — wijk")


def layout(code: str = "", **_: str) -> html.Div:
    try:
        s = leefbaarometer.series("lbm", code)
        o = leefbaarometer.series("onv", code)
    except IndicatorError as exc:
        return html.Div(
            [
                html.H2("Onbekende wijk"),
                html.P(str(exc)),
                dcc.Link("Naar de kaart", href="/"),
            ]
        )
    fig = figures.timeseries(
        s,
        leefbaarometer.national_mean("lbm"),
        f"Leefbaarheid {code}",
        code,
        "NL (gemiddelde wijk)",
    )
    fig2 = figures.timeseries(
        o,
        leefbaarometer.national_mean("onv"),
        f"Overlast en onveiligheid {code}",
        code,
        "NL (gemiddelde wijk)",
    )
    return html.Div(
        [
            html.H2(f"Wijk {code}"),
            dcc.Graph(figure=fig),
            dcc.Graph(figure=fig2),
            html.P(
                "Bron: Leefbaarometer 3.0 (BZK, CC0). Ontbrekende jaren zijn niet geïnterpoleerd.",
                className="source",
            ),
        ]
    )
