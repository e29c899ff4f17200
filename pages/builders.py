"""Figure and reading builders over the views, shared by pages and embeds (no callbacks, no page
registration: Dash Pages executes every module that registers a page, so shared code lives here).

Page-side helpers that compute data the views do not offer yet (the lead may move them into
``indicators/views.py``): :func:`rank_info` (rank X of N), :func:`trend_reading` (a plain-language
reading of a series), :func:`wijk_view` (bounding box of a wijk from the web geometry).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from errors import WijkpeilError
from indicators import registry, trends, views
from pages import classes as cls
from pages import common, figures
from pages.i18n import error_text, fmt_num, fmt_value, lang_of, t, unit

DEFAULT_INDICATOR = "lbm"  # real data: the published Leefbaarometer, latest year
DEFAULT_REGIONS = "WK059915"  # Charlois, Rotterdam (in the NPLV area Rotterdam-Zuid)
DEFAULT_AREA = "Rotterdam-Zuid"
DEFAULT_COMPARE = "WK059915,WK059910"


def geojson_url(level: str) -> str:
    return f"/geo/{level}/2024.geojson"


def map_title(indicator: str, year: int, level: str, lang: str) -> str:
    ind = registry.get(indicator)
    return f"{registry.name(ind, lang)} — {t('level_' + level, lang).lower()}, {year}"


def legend_title(indicator: str, lang: str) -> str:
    ind = registry.get(indicator)
    direction = {1: "legend_higher_better", -1: "legend_higher_worse"}.get(ind.polarity,
                                                                             "legend_neutral")  # fmt: skip
    return f"{unit(ind.unit, lang)} ({t(direction, lang)})"


def map_classes(indicator: str, values: pd.DataFrame) -> cls.Classes:
    ind = registry.get(indicator)
    return cls.scheme(ind.classes, values["value"].to_numpy(dtype="float64"), ind.polarity)


def region_labels(values: pd.DataFrame, level: str) -> list[str]:
    """'Charlois · Rotterdam' per map region (never a bare gemeente code)."""
    if level == "GM":
        return values["name"].astype(str).tolist()
    gm = views.regions("GM").set_index("region_code")["region_name"]
    gnames = values["gemeente_code"].map(gm).fillna("")
    return [f"{n} · {g}" if g else str(n) for n, g in zip(values["name"], gnames, strict=True)]


def map_figure(indicator: str, year: int, level: str, lang: str, *, area: str | None = None):  # noqa: ANN201
    """The classed map of one indicator-year, with its values frame and classes."""
    vals = views.map_aligned(indicator, year, level)
    shown = views.map_values(indicator, year, level)
    ind = registry.get(indicator)
    center, zoom = None, 6.2
    title = map_title(indicator, year, level, lang)
    if area:
        members = set(views.area_members(area))
        vals = vals[vals["code"].isin(members)].reset_index(drop=True)
        center, zoom = views.area_centre(area), 10.5
        title = f"{area}: {registry.name(ind, lang)}, {year}"
    classes = map_classes(indicator, vals)
    fig = figures.choropleth(
        vals, geojson_url(level), title, classes=classes,
        class_labels=cls.labels(classes, lang), unit=ind.unit, unit_label=unit(ind.unit, lang),
        legend_title=legend_title(indicator, lang), region_labels=region_labels(vals, level),
        lang=lang, source=common.source_text(shown, lang, indicator=indicator), center=center, zoom=zoom,
    )  # fmt: skip
    return fig, vals, classes, shown


def class_summary(vals: pd.DataFrame, classes: cls.Classes, lang: str) -> list[list[object]]:
    """Rows (class label, number of regions) incl. 'no data': the map's table summary."""
    idx = cls.classify(vals["value"].to_numpy(dtype="float64"), classes)
    labels = cls.labels(classes, lang)
    rows = [[labels[i], fmt_num(int((idx == i).sum()), lang, decimals=0)] for i in range(classes.k)]
    rows.append([t("no_data", lang), fmt_num(int((idx == -1).sum()), lang, decimals=0)])
    return rows


