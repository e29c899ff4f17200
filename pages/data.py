"""Bulk data for researchers: choose a geography, indicators, years and a region set, and get
links to the whole table in CSV (plain or Dutch Excel), XLSX (with data dictionary) or Parquet.

``/data?level=wijk&indicators=lbm,onv&years=2012-2024&regions=GM0599,NPLV:Rotterdam-Zuid&lang=en``
— the URL is the state. The files come from the route ``/download/bulk.{csv,xlsx,parquet}`` with
exactly these parameters (``level``: wijk | gemeente | area — the levels of ``python -m indicators
export``; ``indicators``: comma-separated ids, empty = all; ``years``: ``2012-2024``;
``regions``: gemeente codes and ``NPLV:<area>`` codes, empty = the whole country;
``variant=excel-nl`` for the Dutch-Excel CSV; ``lang``).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import dash
from dash import (
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

import settings as _settings
from errors import WijkpeilError
from indicators import registry, views
from pages import common, ids
from pages.i18n import lang_of, page_title, t, theme

dash.register_page(__name__, path="/data", title=page_title("title_data"))

LEVELS = ("wijk", "gemeente", "area")
YEARS_RE = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def year_bounds() -> tuple[int, int]:
    s = _settings.get()
    return s.first_year, s.last_year


def parse_years(text: str | None) -> tuple[int, int]:
    lo, hi = year_bounds()
    if not text:
        return lo, hi
    m = YEARS_RE.match(str(text).strip())
    if not m:
        raise WijkpeilError(f"malformed years {text!r}", key="err_bad_years", value=text)
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if not (lo <= a <= b <= hi):
        raise WijkpeilError(f"years {text!r} outside {lo}-{hi}", key="err_bad_years", value=text)
    return a, b


def parse_region_set(text: str | None) -> list[str]:
    codes = common.parse_codes(text, limit=common.MAX_DOWNLOAD_CODES)
    for c in codes:
        if not (c.startswith("GM") or c.startswith("NPLV:")):
            raise WijkpeilError(f"unusable region {c!r}", key="err_malformed_codes", value=c)
    return common.check_regions(codes)


def bulk_url(fmt: str, level: str, indicators: list[str], years: tuple[int, int],
             regions: list[str], lang: str, variant: str | None = None) -> str:  # fmt: skip
    """``/download/bulk.<fmt>?level=…&indicators=a,b&years=2012-2024&regions=…&variant=…&lang=…``
    — parameters always in this order, commas and colons unescaped."""
    params: list[tuple[str, str]] = [("level", level)]
    if indicators:
        params.append(("indicators", ",".join(indicators)))
    params.append(("years", f"{years[0]}-{years[1]}"))
    if regions:
        params.append(("regions", ",".join(regions)))
    if variant:
        params.append(("variant", variant))
    params.append(("lang", lang))
    return f"/download/bulk.{fmt}?" + urlencode(params, safe=",:")


def links(level: str, indicators: list[str], years: tuple[int, int], regions: list[str],
          lang: str) -> html.Ul:  # fmt: skip
    items = [
        ("data_csv", bulk_url("csv", level, indicators, years, regions, lang), "csv"),
        (
            "data_csv_nl",
            bulk_url("csv", level, indicators, years, regions, lang, "excel-nl"),
            "csv",
        ),
        ("data_xlsx", bulk_url("xlsx", level, indicators, years, regions, lang), "xlsx"),
        ("data_parquet", bulk_url("parquet", level, indicators, years, regions, lang), "parquet"),
    ]
    return html.Ul([
        html.Li(html.A(t(key, lang), href=url, download="", className="download",
                       **{"data-format": fmt}))
        for key, url, fmt in items
    ], className="bulk-links")  # fmt: skip


def region_set_options(lang: str) -> list[dict]:
    gms = views.regions("GM").sort_values("region_name")
    opts = [{"label": f"{a} ({t('area', lang)})", "value": f"NPLV:{a}"} for a in views.area_names()]
    opts += [{"label": f"{r.region_name} ({t('gemeente', lang)})", "value": r.region_code}
             for r in gms.itertuples()]  # fmt: skip
    return opts


def indicator_options(lang: str) -> list[dict]:
    return [{"label": f"{theme(i.theme, lang)} · {registry.name(i, lang)}", "value": i.id}
            for i in registry.REGISTRY]  # fmt: skip


def layout(level: str = "wijk", indicators: str = "", years: str = "", regions: str = "",
           lang: str = "nl", **_: str) -> html.Div:  # fmt: skip
    lang = lang_of(lang)
    try:
        if level not in LEVELS:
            raise WijkpeilError(f"unknown level {level!r}", key="err_unknown_level", value=level)
        inds = [common.check_indicator(i) for i in str(indicators or "").split(",") if i]
        y0, y1 = parse_years(years)
        regs = parse_region_set(regions)
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    lo, hi = year_bounds()
    year_opts = list(range(lo, hi + 1))
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang),
        html.H1(t("title_data", lang), id=ids.PAGE_TITLE),
        dcc.Markdown(t("data_intro", lang), className="lead"),
        html.Div([
            html.Fieldset([
                html.Legend(t("data_level", lang)),
                dcc.RadioItems(id=ids.DATA_LEVEL, value=level, options=[
                    {"label": t("level_" + lv, lang), "value": lv} for lv in LEVELS]),
            ], className="control radio"),
            html.Div([html.Label(t("data_indicators", lang), htmlFor=ids.DATA_INDICATORS),
                      dcc.Dropdown(id=ids.DATA_INDICATORS, options=indicator_options(lang),
                                   value=inds, multi=True, placeholder=t("choose", lang))],
                     className="control wide"),
            html.Fieldset([
                html.Legend(t("data_years", lang)),
                html.Div([
                    html.Label([t("data_from", lang), dcc.Dropdown(
                        id=ids.DATA_YEAR_FROM, options=year_opts, value=y0, clearable=False)],
                        className="year-pick"),
                    html.Label([t("data_to", lang), dcc.Dropdown(
                        id=ids.DATA_YEAR_TO, options=year_opts, value=y1, clearable=False)],
                        className="year-pick"),
                ], className="years"),
            ], className="control"),
            html.Div([html.Label(t("data_regions", lang), htmlFor=ids.DATA_REGIONS),
                      dcc.Dropdown(id=ids.DATA_REGIONS, options=region_set_options(lang),
                                   value=regs, multi=True, placeholder=t("choose", lang))],
                     className="control wide"),
        ], className="data-form"),
        html.Div(id=ids.DATA_ERROR, className="callback-error", role="status"),
        html.H2(t("data_download", lang)),
        html.Div(links(level, inds, (y0, y1), regs, lang), id=ids.DATA_LINKS),
        html.Span(id=ids.part(ids.DATA_LINKS, "state"), hidden=True),
    ], className="data-page")  # fmt: skip


@callback(
    Output(ids.DATA_LINKS, "children"), Output(ids.DATA_ERROR, "children"),
    Input(ids.DATA_LEVEL, "value"), Input(ids.DATA_INDICATORS, "value"),
    Input(ids.DATA_YEAR_FROM, "value"), Input(ids.DATA_YEAR_TO, "value"),
    Input(ids.DATA_REGIONS, "value"), State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
def update(level: str, inds: list[str], y0: int, y1: int, regions: list[str], lang: str):  # noqa: ANN201
    lang = lang_of(lang)
    try:
        if level not in LEVELS:
            raise WijkpeilError(f"unknown level {level!r}", key="err_unknown_level", value=level)
        chosen = [common.check_indicator(i) for i in (inds or [])]
        a, b = parse_years(f"{int(y0)}-{int(y1)}") if y0 and y1 else year_bounds()
        regs = parse_region_set(",".join(r for r in (regions or []) if isinstance(r, str)))
    except (WijkpeilError, TypeError, ValueError) as exc:
        return no_update, common.callback_error(exc, lang)
    return links(level, chosen, (a, b), regs, lang), ""


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="dataLink"),
    Output(ids.part(ids.DATA_LINKS, "state"), "children"),
    Input(ids.DATA_LEVEL, "value"), Input(ids.DATA_INDICATORS, "value"),
    Input(ids.DATA_YEAR_FROM, "value"), Input(ids.DATA_YEAR_TO, "value"),
    Input(ids.DATA_REGIONS, "value"), State(ids.LANG, "data"), prevent_initial_call=True,
)  # fmt: skip
