"""Interface strings, Dutch first, English available. Indicator names come from the registry."""

from __future__ import annotations

LANGS = ("nl", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "index_leefbaarheid": ("Leefbaarheidsindex", "Liveability index"),
    "index_veiligheid": ("Veiligheidsindex", "Safety index"),
    "index_empty": (
        "Geen componenten met waarden voor deze regio; kies een andere wijk of andere gewichten.",
        "No components with values for this region; choose another wijk or other weights.",
    ),
    "index_weights": ("Gewichten (0 = weglaten)", "Weights (0 = leave out)"),
    "index_help": (
        "Elke component is gestandaardiseerd (z-score t.o.v. alle wijken in het eerste jaar met "
        "gegevens) en zo gericht dat hoger beter is; de index is het gewogen gemiddelde.",
        "Each component is standardised (z-score against all wijken in its first year with data) "
        "and aligned so that higher is better; the index is the weighted mean.",
    ),
    "index_kind": ("Index", "Index"),
    "better": ("hoger is beter", "higher is better"),
    "worse": ("hoger is slechter", "higher is worse"),
    "tagline": (
        "Leefbaarheid en veiligheid per wijk sinds 2012",
        "Liveability and safety per neighbourhood since 2012",
    ),
    "nav_map": ("Kaart", "Map"),
    "nav_trends": ("Trends", "Trends"),
    "nav_areas": ("NPLV-gebieden", "NPLV areas"),
    "nav_compare": ("Vergelijken", "Compare"),
    "nav_indices": ("Indices", "Indices"),
    "nav_method": ("Methode", "Methodology"),
    "nav_about": ("Over de data", "About the data"),
    "switch_lang": ("English", "Nederlands"),
    "indicator": ("Indicator", "Indicator"),
    "year": ("Jaar", "Year"),
    "level": ("Niveau", "Level"),
    "level_WK": ("Wijken", "Neighbourhoods"),
    "level_GM": ("Gemeenten", "Municipalities"),
    "view_map": ("Kaart", "Map"),
    "view_table": ("Tabel", "Table"),
    "search": ("Zoek een wijk of gemeente…", "Search a neighbourhood or municipality…"),
    "embed": ("Insluiten", "Embed"),
    "embed_help": (
        "Kopieer deze code om de grafiek in een webpagina op te nemen:",
        "Copy this code to embed the chart in a web page:",
    ),
    "download": ("Download de getoonde data:", "Download the data shown:"),
    "source": ("Bron", "Source"),
    "synthetic_banner": (
        "LET OP: (een deel van) de getoonde waarden is SYNTHETISCH — gegenereerd voor demonstratie, geen echte CBS-cijfers.",
        "WARNING: (some of) the values shown are SYNTHETIC — generated for demonstration, not real CBS figures.",
    ),
    "real_data": ("Echte, gepubliceerde cijfers.", "Real, published figures."),
    "synthetic_data": ("SYNTHETISCHE cijfers (demo).", "SYNTHETIC figures (demo)."),
    "not_found": ("Deze weergave bestaat niet", "This view does not exist"),
    "back_to_map": ("Naar de kaart", "Back to the map"),
    "unknown_wijk": ("Onbekende wijk", "Unknown neighbourhood"),
    "gemeente": ("gemeente", "municipality"),
    "rank": ("rang", "rank"),
    "nl": ("Nederland", "Netherlands"),
    "area": ("NPLV-gebied", "NPLV area"),
    "rest_gemeente": ("rest van de gemeente", "rest of the municipality"),
    "wijken": ("Wijken (max. 6)", "Neighbourhoods (max. 6)"),
    "indicators": ("Indicatoren", "Indicators"),
    "no_interp": (
        "Ontbrekende jaren zijn niet geïnterpoleerd.",
        "Missing years are not interpolated.",
    ),
    "harmonised_note": (
        "Open symbolen: waarde herverdeeld naar de wijkindeling 2024 (grenswijziging).",
        "Open markers: value reallocated to the 2024 wijk boundaries (boundary change).",
    ),
    "profile": ("Wijkprofiel", "Neighbourhood profile"),
    "key_figures": ("Kerncijfers", "Key figures"),
    "value": ("waarde", "value"),
    "change": ("verandering sinds", "change since"),
    "trend": ("trend", "trend"),
    "improving": ("verbetert", "improving"),
    "declining": ("verslechtert", "declining"),
    "no clear trend": ("geen duidelijke trend", "no clear trend"),
    "suppressed": ("onderdrukt (te weinig inwoners)", "suppressed (too few inhabitants)"),
    "print": ("Afdrukken", "Print"),
    "weights": ("Gewichten (verschuif om het effect te zien)", "Weights (move to see the effect)"),
    "liveability_index": ("Leefbaarheidsindex", "Liveability index"),
    "safety_index": ("Veiligheidsindex", "Safety index"),
    "components": ("Componenten", "Components"),
    "error_callback": (
        "Er ging iets mis; de vorige weergave blijft staan:",
        "Something went wrong; the previous view is kept:",
    ),
    "confidence": ("zekerheid wijkenlijst", "confidence of the wijk list"),
    "areas_title": (
        "De 20 focusgebieden van het Nationaal Programma Leefbaarheid en Veiligheid",
        "The 20 focus areas of the National Programme for Liveability and Safety",
    ),
    "open_full": ("Open in Wijkpeil", "Open in Wijkpeil"),
    "table_caption": (
        "Dezelfde gegevens als de kaart, sorteerbaar.",
        "The same data as the map, sortable.",
    ),
    "legend_better": ("beter", "better"),
}


def t(key: str, lang: str = "nl") -> str:
    """The interface string ``key`` in ``lang`` (Dutch when the language is unknown)."""
    nl, en = STRINGS[key]
    return en if lang == "en" else nl


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "nl"