def trend_codes(indicator: str, codes: list[str]) -> list[str]:
    """The chosen regions plus, for each wijk/gemeente, its gemeente, NPLV area and NL; an
    NPLV:/REST: area code brings NL (its rest of the gemeente is a separate code)."""
    wanted: list[str] = []
    for code in codes:
        if code.startswith(("NPLV:", "REST:")) or code == "NL00":
            wanted += [code, "NL00"]
            continue
        wanted += views.benchmarks(indicator, code)["region_code"].unique().tolist()
    return list(dict.fromkeys(wanted))


def trend_frame(indicator: str, codes: list[str]) -> pd.DataFrame:
    return views.series(indicator, trend_codes(indicator, codes))


def area_names(lang: str) -> dict[str, str]:
    names = {"NL00": t("nl", lang)}
    for a in views.area_names():
        names[f"NPLV:{a}"] = a
        names[f"REST:{a}"] = f"{t('rest_gemeente', lang)} ({a})"
    return names


def trend_figure(indicator: str, codes: list[str], lang: str):  # noqa: ANN201
    ind = registry.get(indicator)
    df = trend_frame(indicator, codes)
    fig = figures.timeseries(
        df, registry.name(ind, lang), unit(ind.unit, lang), lang, unit=ind.unit,
        names=area_names(lang), source=common.source_text(df, lang, t("no_interp", lang)),
    )  # fmt: skip
    return fig, df


def area_frame(indicator: str, area: str) -> pd.DataFrame:
    if area not in views.area_names():
        raise WijkpeilError(
            f"unknown NPLV area {area!r}; choose one of {views.area_names()}",
            key="err_unknown_area", value=area, valid=", ".join(views.area_names()),
        )  # fmt: skip
    return views.area_series(indicator, area)


def area_codes(area: str) -> list[str]:
    return [f"NPLV:{area}", f"REST:{area}", "NL00"]


def area_figure(indicator: str, area: str, lang: str):  # noqa: ANN201
    """The NPLV chart: the area vs the rest of its gemeente vs NL."""
    ind = registry.get(indicator)
    df = area_frame(indicator, area)
    names = {f"NPLV:{area}": area, f"REST:{area}": t("rest_gemeente", lang), "NL00": t("nl", lang)}
    fig = figures.timeseries(
        df, f"{area}: {registry.name(ind, lang)}", unit(ind.unit, lang), lang, unit=ind.unit,
        names=names, source=common.source_text(df, lang, t("no_interp", lang)),
    )  # fmt: skip
    return fig, df, names


def overview_figure(indicator: str, lang: str):  # noqa: ANN201
    """The 20 focus areas as small multiples: (figure as a plotly dict, the rows drawn). The same
    for every request of one store version, indicator and language, so computed once per worker."""
    fig, allrows = _overview(views.version_key(), registry.get(indicator).id, lang_of(lang))
    return fig, allrows.copy()


@functools.lru_cache(maxsize=32)
def _overview(version: str, indicator: str, lang: str) -> tuple[dict, pd.DataFrame]:
    ind = registry.get(indicator)
    panels = {a: views.area_series(indicator, a) for a in views.area_names()}
    shown = [p for p in panels.values() if len(p)]
    allrows = pd.concat(shown, ignore_index=True) if shown else pd.DataFrame(columns=["value"])
    title = (f"{registry.name(ind, lang)}: {t('area', lang)} · {t('rest_gemeente', lang)} · "
             f"{t('nl', lang)}")  # fmt: skip
    fig = figures.small_multiples(
        panels, title, common.level_labels(lang), lang, unit=ind.unit,
        source=common.source_text(allrows, lang) if len(allrows) else "",
    )  # fmt: skip
    return fig.to_plotly_json(), allrows


