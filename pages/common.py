"""Small helpers shared by the pages: links that keep the language, absolute URLs for embeds,
validated URL parameters (errors carry a translation key), error pages, trust lines."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from errors import WijkpeilError
from indicators import registry, views
from pages import ids
from pages.i18n import error_text, t, theme, unit

CODE_RE = re.compile(r"^(WK\d{4}[0-9A-Z]{2}|GM\d{4}|NL00|NPLV:.{1,60}|REST:.{1,60})$")
#: Regions a reader may pick at once (trends, compare, indices).
MAX_CODES = 6
#: Region codes in one download link: every line a chart draws (e.g. 20 areas + 20 rests + NL).
MAX_DOWNLOAD_CODES = 64


def href(path: str, lang: str = "nl", **params: object) -> str:
    """A site link that keeps the language (and drops empty parameters)."""
    q = {k: v for k, v in params.items() if v not in (None, "", [])}
    if lang == "en":
        q["lang"] = "en"
    return path + ("?" + urlencode(q, safe=",:") if q else "")


def absolute(path: str) -> str:
    """``path`` as an absolute URL of this site, built from the current request (for embed
    snippets that work when pasted anywhere). Outside a request: the path itself."""
    try:
        import flask

        root = flask.request.url_root
    except (RuntimeError, ImportError):
        return path
    return root.rstrip("/") + path


def parse_codes(text: str | None, limit: int = MAX_DOWNLOAD_CODES) -> list[str]:
    """Comma-separated region codes from a URL; malformed or excess codes raise WijkpeilError."""
    if not text:
        return []
    codes = [c.strip() for c in str(text).split(",") if c.strip()]
    if len(codes) > limit:
        raise WijkpeilError(
            f"at most {limit} regions can be shown at once; got {len(codes)}",
            key="err_too_many_regions", limit=limit, n=len(codes),
        )  # fmt: skip
    bad = [c for c in codes if not CODE_RE.match(c)]
    if bad:
        raise WijkpeilError(
            f"malformed region code(s) {bad[:3]}; use codes such as WK059915 or GM0599",
            key="err_malformed_codes", value=", ".join(bad[:3]),
        )  # fmt: skip
    return list(dict.fromkeys(codes))


def parse_selection(text: str | None) -> list[str]:
    """Codes a reader picked (at most :data:`MAX_CODES`)."""
    return parse_codes(text, limit=MAX_CODES)


def check_indicator(indicator: object) -> str:
    """A registry id, or a translatable error naming the valid ones."""
    if not isinstance(indicator, str) or indicator not in registry.ids():
        raise WijkpeilError(
            f"unknown indicator {indicator!r}; choose one of {sorted(registry.ids())}",
            key="err_unknown_indicator", value=indicator, valid=", ".join(registry.ids()),
        )  # fmt: skip
    return indicator


def check_level(level: object) -> str:
    if level not in views.LEVELS:
        raise WijkpeilError(
            f"unknown level {level!r}; use level=WK (wijken) or level=GM (gemeenten)",
            key="err_unknown_level", value=level,
        )  # fmt: skip
    return str(level)


def parse_year(text: str | int | None, indicator: str, level: str = "WK") -> int:
    """A year with data for ``indicator`` (default: the latest); errors name the valid years."""
    check_indicator(indicator)
    if text in (None, ""):
        return views.default_year(indicator, level)
    try:
        year = int(str(text))
    except ValueError as exc:
        raise WijkpeilError(
            f"year {text!r} is not a number; use e.g. year=2024",
            key="err_year_not_number", value=text,
        ) from exc  # fmt: skip
    ys = views.years(indicator, level)
    if year not in ys:
        raise WijkpeilError(
            f"year {year} has no {indicator!r} data at level {level}; choose one of {ys}",
            key="err_year_missing", value=year, indicator=indicator, valid=", ".join(map(str, ys)),
        )  # fmt: skip
    return year


def check_regions(codes: list[str]) -> list[str]:
    """Known region codes (wijk, gemeente, NL, NPLV:/REST: area codes), else a clear error."""
    known = set(views.regions()["region_code"])
    areas = set(views.area_names())
    for c in codes:
        if c.startswith(("NPLV:", "REST:")):
            if c.split(":", 1)[1] not in areas:
                raise WijkpeilError(
                    f"unknown NPLV area {c!r}", key="err_unknown_area", value=c.split(":", 1)[1],
                    valid=", ".join(sorted(areas)),
                )  # fmt: skip
        elif c not in known:
            raise WijkpeilError(f"unknown region code {c!r}", key="err_unknown_region", value=c)
    return codes


def error_page(exc: Exception, lang: str = "nl", title_key: str = "not_found") -> html.Div:
    """A helpful page instead of a traceback: what was wrong (in the reader's language)."""
    return html.Div(
        [
            html.H1(t(title_key, lang)),
            html.P(error_text(exc, lang), className="error-detail"),
            dcc.Link(t("back_to_map", lang), href=href("/", lang)),
        ],
        className="error-page",
        id=ids.ERROR_PAGE,
    )


def callback_error(exc: Exception, lang: str) -> str:
    return f"{t('error_callback', lang)} {error_text(exc, lang)}"


def banner(df: pd.DataFrame | None, lang: str = "nl") -> html.Div:
    """The unmissable synthetic banner (always present, hidden when everything shown is real, so
    a callback can show it again with its style intact)."""
    synthetic = df is not None and len(df) > 0 and views.is_synthetic(df)
    return html.Div(
        t("synthetic_banner", lang) if synthetic else "",
        id=ids.BANNER,
        className="synthetic-banner",
        role="alert",
        hidden=not synthetic,
    )


def source_text(
    df: pd.DataFrame, lang: str = "nl", extra: str = "", indicator: str | None = None
) -> str:
    """'Bron: <table ids> (<years>). <real|synthetic>' for the values actually shown."""
    if df is None or len(df) == 0:
        return ""
    all_src = views.sources(df)
    real = [x for x in all_src if not x.startswith("synthetic:")]
    syn = [x.split(":", 1)[1] for x in all_src if x.startswith("synthetic:")]
    srcs = ", ".join(real)
    if syn:
        more = f" +{len(syn) - 3}" if len(syn) > 3 else ""
        srcs = "; ".join(
            p for p in (srcs, f"{t('synthetic_word', lang)}: {', '.join(syn[:3])}{more}") if p
        )
    srcs = srcs or "—"
    span = views.year_span(df)
    kind = t("synthetic_data", lang) if views.is_synthetic(df) else t("real_data", lang)
    if "indicator" in df.columns:
        shown = [str(i) for i in pd.unique(df["indicator"].astype(str))]
    else:
        shown = [indicator] if indicator else []
    notes = [] if views.is_synthetic(df) else [coverage_note(i, lang) for i in shown]
    note = " ".join(dict.fromkeys(n for n in notes if n))
    tail = " ".join(p for p in (kind, extra, note) if p)
    return f"{t('source', lang)}: {srcs} ({span}). {tail}"


def coverage_note(indicator: str, lang: str = "nl") -> str:
    """Plain words when this copy holds fewer years than the publisher has (else '')."""
    try:
        gap = views.coverage_gap(indicator)
    except WijkpeilError:
        return ""
    if gap is None:
        return ""
    have = _years_text(gap["have"]) or t("none_word", lang)
    return t("coverage_note", lang, publisher=gap["publisher"], first=gap["from"], have=have)


def _years_text(years: list[int]) -> str:
    """[2012, 2013, 2014, 2023] -> '2012–2014, 2023'."""
    out, run = [], []
    for y in years:
        if run and y != run[-1] + 1:
            out.append(run)
            run = []
        run.append(y)
    if run:
        out.append(run)
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in out)


