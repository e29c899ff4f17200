"""NPLV focus areas: each area vs the rest of its gemeente vs NL, as small multiples."""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import dcc, html
from plotly.subplots import make_subplots

from errors import WijkpeilError
from indicators import areas, registry
from pages import figures

dash.register_page(__name__, path="/gebieden", title="Wijkpeil — NPLV-gebieden")

COLOURS = {"gebied": "#d95f02", "rest gemeente": "#1b9e77", "NL": "#7570b3"}


def small_multiples(indicator: str) -> go.Figure:
    ind = registry.get(indicator)
    fa = areas.focus_areas()
    names = sorted(fa["area_name"].unique())
    fig = make_subplots(
        rows=5, cols=4, subplot_titles=names, shared_yaxes=True, vertical_spacing=0.06
    )
    for i, name in enumerate(names):
        s = areas.area_series(ind.variable, name)
        for grp, sub in s.groupby("group"):
            fig.add_scatter(
                x=sub["year"],
                y=sub["value"],
                mode="lines+markers",
                name=grp,
                legendgroup=grp,
                showlegend=i == 0,
                line={"color": COLOURS[grp]},
                row=i // 4 + 1,
                col=i % 4 + 1,
            )
    fig.update_layout(
        template=figures.TEMPLATE,
        height=1100,
        title=f"{ind.name_nl}: NPLV-gebied vs rest gemeente vs NL",
    )
    return fig


def layout(indicator: str = "lbm", **_: str) -> html.Div:
    try:
        fig = small_multiples(indicator)
        fa = areas.focus_areas()
    except WijkpeilError as exc:
        return html.Div([html.H2("Deze weergave bestaat niet"), html.P(str(exc))])
    conf = fa.groupby("area_name").agg(
        wijken=("wijk_code", "count"),
        bron=("source", "first"),
        zekerheid=("confidence", "first"),
    )
    table = html.Table(
        [html.Tr([html.Th(h) for h in ("gebied", "wijken", "bron", "zekerheid wijkenlijst")])]
        + [
            html.Tr([html.Td(n), html.Td(r.wijken), html.Td(r.bron), html.Td(r.zekerheid)])
            for n, r in conf.iterrows()
        ],
        className="areas",
    )
    return html.Div(
        [
            html.H2("De 20 focusgebieden van het Nationaal Programma Leefbaarheid en Veiligheid"),
            dcc.Graph(id="areas-graph", figure=fig),
            html.P(
                "Gewogen met inwoners 2024 (CBS 85984NED). Bron scores: Leefbaarometer 3.0. "
                "De wijkenlijst per gebied is niet officieel: zie bron en zekerheid.",
                className="source",
            ),
            table,
        ]
    )