def index_figure(kind: str, weights: dict[str, float], codes: list[str], lang: str):  # noqa: ANN201
    """Composite index over time for ``codes[0]`` with its component contributions (bars), and
    the other chosen regions, the gemeente and NL as lines. Returns (figure, rows shown, result)."""
    from errors import IndicatorError
    from indicators import indices

    try:
        res = views.index_series(weights, codes)
    except IndicatorError as exc:  # no component has data in this copy: say so, with the gaps
        if exc.key != "err_index_no_data":
            raise
        notes = " ".join(dict.fromkeys(n for i, w in weights.items() if w > 0
                                       if (n := common.coverage_note(i, lang))))  # fmt: skip
        text = " ".join(p for p in (error_text(exc, lang), notes) if p)
        empty = pd.DataFrame(columns=["region_code", "region_name", "year", "index"])
        return figures.message_figure(text, lang), pd.DataFrame(), empty
    main = res[res["region_code"] == codes[0]].sort_values("year")
    if main["index"].notna().sum() == 0:
        return figures.message_figure(t("index_empty", lang), lang), pd.DataFrame(), res
    long = indices.contributions(main)
    long["component"] = long["component"].map(lambda i: registry.name(registry.get(i), lang))
    name = str(main["region_name"].iloc[0])
    title = f"{t('index_' + kind, lang)} — {name}"
    shown = pd.concat([_series_or_empty(i, codes) for i in weights if weights[i] > 0])
    others = []
    for k, (code, sub) in enumerate(res[res["region_code"] != codes[0]].groupby("region_code")):
        sub = sub.sort_values("year")
        level = "GM" if code.startswith("GM") else "NL" if code.startswith("NL") else "WK"
        label = figures.series_label(code, str(sub["region_name"].iloc[0]), level, lang, {})
        others.append({
            "x": sub["year"], "y": sub["index"], "mode": "lines", "name": label,
            "line": {"dash": "dot" if level != "WK" else "solid",
                     "color": figures.PALETTE[(k + 4) % len(figures.PALETTE)]},
            "text": [fmt_num(v, lang, decimals=2, signed=True) for v in sub["index"]],
            "hovertemplate": f"<b>{label}</b><br>%{{x}}: %{{text}}<extra></extra>",
        })  # fmt: skip
    fig = figures.index_chart(
        main[["year", "index"]], long, title, lang, index_name=name,
        unit_label=t("index_unit", lang), source=common.source_text(shown, lang), others=others,
    )  # fmt: skip
    return fig, shown, res


def _series_or_empty(indicator: str, codes: list[str]) -> pd.DataFrame:
    """The component's series for the source line; empty when this copy has none of it."""
    from errors import IndicatorError

    try:
        return views.series(indicator, codes)
    except IndicatorError:
        return pd.DataFrame()


