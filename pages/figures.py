"""Pure figure builders (no dash): data in, plotly figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

TEMPLATE = "plotly_white"
SEQ_GOOD_HIGH = "Viridis"  # colour-blind safe


def choropleth(values: pd.DataFrame, geojson_url: str, title: str, unit: str) -> go.Figure:
    """Choropleth on MapLibre (no token). Geometry is a URL: the browser fetches it once."""
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson_url,
            featureidkey="properties.code",
            locations=values["code"],
            z=values["value"],
            customdata=values[["name", "gemeente_code", "rank"]],
            hovertemplate="<b>%{customdata[0]}</b> (%{location})<br>%{z:.3f} "
            + unit
            + "<br>gemeente %{customdata[1]} · rang %{customdata[2]}<extra></extra>",
            colorscale=SEQ_GOOD_HIGH,
            marker_line_width=0,
            colorbar={"title": {"text": unit}},
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        map={"style": "white-bg", "center": {"lat": 52.2, "lon": 5.3}, "zoom": 6.2},
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        uirevision="map",
    )
    return fig


def timeseries(
    series: pd.DataFrame,
    benchmark: pd.DataFrame,
    title: str,
    label: str,
    bench_label: str,
) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=series["year"], y=series["value"], mode="lines+markers", name=label)
    fig.add_scatter(
        x=benchmark["year"],
        y=benchmark["value"],
        mode="lines",
        name=bench_label,
        line={"dash": "dot"},
    )
    fig.update_layout(template=TEMPLATE, title=title, xaxis_title="jaar", margin={"t": 50})
    return fig
