"""NPLV focus areas: small multiples of all 20 (area vs rest of gemeente vs NL), one area in detail
with its wijken on the map, and the confidence of each area's wijk list.

``/gebieden?indicator=onv&area=Rotterdam-Zuid&lang=en``
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from errors import WijkpeilError
from indicators import registry, views
from pages import common, figures, ids
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/gebieden", title="Wijkpeil — NPLV-gebieden")


def overview_figure(indicator: str, lang: str):  # noqa: ANN201
    ind = registry.get(indicator)
    panels = {a: views.area_series(indicator, a) for a in views.area_names()}
    shown = [p for p in panels.values() if len(p)]
    import pandas as pd

    allrows = pd.concat(shown, ignore_index=True) if shown else pd.DataFrame(columns=["value"])
    fig = figures.small_multiples(
        panels,
        f"{registry.name(ind, lang)}: {t('area', lang)} · {t('rest_gemeente', lang)} · {t('nl', lang)}",
        common.labels(lang),
        source=common.source_text(allrows, lang) if len(allrows) else "",
    )
    return fig, allrows


def area_detail(indicator: str, area: str, lang: str):  # noqa: ANN201
    ind = registry.get(indicator)
    df = views.area_series(indicator, area)
    names = {f"NPLV:{area}": area, f"REST:{area}": t("rest_gemeente", lang), "NL00": t("nl", lang)}
    fig = figures.timeseries(df, f"{area} — {registry.name(ind, lang)}", ind.unit, names=names,
                             source=common.source_text(df, lang, t("no_interp", lang)))  # fmt: skip
    return fig


def area_map(indicator: str, area: str, lang: str):  # noqa: ANN201
    """The area's wijken on the map (latest year), other wijken of the gemeente uncoloured."""
    ind = registry.get(indicator)
    year = views.default_year(indicator)
    vals = views.map_aligned(indicator, year)
    members = set(views.area_members(area))
    vals.loc[~vals["code"].isin(members), "value"] = float("nan")
    fig = figures.choropleth(vals, "/geo/WK/2024.geojson", f"{area}: {registry.name(ind, lang)} {year}",
                             ind.unit, polarity=ind.polarity, diverging=common.is_diverging(indicator),
                             labels=common.labels(lang))  # fmt: skip
    centre = views.area_centre(area)
    fig.update_layout(map={"center": centre, "zoom": 10.5})
    return fig


def confidence_table(lang: str) -> html.Table:
    conf = views.area_confidence()
    head = [
        t("area", lang),
        t("gemeente", lang),
        "wijken",
        t("source", lang),
        t("confidence", lang),
    ]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head]))]
        + [
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(r.area_name),
                            html.Td(r.gemeente),
                            html.Td(r.wijken),
                            html.Td(r.source),
                            html.Td(r.confidence, className=f"conf-{r.confidence}"),
                        ]
                    )
                    for r in conf.itertuples()
                ]
            )
        ],  # fmt: skip
        className="areas",
    )


def layout(indicator: str = "lbm", area: str = "", lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        registry.get(indicator)
        area = area or views.area_names()[0]
        fig, shown = overview_figure(indicator, lang)
        detail = area_detail(indicator, area, lang)
        amap = area_map(indicator, area, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    conf = views.area_confidence().set_index("area_name")
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        common.banner(shown, lang),
        html.H2(t("areas_title", lang)),
        html.Div([
            html.Label([t("indicator", lang), dcc.Dropdown(id=ids.AREAS_INDICATOR,
                        options=common.indicator_options(lang), value=indicator, clearable=False)],
                       className="control wide"),
            html.Label([t("area", lang), dcc.Dropdown(id=ids.AREA_SELECT, options=views.area_names(),
                        value=area, clearable=False)], className="control wide"),
        ], className="controls"),
        html.Div(id=ids.AREAS_ERROR, className="callback-error", role="status"),
        html.P(f"{t('confidence', lang)} ({area}): {conf.loc[area, 'confidence']} — "
               f"{t('source', lang)}: {conf.loc[area, 'source']}", id="area-confidence", className="note"),
        html.Div([dcc.Graph(id=ids.AREA_GRAPH, figure=detail, className="half"),
                  dcc.Graph(id="area-map", figure=amap, className="half", style={"height": "480px"})],
                 className="row"),
        dcc.Graph(id=ids.AREAS_GRAPH, figure=fig),
        html.P("Gebieden en 'rest van de gemeente' zijn opgeteld uit de wijken (tellers/noemers; scores "
               "gewogen met inwoners). De wijkenlijst per gebied is niet officieel: zie bron en zekerheid."
               if lang == "nl" else
               "Areas and 'rest of the municipality' are summed from their wijken (numerators/denominators; "
               "scores weighted by inhabitants). The wijk list per area is not official: see source and "
               "confidence.", className="source"),
        confidence_table(lang),
    ])  # fmt: skip


@callback(
    Output(ids.AREAS_GRAPH, "figure"), Output(ids.AREA_GRAPH, "figure"), Output("area-map", "figure"),
    Output("area-confidence", "children"), Output(ids.AREAS_ERROR, "children"),
    Input(ids.AREAS_INDICATOR, "value"), Input(ids.AREA_SELECT, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
def update(indicator: str, area: str, lang: str):  # noqa: ANN201
    try:
        fig, _ = overview_figure(indicator, lang)
        conf = views.area_confidence().set_index("area_name")
        text = f"{t('confidence', lang)} ({area}): {conf.loc[area, 'confidence']} — {t('source', lang)}: {conf.loc[area, 'source']}"
        return fig, area_detail(indicator, area, lang), area_map(indicator, area, lang), text, ""
    except WijkpeilError as exc:
        return no_update, no_update, no_update, no_update, f"{t('error_callback', lang)} {exc}"
