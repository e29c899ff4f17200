"""Compare up to six wijken side by side on chosen indicators: latest values and over time.

``/vergelijk?regions=WK036308,WK059915&indicators=lbm,onv&lang=en``
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from errors import WijkpeilError
from indicators import registry, views
from pages import builders, common, figures, ids
from pages.i18n import lang_of, t

dash.register_page(__name__, path="/vergelijk", title="Wijkpeil — vergelijken")

DEFAULT = "WK059915,WK036308"
MAX_INDICATORS = 6


def parse_indicators(text: str | None) -> list[str]:
    items = [i.strip() for i in (text or "lbm,onv").split(",") if i.strip()]
    if len(items) > MAX_INDICATORS:
        raise WijkpeilError(f"at most {MAX_INDICATORS} indicators at once; got {len(items)}")
    for i in items:
        registry.get(i)
    return items


def compare_blocks(codes: list[str], indicators: list[str], lang: str) -> tuple[list, pd.DataFrame]:
    blocks, shown = [], []
    for ind_id in indicators:
        ind = registry.get(ind_id)
        try:
            df = views.series(ind_id, [*codes, "NL00"])
        except WijkpeilError as exc:
            blocks.append(html.P(f"{registry.name(ind, lang)}: {exc}", className="callback-error"))
            continue
        shown.append(df)
        latest = df.dropna(subset=["value"]).sort_values("year").groupby("region_code").tail(1)
        latest = latest.assign(
            label=latest["region_name"] + " (" + latest["year"].astype(str) + ")"
        )
        src = common.source_text(df, lang)
        blocks.append(html.Div([
            dcc.Graph(figure=figures.compare_bars(latest, registry.name(ind, lang), ind.unit, src), className="half"),
            dcc.Graph(figure=figures.timeseries(df, registry.name(ind, lang), ind.unit, source=src), className="half"),
        ], className="row"))  # fmt: skip
    return blocks, (
        pd.concat(shown, ignore_index=True)
        if shown
        else pd.DataFrame(columns=["value", "synthetic"])
    )


def layout(
    regions: str = DEFAULT, indicators: str = "lbm,onv", lang: str = "nl", **_: str
) -> html.Div:
    lang = lang_of(lang)
    try:
        codes = common.parse_codes(regions) or common.parse_codes(DEFAULT)
        inds = parse_indicators(indicators)
        blocks, shown = compare_blocks(codes, inds, lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    regs = views.regions()
    opts = [{"label": f"{r.region_name} ({r.region_code})", "value": r.region_code}
            for r in regs[regs["region_code"].isin(codes)].itertuples()]  # fmt: skip
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        common.banner(shown, lang),
        html.Div([
            html.Label([t("wijken", lang), dcc.Dropdown(id=ids.COMPARE_REGIONS, options=opts, value=codes,
                        multi=True)], className="control wide"),
            html.Label([t("indicators", lang), dcc.Dropdown(id=ids.COMPARE_INDICATORS,
                        options=common.indicator_options(lang), value=inds, multi=True)], className="control wide"),
        ], className="controls"),
        html.Div(id=ids.COMPARE_ERROR, className="callback-error", role="status"),
        html.Div(blocks, id=ids.COMPARE_OUT),
    ])  # fmt: skip


@callback(
    Output(ids.COMPARE_OUT, "children"), Output(ids.COMPARE_ERROR, "children"),
    Input(ids.COMPARE_REGIONS, "value"), Input(ids.COMPARE_INDICATORS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
def update(codes: list[str], inds: list[str], lang: str):  # noqa: ANN201
    try:
        blocks, _ = compare_blocks(
            common.parse_codes(",".join(codes or [])), parse_indicators(",".join(inds or [])), lang
        )
    except WijkpeilError as exc:
        return no_update, f"{t('error_callback', lang)} {exc}"
    return blocks, ""


@callback(
    Output(ids.COMPARE_REGIONS, "options"), Input(ids.COMPARE_REGIONS, "search_value"),
    State(ids.COMPARE_REGIONS, "value"), prevent_initial_call=True,
)  # fmt: skip
def region_options(text: str | None, current: list[str] | None):  # noqa: ANN201
    return builders.region_options(text, current)


clientside_callback(
    """function(regions, inds, lang) {
        const q = new URLSearchParams({regions: (regions || []).join(','), indicators: (inds || []).join(',')});
        if (lang === 'en') { q.set('lang', 'en'); }
        window.history.replaceState(null, '', window.location.pathname + '?' + q.toString());
        return window.dash_clientside.no_update;
    }""",
    Output(ids.COMPARE_OUT, "title"),
    Input(ids.COMPARE_REGIONS, "value"), Input(ids.COMPARE_INDICATORS, "value"), State(ids.LANG, "data"),
    prevent_initial_call=True,
)  # fmt: skip
