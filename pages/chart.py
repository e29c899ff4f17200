"""One way to show a chart: the graph with an accessible name, share tools (link, PNG, SVG, data
downloads, embed code) and a table alternative. Layout helpers only (no callbacks, no pages)."""

from __future__ import annotations

from html import escape

import pandas as pd
from dash import dcc, html

from pages import common, ids
from pages.figures import series_label
from pages.i18n import fmt_num, t

#: Modebar: keep zoom/pan/reset and the camera (PNG with title and source baked in).
MODEBAR_REMOVE = ["select2d", "lasso2d", "autoScale2d"]


def graph_config(filename: str, lang: str = "nl") -> dict:
    return {
        "displaylogo": False,
        "locale": "nl" if lang != "en" else "en",  # Dutch mode-bar texts: assets/wijkpeil.js
        "modeBarButtonsToRemove": MODEBAR_REMOVE,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def embed_snippet(path: str, title: str, height: int = 520) -> str:
    """An iframe snippet with an ABSOLUTE url (from the request), pasteable in any page."""
    src = common.absolute(path)
    return (
        f'<iframe src="{escape(src, quote=True)}" title="{escape(title, quote=True)}" '
        f'width="100%" height="{height}" style="border:0" loading="lazy"></iframe>'
    )


def download_links(items: list[tuple[str, str]], lang: str) -> list:
    """'Download de getoonde gegevens: CSV · XLSX' — items are (label, href)."""
    out: list = [html.Span(t("download", lang) + ": ", className="tools-label")]
    for k, (label, link) in enumerate(items):
        if k:
            out.append(" · ")
        out.append(html.A(label, href=link, className="download", download=""))
    return out


def series_links(indicator: str, codes: list[str], lang: str) -> list:
    """Downloads of every line a chart draws (``/download/series.*``)."""
    regions = ",".join(codes)
    return download_links(
        [(fmt.upper(), common.href(f"/download/series.{fmt}", lang, indicator=indicator,
                                   regions=regions)) for fmt in ("csv", "xlsx")],
        lang,
    )  # fmt: skip


def embed_box(graph_id: str, snippet: str, lang: str) -> html.Details:
    code_id = ids.part(graph_id, "embed")
    return html.Details(
        [
            html.Summary(t("embed", lang)),
            html.P(t("embed_help", lang)),
            html.Label(
                [
                    html.Span(t("embed_code", lang), className="sr-only"),
                    dcc.Textarea(
                        id=code_id,
                        value=snippet,
                        readOnly=True,
                        rows=3,
                        className="embed-code",
                        spellCheck=False,
                    ),  # fmt: skip
                ]
            ),
            html.Button(
                t("copy_code", lang),
                className="tool",
                **{"data-copy": code_id, "data-done": t("copied", lang)},
            ),  # fmt: skip
        ],
        className="embed no-print",
    )


def chart_block(
    graph_id: str,
    figure: object,
    title: str,
    lang: str,
    *,
    filename: str,
    downloads: list | None = None,
    embed: str | None = None,
    table: object = None,
    table_summary: str | None = None,
    graph_style: dict | None = None,
    class_name: str = "",
    wide: bool = False,
) -> html.Section:
    """A chart with everything a reader needs to share it (see module docstring)."""
    graph = dcc.Graph(id=graph_id, figure=figure, config=graph_config(filename, lang),
                      style=graph_style or {}, className="graph")  # fmt: skip
    if wide:
        graph = html.Div(graph, className="scroll-x", tabIndex="0",
                         **{"aria-label": title, "role": "region"})  # fmt: skip
    tools = html.Div(
        [
            html.Button(t("copy_link", lang), className="tool",
                        **{"data-copy": "location", "data-done": t("copied", lang)}),  # fmt: skip
            html.Span([
                html.Span(t("download_chart", lang) + ": ", className="tools-label"),
                html.Button("PNG", className="tool", **{"data-export": "png", "data-graph": graph_id,
                            "data-filename": filename, "aria-label": f"{t('download_chart', lang)}: PNG"}),
                html.Button("SVG", className="tool", **{"data-export": "svg", "data-graph": graph_id,
                            "data-filename": filename, "aria-label": f"{t('download_chart', lang)}: SVG"}),
            ]),
            html.Span(downloads or [], id=ids.part(graph_id, "downloads")),
            html.Span(id=ids.part(graph_id, "tools-state"), hidden=True),
        ],
        className="chart-tools no-print",
    )  # fmt: skip
    parts: list = [
        html.Figure([graph, html.Figcaption(title, className="sr-only", id=ids.part(graph_id, "caption"))],
                    className="chart", **{"aria-labelledby": ids.part(graph_id, "caption")}),
        tools,
    ]  # fmt: skip
    if embed is not None:
        parts.append(embed_box(graph_id, embed, lang))
    parts.append(
        html.Details(
            [html.Summary(table_summary or t("table_alt", lang)),
             html.Div(table, id=ids.part(graph_id, "table"), className="scroll-x")],
            className="chart-table",
        )
    )  # fmt: skip
    return html.Section(parts, className=f"chart-block {class_name}".strip())


def series_table(
    df: pd.DataFrame, lang: str, *, unit: str = "", names: dict[str, str] | None = None
) -> html.Table:
    """Years × lines, every value formatted (the table alternative of a line chart)."""
    names = names or {}
    if df is None or len(df) == 0:
        return html.P("—")
    cols = []
    for code, sub in df.groupby("region_code", sort=False):
        cols.append((str(code), series_label(str(code), str(sub["region_name"].iloc[0]),
                                             str(sub["region_level"].iloc[0]), lang, names)))  # fmt: skip
    wide = df.pivot_table(index="year", columns="region_code", values="value", aggfunc="first")
    head = html.Tr([html.Th(t("year", lang), scope="col")]
                   + [html.Th(label, scope="col") for _, label in cols])  # fmt: skip
    rows = []
    for year in sorted(wide.index):
        rows.append(html.Tr([html.Th(str(int(year)), scope="row")] + [
            html.Td(fmt_num(wide.at[year, c] if c in wide.columns else None, lang, unit=unit),
                    className="num") for c, _ in cols]))  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(rows)], className="data-table")


