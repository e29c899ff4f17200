"""Small layout helpers shared by the pages: links that keep the language, error pages, trust lines."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from errors import WijkpeilError
from indicators import registry, views
from pages import ids
from pages.i18n import t

CODE_RE = re.compile(r"^(WK\d{4}[0-9A-Z]{2}|GM\d{4}|NL00|NPLV:.{1,60}|REST:.{1,60})$")
MAX_CODES = 6


def href(path: str, lang: str = "nl", **params: object) -> str:
    """A site link that keeps the language (and drops empty parameters)."""
    q = {k: v for k, v in params.items() if v not in (None, "", [])}
    if lang == "en":
        q["lang"] = "en"
    return path + ("?" + urlencode(q) if q else "")


def parse_codes(text: str | None, limit: int = MAX_CODES) -> list[str]:
    """Comma-separated region codes from a URL; malformed or excess codes raise WijkpeilError."""
    if not text:
        return []
    codes = [c.strip() for c in str(text).split(",") if c.strip()]
    if len(codes) > limit:
        raise WijkpeilError(f"at most {limit} regions can be shown at once; got {len(codes)}")
    bad = [c for c in codes if not CODE_RE.match(c)]
    if bad:
        raise WijkpeilError(
            f"malformed region code(s) {bad[:3]}; use codes such as WK059915 or GM0599"
        )
    return list(dict.fromkeys(codes))


def parse_year(text: str | int | None, indicator: str, level: str = "WK") -> int:
    if text in (None, ""):
        return views.default_year(indicator, level)
    try:
        year = int(str(text))
    except ValueError as exc:
        raise WijkpeilError(f"year {text!r} is not a number; use e.g. year=2024") from exc
    return views.check_year(indicator, year, level)


def error_page(exc: Exception, lang: str = "nl", title_key: str = "not_found") -> html.Div:
    """A helpful page instead of a traceback: what was wrong and where to go."""
    return html.Div(
        [
            html.H2(t(title_key, lang)),
            html.P(str(exc), className="error-detail"),
            dcc.Link(t("back_to_map", lang), href=href("/", lang)),
        ],
        className="error-page",
        id=ids.ERROR_PAGE,
    )


def banner(df: pd.DataFrame, lang: str = "nl") -> html.Div:
    """The unmissable synthetic banner (empty when everything shown is real)."""
    if not views.is_synthetic(df):
        return html.Div(id=ids.BANNER, hidden=True)
    return html.Div(
        t("synthetic_banner", lang), id=ids.BANNER, className="synthetic-banner", role="alert"
    )


def source_text(df: pd.DataFrame, lang: str = "nl", extra: str = "") -> str:
    """'Bron: <table ids> (<years>). <real|synthetic>' for the values actually shown."""
    srcs = ", ".join(views.sources(df)) or "—"
    span = views.year_span(df)
    kind = t("synthetic_data", lang) if views.is_synthetic(df) else t("real_data", lang)
    return f"{t('source', lang)}: {srcs} ({span}). {kind} {extra}".strip()


def indicator_options(lang: str, level: str = "WK") -> list[dict]:
    out = []
    for i in views.available(level):
        ind = registry.get(i)
        out.append({"label": f"{ind.theme} · {registry.name(ind, lang)}", "value": i})
    return out


def labels(lang: str) -> dict[str, str]:
    return {
        "gemeente": t("gemeente", lang),
        "rank": t("rank", lang),
        "WK": t("level_WK", lang),
        "GM": t("gemeente", lang),
        "NL": t("nl", lang),
        "AREA": t("area", lang),
        "REST": t("rest_gemeente", lang),
    }


def is_diverging(indicator: str) -> bool:
    ind = registry.get(indicator)
    return bool(getattr(ind, "diverging", ind.id in {"afw", "fys", "onv", "soc", "vrz", "won"}))
