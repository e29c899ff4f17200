"""Map (home): find your wijk, then a classed choropleth of every wijk or gemeente for any
indicator and year, with a table view.

The layout is a function of the URL (``/?indicator=onv&year=2022&level=WK&view=map&lang=en``), so
every view is a permalink (the browser keeps the URL in step, ``wijkpeil.js``). Geometry is a
static asset fetched once per level; switching indicator or year sends class indexes, formatted
values and ranks only (a ``Patch``).
"""

from __future__ import annotations

import dash
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dash_table,
    dcc,
    html,
    no_update,
)

from errors import WijkpeilError
from indicators import registry, views
from pages import builders, chart, common, figures, finder, ids
from pages import classes as cls
from pages.builders import DEFAULT_INDICATOR, geojson_url, map_title
from pages.i18n import lang_of, page_title, t, table_format, unit

dash.register_page(__name__, path="/", title=page_title("title_map"))


def table_rows(vals, lang: str) -> list[dict]:  # noqa: ANN001
    v = vals.dropna(subset=["value"]).sort_values("rank")
    gm = views.regions("GM").set_index("region_code")["region_name"]
    return [
        {"rank": int(r.rank), "code": r.code, "name": r.name,
         "gemeente": gm.get(r.gemeente_code, r.gemeente_code), "value": float(r.value)}
        for r in v.itertuples()
    ]  # fmt: skip


def table_columns(indicator: str, lang: str) -> list[dict]:
    ind = registry.get(indicator)
    return [
        {"name": f"{t('rank', lang)} ({t('rank_note', lang)})", "id": "rank", "type": "numeric"},
        {"name": t("name", lang), "id": "name"},
        {"name": t("Gemeente", lang), "id": "gemeente"},
        {"name": f"{registry.name(ind, lang)} ({unit(ind.unit, lang)})", "id": "value",
         "type": "numeric", "format": table_format(ind.unit, lang)},
        {"name": t("code", lang), "id": "code"},
    ]  # fmt: skip


def download_links(indicator: str, year: int, level: str, lang: str) -> list:
    items = [(fmt.upper(), common.href(f"/download/map.{fmt}", lang, indicator=indicator,
                                       year=year, level=level)) for fmt in ("csv", "xlsx", "geojson")]  # fmt: skip
    return chart.download_links(items, lang)


def embed_snippet(indicator: str, year: int, level: str, lang: str) -> str:
    path = common.href("/embed/kaart", lang, indicator=indicator, year=year, level=level)
    return chart.embed_snippet(path, f"Wijkpeil: {map_title(indicator, year, level, lang)}", 600)


def map_table(vals, classes: cls.Classes, indicator: str, year: int, level: str, lang: str) -> list:  # noqa: ANN001
    """The map's text alternative: regions per class, and the way to the full table."""
    rows = builders.class_summary(vals, classes, lang)
    return [
        chart.simple_table([t("class", lang), t("count", lang)], rows, num_cols={1},
                           caption=f"{builders.legend_title(indicator, lang)} — {cls.note(classes, lang)}"),
        dcc.Link(t("map_as_table", lang), href=common.href("/", lang, indicator=indicator, year=year,
                                                           level=level, view="table")),
    ]  # fmt: skip


def legend_note(classes: cls.Classes, lang: str) -> str:
    return f"{cls.note(classes, lang)} {t('basemap_note', lang)}"


