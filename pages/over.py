"""About the data: what the store holds, from its manifest (sources, years, rows, build time)."""

from __future__ import annotations

import dash
from dash import dcc, html

from errors import WijkpeilError
from loaders import build, store
from pages import common
from pages.i18n import lang_of

dash.register_page(__name__, path="/over", title="Wijkpeil — over de data")

TEXT_NL = """
Wijkpeil leest alleen open data: CBS *Kerncijfers wijken en buurten* (KWB, 2012–2024), de politiecijfers
*Geregistreerde misdrijven* (47018NED, CBS dataderden), de wijk- en gemeentegrenzen van CBS/PDOK en de
*Leefbaarometer 3.0* (BZK). Zonder internet draait Wijkpeil op de echte bestanden in `../shared/data`;
wat daar ontbreekt wordt **synthetisch** aangevuld en overal zo gemarkeerd (kolom `synthetic`, banner).
"""
TEXT_EN = """
Wijkpeil reads open data only: CBS *Key figures for neighbourhoods* (KWB, 2012–2024), the police table
*Registered crime* (47018NED, CBS third-party catalog), CBS/PDOK boundaries and the *Leefbaarometer 3.0*
(BZK). Offline it runs on the real files in `../shared/data`; what is missing there is filled with
**synthetic** values, marked as such everywhere (column `synthetic`, banner).
"""


def layout(lang: str = "nl", **_: str) -> html.Div:
    lang = lang_of(lang)
    try:
        m = store.manifest()
    except WijkpeilError as exc:
        return common.error_page(exc, lang)
    return html.Div([
        dcc.Markdown(TEXT_EN if lang == "en" else TEXT_NL),
        html.H3("Store"),
        html.Pre(build.summary(m), id="manifest-summary"),
        html.P(f"synthetic rows: {m.get('synthetic_rows', 0):,} of {m.get('rows', 0):,}",
               className="synthetic-count" if m.get("synthetic_rows") else ""),
    ])  # fmt: skip
