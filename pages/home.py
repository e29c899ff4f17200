"""Map (home): choropleth of every wijk or gemeente for any indicator and year, plus a table view.

The layout is a function of the URL (``/?indicator=onv&year=2022&level=WK&view=map&lang=en``), so
every view is a permalink. Geometry is a static asset fetched once per level; switching indicator or
year sends values only (a ``Patch``).
"""

from __future__ import annotations

import dash
from dash import (
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
from pages import common, figures, ids
from pages.builders import DEFAULT_INDICATOR, geojson_url, map_figure, map_title
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/", title="Wijkpeil — kaart")


def table_rows(vals, lang: str) -> list[dict]:  # noqa: ANN001
    v = vals.dropna(subset=["value"]).sort_values("rank")
    return [
        {
            "rank": int(r.rank),
            "code": r.code,
            "name": r.name,
            "gemeente": r.gemeente_code,
            "value": round(float(r.value), 4),
        }
        for r in v.itertuples()
    ]


def download_links(indicator: str, year: int, level: str, lang: str) -> list:
    out: list = [t("download", lang), " "]
    for fmt in ("csv", "xlsx", "geojson"):
        out += [
            html.A(
                fmt.upper(),
                href=common.href(
                    f"/download/map.{fmt}", lang, indicator=indicator, year=year, level=level
                ),
                download=f"wijkpeil-{indicator}-{level}-{year}.{fmt}",
                className="download",
            ),
            " ",
        ]
    return out


def embed_snippet(indicator: str, year: int, level: str, lang: str) -> str:
    src = common.href("/embed/kaart", lang, indicator=indicator, year=year, level=level)
    return (
        f'<iframe src="{{ORIGIN}}{src}" width="100%" height="560" style="border:0" '
        f'title="Wijkpeil: {registry.name(registry.get(indicator), lang)} {year}" loading="lazy"></iframe>'
    )


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
        if level not in views.LEVELS:
            raise WijkpeilError(
                f"unknown level {level!r}; use level=WK (wijken) or level=GM (gemeenten)"
            )
        if view not in ("map", "table"):
            raise WijkpeilError(f"unknown view {view!r}; use view=map or view=table")
        registry.get(indicator)
        yr = common.parse_year(year, indicator, level)
        fig, vals = map_figure(indicator, yr, level, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    shown = views.map_values(indicator, yr, level)
    return html.Div(
        [
            dcc.Store(id=ids.LANG, data=lang),
            common.banner(shown, lang),
            html.Div(
                [
                    html.Label(
                        [
                            t("indicator", lang),
                            dcc.Dropdown(
                                id=ids.INDICATOR,
                                options=common.indicator_options(lang, level),
                                value=indicator,
                                clearable=False,
                            ),
                        ],
                        className="control wide",
                    ),
                    html.Label(
                        [
                            t("year", lang),
                            dcc.Dropdown(
                                id=ids.YEAR,
                                options=views.years(indicator, level),
                                value=yr,
                                clearable=False,
                            ),
                        ],
                        className="control",
                    ),
                    html.Div(
                        [
                            t("level", lang),
                            dcc.RadioItems(
                                id=ids.LEVEL,
                                options=[
                                    {"label": t("level_" + lv, lang), "value": lv}
                                    for lv in views.LEVELS
                                ],
                                value=level,
                                inline=True,
                            ),
                        ],
                        className="control",
                    ),
                    html.Div(
                        dcc.RadioItems(
                            id=ids.VIEW,
                            options=[
                                {"label": t("view_map", lang), "value": "map"},
                                {"label": t("view_table", lang), "value": "table"},
                            ],
                            value=view,
                            inline=True,
                        ),
                        className="control",
                    ),
                    html.Label(
                        dcc.Dropdown(id=ids.SEARCH, placeholder=t("search", lang), options=[]),
                        className="control wide",
                        **{"aria-label": t("search", lang)},
                    ),
                ],
                className="controls",
            ),
            html.Div(id=ids.CALLBACK_ERROR, className="callback-error", role="status"),
            dcc.Loading(
                dcc.Graph(
                    id=ids.MAP,
                    figure=fig,
                    style={"height": "72vh", "display": "block" if view == "map" else "none"},
                    config={
                        "toImageButtonOptions": {
                            "format": "png",
                            "filename": f"wijkpeil-{indicator}-{yr}",
                        },
                        "displaylogo": False,
                    },
                ),
                type="dot",
            ),
            html.Div(
                [
                    html.P(t("table_caption", lang)),
                    dash_table.DataTable(
                        id=ids.TABLE,
                        columns=[
                            {"name": t("rank", lang), "id": "rank"},
                            {"name": "code", "id": "code"},
                            {"name": "naam" if lang == "nl" else "name", "id": "name"},
                            {"name": t("gemeente", lang), "id": "gemeente"},
                            {
                                "name": registry.get(indicator).unit,
                                "id": "value",
                                "type": "numeric",
                            },
                        ],
                        data=table_rows(vals, lang) if view == "table" else [],
                        sort_action="native",
                        filter_action="native",
                        page_size=25,
                        style_table={"overflowX": "auto"},
                    ),
                ],
                id=ids.TABLE + "-wrap",
                style={"display": "block" if view == "table" else "none"},
            ),
            html.P(common.source_text(shown, lang), id=ids.SOURCE, className="source"),
            html.P(download_links(indicator, yr, level, lang), id=ids.DOWNLOADS),
            html.Details(
                [
                    html.Summary(t("embed", lang), id=ids.EMBED_BUTTON),
                    html.P(t("embed_help", lang)),
                    html.Pre(embed_snippet(indicator, yr, level, lang), id=ids.EMBED_CODE),
                ],
                className="embed",
            ),
        ]
    )


@callback(
    Output(ids.MAP, "figure"),
    Output(ids.YEAR, "options"),
    Output(ids.YEAR, "value"),
    Output(ids.TABLE, "data"),
    Output(ids.SOURCE, "children"),
    Output(ids.DOWNLOADS, "children"),
    Output(ids.EMBED_CODE, "children"),
    Output(ids.BANNER, "children"),
    Output(ids.BANNER, "hidden"),
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
    try:
        out = update_map(indicator, year, level, view, lang, ctx.triggered_id)
    except WijkpeilError as exc:
        return (*[no_update] * 9, f"{t('error_callback', lang)} {exc}")
    return (*out, "")


def update_map(
    indicator: str, year: int, level: str, view: str, lang: str, trigger: str | None
) -> tuple:
    """Pure-ish core of the recolour callback (testable without a browser)."""
    ind = registry.get(indicator)
    ys = views.years(indicator, level)
    yr = int(year) if year in ys else ys[-1]
    vals = views.map_aligned(indicator, yr, level)
    shown = views.map_values(indicator, yr, level)
    patch = dash.Patch()
    if trigger == ids.LEVEL:  # another geometry (a URL: the browser fetches it once) and locations
        data = figures.map_trace_data(vals)
        patch["data"][0]["geojson"] = geojson_url(level)
        patch["data"][0]["locations"] = data["locations"]
        patch["data"][0]["customdata"] = data["customdata"]
    payload = figures.map_values_payload(vals)
    if trigger != ids.VIEW or view == "map":
        patch["data"][0]["z"] = payload["z"]
        patch["data"][0]["text"] = payload["text"]
        spec = figures.colour_spec(ind.polarity, common.is_diverging(indicator))
        patch["data"][0]["colorscale"] = spec["colorscale"]
        patch["data"][0]["reversescale"] = spec["reversescale"]
        patch["data"][0]["zmid"] = spec["zmid"]
        patch["data"][0]["colorbar"]["title"]["text"] = ind.unit
        patch["data"][0]["hovertemplate"] = figures.hovertemplate(ind.unit, common.labels(lang))
        patch["layout"]["title"]["text"] = map_title(indicator, yr, level, lang)
    table = table_rows(vals, lang) if view == "table" else no_update
    synthetic = views.is_synthetic(shown)
    return (
        patch,
        ys,
        yr,
        table,
        common.source_text(shown, lang),
        download_links(indicator, yr, level, lang),
        embed_snippet(indicator, yr, level, lang),
        t("synthetic_banner", lang) if synthetic else "",
        not synthetic,
    )


@callback(
    Output(ids.MAP, "style"),
    Output(ids.TABLE + "-wrap", "style"),
    Input(ids.VIEW, "value"),
    prevent_initial_call=True,
)
def toggle_view(view: str):  # noqa: ANN201
    show, hide = {"display": "block"}, {"display": "none"}
    return (
        ({**show, "height": "72vh"}, hide)
        if view == "map"
        else ({"display": "none", "height": "72vh"}, show)
    )


@callback(
    Output(ids.SEARCH, "options"),
    Input(ids.SEARCH, "search_value"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def search_options(text: str | None, lang: str):  # noqa: ANN201
    if not text or len(text) < 2:
        return no_update
    hits = views.search(text[:60])
    return [
        {"label": f"{r.region_name} ({r.gemeente_name or r.region_code})", "value": r.region_code}
        for r in hits.itertuples()
    ]


@callback(
    Output(ids.URL, "href", allow_duplicate=True),
    Input(ids.SEARCH, "value"),
    Input(ids.MAP, "clickData"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def open_profile(code: str | None, click: dict | None, lang: str):  # noqa: ANN201
    """Search pick or map click → the region's profile page."""
    if ctx.triggered_id == ids.MAP:
        code = (click or {}).get("points", [{}])[0].get("location")
    return common.href(f"/wijk/{code}", lang) if code else no_update


clientside_callback(
    """function(indicator, year, level, view, lang) {
        const q = new URLSearchParams({indicator: indicator, year: year, level: level, view: view});
        if (lang === 'en') { q.set('lang', 'en'); }
        window.history.replaceState(null, '', window.location.pathname + '?' + q.toString());
        return window.dash_clientside.no_update;
    }""",
    Output(ids.EMBED_BUTTON, "title"),
    Input(ids.INDICATOR, "value"),
    Input(ids.YEAR, "value"),
    Input(ids.LEVEL, "value"),
    Input(ids.VIEW, "value"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
