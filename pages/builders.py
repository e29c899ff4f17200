"""Figure builders over the views shared by pages and embeds (no callbacks, no page registration:
Dash Pages executes every module that registers a page, so shared code must not live in those)."""

from __future__ import annotations

from indicators import registry, views
from pages import common, figures
from pages.i18n import t

DEFAULT_INDICATOR = "lbm"  # real data: the published Leefbaarometer, latest year
DEFAULT_REGIONS = "WK059915"  # Charlois, Rotterdam (in the NPLV area Rotterdam-Zuid)


def geojson_url(level: str) -> str:
    return f"/geo/{level}/2024.geojson"


def map_title(indicator: str, year: int, level: str, lang: str) -> str:
    ind = registry.get(indicator)
    return f"{registry.name(ind, lang)} — {t('level_' + level, lang).lower()}, {year}"


def map_figure(indicator: str, year: int, level: str, lang: str):  # noqa: ANN201
    vals = views.map_aligned(indicator, year, level)
    ind = registry.get(indicator)
    return figures.choropleth(
        vals,
        geojson_url(level),
        map_title(indicator, year, level, lang),
        ind.unit,
        polarity=ind.polarity,
        diverging=common.is_diverging(indicator),
        labels=common.labels(lang),
    ), vals


def trend_frame(indicator: str, codes: list[str]):  # noqa: ANN201
    """The chosen regions plus, for each, its gemeente and NL (deduplicated)."""
    wanted: list[str] = []
    for code in codes:
        wanted += views.benchmarks(indicator, code)["region_code"].unique().tolist()
    return views.series(indicator, list(dict.fromkeys(wanted)))


def trend_figure(indicator: str, codes: list[str], lang: str):  # noqa: ANN201
    ind = registry.get(indicator)
    df = trend_frame(indicator, codes)
    names = {dash_code: common.labels(lang)["NL"] for dash_code in ["NL00"]}
    fig = figures.timeseries(
        df,
        f"{registry.name(ind, lang)}",
        ind.unit,
        names=names,
        source=common.source_text(df, lang, t("no_interp", lang)),
    )
    return fig, df
