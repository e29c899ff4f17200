"""Composite indices: the liveability and safety index of a wijk over time, with its components.

``/indices?kind=veiligheid&regions=WK059915&weights=geweld:2,vermogen:1&lang=en`` — the URL is the
state. The weights are shown next to the result and can be changed; the effect shows at once.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from errors import WijkpeilError
from indicators import indices, registry, views
from pages import builders, common, ids
from pages.builders import DEFAULT_REGIONS, index_figure
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/indices", title="Wijkpeil — indices")


def _weights(kind: str, weights: str | None) -> dict[str, float]:
    """URL weights (validated) over the kind's defaults; unknown ids / bad numbers raise."""
    base = views.index_defaults(kind)
    if weights:
        base = indices.parse_weights(weights)
    return base


def _weight_inputs(weights: dict[str, float], lang: str) -> list:
    rows = []
    for ind_id, w in weights.items():
        ind = registry.get(ind_id)
        direction = t("better" if ind.polarity > 0 else "worse", lang)
        rows.append(
            html.Label(
                [
                    f"{registry.name(ind, lang)} ({direction}) ",
                    dcc.Input(
                        id={"type": ids.INDEX_WEIGHTS, "ind": ind_id},
                        type="number", min=0, max=10, step=0.5, value=w, debounce=True,
                        style={"width": "5em"},
                    ),
                ],
                className="weight",
            )
        )  # fmt: skip
    return rows


def layout(
    kind: str = "leefbaarheid",
    regions: str = DEFAULT_REGIONS,
    weights: str = "",
    lang: str = "nl",
    **_: str,
) -> html.Div:
    lang = lang_of(lang)
    try:
        w = _weights(kind, weights)
        codes = common.parse_codes(regions) or common.parse_codes(DEFAULT_REGIONS)
        fig, shown, _res = index_figure(kind, w, codes, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    kinds = [
        dcc.Link(t("index_" + k, lang), href=common.href("/indices", lang, kind=k, regions=regions),
                 className="kind" + (" active" if k == kind else ""))
        for k in views.INDEX_KINDS
    ]  # fmt: skip
    opts = [
        {"label": f"{r.region_name} ({r.region_code})", "value": r.region_code}
        for r in views.regions().itertuples()
        if r.region_code in codes
    ]
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        dcc.Store(id=ids.INDEX_KIND, data=kind),
        common.banner(shown, lang) if len(shown) else html.Div(id=ids.BANNER, hidden=True),
        html.Div([html.Span(t("index_kind", lang) + ": "), *kinds], className="controls"),
        html.Div([
            html.Label([t("wijken", lang), dcc.Dropdown(
                id=ids.INDEX_REGION, options=opts, value=codes, multi=True,
                placeholder=t("search", lang))], className="control wide"),
        ], className="controls"),
        html.Div(id=ids.INDEX_ERROR, className="callback-error", role="status"),
        dcc.Graph(id=ids.INDEX_GRAPH, figure=fig, config={"displaylogo": False}),
        html.Fieldset([html.Legend(t("index_weights", lang)), *_weight_inputs(w, lang)],
                      className="weights"),
        html.P(t("index_help", lang), className="note"),
    ])  # fmt: skip


@callback(
    Output(ids.INDEX_GRAPH, "figure"), Output(ids.INDEX_ERROR, "children"),
    Input({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "value"), Input(ids.INDEX_REGION, "value"),
    State({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "id"), State(ids.INDEX_KIND, "data"),
    State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def update(values: list, codes: list[str], wids: list[dict], kind: str, lang: str):  # noqa: ANN201
    """Adapter: weights + regions → figure; on bad input keep the last good view and say why."""
    try:
        w = indices.validate_weights(
            {
                d["ind"]: float(v) if v is not None else 0.0
                for d, v in zip(wids, values, strict=True)
            }
        )
        fig, _, _ = index_figure(
            kind, w, common.parse_codes(",".join(codes or [])) or ["NL00"], lang
        )
    except (WijkpeilError, ValueError) as exc:
        return no_update, f"{t('error_callback', lang)} {exc}"
    return fig, ""


@callback(
    Output(ids.INDEX_REGION, "options"), Input(ids.INDEX_REGION, "search_value"),
    State(ids.INDEX_REGION, "value"), prevent_initial_call=True,
)  # fmt: skip
def region_options(text: str | None, current: list[str] | None):  # noqa: ANN201
    return builders.region_options(text, current)


clientside_callback(
    """function(values, regions, wids, kind, lang) {
        const w = (wids || []).map((d, i) => d.ind + ':' + (values[i] == null ? 0 : values[i]));
        const q = new URLSearchParams({kind: kind, regions: (regions || []).join(','),
                                       weights: w.join(',')});
        if (lang === 'en') { q.set('lang', 'en'); }
        window.history.replaceState(null, '', window.location.pathname + '?' + q.toString());
        return window.dash_clientside.no_update;
    }""",
    Output(ids.INDEX_ERROR, "title"),
    Input({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "value"), Input(ids.INDEX_REGION, "value"),
    State({"type": ids.INDEX_WEIGHTS, "ind": ALL}, "id"), State(ids.INDEX_KIND, "data"),
    State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
