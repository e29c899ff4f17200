"""Pure figure builders (no dash): frames in, plotly figures out. One template styles them all.

Every figure carries its title and its source line inside the layout, so PNG/SVG exports and
embeds show both. The source line sits below the plot area in a bottom margin sized for it; the
legend is horizontal ABOVE the plot area, so the two never meet at any width. Numbers in hover
text are formatted by :func:`pages.i18n.fmt_num` (axis ticks use the matching
``layout.separators``).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from pages import classes as cls
from pages.i18n import fmt_num, method, separators, t

TEMPLATE = "wijkpeil"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
# Okabe–Ito: colour-blind safe qualitative palette.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
BENCH_STYLE = {
    "GM": {"dash": "dash", "color": "#555555"},
    "NL": {"dash": "dot", "color": "#000000"},
    "AREA": {"dash": "solid", "color": "#D55E00"},
    "REST": {"dash": "dash", "color": "#009E73"},
}
#: PDOK BRT-Achtergrondkaart, grey variant, web-mercator tiles (WMTS RESTful template). Loaded by
#: the reader's browser; offline the map simply has no base map. Template as used in public code,
#: e.g. github.com/Henk-Keijzer/szwtracktrace lib/default_maptileproviders.dart
#: (".../achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"; layers standaard, grijs,
#: pastel, water per PDOK's WMTS capabilities).
BASEMAP_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
)
BASEMAP_ATTRIBUTION = "BRT-Achtergrondkaart © Kadaster / PDOK"
WRAP_TITLE = 38  # characters per title line (fits 390 px at 15 px)
WRAP_SOURCE = 62  # characters per source line (fits 390 px at 10 px)

pio.templates[TEMPLATE] = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "colorway": PALETTE,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#eee", "linecolor": "#999", "ticks": "outside"},
        "yaxis": {"gridcolor": "#eee", "linecolor": "#999", "zerolinecolor": "#bbb"},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        "margin": {"l": 56, "r": 16, "t": 70, "b": 80},
        "title": {"x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "hoverlabel": {"font": {"family": FONT}},
    }
)


def wrap(text: str, width: int) -> str:
    """Plotly text with ``<br>`` line breaks (plotly does not wrap titles or annotations)."""
    return "<br>".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or ""


def source_layout(source: str, x_title_room: int = 0) -> dict:
    """Where the (wrapped) source line goes: text, its shift below the plot and the bottom margin
    that holds it — one place, so a recolour can move it consistently."""
    html_text = wrap(source, WRAP_SOURCE) if source else ""
    lines = html_text.count("<br>") + 1 if html_text else 0
    bottom = 34 + x_title_room + 13 * lines
    return {"text": html_text, "yshift": -(bottom - 13 * lines - 6), "bottom": bottom}


LEGEND_ROW = 20  # px per legend entry (font 12)
TITLE_LINE = 20  # px per title line (font 15)


def title_layout(title: str, legend_rows: int = 0, gap: int = 0) -> dict:
    """The title as an annotation above the legend block (plotly misplaces multi-line layout
    titles anchored at the top), and the top margin that holds title + legend. The legend is a
    vertical list of ``legend_rows`` entries directly above the plot (``gap`` px above it for
    subplot titles), so its height is known at any width."""
    html_text = wrap(title, WRAP_TITLE)
    lines = html_text.count("<br>") + 1
    legend_h = LEGEND_ROW * legend_rows + (6 if legend_rows else 0)
    return {
        "text": html_text,
        "yshift": legend_h + gap + 4,
        "top": legend_h + gap + TITLE_LINE * lines + 14,
    }


def finish(
    fig: go.Figure,
    title: str,
    source: str,
    lang: str,
    *,
    legend: bool = True,
    x_title_room: int = 0,
    left: int = 56,
    gap: int = 0,
) -> go.Figure:
    """Title, then the legend (one entry per row), then the plot, then the source line — stacked
    in margins sized for them, so they never overlap at any width. Title and source start at the
    figure's left edge (``left`` = left margin), so they fit 390 px."""
    rows = sum(1 for tr in fig.data if tr.showlegend is not False and tr.visible is not False
               and tr.name) if legend else 0  # fmt: skip
    ti = title_layout(title, rows, gap)
    so = source_layout(source, x_title_room)
    fig.update_layout(
        template=TEMPLATE,
        separators=separators(lang),
        showlegend=legend,
        legend={"orientation": "v", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom",
                "font": {"size": 12}, "tracegroupgap": 0},
        margin={"t": ti["top"], "b": so["bottom"], "l": left},
    )  # fmt: skip
    fig.add_annotation(
        text=ti["text"], xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
        yshift=ti["yshift"], xshift=6 - left, showarrow=False, align="left",
        font={"size": 15, "color": "#222"}, name="title",
    )  # fmt: skip
    fig.add_annotation(
        text=so["text"], xref="paper", yref="paper", x=0, y=0, xanchor="left",
        yanchor="top", yshift=so["yshift"], xshift=6 - left, showarrow=False, align="left",
        font={"size": 10, "color": "#444"}, name="source", visible=bool(source),
    )  # fmt: skip
    return fig


