"""Pure figure builders (no dash): frames in, plotly figures out. One template styles them all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

TEMPLATE = "wijkpeil"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
# Okabe–Ito: colour-blind safe qualitative palette.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
SEQUENTIAL = "Viridis"  # colour-blind safe; reversed when higher is worse, so "better" is yellow
DIVERGING = "PuOr"  # colour-blind safe diverging, centred at 0 for deviations from the mean
BENCH_STYLE = {
    "GM": {"dash": "dash", "color": "#555555"},
    "NL": {"dash": "dot", "color": "#000000"},
    "AREA": {"dash": "dashdot", "color": "#D55E00"},
    "REST": {"dash": "dash", "color": "#009E73"},
}

pio.templates[TEMPLATE] = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "colorway": PALETTE,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#eee", "linecolor": "#999", "ticks": "outside"},
        "yaxis": {"gridcolor": "#eee", "linecolor": "#999", "zerolinecolor": "#bbb"},
        "legend": {"orientation": "h", "y": -0.18},
        "margin": {"l": 50, "r": 20, "t": 60, "b": 90},
        "title": {"x": 0.01, "font": {"size": 16}},
    }
)


def _source_annotation(fig: go.Figure, text: str) -> None:
    """The source line inside the figure, so PNG/SVG downloads and embeds carry it."""
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-70,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font={"size": 10, "color": "#555"},
        align="left",
    )


def colour_spec(polarity: int, diverging: bool) -> dict:
    """Colour scale for an indicator: diverging around 0 for deviations, else sequential."""
    if diverging:
        return {"colorscale": DIVERGING, "reversescale": polarity < 0, "zmid": 0}
    return {"colorscale": SEQUENTIAL, "reversescale": polarity < 0, "zmid": None}


def map_values_payload(values: pd.DataFrame) -> dict:
    """What a recolour sends: values and ranks in the fixed region order — never geometry."""
    z = np.round(values["value"].to_numpy(dtype="float64"), 4)
    return {
        "z": [None if np.isnan(v) else float(v) for v in z],
        "text": ["" if pd.isna(r) else str(int(r)) for r in values["rank"]],
    }


def map_trace_data(values: pd.DataFrame) -> dict:
    """Everything per region of the choropleth: locations and names (sent once) plus values."""
    return {
        "locations": values["code"].tolist(),
        "customdata": [
            [n, g] for n, g in zip(values["name"], values["gemeente_code"], strict=True)
        ],
        **map_values_payload(values),
    }


def hovertemplate(unit: str, labels: dict[str, str]) -> str:
    return (
        "<b>%{customdata[0]}</b> (%{location})<br>%{z:,.4~g} "
        + unit
        + f"<br>{labels['gemeente']} %{{customdata[1]}} · {labels['rank']} %{{text}}"
        + "<extra></extra>"
    )


def choropleth(
    values: pd.DataFrame,
    geojson_url: str,
    title: str,
    unit: str,
    *,
    polarity: int = 1,
    diverging: bool = False,
    labels: dict[str, str] | None = None,
    source: str = "",
) -> go.Figure:
    """Choropleth on MapLibre (no token). Geometry is a URL: the browser fetches it once."""
    labels = labels or {"gemeente": "gemeente", "rank": "rang"}
    spec = colour_spec(polarity, diverging)
    data = map_trace_data(values)
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson_url,
            featureidkey="properties.code",
            **data,
            hovertemplate=hovertemplate(unit, labels),
            colorscale=spec["colorscale"],
            reversescale=spec["reversescale"],
            zmid=spec["zmid"],
            marker_line_width=0,
            colorbar={"title": {"text": unit}},
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        map={"style": "white-bg", "center": {"lat": 52.2, "lon": 5.3}, "zoom": 6.2},
        margin={"l": 0, "r": 0, "t": 40, "b": 40},
        uirevision="map",
    )
    if source:
        fig.add_annotation(
            text=source,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-10,
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 10, "color": "#555"},
        )
    return fig


def _full_years(sub: pd.DataFrame, all_years: list[int]) -> pd.DataFrame:
    """Reindex to every year so that missing years show as gaps (never interpolated)."""
    return sub.set_index("year").reindex(all_years).reset_index()


def timeseries(
    df: pd.DataFrame,
    title: str,
    unit: str,
    *,
    names: dict[str, str] | None = None,
    source: str = "",
) -> go.Figure:
    """Lines per region; benchmarks (gemeente, area, NL) dashed; reallocated values open markers.

    ``df`` has region_code, region_name, region_level, year, value, method (from ``views.series``).
    """
    names = names or {}
    fig = go.Figure()
    all_years = sorted(int(y) for y in df["year"].unique())
    i = 0
    for code, sub in df.groupby("region_code", sort=False):
        level = str(sub["region_level"].iloc[0])
        label = names.get(code) or f"{sub['region_name'].iloc[0]}"
        full = _full_years(sub[["year", "value", "method"]], all_years)
        method = full["method"].fillna("").astype(str)
        symbols = ["circle-open" if m.startswith("reallocated") else "circle" for m in method]
        if level in BENCH_STYLE and level != "WK":
            line = dict(BENCH_STYLE[level], width=2)
            marker = {"size": 5, "symbol": symbols, "color": line["color"]}
        else:
            line = {"color": PALETTE[i % len(PALETTE)], "width": 3}
            marker = {"size": 8, "symbol": symbols, "line": {"width": 2, "color": line["color"]}}
            i += 1
        fig.add_scatter(
            x=full["year"],
            y=full["value"],
            mode="lines+markers",
            name=label,
            line=line,
            marker=marker,
            connectgaps=False,
            customdata=method,
            hovertemplate=f"{label}<br>%{{x}}: %{{y:,.4~g}} {unit}<br>%{{customdata}}<extra></extra>",
        )
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        yaxis_title=unit,
        xaxis={"dtick": 1 if len(all_years) < 15 else 2},
    )
    if source:
        _source_annotation(fig, source)
    return fig


def small_multiples(
    panels: dict[str, pd.DataFrame],
    title: str,
    labels: dict[str, str],
    *,
    cols: int = 4,
    source: str = "",
) -> go.Figure:
    """One panel per area (dict name → ``views.area_series`` frame): area vs rest vs NL."""
    names = list(panels)
    rows = max(1, int(np.ceil(len(names) / cols)))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=names, shared_yaxes=True, vertical_spacing=0.05
    )
    for k, name in enumerate(names):
        df = panels[name]
        for level in ("AREA", "REST", "NL"):
            sub = df[df["region_level"] == level].sort_values("year")
            if sub.empty:
                continue
            fig.add_scatter(
                x=sub["year"],
                y=sub["value"],
                mode="lines+markers",
                name=labels[level],
                legendgroup=level,
                showlegend=k == 0,
                line={"color": BENCH_STYLE[level]["color"], "dash": BENCH_STYLE[level]["dash"]},
                marker={"size": 4},
                connectgaps=False,
                row=k // cols + 1,
                col=k % cols + 1,
            )
    fig.update_layout(template=TEMPLATE, height=230 * rows + 120, title=title)
    fig.update_annotations(font_size=11)
    if source:
        _source_annotation(fig, source)
    return fig


def index_chart(
    index: pd.DataFrame, components: pd.DataFrame, title: str, source: str = ""
) -> go.Figure:
    """Composite index over time (line) with each component's weighted contribution (bars)."""
    fig = go.Figure()
    for k, (comp, sub) in enumerate(components.groupby("component", sort=False)):
        fig.add_bar(
            x=sub["year"],
            y=sub["contribution"],
            name=str(comp),
            marker_color=PALETTE[(k + 1) % len(PALETTE)],
            opacity=0.7,
        )
    fig.add_scatter(
        x=index["year"],
        y=index["index"],
        mode="lines+markers",
        name="index",
        line={"color": "#000", "width": 3},
    )
    fig.update_layout(template=TEMPLATE, title=title, barmode="relative", yaxis_title="z")
    if source:
        _source_annotation(fig, source)
    return fig


def compare_bars(df: pd.DataFrame, title: str, unit: str, source: str = "") -> go.Figure:
    """Latest value per region, side by side (benchmarks included, marked by colour)."""
    fig = go.Figure(
        go.Bar(
            x=df["label"],
            y=df["value"],
            marker_color=[PALETTE[0] if lvl == "WK" else "#999" for lvl in df["region_level"]],
            hovertemplate="%{x}: %{y:,.4~g} " + unit + "<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, yaxis_title=unit, showlegend=False)
    if source:
        _source_annotation(fig, source)
    return fig


def message_figure(text: str) -> go.Figure:
    """An explicit 'no data' figure: never a silent blank chart."""
    fig = go.Figure()
    fig.add_annotation(
        text=text, showarrow=False, font={"size": 15}, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_layout(template=TEMPLATE, xaxis_visible=False, yaxis_visible=False)
    return fig
