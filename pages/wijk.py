"""Region profile: ``/wijk/<code>`` — written for a resident: inhabitants, where the wijk lies, the
Leefbaarometer score with its rank, every key figure with its unit, the gemeente and the
Netherlands beside it, rank X of N and a one-line reading of its development since 2012, then the
charts. Printable (``@media print``) and readable at 390 px. Gemeente codes work too."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from errors import WijkpeilError
from indicators import registry, views
from pages import builders, chart, common, figures, finder, ids
from pages import classes as cls
from pages.i18n import fmt_num, fmt_value, lang_of, request_lang, t, unit


def _title(code: str | None = None, **_: str) -> str:
    lang = request_lang()
    try:
        name = views.region_info(str(code))["name"]
    except (WijkpeilError, KeyError, TypeError):
        name = str(code or "")
    return f"{name} — {t('title_profile', lang)} — Wijkpeil"


dash.register_page(__name__, path_template="/wijk/<code>", title=_title)

KEY_INDICATORS = (
    "lbm", "onv", "criminaliteit", "woninginbraak", "geweld", "inkomen", "laag_inkomen", "bijstand",
    "arbeidsparticipatie", "jeugdzorg", "wmo", "eenpersoons", "woz", "corporatie", "aardgas",
)  # fmt: skip
CHARTS = ("lbm", "onv", "criminaliteit", "inkomen", "bijstand")


def benchmark_frames(code: str, info: dict) -> dict[str, pd.DataFrame]:
    """Each profile indicator's rows for the region, its gemeente, area and NL (read once for
    the key figures and the charts)."""
    out = {}
    for ind_id in dict.fromkeys(KEY_INDICATORS + CHARTS):
        if ind_id not in registry.ids() or ind_id not in views.available(info["level"]):
            continue
        try:
            out[ind_id] = views.benchmarks(ind_id, code)
        except WijkpeilError:
            continue
    return out


def key_figures(
    code: str, info: dict, lang: str, frames: dict[str, pd.DataFrame]
) -> tuple[list[dict], pd.DataFrame]:
    """Per indicator: latest value of the region, its gemeente and NL, rank X of N, reading."""
    rows, shown = [], []
    for ind_id in KEY_INDICATORS:
        if ind_id not in frames:
            continue
        df = frames[ind_id]
        own = df[(df["region_code"] == code) & df["value"].notna()]
        if own.empty:
            continue
        shown.append(df)
        latest = int(own["year"].max())
        at = df[df["year"] == latest].set_index("region_code")["value"]
        ind = registry.get(ind_id)
        rank, n = builders.rank_info(ind_id, code, latest)
        rows.append({
            "id": ind_id, "indicator": registry.name(ind, lang), "year": latest,
            "value": fmt_value(at.get(code), ind.unit, lang),
            "gemeente": fmt_value(at.get(info["gemeente_code"]), ind.unit, lang)
            if info["level"] == "WK" else "",
            "nl": fmt_value(at.get("NL00"), ind.unit, lang),
            "rank": builders.rank_text(rank, n, lang),
            "reading": builders.trend_reading(own, ind_id, lang),
            "synthetic": bool(own["synthetic"].any()),
            "raw": at.get(code),
        })  # fmt: skip
    return rows, (pd.concat(shown, ignore_index=True) if shown else pd.DataFrame())


def figures_table(rows: list[dict], info: dict, lang: str) -> html.Table:
    heads = [("indicator", t("indicator", lang)), ("value", info["name"])]
    if info["level"] == "WK":
        heads.append(("gemeente", info["gemeente_name"] or t("Gemeente", lang)))
    heads += [("nl", t("nl", lang)), ("rank", f"{t('rank', lang)} ({t('rank_note', lang)})"),
              ("reading", t("development", lang))]  # fmt: skip
    body = []
    for r in rows:
        cells = [html.Th(f"{r['indicator']} ({r['year']})", scope="row")]
        cells += [html.Td(r[k], className="num" if k in ("value", "gemeente", "nl") else None,
                          **{"data-label": label}) for k, label in heads[1:]]  # fmt: skip
        body.append(html.Tr(cells, className="synthetic" if r["synthetic"] else None))
    return html.Table(
        [html.Caption(t("key_figures_caption", lang)),
         html.Thead(html.Tr([html.Th(label, scope="col") for _, label in heads])),
         html.Tbody(body)],
        className="data-table key-figures stack",
    )  # fmt: skip


def inhabitants(code: str, lang: str) -> str | None:
    try:
        s = views.series("inwoners", [code]).dropna(subset=["value"])
    except WijkpeilError:
        return None
    if s.empty:
        return None
    last = s.sort_values("year").iloc[-1]
    return t(
        "inhabitants_value", lang, n=fmt_num(last["value"], lang, decimals=0), y=int(last["year"])
    )


def locator(code: str, info: dict, lang: str):  # noqa: ANN201
    regs = views.regions("WK")
    wijken = regs[regs["gemeente_code"] == info["gemeente_code"]]
    labels = dict(zip(wijken["region_code"], wijken["region_name"], strict=True))
    if info["level"] == "GM":
        gms = views.regions("GM")
        codes, url = gms["region_code"].tolist(), builders.geojson_url("GM")
        labels = dict(zip(gms["region_code"], gms["region_name"], strict=True))
        center, zoom = builders.wijk_view(wijken["region_code"].tolist())
        zoom = max(zoom - 1.2, 6)
    else:
        codes, url = wijken["region_code"].tolist(), builders.geojson_url("WK")
        center, zoom = builders.wijk_view([code])
        zoom = min(zoom - 1.6, 12.5)
    title = t("where_name", lang, name=info["name"])
    fig = figures.locator_map(codes, code, url, title, lang, center=center,
                              zoom=zoom, labels=labels)  # fmt: skip
    key = t("where_key", lang, name=info["name"], g=info["gemeente_name"] or info["name"])
    return fig, key


def lbm_block(code: str, rows: list[dict], lang: str) -> html.Section | None:
    row = next((r for r in rows if r["id"] == "lbm"), None)
    if row is None:
        return None
    name = cls.official_name(row["raw"], lang)
    parts = [t("lbm_score", lang, v=row["value"], y=row["year"]), row["rank"]]
    if name:
        parts.append(t("lbm_class", lang, c=name))
    return html.Section([
        html.H2(t("lbm_block", lang)),
        html.P(" · ".join(parts), className="lbm-score"),
        html.P(row["reading"], className="reading"),
        html.P(t("classes_lbm_official" if name else "classes_lbm_unknown", lang), className="note"),
    ], className="lbm-block")  # fmt: skip


def chart_blocks(code: str, info: dict, lang: str, frames: dict[str, pd.DataFrame]) -> list:
    out = []
    for ind_id in CHARTS:
        if ind_id not in frames:
            continue
        df = frames[ind_id]
        own = df[(df["region_code"] == code) & df["value"].notna()]
        if own.empty:
            continue
        ind = registry.get(ind_id)
        title = f"{registry.name(ind, lang)} — {info['name']}"
        names = builders.area_names(lang)
        fig = figures.timeseries(df, title, unit(ind.unit, lang), lang, unit=ind.unit, names=names,
                                 source=common.source_text(df, lang, t("no_interp", lang)))  # fmt: skip
        drawn = list(dict.fromkeys(df["region_code"].astype(str)))
        snippet = chart.embed_snippet(
            common.href("/embed/trend", lang, indicator=ind_id, regions=code), f"Wijkpeil: {title}"
        )
        out.append(html.Div([
            html.H3(registry.name(ind, lang)),
            html.P(builders.trend_reading(own, ind_id, lang), className="reading"),
            chart.chart_block(ids.profile_graph(ind_id), fig, title, lang,
                              filename=f"wijkpeil-{ind_id}-{code}",
                              downloads=chart.series_links(ind_id, drawn, lang), embed=snippet,
                              table=chart.series_table(df, lang, unit=ind.unit, names=names),
                              graph_style={"height": "480px"}),
        ], className="profile-chart"))  # fmt: skip
    return out


def redirect_page(old: str, new: str, lang: str) -> html.Div:
    info = views.region_info(new)
    return html.Div([
        html.H1(t("redirect_title", lang), id=ids.PAGE_TITLE),
        html.P(t("redirect_text", lang, old=old)),
        html.P(dcc.Link(f"{info['name']} ({new})", href=common.href(f"/wijk/{new}", lang))),
    ], className="profile")  # fmt: skip


def layout(code: str = "", lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        codes = common.parse_codes(code, limit=1)
        code = codes[0] if codes else ""
        current = finder.resolve_current(code) if code else None
        if current is None:
            raise WijkpeilError(f"unknown region code {code!r}", key="err_unknown_region",
                                value=code or "—")  # fmt: skip
        if current != code:
            return redirect_page(code, current, lang)
        info = views.region_info(code)
        frames = benchmark_frames(code, info)
        rows, shown = key_figures(code, info, lang, frames)
    except WijkpeilError as exc:
        return common.error_page(exc, lang, "unknown_wijk")
    gm_name = info["gemeente_name"] or info["name"]
    facts = [
        t("wijk_in", lang, g=gm_name) if info["level"] == "WK" else t("gemeente_profile", lang)
    ]
    people = inhabitants(code, lang)
    if people:
        facts.append(people)
    area = views.area_of(code) if info["level"] == "WK" else None
    if area:
        facts.append(t("in_area", lang, a=area))
    facts.append(f"{t('code', lang)} {code}")
    loc_fig, loc_key = locator(code, info, lang)
    any_synthetic = any(r["synthetic"] for r in rows)
    more = [("/trends", "nav_trends", {"regions": code}), ("/indices", "nav_indices", {"regions": code}),
            ("/vergelijk", "nav_compare", {"regions": code})]  # fmt: skip
    return html.Div([
        html.H1(info["name"], id=ids.PAGE_TITLE),
        html.P(" · ".join(facts), className="facts"),
        html.P(t("profile_intro", lang, name=info["name"], gemeente=gm_name), className="lead"),
        common.banner(shown, lang),
        html.Button(t("print", lang), id=ids.PRINT_BUTTON, className="tool no-print",
                    **{"data-print": "1"}),
        lbm_block(code, rows, lang),
        html.Section([
            html.H2(t("where", lang)),
            chart.chart_block(ids.PROFILE_MAP, loc_fig, t("where_name", lang, name=info["name"]), lang,
                              filename=f"wijkpeil-{code}-ligging",
                              table=html.P(loc_key), graph_style={"height": "370px"}),
            html.P(loc_key, className="note map-key"),
        ], className="where"),
        html.Section([
            html.H2(t("key_figures", lang)),
            figures_table(rows, info, lang),
            html.P(t("synthetic_key", lang), className="note key-synthetic") if any_synthetic else None,
        ]),
        html.Section([html.H2(t("charts", lang)), *chart_blocks(code, info, lang, frames)],
                     className="profile-graphs"),
        html.Nav([html.H2(t("more_views", lang)), html.Ul([
            html.Li(dcc.Link(t(key, lang), href=common.href(path, lang, **params)))
            for path, key, params in more])], className="no-print more-views"),
        html.P(common.source_text(shown, lang), className="source"),
    ], className="profile")  # fmt: skip
