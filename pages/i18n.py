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
    # --- server-level messages (pages/_server.py; issue 12). Keep this block last and together. ---
    "bad_request": ("Ongeldige adresregel", "Invalid address"),
    "err_repeated_param": (
        "De parameter '{name}' staat meer dan eens in de adresregel. Gebruik hem één keer, "
        "bijvoorbeeld {name}={example}.",
        "The parameter '{name}' appears more than once in the address. Use it once, "
        "for example {name}={example}.",
    ),
    "err_bad_param": (
        "De parameter '{name}' is te lang of bevat ongeldige tekens; pas de adresregel aan.",
        "The parameter '{name}' is too long or contains invalid characters; fix the address.",
    ),
    "err_param_conflict": (
        "'{name}' staat al in het pad van deze pagina; haal '{name}=…' uit de adresregel.",
        "'{name}' is already part of this page's path; remove '{name}=…' from the address.",
    ),
    "err_weight_range": (
        "Gewicht {value} voor '{name}' valt buiten het bereik: gebruik 0 of een getal van "
        "{low} tot en met {high}.",
        "Weight {value} for '{name}' is out of range: use 0 or a number from {low} to {high}.",
    ),
    "server_error": ("Er ging iets mis op de server", "Something went wrong on the server"),
    "server_error_text": (
        "Dit ligt niet aan u en het is bij ons gelogd. Probeer het later opnieuw.",
        "This is not your fault and it has been logged. Please try again later.",
    ),
    "store_unavailable": (
        "De gegevens zijn op dit moment niet beschikbaar. Probeer het over een paar minuten "
        "opnieuw.",
        "The data is not available right now. Please try again in a few minutes.",
    ),
    "http_not_found": (
        "Niet gevonden: dit adres bestaat niet. Begin op de kaart: /",
        "Not found: this address does not exist. Start at the map: /",
    ),
    "http_method": (
        "Deze methode ({method}) is hier niet toegestaan.",
        "This method ({method}) is not allowed here.",
    ),
    "http_too_large": ("De aanvraag is te groot.", "The request is too large."),
    "http_bad_request": ("Ongeldige aanvraag.", "Bad request."),
    "cb_not_json": (
        "Ongeldige callback-aanvraag: de inhoud is geen JSON-object.",
        "Invalid callback request: the body is not a JSON object.",
    ),
    "cb_content_type": (
        "Ongeldige callback-aanvraag: stuur de inhoud als application/json.",
        "Invalid callback request: send the body as application/json.",
    ),
    "cb_bad_shape": (
        "Ongeldige callback-aanvraag: veld '{field}' ontbreekt of heeft de verkeerde vorm.",
        "Invalid callback request: field '{field}' is missing or malformed.",
    ),
    "cb_unknown_output": (
        "Onbekende callback-uitvoer '{output}'; laad de pagina opnieuw.",
        "Unknown callback output '{output}'; reload the page.",
    ),
    "cb_bad_value": (
        "Ongeldige waarde voor {field}: verwacht {expected}.",
        "Invalid value for {field}: expected {expected}.",
    ),
    "cb_unknown_value": (
        "Onbekende waarde voor {field}; kies een van de aangeboden opties.",
        "Unknown value for {field}; choose one of the options offered.",
    ),
    "cb_out_of_range": (
        "Waarde voor {field} buiten het bereik: gebruik {low} tot en met {high}.",
        "Value for {field} out of range: use {low} to {high}.",
    ),
    "cb_too_large": (
        "Ongeldige callback-aanvraag: {field} is te groot of te diep genest.",
        "Invalid callback request: {field} is too large or too deeply nested.",
    ),
    "type_str": ("tekst", "text"),
    "type_int": ("een geheel getal", "a whole number"),
    "type_float": ("een getal", "a number"),
    "type_bool": ("waar/onwaar", "true/false"),
    "type_list": ("een lijst", "a list"),
    "type_dict": ("een object", "an object"),
    "type_none": ("leeg (null)", "empty (null)"),
    "type_or": (" of ", " or "),
    # --- end of the server-level block ---
}


def t(key: str, lang: str = "nl") -> str:
    """The interface string ``key`` in ``lang`` (Dutch when the language is unknown)."""
    nl, en = STRINGS[key]
    return en if lang == "en" else nl


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "nl"