# --- maps --------------------------------------------------------------------------------------


def basemap_meta() -> dict:
    """The base map, for the browser to add (``assets/wijkpeil.js``) once a tile has loaded.

    Not a layout layer from the start: when the tiles cannot be fetched (offline), MapLibre's tile
    error rejects plotly's render promise and later recolours never arrive. So the figure carries
    the layer in ``layout.meta.basemap`` and the browser adds it only when PDOK answers."""
    return {"basemap": {
        "below": "traces", "sourcetype": "raster", "source": [BASEMAP_TILES],
        "sourceattribution": BASEMAP_ATTRIBUTION,
    }}  # fmt: skip


def map_payload(values: pd.DataFrame, classes: cls.Classes, lang: str, unit: str) -> dict:
    """What a recolour sends (fixed region order, never geometry): class index per region, the
    formatted value and the rank (the hover template adds the words)."""
    v = values["value"].to_numpy(dtype="float64")
    z = cls.classify(v, classes)
    text = [fmt_num(x, lang, unit=unit) if np.isfinite(x) else t("no_data", lang) for x in v]
    ranks = values["rank"]
    hover = ["–" if pd.isna(r) else str(int(r)) for r in ranks]
    return {"z": [int(i) for i in z], "text": text, "hovertext": hover}


def n_ranked(values: pd.DataFrame) -> int:
    return int(values["value"].notna().sum())


def map_hovertemplate(unit_label: str, n: int, lang: str) -> str:
    rank = t("rank_of", lang, r="%{hovertext}", n=fmt_num(n, lang, decimals=0))
    return "<b>%{customdata[0]}</b><br>%{text} " + unit_label + "<br>" + rank + "<extra></extra>"


def class_colorscale(classes: cls.Classes) -> dict:
    """A stepwise colour scale over z = -1 (no data) … k-1."""
    colours = [cls.NO_DATA_COLOUR, *classes.colours]
    n = len(colours)
    scale = []
    for i, c in enumerate(colours):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return {"colorscale": scale, "zmin": -1.5, "zmax": classes.k - 0.5}


def legend_traces_update(classes: cls.Classes, labels: list[str], lang: str) -> list[dict]:
    """Name, colour and visibility of the fixed set of legend-only traces (classes + no data)."""
    out = []
    for i in range(cls.MAX_CLASSES):
        if i < classes.k:
            out.append({"name": labels[i], "color": classes.colours[i], "visible": True})
        else:
            out.append({"name": "", "color": "#ffffff", "visible": False})
    out.append({"name": t("no_data", lang), "color": cls.NO_DATA_COLOUR, "visible": True})
    return out


def choropleth(
    values: pd.DataFrame,
    geojson_url: str,
    title: str,
    *,
    classes: cls.Classes,
    class_labels: list[str],
    unit: str,
    unit_label: str,
    legend_title: str,
    region_labels: list[str],
    lang: str,
    source: str = "",
    center: dict | None = None,
    zoom: float = 6.2,
) -> go.Figure:
    """Classed choropleth on MapLibre (no token) over the PDOK base map. Geometry is a URL: the
    browser fetches it once. The legend lists every class and the "no data" class."""
    payload = map_payload(values, classes, lang, unit)
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson_url, featureidkey="properties.code",
            locations=values["code"].tolist(), customdata=[[r] for r in region_labels],
            z=payload["z"], text=payload["text"], hovertext=payload["hovertext"],
            hovertemplate=map_hovertemplate(unit_label, n_ranked(values), lang),
            showscale=False, marker={"line": {"width": 0.3, "color": "white"}, "opacity": 0.82},
            showlegend=False, name="map", **class_colorscale(classes),
        )
    )  # fmt: skip
    for item in legend_traces_update(classes, class_labels, lang):
        fig.add_trace(
            go.Scattermap(
                lat=[None], lon=[None], mode="markers", name=item["name"],
                marker={"size": 14, "color": item["color"]}, visible=item["visible"],
                showlegend=True, hoverinfo="skip", legendgroup="classes",
            )
        )  # fmt: skip
    finish(fig, title, source, lang, legend=False, left=0)  # legend overlaid on the map (sea)
    fig.update_layout(
        showlegend=True,
        map={"style": "white-bg", "center": center or {"lat": 52.2, "lon": 5.3}, "zoom": zoom},
        meta=basemap_meta(),
        legend={"title": {"text": legend_title, "side": "top"}, "itemsizing": "constant",
                "font": {"size": 11}, "orientation": "v", "x": 0.005, "xanchor": "left",
                "y": 0.995, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.88)",
                "bordercolor": "#bbb", "borderwidth": 1},
        margin={"r": 0},
        uirevision="map",
    )  # fmt: skip
    return fig