def latest_rows(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The latest value per region, labelled 'Charlois (2024)'."""
    latest = df.dropna(subset=["value"]).sort_values("year").groupby("region_code").tail(1)
    labels = [figures.series_label(r.region_code, r.region_name, r.region_level, lang, {})
              for r in latest.itertuples()]  # fmt: skip
    return latest.assign(
        label=[f"{lab} ({y})" for lab, y in zip(labels, latest["year"], strict=True)]
    )


def bars_figure(codes: list[str], indicator: str, lang: str):  # noqa: ANN201
    """Compare: the latest value of each region (and NL) as bars. Returns (figure, series, latest)."""
    ind = registry.get(indicator)
    df = views.series(indicator, [*codes, "NL00"])
    latest = latest_rows(df, lang)
    fig = figures.compare_bars(latest, t("compare_latest", lang, ind=registry.name(ind, lang)),
                               unit(ind.unit, lang), lang, unit=ind.unit,
                               source=common.source_text(latest, lang))  # fmt: skip
    return fig, df, latest


def region_options(text: str | None, current: list[str] | None, lang: str = "nl") -> list[dict]:
    """Dropdown options: the regions already chosen, then search hits for ``text`` (≥ 2 chars)."""
    from pages import finder

    keep = common.region_options(list(current or []), lang)
    hits = finder.local_rows(text, lang) if text and len(text) >= 2 else []
    seen = {o["value"] for o in keep}
    extra = []
    for r in hits:
        code = r["target"]
        if code and code not in seen and r["level"] in ("WK", "GM"):
            extra.append({"label": r["label"], "value": code})
            seen.add(code)
    return keep + extra


# --- page-side data helpers (candidates for indicators/views.py) ------------------------------


def rank_info(indicator: str, code: str, year: int) -> tuple[int | None, int]:
    """(rank of ``code`` among all regions of its level in ``year`` — 1 = best —, N ranked)."""
    level = "GM" if code.startswith("GM") else "WK"
    vals = views.map_values(indicator, year, level)
    n = int(vals["value"].notna().sum())
    hit = vals.loc[vals["code"] == code, "rank"]
    if hit.empty or pd.isna(hit.iloc[0]):
        return None, n
    return int(hit.iloc[0]), n


def rank_text(rank: int | None, n: int, lang: str) -> str:
    if rank is None:
        return "—"
    return t("rank_of", lang, r=fmt_num(rank, lang, decimals=0), n=fmt_num(n, lang, decimals=0))


def trend_reading(own: pd.DataFrame, indicator: str, lang: str, base_year: int = 2012) -> str:
    """One plain-language line on a series: 'Sinds 2012 verbeterd (significant): +0,12 (2012–2024)'.

    Direction from the change between the first and last year with a value (polarity-aware);
    'significant' when the Mann–Kendall test of :func:`indicators.trends.theil_sen` says so
    (p < 0.05 with at least 4 years). Both come precomputed from the store (views.trend)."""
    ind = registry.get(indicator)
    own = own[own["value"].notna()]
    if own.empty:
        return t("too_few_years", lang)
    tr = views.trend(indicator, str(own["region_code"].iloc[0]))  # precomputed in the store
    if tr is None or tr.get("abs_change") is None or tr.get("last_year") is None:
        return t("too_few_years", lang)
    delta = float(tr["abs_change"])
    y0, y1 = int(tr["first_year"]), int(tr["last_year"])
    verdict = str(tr["verdict"])
    significant = verdict in (trends.VERDICT_IMPROVING, trends.VERDICT_DECLINING,
                              trends.VERDICT_INCREASING, trends.VERDICT_DECREASING)  # fmt: skip
    if verdict == trends.VERDICT_TOO_FEW:
        sig = t("too_few_years", lang)
    else:
        sig = t("significant" if significant else "not_significant", lang)
    if abs(delta) < 1e-12:
        head = t("since_same", lang, y=y0)
    elif ind.polarity == 0:
        head = t("since_increased" if delta > 0 else "since_decreased", lang, y=y0)
    else:
        better = delta * ind.polarity > 0
        head = t("since_improved" if better else "since_worsened", lang, y=y0)
    change = fmt_value(delta, ind.unit, lang, signed=True)
    return f"{head} ({sig}): {t('reading_change', lang, change=change, y0=y0, y1=y1)}"


def wijk_view(codes: list[str]) -> tuple[dict[str, float], float]:
    """Map centre and zoom that show ``codes`` (their joint bounding box)."""
    boxes = [b for c in codes if (b := views.region_boxes().get(c))]
    if not boxes:
        return {"lat": 52.2, "lon": 5.3}, 6.2
    arr = np.array(boxes)
    lon0, lat0, lon1, lat1 = arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()
    span = max(lon1 - lon0, (lat1 - lat0) * 1.6, 0.01)
    zoom = float(np.clip(np.log2(360 / span) - 0.9, 6, 14))
    return {"lat": float((lat0 + lat1) / 2), "lon": float((lon0 + lon1) / 2)}, zoom
