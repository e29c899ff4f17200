"""Composite indices: the liveability and safety index of a wijk over time, with its components.

``/indices?kind=veiligheid&regions=WK059915&weights=geweld:2,vermogen:1&lang=en`` — the URL is the
state. The weights are shown next to the result and can be changed; the effect shows at once.
"""

from __future__ import annotations

import dash
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
    no_update,
)

from errors import WijkpeilError
from indicators import indices, registry, views
from pages import builders, chart, common, ids
from pages.builders import DEFAULT_REGIONS, index_figure
from pages.i18n import lang_of, page_title, t

dash.register_page(__name__, path="/indices", title=page_title("title_indices"))


def parse_weights(kind: str, weights: str | None) -> dict[str, float]:
    """URL weights (validated) over the kind's defaults; unknown ids / bad numbers raise."""
    if kind not in views.INDEX_KINDS:
        raise WijkpeilError(f"unknown index kind {kind!r}", key="err_unknown_kind", value=kind)
    if weights:
        return indices.parse_weights(weights)
    return views.index_defaults(kind)


def _weight_inputs(weights: dict[str, float], lang: str) -> list:
    rows = []
    for ind_id, w in weights.items():
        ind = registry.get(ind_id)
        direction = t("better" if ind.polarity > 0 else "worse", lang)
        input_id = {"type": ids.INDEX_WEIGHTS, "ind": ind_id}
        rows.append(
            html.Label(
                [
                    f"{registry.name(ind, lang)} ({direction}) ",
                    dcc.Input(id=input_id, type="number", min=0, max=10, step=0.5, value=w,
                              debounce=True, style={"width": "5em"}),
                ],
                className="weight",
            )
        )  # fmt: skip
    return rows


def index_csv(res, codes: list[str], lang: str) -> str:  # noqa: ANN001
    """The drawn data: index per region and year, and the contributions of the main region."""
    out = res[["region_code", "region_name", "year", "index"]].copy()
    main = res[res["region_code"] == codes[0]].sort_values("year")
    if len(main) and main["index"].notna().any():
        long = indices.contributions(main)
        for comp, sub in long.groupby("component", sort=False):
            col = f"{t('contribution', lang)}:{comp}"
            out = out.merge(
                sub[["year", "contribution"]].rename(columns={"contribution": col})
                .assign(region_code=codes[0]), on=["region_code", "year"], how="left")  # fmt: skip
    return out.sort_values(["region_code", "year"]).to_csv(index=False)


def table_for(res, lang: str):  # noqa: ANN001, ANN201
    df = res.rename(columns={"index": "value"}).assign(region_level=lambda d: [
        "GM" if c.startswith("GM") else "NL" if c.startswith("NL") else "WK" for c in d["region_code"]])  # fmt: skip
    return chart.series_table(
        df[["region_code", "region_name", "region_level", "year", "value"]], lang
    )


def layout(
    kind: str = "leefbaarheid",
    regions: str = DEFAULT_REGIONS,
    weights: str = "",
    lang: str = "nl",
    **_: str,
) -> html.Div:
    lang = lang_of(lang)
    try:
        w = parse_weights(kind, weights)
        codes = common.parse_selection(regions) or common.parse_selection(DEFAULT_REGIONS)
        common.check_regions(codes)
        fig, shown, res = index_figure(kind, w, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    kinds = [
        dcc.Link(t("index_" + k, lang), href=common.href("/indices", lang, kind=k, regions=regions),
                 className="kind" + (" active" if k == kind else ""))
        for k in views.INDEX_KINDS
    ]  # fmt: skip
    snippet = chart.embed_snippet(
        common.href("/embed/index", lang, kind=kind, regions=",".join(codes),
                    weights=indices.format_weights(w)), f"Wijkpeil: {t('index_' + kind, lang)}")  # fmt: skip
    download = [html.Span(t("download", lang) + ": ", className="tools-label"),
                html.Button("CSV", id=ids.INDEX_DOWNLOAD_BUTTON, className="tool", n_clicks=0),
                dcc.Download(id=ids.INDEX_DOWNLOAD)]  # fmt: skip
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        dcc.Store(id=ids.INDEX_KIND, data=kind),
        html.H1(t("title_indices", lang), id=ids.PAGE_TITLE),
        common.banner(shown, lang),
        html.Nav([html.Span(t("index_kind", lang) + ": "), *kinds], className="controls kinds",
                 **{"aria-label": t("index_kind", lang)}),
        html.Div([
            html.Div([html.Label(t("wijken", lang), htmlFor=ids.INDEX_REGION), dcc.Dropdown(
                id=ids.INDEX_REGION, options=common.region_options(codes, lang), value=codes,
                multi=True, placeholder=t("region_search", lang))], className="control wide"),
        ], className="controls"),
        html.Div(id=ids.INDEX_ERROR, className="callback-error", role="status"),
        chart.chart_block(ids.INDEX_GRAPH, fig, t("index_" + kind, lang), lang,
                          filename=f"wijkpeil-index-{kind}", downloads=download, embed=snippet,
                          table=table_for(res, lang), graph_style={"height": "680px"}),
        html.Fieldset([html.Legend(t("index_weights", lang)), *_weight_inputs(w, lang)],
                      className="weights"),
        html.P(t("index_help", lang), className="note"),
    ])  # fmt: skip


