"""Map page: choropleth of every wijk for a Leefbaarometer indicator and year."""

from __future__ import annotations

import dash
from dash import Input, Output, Patch, callback, dcc, html

from indicators import leefbaarometer, registry
from pages import figures, ids

dash.register_page(__name__, path="/", title="Wijkpeil — kaart")

GEOJSON_URL = "/geo/WK/2024.geojson"
SOURCE_LINE = "Bron: Leefbaarometer 3.0 (BZK, CC0), wijkindeling 2024 (CBS/PDOK). Echte, gepubliceerde scores."


def layout(indicator: str = "lbm", year: str = "2024", lang: str = "nl", **_: str) -> html.Div:
    try:
        ind = registry.get(indicator)
        yr = int(year)
        vals = leefbaarometer.values(ind.variable, yr)
    except (ValueError, Exception) as exc:  # noqa: BLE001 - shown to the user, not swallowed
        return html.Div(
            [
                html.H2("Deze weergave bestaat niet"),
                html.P(str(exc)),
                dcc.Link("Naar de kaart", href="/"),
            ]
        )
    title = f"{registry.name(ind, lang)} — {yr}"
    fig = figures.choropleth(vals, GEOJSON_URL, title, ind.unit)
    return html.Div(
        [
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.INDICATOR,
                        options=[
                            {"label": registry.name(i, lang), "value": i.id}
                            for i in registry.REGISTRY
                        ],
                        value=ind.id,
                        clearable=False,
                    ),
                    dcc.Dropdown(
                        id=ids.YEAR,
                        options=[{"label": str(y), "value": y} for y in leefbaarometer.years()],
                        value=yr,
                        clearable=False,
                    ),
                ],
                className="controls",
            ),
            dcc.Graph(id=ids.MAP, figure=fig, style={"height": "75vh"}),
            html.P(SOURCE_LINE, id=ids.SOURCE, className="source"),
        ]
    )


@callback(
    Output(ids.MAP, "figure"),
    Input(ids.INDICATOR, "value"),
    Input(ids.YEAR, "value"),
    prevent_initial_call=True,
)
def recolour(indicator: str, year: int) -> Patch:
    """Send values only: the geometry stays in the browser."""
    vals = leefbaarometer.values(registry.get(indicator).variable, int(year))
    patch = Patch()
    patch["data"][0]["locations"] = vals["code"].tolist()
    patch["data"][0]["z"] = vals["value"].round(5).tolist()
    patch["data"][0]["customdata"] = vals[["name", "gemeente_code", "rank"]].values.tolist()
    patch["layout"]["title"]["text"] = f"{registry.name(registry.get(indicator), 'nl')} — {year}"
    return patch