def indicator_label(indicator: str, lang: str) -> str:
    ind = registry.get(indicator)
    return registry.name(ind, lang)


def indicator_options(lang: str, level: str = "WK") -> list[dict]:
    out = []
    for i in views.available(level):
        ind = registry.get(i)
        out.append({"label": f"{theme(ind.theme, lang)} · {registry.name(ind, lang)}", "value": i})
    return out


def unit_label(indicator: str, lang: str) -> str:
    return unit(registry.get(indicator).unit, lang)


def level_labels(lang: str) -> dict[str, str]:
    """Names of series levels for legends."""
    return {
        "WK": t("level_WK", lang),
        "GM": t("gemeente", lang),
        "NL": t("nl", lang),
        "AREA": t("area", lang),
        "REST": t("rest_gemeente", lang),
    }


def region_label(row: object, lang: str) -> str:
    """'Charlois (Rotterdam)' for a wijk, 's-Gravenhage (gemeente)' for a gemeente."""
    name = getattr(row, "region_name", "")
    level = getattr(row, "region_level", "")
    if level == "GM":
        return f"{name} ({t('gemeente', lang)})"
    if level == "NL":
        return t("nl", lang)
    gm = getattr(row, "gemeente_name", "") or ""
    return f"{name} ({gm})" if gm else str(name)


def region_options(codes: list[str], lang: str) -> list[dict]:
    regs = views.regions()
    out = [{"label": region_label(r, lang), "value": r.region_code}
           for r in regs[regs["region_code"].isin(codes)].itertuples()]  # fmt: skip
    for c in codes:
        if c.startswith(("NPLV:", "REST:")):
            a = c.split(":", 1)[1]
            out.append({"label": a if c.startswith("NPLV") else f"{t('rest_gemeente', lang)} ({a})",
                        "value": c})  # fmt: skip
    return out


def is_diverging(indicator: str) -> bool:
    return isinstance(registry.get(indicator).classes, tuple)