def layout(
    indicator: str = DEFAULT_INDICATOR,
    year: str = "",
    level: str = "WK",
    view: str = "map",
    lang: str = "nl",
    **_: str,
) -> html.Div:
    lang = lang_of(lang)
    try:
        common.check_level(level)
        if view not in ("map", "table"):
            raise WijkpeilError(f"unknown view {view!r}; use view=map or view=table",
                                key="err_unknown_view", value=view)  # fmt: skip
        common.check_indicator(indicator)
        yr = common.parse_year(year, indicator, level)
        fig, vals, classes, shown = builders.map_figure(indicator, yr, level, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    title = map_title(indicator, yr, level, lang)
    controls = html.Div([
        html.Div([
            html.Label(t("indicator", lang), htmlFor=ids.INDICATOR),
            dcc.Dropdown(id=ids.INDICATOR, options=common.indicator_options(lang, level),
                         value=indicator, clearable=False, searchable=True),
        ], className="control wide"),
        html.Div([
            html.Label(t("year", lang), htmlFor=ids.YEAR),
            dcc.Dropdown(id=ids.YEAR, options=views.years(indicator, level), value=yr,
                         clearable=False, searchable=False),
        ], className="control"),
        html.Fieldset([
            html.Legend(t("level", lang)),
            dcc.RadioItems(id=ids.LEVEL, value=level, inline=True,
                           options=[{"label": t("level_" + lv, lang), "value": lv} for lv in views.LEVELS]),
        ], className="control radio"),
        html.Fieldset([
            html.Legend(t("view", lang)),
            dcc.RadioItems(id=ids.VIEW, value=view, inline=True,
                           options=[{"label": t("view_map", lang), "value": "map"},
                                    {"label": t("view_table", lang), "value": "table"}]),
        ], className="control radio"),
    ], className="controls")  # fmt: skip
    block = chart.chart_block(
        ids.MAP, fig, title, lang, filename=f"wijkpeil-{indicator}-{level}-{yr}",
        downloads=download_links(indicator, yr, level, lang),
        embed=embed_snippet(indicator, yr, level, lang),
        table=map_table(vals, classes, indicator, yr, level, lang),
        table_summary=t("table_alt_map", lang), graph_style={"height": "min(72vh, 700px)", "minHeight": "440px"},
    )  # fmt: skip
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        html.H1(t("title_map", lang), id=ids.PAGE_TITLE),
        finder.component(lang),
        common.banner(shown, lang),
        controls,
        html.Div(id=ids.CALLBACK_ERROR, className="callback-error", role="status"),
        html.Div([block, html.P(legend_note(classes, lang), id=ids.LEGEND_NOTE, className="note")],
                 id=ids.MAP_WRAP, style={"display": "block" if view == "map" else "none"}),
        html.Div([
            html.P(t("table_caption", lang)),
            dash_table.DataTable(
                id=ids.TABLE, columns=table_columns(indicator, lang),
                data=table_rows(vals, lang) if view == "table" else [],
                sort_action="native", filter_action="native", page_size=25,
                style_table={"overflowX": "auto"}, style_cell={"textAlign": "left"},
                filter_options={"placeholder_text": "filter…", "case": "insensitive"},
            ),
        ], id=ids.TABLE_WRAP, style={"display": "block" if view == "table" else "none"}),
        html.P(common.source_text(shown, lang, indicator=indicator), id=ids.SOURCE, className="source"),
    ])  # fmt: skip


