"""About the data: what this installation's store holds, as readable tables (from its manifest):
facts, source tables, rows per year and level, and — when the manifest has one — a coverage matrix
indicator × year (``manifest["coverage"] = {indicator: {year: "real" | "missing" | …}}``)."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import registry
from loaders import store
from pages import chart, common, ids
from pages.i18n import fmt_num, lang_of, page_title, prose, t

dash.register_page(__name__, path="/over", title=page_title("title_about"))


def facts_table(m: dict, lang: str) -> html.Table:
    rows = [
        [t("about_built", lang), str(m.get("built_at", "—"))],
        [t("about_source_kind", lang), ", ".join(map(str, m.get("sources", []))) or "—"],
        [t("about_rows", lang), fmt_num(m.get("rows"), lang, decimals=0)],
        [t("about_synthetic_rows", lang), fmt_num(m.get("synthetic_rows", 0), lang, decimals=0)],
        [t("years", lang), ", ".join(map(str, m.get("years", [])))],
    ]
    return chart.simple_table([t("about_key", lang), t("about_value", lang)], rows,
                              class_name="data-table facts")  # fmt: skip


def rows_table(m: dict, lang: str) -> html.Div | None:
    per = m.get("rows_per_year_level") or {}
    if not per:
        return None
    years = sorted({k.split("/")[0] for k in per})
    levels = [lv for lv in ("NL", "GM", "WK", "BU") if any(k.endswith("/" + lv) for k in per)]
    rows = [
        [y, *[fmt_num(per.get(f"{y}/{lv}", 0), lang, decimals=0) for lv in levels]] for y in years
    ]
    return html.Div(chart.simple_table([t("year", lang), *levels], rows, num_cols=set(range(1, 6))),
                    className="scroll-x", tabIndex="0",
                    **{"role": "region", "aria-label": t("about_rows", lang)})  # fmt: skip


def coverage_table(m: dict, lang: str) -> html.Div | None:
    cov = m.get("coverage")
    if not isinstance(cov, dict) or not cov:
        return None
    years = sorted({str(y) for v in cov.values() if isinstance(v, dict) for y in v})

    def cell(state: object) -> html.Span:
        s = str(state)
        key = f"coverage_{s}"
        label = t(key, lang) if key in _KNOWN else s
        return html.Span(label, className=f"cov cov-{s}")

    rows = []
    for ind_id, per in cov.items():
        name = registry.name(registry.get(ind_id), lang) if ind_id in registry.ids() else ind_id
        per = per if isinstance(per, dict) else {}
        per = {str(k): v for k, v in per.items()}
        rows.append([name, *[cell(per.get(y, "—")) for y in years]])
    return html.Div(chart.simple_table([t("indicator", lang), *years], rows,
                                       class_name="data-table coverage"),
                    className="scroll-x", tabIndex="0",
                    **{"role": "region", "aria-label": t("about_coverage", lang)})  # fmt: skip


_KNOWN = {"coverage_real", "coverage_missing", "coverage_synthetic"}


def layout(lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        m = store.manifest()
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    cov = coverage_table(m, lang)
    tables = m.get("source_tables") or []
    return html.Div([
        html.H1(t("title_about", lang), id=ids.PAGE_TITLE),
        *[html.P(p) for p in prose("o_intro", lang)],
        html.H2(t("about_store", lang)),
        facts_table(m, lang),
        html.H2(t("about_sources", lang)),
        html.Ul([html.Li(html.Code(str(s))) for s in tables], className="columns"),
        html.H2(t("about_rows_title", lang)),
        rows_table(m, lang),
        *([html.H2(t("about_coverage", lang)), cov] if cov is not None else []),
    ], className="about")  # fmt: skip
