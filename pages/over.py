"""About the data: what this installation's store holds, as readable tables (from its manifest):
facts, the table-years with their source and indeling, the coverage matrix indicator × year
(real / missing, and the table that filled each cell), sources that could not be loaded, and the
regions of earlier years that have no comparable 2024 region."""

from __future__ import annotations

import dash
from dash import html

from errors import WijkpeilError
from indicators import registry, views
from pages import chart, common, ids
from pages.i18n import fmt_num, lang_of, page_title, prose, t

dash.register_page(__name__, path="/over", title=page_title("title_about"))

_KNOWN = {"coverage_real", "coverage_missing", "coverage_synthetic"}


def facts_table(f: dict, lang: str) -> html.Table:
    rows = [
        [t("about_built", lang), str(f.get("built_at") or "—")],
        [t("about_source_kind", lang), str(f.get("source") or "—")],
        [t("about_store_kind", lang), t(f"coverage_{f.get('kind', 'real')}", lang)],
        [t("about_rows", lang), fmt_num(sum(p["rows"] for p in f["parts"]), lang, decimals=0)],
    ]
    return chart.simple_table([t("about_key", lang), t("about_value", lang)], rows,
                              class_name="data-table facts")  # fmt: skip


def _scroll(table: html.Table, label: str) -> html.Div:
    return html.Div(table, className="scroll-x", tabIndex="0",
                    **{"role": "region", "aria-label": label})  # fmt: skip


def parts_table(f: dict, lang: str) -> html.Div:
    head = [t("about_part", lang), t("about_table", lang), t("about_indeling", lang),
            t("about_rows", lang), t("about_origin", lang)]  # fmt: skip
    rows = [[p["key"], p["table_id"], str(p["indeling"]), fmt_num(p["rows"], lang, decimals=0),
             p["origin"]] for p in f["parts"]]  # fmt: skip
    return _scroll(chart.simple_table(head, rows, num_cols={3}), t("about_sources", lang))


def coverage_table(lang: str) -> html.Div:
    real = views.coverage_matrix()
    tables = views.coverage_matrix(tables=True).set_index("indicator")
    years = [c for c in real.columns if c != "indicator"]

    def cell(ind: str, y: str, state: str) -> html.Span:
        key = f"coverage_{state}"
        label = t(key, lang) if key in _KNOWN else state
        title = tables.loc[ind, y] if state != "missing" else None
        return html.Span(label, className=f"cov cov-{state}", title=title)

    rows = [
        [registry.name(registry.get(r["indicator"]), lang),
         *[cell(r["indicator"], y, r[y]) for y in years]]
        for r in real.to_dict("records")
    ]  # fmt: skip
    return _scroll(chart.simple_table([t("indicator", lang), *years], rows,
                                      class_name="data-table coverage"),
                   t("about_coverage", lang))  # fmt: skip


def missing_table(f: dict, lang: str) -> html.Div | None:
    if not f["missing"]:
        return None
    rows = [[m["what"], m["why"], m.get("next_step") or "—"] for m in f["missing"]]
    head = [t("about_source", lang), t("about_why", lang), t("about_next", lang)]
    return _scroll(chart.simple_table(head, rows), t("about_missing", lang))


def unmatched_table(lang: str) -> html.Div:
    um = views.unmatched_regions()
    if um.empty:
        return html.P(t("about_unmatched_none", lang))
    rows = [[r.from_code, r.level, str(r.from_indeling), r.reason] for r in um.itertuples()]
    head = [t("about_code", lang), t("level", lang), t("about_indeling", lang),
            t("about_why", lang)]  # fmt: skip
    return _scroll(chart.simple_table(head, rows, class_name="data-table unmatched"),
                   t("about_unmatched", lang))  # fmt: skip


def layout(lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        f = views.store_facts()
        cov = coverage_table(lang)
        um = unmatched_table(lang)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    miss = missing_table(f, lang)
    return html.Div([
        html.H1(t("title_about", lang), id=ids.PAGE_TITLE),
        *[html.P(p) for p in prose("o_intro", lang)],
        html.H2(t("about_coverage", lang)),
        html.P(t("about_coverage_help", lang)),
        cov,
        html.H2(t("about_store", lang)),
        facts_table(f, lang),
        html.H2(t("about_sources", lang)),
        parts_table(f, lang),
        *([html.H2(t("about_missing", lang)), miss] if miss is not None else []),
        html.H2(t("about_unmatched", lang)),
        html.P(t("about_unmatched_help", lang)),
        um,
    ], className="about", id="about-page")  # fmt: skip