def simple_table(header: list[str], rows: list[list[object]], *, num_cols: set[int] | None = None,
                 class_name: str = "data-table", caption: str | None = None) -> html.Table:  # fmt: skip
    """A plain accessible table (column headers with scope; first column as row header)."""
    num_cols = num_cols or set()
    body = []
    for r in rows:
        cells = [html.Th(r[0], scope="row")]
        cells += [html.Td(v, className="num" if i + 1 in num_cols else None,
                          **{"data-label": header[i + 1]}) for i, v in enumerate(r[1:])]  # fmt: skip
        body.append(html.Tr(cells))
    parts = []
    if caption:
        parts.append(html.Caption(caption))
    parts += [html.Thead(html.Tr([html.Th(h, scope="col") for h in header])), html.Tbody(body)]
    return html.Table(parts, className=class_name)


def embed_page(figure: object, shown: pd.DataFrame | None, back: str, title: str, lang: str, *,
               filename: str, height: str = "86vh") -> html.Div:  # fmt: skip
    """A chromeless page for an iframe: the chart (title and source baked in), the source line
    again as text, and a link back to the full view."""
    src = common.source_text(shown, lang) if shown is not None else ""
    return html.Div(
        [
            html.H1(title, className="sr-only", id=ids.PAGE_TITLE),
            common.banner(shown, lang),
            html.Figure(
                dcc.Graph(
                    id=ids.EMBED_GRAPH,
                    figure=figure,
                    style={"height": height},
                    config=graph_config(filename, lang),
                ),
                className="chart",
                **{"aria-label": title},
            ),  # fmt: skip
            html.P(
                [
                    src,
                    " ",
                    html.A(
                        t("open_full", lang),
                        href=common.absolute(back),
                        target="_blank",
                        rel="noopener",
                    ),
                ],
                className="source",
            ),  # fmt: skip
        ],
        className="embed-page",
    )
