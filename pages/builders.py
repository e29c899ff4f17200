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


def index_figure(kind: str, weights: dict[str, float], codes: list[str], lang: str):  # noqa: ANN201
    """Composite index over time for ``codes[0]`` with its component contributions (bars), and
    the other chosen regions, the gemeente and NL as lines. Returns (figure, rows shown, result)."""
    import pandas as pd

    from indicators import indices

    res = views.index_series(weights, codes)
    main = res[res["region_code"] == codes[0]].sort_values("year")
    if main["index"].notna().sum() == 0:
        return figures.message_figure(t("index_empty", lang)), pd.DataFrame(), res
    long = indices.contributions(main)
    long["component"] = long["component"].map(lambda i: registry.name(registry.get(i), lang))
    name = main["region_name"].iloc[0]
    title = f"{t('index_' + kind, lang)} — {name} ({codes[0]})"
    shown = pd.concat([views.series(i, codes) for i in weights if weights[i] > 0])
    fig = figures.index_chart(main[["year", "index"]], long, title, common.source_text(shown, lang))
    fig.data[-1].name = name
    for k, (code, sub) in enumerate(res[res["region_code"] != codes[0]].groupby("region_code")):
        sub = sub.sort_values("year")
        fig.add_scatter(
            x=sub["year"], y=sub["index"], mode="lines", name=str(sub["region_name"].iloc[0]),
            line={"dash": "dot" if code.startswith(("GM", "NL")) else "solid",
                  "color": figures.PALETTE[(k + 4) % len(figures.PALETTE)]},
        )  # fmt: skip
    return fig, shown, res


def region_options(text: str | None, current: list[str] | None) -> list[dict]:
    """Dropdown options: the regions already chosen, then search hits for ``text`` (≥ 2 chars)."""
    regs = views.regions()
    keep = regs[regs["region_code"].isin(current or [])]
    hits = views.search(text[:60]) if text and len(text) >= 2 else keep.head(0)
    return [
        {"label": f"{r.region_name} ({r.region_code})", "value": r.region_code}
        for r in [*keep.itertuples(), *hits.itertuples()]
    ]