@callback(
    Output(ids.MAP, "figure"),
    Output(ids.YEAR, "options"),
    Output(ids.YEAR, "value"),
    Output(ids.TABLE, "data"),
    Output(ids.TABLE, "columns"),
    Output(ids.SOURCE, "children"),
    Output(ids.part(ids.MAP, "downloads"), "children"),
    Output(ids.part(ids.MAP, "embed"), "value"),
    Output(ids.part(ids.MAP, "table"), "children"),
    Output(ids.part(ids.MAP, "caption"), "children"),
    Output(ids.LEGEND_NOTE, "children"),
    Output(ids.BANNER, "children", allow_duplicate=True),
    Output(ids.BANNER, "hidden", allow_duplicate=True),
    Output(ids.CALLBACK_ERROR, "children"),
    Input(ids.INDICATOR, "value"),
    Input(ids.YEAR, "value"),
    Input(ids.LEVEL, "value"),
    Input(ids.VIEW, "value"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def recolour(indicator: str, year: int, level: str, view: str, lang: str):  # noqa: ANN201
    """Adapter: values only (Patch). On failure keep the last good view and say why."""
    lang = lang_of(lang)
    try:
        out = update_map(indicator, year, level, view, lang, ctx.triggered_id)
    except WijkpeilError as exc:
        return (*[no_update] * 13, common.callback_error(exc, lang))
    return (*out, "")


def update_map(
    indicator: str, year: int, level: str, view: str, lang: str, trigger: str | None
) -> tuple:
    """Pure-ish core of the recolour callback (testable without a browser)."""
    common.check_indicator(indicator)
    common.check_level(level)
    ind = registry.get(indicator)
    ys = views.years(indicator, level)
    yr = int(year) if year in ys else ys[-1]
    vals = views.map_aligned(indicator, yr, level)
    shown = views.map_values(indicator, yr, level)
    classes = builders.map_classes(indicator, vals)
    labels = cls.labels(classes, lang)
    title = map_title(indicator, yr, level, lang)
    patch = dash.Patch()
    if trigger == ids.LEVEL:  # another geometry (a URL: the browser fetches it once) and locations
        patch["data"][0]["geojson"] = geojson_url(level)
        patch["data"][0]["locations"] = vals["code"].tolist()
        patch["data"][0]["customdata"] = [[r] for r in builders.region_labels(vals, level)]
    if trigger != ids.VIEW or view == "map":
        payload = figures.map_payload(vals, classes, lang, ind.unit)
        for key in ("z", "text", "hovertext"):
            patch["data"][0][key] = payload[key]
        for key, value in figures.class_colorscale(classes).items():
            patch["data"][0][key] = value
        patch["data"][0]["hovertemplate"] = figures.map_hovertemplate(
            unit(ind.unit, lang), figures.n_ranked(vals), lang
        )
        for i, item in enumerate(figures.legend_traces_update(classes, labels, lang), start=1):
            patch["data"][i]["name"] = item["name"]
            patch["data"][i]["marker"]["color"] = item["color"]
            patch["data"][i]["visible"] = item["visible"]
        ti = figures.title_layout(title)  # annotations: [0] title, [1] source (figures.finish)
        so = figures.source_layout(common.source_text(shown, lang, indicator=indicator))
        patch["layout"]["annotations"][0]["text"] = ti["text"]
        patch["layout"]["annotations"][0]["yshift"] = ti["yshift"]
        patch["layout"]["margin"]["t"] = ti["top"]
        patch["layout"]["margin"]["b"] = so["bottom"]
        patch["layout"]["annotations"][1]["text"] = so["text"]
        patch["layout"]["annotations"][1]["yshift"] = so["yshift"]
        patch["layout"]["legend"]["title"]["text"] = builders.legend_title(indicator, lang)
    table = table_rows(vals, lang) if view == "table" else no_update
    synthetic = views.is_synthetic(shown)
    return (
        patch, ys, yr, table, table_columns(indicator, lang),
        common.source_text(shown, lang, indicator=indicator),
        download_links(indicator, yr, level, lang), embed_snippet(indicator, yr, level, lang),
        map_table(vals, classes, indicator, yr, level, lang), title, legend_note(classes, lang),
        t("synthetic_banner", lang) if synthetic else "", not synthetic,
    )  # fmt: skip


@callback(
    Output(ids.MAP_WRAP, "style"),
    Output(ids.TABLE_WRAP, "style"),
    Input(ids.VIEW, "value"),
    prevent_initial_call=True,
)
def toggle_view(view: str):  # noqa: ANN201
    show, hide = {"display": "block"}, {"display": "none"}
    return (show, hide) if view == "map" else (hide, show)


@callback(
    Output(ids.URL, "href", allow_duplicate=True),
    Input(ids.MAP, "clickData"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def open_profile(click: dict | None, lang: str):  # noqa: ANN201
    """A click on a region → its profile page."""
    point = ((click or {}).get("points") or [{}])[0]
    code = point.get("location") if isinstance(point, dict) else None
    if not isinstance(code, str) or not common.CODE_RE.match(code):
        return no_update
    return common.href(f"/wijk/{code}", lang_of(lang))


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="mapLink"),
    Output(ids.part(ids.MAP, "tools-state"), "children"),
    Input(ids.INDICATOR, "value"),
    Input(ids.YEAR, "value"),
    Input(ids.LEVEL, "value"),
    Input(ids.VIEW, "value"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
