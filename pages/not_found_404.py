"""Unknown URL: a helpful page, not a traceback."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", title="Wijkpeil — niet gevonden")


def layout(**_: str) -> html.Div:
    return html.Div([
        html.H2("Pagina niet gevonden / Page not found"),
        html.P("Deze pagina bestaat niet. Kies een onderdeel hierboven of ga naar de kaart."),
        dcc.Link("Naar de kaart / Back to the map", href="/"),
    ], id="error-page", className="error-page")  # fmt: skip