def locator_map(
    codes: list[str], highlight: str, geojson_url: str, title: str, lang: str, *,
    center: dict, zoom: float, labels: dict[str, str], source: str = "",
) -> go.Figure:  # fmt: skip
    """Where a wijk lies: its gemeente's wijken light, the wijk itself dark, on the base map."""
    z = [1 if c == highlight else 0 for c in codes]
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson_url, featureidkey="properties.code", locations=codes, z=z,
            customdata=[[labels.get(c, c)] for c in codes], zmin=0, zmax=1,
            colorscale=[[0, "#bcd3e6"], [0.5, "#bcd3e6"], [0.5, "#0b3d5c"], [1, "#0b3d5c"]],
            showscale=False, marker={"line": {"width": 0.8, "color": "white"}, "opacity": 0.8},
            hovertemplate="%{customdata[0]}<extra></extra>",
        )
    )  # fmt: skip
    finish(fig, title, source, lang, legend=False, left=0)
    fig.update_layout(
        map={"style": "white-bg", "center": center, "zoom": zoom}, meta=basemap_meta(),
        margin={"r": 0},
    )  # fmt: skip
    return fig


# --- lines -------------------------------------------------------------------------------------


def _full_years(sub: pd.DataFrame, all_years: list[int]) -> pd.DataFrame:
    """Reindex to every year so that missing years show as gaps (never interpolated)."""
    return sub.set_index("year").reindex(all_years).reset_index()


def series_label(code: str, name: str, level: str, lang: str, names: dict[str, str]) -> str:
    if code in names:
        return names[code]
    if level == "NL":
        return t("nl", lang)
    if level == "GM":
        return f"{name} ({t('gemeente', lang)})"
    if level == "REST":
        return f"{t('rest_gemeente', lang)} ({name})"
    return str(name)


def timeseries(
    df: pd.DataFrame,
    title: str,
    unit_label: str,
    lang: str,
    *,
    unit: str = "",
    names: dict[str, str] | None = None,
    source: str = "",
) -> go.Figure:
    """Lines per region; benchmarks (gemeente, area, NL) dashed; reallocated values open markers.

    ``df`` has region_code, region_name, region_level, year, value, method (from ``views.series``).
    """
    names = names or {}
    fig = go.Figure()
    all_years = sorted(int(y) for y in df["year"].unique()) if len(df) else []
    i = 0
    for code, sub in df.groupby("region_code", sort=False):
        level = str(sub["region_level"].iloc[0])
        label = series_label(str(code), str(sub["region_name"].iloc[0]), level, lang, names)
        full = _full_years(sub[["year", "value", "method"]], all_years)
        meth = full["method"].fillna("").astype(str)
        symbols = ["circle-open" if m.startswith("reallocated") else "circle" for m in meth]
        if level in BENCH_STYLE and level != "WK":
            line = dict(BENCH_STYLE[level], width=2)
            marker = {"size": 5, "symbol": symbols, "color": line["color"]}
        else:
            line = {"color": PALETTE[i % len(PALETTE)], "width": 3}
            marker = {"size": 8, "symbol": symbols, "line": {"width": 2, "color": line["color"]}}
            i += 1
        fig.add_scatter(
            x=full["year"], y=full["value"], mode="lines+markers", name=label, line=line,
            marker=marker, connectgaps=False,
            text=[fmt_num(v, lang, unit=unit) for v in full["value"]],
            customdata=[method(m, lang) if m else "" for m in meth],
            hovertemplate=f"<b>{label}</b><br>%{{x}}: %{{text}} {unit_label}<br>%{{customdata}}"
            "<extra></extra>",
        )  # fmt: skip
    finish(fig, title, source, lang)
    fig.update_layout(
        yaxis_title=unit_label, xaxis={"tickformat": "d", "nticks": 8, "tickangle": 0},
        hovermode="closest",
    )  # fmt: skip
    return fig