def _read_weights(values: list, wids: list) -> dict[str, float]:
    return indices.validate_weights({
        d["ind"]: float(v) if v is not None else 0.0
        for d, v in zip(wids, values, strict=True) if isinstance(d, dict)
    })  # fmt: skip


@callback(
    Output(ids.INDEX_GRAPH, "figure"), Output(ids.part(ids.INDEX_GRAPH, "embed"), "value"),
    Output(ids.part(ids.INDEX_GRAPH, "table"), "children"), Output(ids.INDEX_ERROR, "children"),
    Input({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "value"), Input(ids.INDEX_REGION, "value"),
    State({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "id"), State(ids.INDEX_KIND, "data"),
    State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def update(values: list, codes: list[str], wids: list[dict], kind: str, lang: str):  # noqa: ANN201
    """Adapter: weights + regions → figure; on bad input keep the last good view and say why."""
    lang = lang_of(lang)
    try:
        w = _read_weights(values or [], wids or [])
        picked = common.parse_selection(",".join(c for c in (codes or []) if isinstance(c, str)))
        if not picked:
            raise WijkpeilError("no regions", key="no_regions")
        common.check_regions(picked)
        fig, _, res = index_figure(kind, w, picked, lang)
    except (WijkpeilError, ValueError, TypeError) as exc:
        return no_update, no_update, no_update, common.callback_error(exc, lang)
    snippet = chart.embed_snippet(
        common.href("/embed/index", lang, kind=kind, regions=",".join(picked),
                    weights=indices.format_weights(w)), f"Wijkpeil: {t('index_' + kind, lang)}")  # fmt: skip
    return fig, snippet, table_for(res, lang), ""


@callback(
    Output(ids.INDEX_DOWNLOAD, "data"), Input(ids.INDEX_DOWNLOAD_BUTTON, "n_clicks"),
    State({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "value"), State(ids.INDEX_REGION, "value"),
    State({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "id"), State(ids.INDEX_KIND, "data"),
    State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def download(n: int, values: list, codes: list[str], wids: list[dict], kind: str, lang: str):  # noqa: ANN201
    """The drawn data as CSV (index per region and year, contributions of the first region)."""
    lang = lang_of(lang)
    try:
        w = _read_weights(values or [], wids or [])
        picked = common.parse_selection(",".join(c for c in (codes or []) if isinstance(c, str)))
        common.check_regions(picked)
        res = views.index_series(w, picked)
    except (WijkpeilError, ValueError, TypeError):
        return no_update
    return {"content": index_csv(res, picked, lang), "filename": f"wijkpeil-index-{kind}.csv",
            "type": "text/csv"}  # fmt: skip


@callback(
    Output(ids.INDEX_REGION, "options"), Input(ids.INDEX_REGION, "search_value"),
    State(ids.INDEX_REGION, "value"), State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def region_options(text: str | None, current: list[str] | None, lang: str):  # noqa: ANN201
    if text is not None and not isinstance(text, str):
        return no_update
    return builders.region_options(
        text, [c for c in (current or []) if isinstance(c, str)], lang_of(lang)
    )


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="indicesLink"),
    Output(ids.part(ids.INDEX_GRAPH, "tools-state"), "children"),
    Input({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "value"), Input(ids.INDEX_REGION, "value"),
    State({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "id"), State(ids.INDEX_KIND, "data"),
    State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