def small_multiples(
    panels: dict[str, pd.DataFrame],
    title: str,
    labels: dict[str, str],
    lang: str,
    *,
    unit: str = "",
    cols: int = 4,
    source: str = "",
) -> go.Figure:
    """One panel per area (dict name → ``views.area_series`` frame): area vs rest vs NL."""
    names = list(panels)
    rows = max(1, int(np.ceil(len(names) / cols)))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=names, shared_yaxes=True, vertical_spacing=0.06,
        horizontal_spacing=0.03,
    )  # fmt: skip
    for k, name in enumerate(names):
        df = panels[name]
        for level in ("AREA", "REST", "NL"):
            sub = df[df["region_level"] == level].sort_values("year")
            if sub.empty:
                continue
            fig.add_scatter(
                x=sub["year"], y=sub["value"], mode="lines+markers", name=labels[level],
                legendgroup=level, showlegend=k == 0,
                line={"color": BENCH_STYLE[level]["color"], "dash": BENCH_STYLE[level]["dash"]},
                marker={"size": 4}, connectgaps=False,
                text=[fmt_num(v, lang, unit=unit) for v in sub["value"]],
                hovertemplate=f"<b>{name}</b> · {labels[level]}<br>%{{x}}: %{{text}}<extra></extra>",
                row=k // cols + 1, col=k % cols + 1,
            )  # fmt: skip
    fig.update_annotations(font_size=11)  # the panel titles (before the title is added)
    finish(fig, title, source, lang, gap=24)  # gap: the first row's panel titles
    plot_h = 190 * rows
    fig.update_layout(height=plot_h + fig.layout.margin.t + fig.layout.margin.b,
                      legend={"y": 1 + 24 / plot_h})  # fmt: skip
    fig.update_xaxes(dtick=4, tickfont={"size": 10})
    return fig


def index_chart(
    index: pd.DataFrame, components: pd.DataFrame, title: str, lang: str, *,
    index_name: str, unit_label: str, source: str = "", others: list[dict] | None = None,
) -> go.Figure:  # fmt: skip
    """Composite index over time (line) with each component's weighted contribution (bars)."""
    fig = go.Figure()
    for k, (comp, sub) in enumerate(components.groupby("component", sort=False)):
        fig.add_bar(
            x=sub["year"], y=sub["contribution"], name=str(comp),
            marker_color=PALETTE[(k + 1) % len(PALETTE)], opacity=0.75,
            text=[fmt_num(v, lang, decimals=2, signed=True) for v in sub["contribution"]],
            textposition="none",
            hovertemplate=f"{comp}<br>%{{x}}: %{{text}}<extra></extra>",
        )  # fmt: skip
    fig.add_scatter(
        x=index["year"], y=index["index"], mode="lines+markers", name=index_name,
        line={"color": "#000", "width": 3},
        text=[fmt_num(v, lang, decimals=2, signed=True) for v in index["index"]],
        hovertemplate=f"<b>{index_name}</b><br>%{{x}}: %{{text}}<extra></extra>",
    )  # fmt: skip
    for line in others or []:  # other regions, gemeente and NL as lines
        fig.add_scatter(**line)
    finish(fig, title, source, lang)
    fig.update_layout(barmode="relative", yaxis_title=unit_label,
                      xaxis={"tickformat": "d", "nticks": 8, "tickangle": 0})  # fmt: skip
    return fig


def compare_bars(
    df: pd.DataFrame, title: str, unit_label: str, lang: str, *, unit: str = "", source: str = ""
) -> go.Figure:
    """Latest value per region as horizontal bars, each labelled just above its bar (so long
    names need no left margin on a phone); benchmarks grey."""
    fig = go.Figure(
        go.Bar(
            y=df["label"], x=df["value"], orientation="h",
            marker_color=[PALETTE[0] if lvl == "WK" else "#8a8a8a" for lvl in df["region_level"]],
            text=[fmt_num(v, lang, unit=unit) for v in df["value"]], textposition="outside",
            cliponaxis=False, hovertemplate="%{y}: %{text} " + unit_label + "<extra></extra>",
        )
    )  # fmt: skip
    finish(fig, title, source, lang, legend=False, x_title_room=30, left=12)
    fig.update_layout(
        xaxis_title=unit_label, bargap=0.55,
        yaxis={"ticklabelposition": "inside top", "autorange": "reversed", "automargin": False,
               "ticks": "", "tickfont": {"size": 12}},
        margin={"r": 48},
        height=max(260, fig.layout.margin.t + fig.layout.margin.b + 56 * len(df) + 20),
    )  # fmt: skip
    return fig


def message_figure(text: str, lang: str = "nl") -> go.Figure:
    """An explicit 'no data' figure: never a silent blank chart."""
    fig = go.Figure()
    fig.add_annotation(
        text=wrap(text, 50), showarrow=False, font={"size": 15}, x=0.5, y=0.5, xref="paper",
        yref="paper",
    )  # fmt: skip
    fig.update_layout(template=TEMPLATE, xaxis_visible=False, yaxis_visible=False,
                      separators=separators(lang))  # fmt: skip
    return fig
