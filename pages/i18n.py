"""Everything a reader sees, in Dutch (first) and English: interface strings, themes, units, trend
and confidence words, page titles, errors, and THE number formatter (:func:`fmt_num`).

Indicator names and descriptions come from the registry (``name_nl``/``name_en``); everything else
goes through this module, so a page never shows a Dutch word in English mode or the reverse.
"""

from __future__ import annotations

import math

LANGS = ("nl", "en")
#: Thousands separator in Dutch: a narrow no-break space ("1 957"), never a point, so that a
#: Dutch reader cannot mistake 1.957 (one point nine five seven) for a thousand.
THIN = "\u202f"
MINUS = "\u2212"

STRINGS: dict[str, tuple[str, str]] = {
    # --- frame -------------------------------------------------------------------------------
    "tagline": (
        "Leefbaarheid en veiligheid per wijk sinds 2012",
        "Liveability and safety per neighbourhood since 2012",
    ),
    "skip_link": ("Naar de inhoud", "Skip to content"),
    "nav_label": ("Hoofdmenu", "Main menu"),
    "nav_map": ("Kaart", "Map"),
    "nav_trends": ("Trends", "Trends"),
    "nav_areas": ("NPLV-gebieden", "NPLV areas"),
    "nav_compare": ("Vergelijken", "Compare"),
    "nav_indices": ("Indices", "Indices"),
    "nav_data": ("Data", "Data"),
    "nav_method": ("Methode", "Methodology"),
    "nav_about": ("Over de data", "About the data"),
    "switch_lang": ("English", "Nederlands"),
    "switch_lang_label": ("Read this page in English", "Lees deze pagina in het Nederlands"),
    "footer": (
        "Wijkpeil · open source · bronnen: CBS (CC BY 4.0), politie via CBS (CC BY 4.0), "
        "Leefbaarometer 3.0 (BZK, CC0), grenzen en achtergrondkaart: PDOK/Kadaster",
        "Wijkpeil · open source · sources: CBS (CC BY 4.0), police via CBS (CC BY 4.0), "
        "Leefbaarometer 3.0 (BZK, CC0), boundaries and base map: PDOK/Kadaster",
    ),
    # --- page titles (browser tab and h1) --------------------------------------------------------
    "title_map": ("Kaart van alle wijken", "Map of every neighbourhood"),
    "title_trends": ("Trends sinds 2012", "Trends since 2012"),
    "title_compare": ("Wijken vergelijken", "Compare neighbourhoods"),
    "title_indices": ("Samengestelde indices", "Composite indices"),
    "title_data": ("Data downloaden voor onderzoek", "Download data for research"),
    "title_method": ("Hoe Wijkpeil werkt", "How Wijkpeil works"),
    "title_about": ("Over de data", "About the data"),
    "title_profile": ("Wijkprofiel", "Neighbourhood profile"),
    "title_not_found": ("Pagina niet gevonden", "Page not found"),
    "title_embed": ("ingesloten grafiek", "embedded chart"),
    "areas_title": (
        "De 20 focusgebieden van het Nationaal Programma Leefbaarheid en Veiligheid",
        "The 20 focus areas of the National Programme for Liveability and Safety",
    ),
    # --- controls ------------------------------------------------------------------------------
    "indicator": ("Indicator", "Indicator"),
    "indicators": ("Indicatoren", "Indicators"),
    "year": ("Jaar", "Year"),
    "years": ("Jaren", "Years"),
    "level": ("Niveau", "Level"),
    "level_WK": ("Wijken", "Neighbourhoods"),
    "level_GM": ("Gemeenten", "Municipalities"),
    "level_BU": ("Buurten", "Buurten (small areas)"),
    "level_wijk": ("Wijken", "Neighbourhoods"),
    "level_gemeente": ("Gemeenten", "Municipalities"),
    "level_area": (
        "NPLV-gebieden (met rest van de gemeente)",
        "NPLV areas (with rest of municipality)",
    ),
    "view": ("Weergave", "View"),
    "view_map": ("Kaart", "Map"),
    "view_table": ("Tabel", "Table"),
    "wijken": ("Wijken of gemeenten (max. 6)", "Neighbourhoods or municipalities (max. 6)"),
    "area": ("NPLV-gebied", "NPLV area"),
    "region_search": ("Typ een naam om te zoeken…", "Type a name to search…"),
    # --- find your wijk ---------------------------------------------------------------------
    "find_title": ("Vind je wijk", "Find your neighbourhood"),
    "find_label": (
        "Gemeente, wijk, buurt, postcode of adres",
        "Municipality, neighbourhood, postcode or address",
    ),
    "find_placeholder": (
        "bijv. Den Haag, Tarwewijk, 3083 of Dorpsstraat 1 Utrecht",
        "e.g. Den Haag, Tarwewijk, 3083 or Dorpsstraat 1 Utrecht",
    ),  # fmt: skip
    "find_none": ("Niets gevonden voor “{q}”.", "Nothing found for “{q}”."),
    "find_offline": (
        "Zoeken op postcode of adres heeft internet nodig (PDOK Locatieserver) en lukt nu niet. "
        "Zoek op de naam van je gemeente, wijk of buurt.",
        "Searching by postcode or address needs the internet (PDOK Locatieserver) and does not "
        "work right now. Search by the name of your municipality, neighbourhood or buurt.",
    ),
    "find_error": (
        "De PDOK Locatieserver gaf een fout ({status}); probeer het later opnieuw of zoek op naam.",
        "The PDOK Locatieserver returned an error ({status}); try again later or search by name.",
    ),
    "find_searching": ("Zoeken bij PDOK…", "Searching PDOK…"),
    "find_results": ("{n} resultaten", "{n} results"),
    "find_result_one": ("1 resultaat", "1 result"),
    "find_via": ("via {what}", "via {what}"),
    "find_not_in_2024": (
        "wijkcode {code} staat niet in de wijkindeling 2024",
        "neighbourhood code {code} is not in the 2024 boundaries",
    ),
    "lvl_GM": ("gemeente", "municipality"),
    "lvl_WK": ("wijk", "neighbourhood"),
    "lvl_BU": ("buurt", "buurt (small area)"),
    "in_gemeente": ("in {g}", "in {g}"),
    "buurt_in_wijk": ("buurt in wijk {w}", "buurt in neighbourhood {w}"),
    "alias_of": ("ook bekend als {a}", "also known as {a}"),
    # --- sharing -------------------------------------------------------------------------------
    "share": ("Delen en downloaden", "Share and download"),
    "copy_link": ("Kopieer link naar deze weergave", "Copy link to this view"),
    "copied": ("Gekopieerd", "Copied"),
    "embed": ("Insluiten op je eigen site", "Embed on your own site"),
    "embed_help": (
        "Kopieer deze code in je webpagina; de grafiek blijft bij Wijkpeil en toont altijd de "
        "bron.",
        "Paste this code into your web page; the chart stays at Wijkpeil and always shows its "
        "source.",
    ),
    "embed_code": ("Insluitcode", "Embed code"),
    "copy_code": ("Kopieer code", "Copy code"),
    "download": ("Download de getoonde gegevens", "Download the data shown"),
    "download_chart": ("Grafiek als afbeelding", "Chart as image"),
    "download_csv_chart": ("CSV van deze grafiek", "CSV of this chart"),
    "table_alt": ("Cijfers van deze grafiek als tabel", "Figures of this chart as a table"),
    "table_alt_map": ("Deze kaart als tabel", "This map as a table"),
    "map_as_table": (
        "Open de kaart als sorteerbare tabel met alle gebieden",
        "Open the map as a sortable table of all areas",
    ),
    "open_full": ("Open in Wijkpeil", "Open in Wijkpeil"),
    "table_caption": (
        "Dezelfde gegevens als de kaart, sorteerbaar en filterbaar.",
        "The same data as the map, sortable and filterable.",
    ),
    # --- map ---------------------------------------------------------------------------------
    "legend": ("Legenda", "Legend"),
    "no_data": ("geen gegevens", "no data"),
    "legend_higher_better": ("hoger is beter", "higher is better"),
    "legend_higher_worse": ("hoger is slechter", "higher is worse"),
    "legend_neutral": ("geen richting", "no direction"),
    "class_count": ("{n} gebieden", "{n} areas"),
    "class": ("Klasse", "Class"),
    "count": ("Aantal", "Number"),
    "classes_quantile": (
        "Klassen: kwantielen (ongeveer even veel gebieden per klasse), afgerond.",
        "Classes: quantiles (about as many areas per class), rounded.",
    ),
    "classes_fixed": (
        "Klassen: vaste, afgeronde grenzen (rond 0 = landelijk gemiddelde).",
        "Classes: fixed, rounded breaks (around 0 = national mean).",
    ),
    "classes_lbm_official": (
        "Klassen: de negen klassen van de Leefbaarometer.",
        "Classes: the Leefbaarometer's nine classes.",
    ),
    "classes_lbm_unknown": (
        "Klassen: negen kwantielen. De officiële klassengrenzen van de Leefbaarometer 3.0 "
        "(zeer onvoldoende … uitstekend) hebben we niet kunnen vinden; daarom tonen we geen "
        "klassennamen.",
        "Classes: nine quantiles. We could not find the official class boundaries of the "
        "Leefbaarometer 3.0 (very insufficient … excellent), so no class names are shown.",
    ),
    "basemap_note": (
        "Achtergrondkaart: BRT-Achtergrondkaart (PDOK/Kadaster), alleen met internet.",
        "Base map: BRT-Achtergrondkaart (PDOK/Kadaster), only with internet.",
    ),
    "rank_of": ("rang {r} van {n}", "rank {r} of {n}"),
    "rank": ("Rang", "Rank"),
    "rank_note": ("1 = beste", "1 = best"),
    "decile": ("{d}e tiende", "decile {d}"),
    "gemeente": ("gemeente", "municipality"),
    "Gemeente": ("Gemeente", "Municipality"),
    "name": ("Naam", "Name"),
    "code": ("Code", "Code"),
    "value": ("Waarde", "Value"),
    "unit": ("Eenheid", "Unit"),
    "nl": ("Nederland", "Netherlands"),
    "rest_gemeente": ("rest van de gemeente", "rest of the municipality"),
    "this_wijk": ("deze wijk", "this neighbourhood"),
    # --- sources and honesty ---------------------------------------------------------------
    "source": ("Bron", "Source"),
    "synthetic_word": ("synthetisch", "synthetic"),
    "real_data": ("Echte, gepubliceerde cijfers.", "Real, published figures."),
    "synthetic_data": ("SYNTHETISCHE cijfers (demo).", "SYNTHETIC figures (demo)."),
    "synthetic_banner": (
        "LET OP: (een deel van) de getoonde waarden is SYNTHETISCH — gegenereerd voor "
        "demonstratie, geen echte CBS-cijfers.",
        "WARNING: (some of) the values shown are SYNTHETIC — generated for demonstration, not "
        "real CBS figures.",
    ),
    "synthetic_key": (
        "Rode regels: (deels) synthetische waarden, geen echte cijfers.",
        "Red rows: (partly) synthetic values, not real figures.",
    ),
    "no_interp": ("Ontbrekende jaren zijn niet ingevuld.", "Missing years are not filled in."),
    "harmonised_note": (
        "Open rondjes: waarde omgerekend naar de wijkindeling 2024 (grenswijziging).",
        "Open circles: value reallocated to the 2024 neighbourhood boundaries (boundary change).",
    ),
    "method_exact": ("zelfde wijk", "same neighbourhood"),
    "method_recoded": ("nieuwe code, zelfde gebied", "new code, same area"),
    "method_reallocated": ("omgerekend naar grenzen 2024", "reallocated to 2024 boundaries"),
    "method_code-identity": ("gekoppeld op wijkcode", "matched on code"),
    "method_published": ("zoals gepubliceerd", "as published"),
    "method_area": ("gewogen gemiddelde van de wijken", "weighted mean of the neighbourhoods"),
    # --- errors ---------------------------------------------------------------------------
    "not_found": ("Deze weergave bestaat niet", "This view does not exist"),
    "unknown_wijk": ("Onbekende wijk", "Unknown neighbourhood"),
    "back_to_map": ("Naar de kaart", "Back to the map"),
    "error_callback": (
        "Dat lukte niet; de vorige weergave blijft staan:",
        "That did not work; the previous view is kept:",
    ),
    "not_found_text": (
        "Deze pagina bestaat niet. Kies een onderdeel in het menu of ga naar de kaart.",
        "This page does not exist. Choose a section in the menu or go to the map.",
    ),
    "err_unknown_indicator": (
        "Onbekende indicator “{value}”. Kies er een uit: {valid}.",
        "Unknown indicator “{value}”. Choose one of: {valid}.",
    ),
    "err_unknown_level": (
        "Onbekend niveau “{value}”. Gebruik level=WK (wijken) of level=GM (gemeenten).",
        "Unknown level “{value}”. Use level=WK (neighbourhoods) or level=GM (municipalities).",
    ),
    "err_unknown_view": (
        "Onbekende weergave “{value}”. Gebruik view=map of view=table.",
        "Unknown view “{value}”. Use view=map or view=table.",
    ),
    "err_year_not_number": (
        "Jaar “{value}” is geen getal. Gebruik bijvoorbeeld year=2024.",
        "Year “{value}” is not a number. Use for example year=2024.",
    ),
    "err_year_missing": (
        "Voor {indicator} zijn er geen gegevens in {value}. Kies een van deze jaren: {valid}.",
        "There is no {indicator} data for {value}. Choose one of these years: {valid}.",
    ),
    "err_too_many_regions": (
        "Er kunnen hoogstens {limit} gebieden tegelijk; je gaf er {n}.",
        "At most {limit} areas can be shown at once; you gave {n}.",
    ),
    "err_malformed_codes": (
        "Onjuiste gebiedscode(s) {value}. Gebruik codes zoals WK059915 (wijk), GM0599 (gemeente) "
        "of NPLV:Rotterdam-Zuid.",
        "Malformed area code(s) {value}. Use codes such as WK059915 (neighbourhood), GM0599 "
        "(municipality) or NPLV:Rotterdam-Zuid.",
    ),
    "err_unknown_region": (
        "Onbekende gebiedscode {value}. Gebruik een wijkcode uit de indeling 2024 (zoals "
        "WK059915) of een gemeentecode (zoals GM0599); zoek op naam op de kaartpagina.",
        "Unknown area code {value}. Use a 2024 neighbourhood code (such as WK059915) or a "
        "municipality code (such as GM0599); search by name on the map page.",
    ),
    "err_no_data_region": (
        "Geen gegevens over {indicator} voor {value}.",
        "No {indicator} data for {value}.",
    ),
    "err_unknown_area": (
        "Onbekend NPLV-gebied “{value}”. Kies een van: {valid}.",
        "Unknown NPLV area “{value}”. Choose one of: {valid}.",
    ),
    "err_unknown_kind": (
        "Onbekende index “{value}”. Kies leefbaarheid of veiligheid.",
        "Unknown index “{value}”. Choose leefbaarheid or veiligheid.",
    ),
    "err_too_many_indicators": (
        "Hoogstens {limit} indicatoren tegelijk; je gaf er {n}.",
        "At most {limit} indicators at once; you gave {n}.",
    ),
    "err_bad_years": (
        "Onjuiste jaren “{value}”. Gebruik bijvoorbeeld years=2012-2024.",
        "Malformed years “{value}”. Use for example years=2012-2024.",
    ),
    "err_index_codes": (
        "Geen indexwaarden voor {value} in deze gegevens; kies andere gebieden of onderdelen.",
        "No index values for {value} in this data; choose other areas or components.",
    ),
    "err_index_no_data": (
        "Deze kopie van de gegevens bevat geen cijfers voor de onderdelen van deze index; kies "
        "andere onderdelen (zie ‘Over de data’).",
        "This copy of the data holds no figures for the components of this index; choose other "
        "components (see ‘About the data’).",
    ),
    "err_export_empty": (
        "Geen cijfers voor deze keuze; kies andere indicatoren, jaren of gebieden.",
        "No figures for this selection; choose other indicators, years or areas.",
    ),
    "err_xlsx_rows": (
        "{rows} rijen zijn te veel voor een Excel-download; kies minder indicatoren, jaren of "
        "gebieden, of kies CSV of Parquet.",
        "{rows} rows are too many for an Excel download; choose fewer indicators, years or areas, "
        "or choose CSV or Parquet.",
    ),
    "err_format": (
        "Onbekend formaat “{fmt}”. Kies uit: {valid}.",
        "Unknown format “{fmt}”. Choose: {valid}.",
    ),
    "err_variant": ("Onbekende variant “{variant}”.", "Unknown variant “{variant}”."),
    "err_geojson_years": (
        "GeoJSON bevat één jaar; deze keuze heeft {years}. Kies één jaar.",
        "GeoJSON holds one year; this selection has {years}. Choose one year.",
    ),
    "err_no_regions": (
        "Geef gebieden op, bijvoorbeeld regions=WK059915,GM0599.",
        "Give areas, for example regions=WK059915,GM0599.",
    ),
    "err_store": (
        "De gegevens zijn (nog) niet beschikbaar. Probeer het later opnieuw.",
        "The data is not available (yet). Please try again later.",
    ),
    # --- trends and profile -------------------------------------------------------------------
    "no_regions": ("Kies minstens één gebied.", "Choose at least one area."),
    "profile": ("Wijkprofiel", "Neighbourhood profile"),
    "profile_intro": (
        "Hoe gaat het met {name}? De belangrijkste cijfers, vergeleken met {gemeente} en heel "
        "Nederland, en hoe ze zich sinds 2012 ontwikkelden.",
        "How is {name} doing? The key figures, compared with {gemeente} and the whole country, "
        "and how they developed since 2012.",
    ),
    "wijk_in": ("Wijk in de gemeente {g}", "Neighbourhood in the municipality of {g}"),
    "gemeente_profile": ("Gemeente", "Municipality"),
    "inhabitants": ("Inwoners", "Inhabitants"),
    "inhabitants_value": ("{n} inwoners ({y})", "{n} inhabitants ({y})"),
    "in_area": ("Hoort bij NPLV-focusgebied {a}", "Part of NPLV focus area {a}"),
    "where": ("Waar ligt de wijk?", "Where is it?"),
    "where_name": ("Waar ligt {name}?", "Where is {name}?"),
    "where_key": (
        "Donker: {name}; licht: de andere wijken van {g}.",
        "Dark: {name}; light: the other neighbourhoods of {g}.",
    ),
    "key_figures": ("Kerncijfers", "Key figures"),
    "key_figures_caption": (
        "Laatste jaar met gegevens; rang 1 = beste van alle wijken in dat jaar.",
        "Latest year with data; rank 1 = best of all neighbourhoods in that year.",
    ),
    "development": ("Ontwikkeling", "Development"),
    "lbm_block": (
        "Leefbaarheid volgens de Leefbaarometer",
        "Liveability according to the Leefbaarometer",
    ),
    "lbm_score": ("Score {v} in {y}", "Score {v} in {y}"),
    "lbm_class": ("klasse “{c}”", "class “{c}”"),
    "charts": ("Ontwikkeling sinds 2012", "Development since 2012"),
    "print": ("Afdrukken", "Print"),
    "more_views": ("Meer over deze wijk", "More about this neighbourhood"),
    "since_improved": ("Sinds {y} verbeterd", "Improved since {y}"),
    "since_worsened": ("Sinds {y} verslechterd", "Worsened since {y}"),
    "since_increased": ("Sinds {y} gestegen", "Increased since {y}"),
    "since_decreased": ("Sinds {y} gedaald", "Decreased since {y}"),
    "since_same": ("Sinds {y} nauwelijks veranderd", "Hardly changed since {y}"),
    "significant": ("significant", "significant"),
    "not_significant": ("niet significant", "not significant"),
    "too_few_years": ("te weinig jaren voor een trend", "too few years for a trend"),
    "reading_change": ("{change} ({y0}–{y1})", "{change} ({y0}–{y1})"),
    "verdict_improving": ("verbetert", "improving"),
    "verdict_declining": ("verslechtert", "declining"),
    "verdict_no clear trend": ("geen duidelijke trend", "no clear trend"),
    "verdict_too few years": ("te weinig jaren", "too few years"),
    "verdict_increasing": ("stijgt", "increasing"),
    "verdict_decreasing": ("daalt", "decreasing"),
    "suppressed": ("onderdrukt (te weinig inwoners)", "suppressed (too few inhabitants)"),
    "redirect_title": (
        "Deze wijkcode bestaat niet meer",
        "This neighbourhood code no longer exists",
    ),
    "redirect_text": (
        "De wijk met code {old} valt nu (grotendeels) onder:",
        "The neighbourhood with code {old} now (mostly) belongs to:",
    ),
    # --- areas -----------------------------------------------------------------------------
    "areas_intro": (
        "Halen de focusgebieden hun gemeente in? Per gebied: het gebied zelf, de rest van de "
        "gemeente en heel Nederland.",
        "Are the focus areas catching up with their municipality? Per area: the area itself, "
        "the rest of the municipality and the whole country.",
    ),
    "areas_overview": ("Alle 20 gebieden", "All 20 areas"),
    "areas_map": ("De wijken van {a}", "The neighbourhoods of {a}"),
    "areas_note": (
        "Gebieden en ‘rest van de gemeente’ zijn opgeteld uit hun wijken (tellers en noemers; "
        "scores gewogen met inwoners). De wijkenlijst per gebied is niet officieel: zie bron en "
        "zekerheid in de tabel.",
        "Areas and ‘rest of the municipality’ are summed from their neighbourhoods (numerators "
        "and denominators; scores weighted by inhabitants). The list of neighbourhoods per area "
        "is not official: see source and confidence in the table.",
    ),
    "confidence": ("zekerheid van de wijkenlijst", "confidence of the neighbourhood list"),
    "conf_high": ("hoog", "high"),
    "conf_medium": ("middel", "medium"),
    "conf_medium-low": ("middel tot laag", "medium to low"),
    "conf_low": ("laag", "low"),
    "source_inferred": (
        "afgeleid (geen officiële lijst gevonden)",
        "inferred (no official list found)",
    ),
    "n_wijken": ("wijken", "neighbourhoods"),
    "area_list_source": ("bron van de lijst", "source of the list"),
    # --- indices ---------------------------------------------------------------------------
    "index_leefbaarheid": ("Leefbaarheidsindex", "Liveability index"),
    "index_veiligheid": ("Veiligheidsindex", "Safety index"),
    "index_kind": ("Index", "Index"),
    "index_empty": (
        "Geen componenten met waarden voor deze regio; kies een andere wijk of andere gewichten.",
        "No components with values for this region; choose another neighbourhood or other weights.",
    ),
    "index_weights": ("Gewichten (0 = weglaten)", "Weights (0 = leave out)"),
    "index_help": (
        "Elke component is gestandaardiseerd (z-score t.o.v. alle wijken in het eerste jaar met "
        "gegevens) en zo gericht dat hoger beter is; de index is het gewogen gemiddelde.",
        "Each component is standardised (z-score against all neighbourhoods in its first year "
        "with data) and aligned so that higher is better; the index is the weighted mean.",
    ),
    "index_line": ("index", "index"),
    "index_unit": ("z-score (hoger = beter)", "z-score (higher = better)"),
    "contribution": ("bijdrage", "contribution"),
    "component": ("component", "component"),
    "better": ("hoger is beter", "higher is better"),
    "worse": ("hoger is slechter", "higher is worse"),
    # --- compare -----------------------------------------------------------------------------
    "compare_latest": ("{ind}: laatste jaar", "{ind}: latest year"),
    "compare_over_time": ("{ind}: sinds 2012", "{ind}: since 2012"),
    # --- data page -------------------------------------------------------------------------
    "data_intro": (
        "Alle wijken, gemeenten of NPLV-gebieden × jaren × indicatoren in één bestand, op de "
        "wijkindeling 2024. Dezelfde cijfers als `python -m indicators export`; elk bestand "
        "heeft een gegevenswoordenboek (id, naam, eenheid, brontabel, jaren, methode).",
        "All neighbourhoods, municipalities or NPLV areas × years × indicators in one file, on "
        "the 2024 boundaries. The same figures as `python -m indicators export`; every file has "
        "a data dictionary (id, name, unit, source table, years, method).",
    ),
    "data_level": ("Geografie", "Geography"),
    "data_indicators": ("Indicatoren (leeg = alle)", "Indicators (empty = all)"),
    "data_years": ("Jaren", "Years"),
    "data_regions": (
        "Gebieden: gemeenten en/of NPLV-gebieden (leeg = heel Nederland)",
        "Areas: municipalities and/or NPLV areas (empty = the whole country)",
    ),
    "data_download": ("Downloaden", "Download"),
    "data_csv": ("CSV (komma, punt als decimaalteken)", "CSV (comma separated, decimal point)"),
    "data_csv_nl": (
        "CSV voor Nederlandse Excel (puntkomma, decimale komma)",
        "CSV for Dutch Excel (semicolon, decimal comma)",
    ),
    "data_xlsx": ("Excel (XLSX, met woordenboek)", "Excel (XLSX, with data dictionary)"),
    "data_parquet": ("Parquet", "Parquet"),
    "data_link": ("Deze selectie als link", "This selection as a link"),
    "data_from": ("van", "from"),
    "data_to": ("tot en met", "to"),
    # --- about and method ----------------------------------------------------------------
    "about_store": ("Wat er in de database staat", "What the database holds"),
    "about_store_kind": ("Soort gegevens", "Kind of data"),
    "about_part": ("Tabel-jaar", "Table-year"),
    "about_table": ("Tabel", "Table"),
    "about_indeling": ("Indeling (jaar)", "Classification (year)"),
    "about_origin": ("Herkomst", "Origin"),
    "about_coverage_help": (
        "Per indicator en jaar: ‘echt’ als deze kopie gepubliceerde cijfers bevat (beweeg over een "
        "cel voor de brontabel), ‘ontbreekt’ als dat niet zo is. Ontbrekende jaren worden nooit "
        "aangevuld; met internettoegang haalt ‘python -m loaders update’ ze op.",
        "Per indicator and year: ‘real’ when this copy holds published figures (hover a cell for "
        "the source table), ‘missing’ when it does not. Missing years are never filled in; with "
        "internet access ‘python -m loaders update’ fetches them.",
    ),
    "about_source": ("Bron", "Source"),
    "about_why": ("Reden", "Reason"),
    "about_next": ("Wat te doen", "What to do"),
    "about_missing": ("Bronnen die niet geladen konden worden", "Sources that could not be loaded"),
    "about_unmatched": ("Wijken zonder vergelijkbare waarde", "Regions without a comparable value"),
    "about_unmatched_help": (
        "Een cijfer van een eerder jaar staat alleen bij een wijk van 2024 als het hetzelfde gebied "
        "is (zelfde grenzen, of dezelfde buurten en ongeveer evenveel inwoners). Deze gebieden van "
        "eerdere jaren zijn dat niet; hun cijfers worden niet getoond.",
        "A figure of an earlier year is shown for a 2024 region only when it is the same area "
        "(same boundaries, or the same buurten and about as many inhabitants). These regions of "
        "earlier years are not; their figures are not shown.",
    ),
    "about_unmatched_none": (
        "Alle gebieden van eerdere jaren zijn gekoppeld aan een wijk van 2024.",
        "Every region of an earlier year is matched to a 2024 region.",
    ),
    "about_code": ("Code", "Code"),
    "coverage_note": (
        "{publisher} publiceert dit vanaf {first}; deze kopie bevat {have}. Start met "
        "internettoegang (python -m loaders update) om de rest te laden.",
        "{publisher} publishes this from {first}; this copy holds {have}. Start with internet "
        "access (python -m loaders update) to load the rest.",
    ),
    "none_word": ("geen jaren", "no years"),
    "about_sources": ("Bronnen per tabel", "Sources per table"),
    "about_coverage": ("Dekking per indicator en jaar", "Coverage per indicator and year"),
    "coverage_real": ("echt", "real"),
    "coverage_missing": ("ontbreekt", "missing"),
    "coverage_synthetic": ("synthetisch", "synthetic"),
    "about_key": ("Sleutel", "Key"),
    "about_value": ("Waarde", "Value"),
    "about_built": ("Gebouwd op", "Built at"),
    "about_rows": ("Rijen", "Rows"),
    "about_rows_title": ("Rijen per jaar en niveau", "Rows per year and level"),
    "choose": ("Kies…", "Choose…"),
    "about_synthetic_rows": ("Synthetische rijen", "Synthetic rows"),
    "about_source_kind": ("Soort bron", "Kind of source"),
    "method_intro": (
        "Wat elke indicator betekent, hoe gebieden en trends worden berekend, en wat de cijfers "
        "niet kunnen zeggen.",
        "What each indicator means, how areas and trends are computed, and what the figures "
        "cannot tell.",
    ),
    "method_toc": ("Op deze pagina", "On this page"),
    "method_indicators": ("De indicatoren", "The indicators"),
    "method_formula": ("Berekening", "Computation"),
    "method_polarity": ("Richting", "Direction"),
    "method_sources": ("Bron", "Source"),
    "method_description": ("Wat het meet", "What it measures"),
    "theme": ("Thema", "Theme"),
    "neutral": ("context, geen richting", "context, no direction"),
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

#: Prose of /methode and /over (paragraph lists per language).
PROSE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "m_what": (
        (
            "Wijkpeil laat zien hoe leefbaarheid en veiligheid van elke Nederlandse wijk zich sinds "
            "2012 ontwikkelden. Alle cijfers zijn open data: de Kerncijfers wijken en buurten van het "
            "CBS, de door de politie geregistreerde misdrijven (CBS-tabel 47018NED) en de "
            "Leefbaarometer 3.0 van het ministerie van BZK.",
            "Wijkpeil berekent zelf alleen verhoudingen uit gepubliceerde aantallen (bijvoorbeeld "
            "misdrijven per 1 000 inwoners) en neemt gepubliceerde gemiddelden en scores ongewijzigd "
            "over. Er wordt niets geschat of bijgevuld: een ontbrekend jaar blijft een gat in de lijn.",
        ),
        (
            "Wijkpeil shows how liveability and safety of every Dutch neighbourhood (wijk) developed "
            "since 2012. All figures are open data: CBS's Key figures for neighbourhoods, crimes "
            "registered by the police (CBS table 47018NED) and the Leefbaarometer 3.0 of the Ministry "
            "of the Interior.",
            "Wijkpeil itself only computes ratios from published counts (e.g. crimes per 1,000 "
            "inhabitants) and takes published means and scores unchanged. Nothing is estimated or "
            "filled in: a missing year stays a gap in the line.",
        ),
    ),
    "m_areas": (
        (
            "Een gemeente of NPLV-gebied krijgt geen gemiddelde van wijkcijfers maar wordt opnieuw "
            "berekend: voor verhoudingen tellen we tellers en noemers op (alle misdrijven gedeeld "
            "door alle inwoners), gepubliceerde gemiddelden en scores wegen we met het aantal "
            "inwoners (of woningen of huishoudens, zie de tabel), aantallen tellen we op.",
            "De ‘rest van de gemeente’ is de gemeente zonder de wijken van het focusgebied. Welke "
            "wijken bij een focusgebied horen is niet officieel vastgelegd; de pagina NPLV-gebieden "
            "noemt per gebied de bron en hoe zeker de lijst is.",
            "Wijkgrenzen veranderen. Alle reeksen staan op de wijkindeling van 2024: cijfers van "
            "wijken die van vorm veranderden zijn naar rato van de overlap omgerekend (open rondjes "
            "in de grafieken).",
        ),
        (
            "A municipality or NPLV area does not get an average of neighbourhood figures but is "
            "computed anew: for ratios we add up numerators and denominators (all crimes divided by "
            "all inhabitants), published means and scores are weighted by inhabitants (or dwellings "
            "or households, see the table), counts are added up.",
            "The ‘rest of the municipality’ is the municipality without the neighbourhoods of the "
            "focus area. Which neighbourhoods belong to a focus area is not officially recorded; the "
            "NPLV areas page gives the source and confidence of every list.",
            "Boundaries change. Every series is on the 2024 neighbourhood boundaries: figures of "
            "neighbourhoods that changed shape are reallocated by their overlap (open circles in the "
            "charts).",
        ),
    ),
    "m_trends": (
        (
            "De verandering sinds 2012 is het verschil tussen het laatste jaar met een waarde en "
            "2012 (of het eerste latere jaar met een waarde). ‘Verbeterd’ of ‘verslechterd’ houdt "
            "rekening met de richting: minder misdrijven is een verbetering.",
            "Of een ontwikkeling ‘significant’ is toetsen we met de Mann-Kendall-toets (p < 0,05, "
            "minstens vier jaren); de helling is de Theil-Sen-schatter. Beide zijn robuust tegen "
            "uitschieters en vragen geen rechte lijn. ‘Niet significant’ betekent: de jaren "
            "schommelen te veel om van een trend te spreken.",
        ),
        (
            "The change since 2012 is the difference between the latest year with a value and 2012 "
            "(or the first later year with a value). ‘Improved’ or ‘worsened’ takes the direction "
            "into account: fewer crimes is an improvement.",
            "Whether a development is ‘significant’ is tested with the Mann–Kendall test (p < 0.05, "
            "at least four years); the slope is the Theil–Sen estimator. Both are robust to outliers "
            "and do not assume a straight line. ‘Not significant’ means: the years vary too much to "
            "speak of a trend.",
        ),
    ),
    "m_maps": (
        (
            "Kaarten tonen klassen, geen vloeiende kleurschaal: bij de meeste indicatoren vijf "
            "klassen met ongeveer even veel wijken (kwantielen), afgerond op leesbare getallen. "
            "Afwijkingen van het landelijk gemiddelde van de Leefbaarometer hebben vaste klassen rond "
            "0. Wijken zonder cijfer staan grijs in de klasse ‘geen gegevens’.",
            "De Leefbaarometer publiceert negen klassen (zeer onvoldoende … uitstekend). De "
            "officiële grenzen van die klassen voor de totaalscore hebben we niet gevonden; tot dan "
            "toont Wijkpeil negen kwantielklassen zonder die namen.",
        ),
        (
            "Maps show classes, not a continuous colour scale: for most indicators five classes with "
            "about as many neighbourhoods each (quantiles), rounded to readable numbers. Leefbaarometer "
            "deviations from the national mean have fixed classes around 0. Neighbourhoods without a "
            "figure are grey, in the class ‘no data’.",
            "The Leefbaarometer publishes nine classes (very insufficient … excellent). We did not "
            "find the official boundaries of these classes for the total score; until then Wijkpeil "
            "shows nine quantile classes without those names.",
        ),
    ),
    "m_limits": (
        (
            "Geregistreerde misdrijven zijn niet alle misdrijven: aangiftebereidheid en "
            "politie-inzet verschillen per plaats en jaar. Per inwoner rekenen maakt wijken met veel "
            "bezoekers (centra, winkelgebieden) ongunstiger dan ze voor bewoners zijn.",
            "De Leefbaarometer is een statistische voorspelling op basis van omgevingskenmerken, "
            "geen meting van hoe bewoners hun wijk ervaren. Kleine wijken hebben onzekere cijfers; "
            "onder de publicatiedrempel tonen we niets.",
            "Cijfers zeggen niet waaróm een wijk verandert. Gebruik ze als signaal en vraag door bij "
            "wie de wijk kent.",
        ),
        (
            "Registered crimes are not all crimes: willingness to report and police effort differ "
            "by place and year. Rates per inhabitant make neighbourhoods with many visitors (centres, "
            "shopping areas) look worse than they are for residents.",
            "The Leefbaarometer is a statistical prediction from features of the environment, not a "
            "measurement of how residents experience their neighbourhood. Small neighbourhoods have "
            "uncertain figures; below the publication threshold we show nothing.",
            "Figures do not say why a neighbourhood changes. Use them as a signal and ask people who "
            "know the neighbourhood.",
        ),
    ),
    "m_synthetic": (
        (
            "Zonder internet draait Wijkpeil op de echte bestanden die beschikbaar zijn; wat "
            "ontbreekt wordt in een demonstratie-opstelling synthetisch aangevuld. Synthetische "
            "cijfers zijn nooit echte cijfers: ze staan met een rode waarschuwing op elke pagina, "
            "in rood in tabellen en met een kolom ‘synthetic’ in elke download."
        ),
        (
            "Without internet Wijkpeil runs on the real files available; in a demonstration set-up "
            "what is missing is filled synthetically. Synthetic figures are never real figures: they "
            "carry a red warning on every page, are red in tables and have a ‘synthetic’ column in "
            "every download."
        ),
    ),
    "o_intro": (
        (
            "Wijkpeil leest alleen open data: de CBS Kerncijfers wijken en buurten (2012–2024), de "
            "politiecijfers Geregistreerde misdrijven (47018NED), de wijk- en gemeentegrenzen van "
            "CBS/PDOK en de Leefbaarometer 3.0 (BZK). Hieronder staat wat de database van deze "
            "installatie bevat."
        ),
        (
            "Wijkpeil reads open data only: CBS Key figures for neighbourhoods (2012–2024), the "
            "police table Registered crime (47018NED), CBS/PDOK boundaries and the Leefbaarometer 3.0 "
            "(Ministry of the Interior). Below is what the database of this installation holds."
        ),
    ),
}

METHOD_SECTIONS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("m_what", ("Wat Wijkpeil laat zien", "What Wijkpeil shows")),
    ("indicators", ("De indicatoren", "The indicators")),
    (
        "m_areas",
        ("Gemeenten, focusgebieden en grenzen", "Municipalities, focus areas and boundaries"),
    ),
    ("m_trends", ("Verandering en trend", "Change and trend")),
    ("m_maps", ("Kaartklassen", "Map classes")),
    ("m_limits", ("Wat de cijfers niet zeggen", "What the figures do not tell")),
    ("m_synthetic", ("Echte en synthetische cijfers", "Real and synthetic figures")),
)


def prose(key: str, lang: str = "nl") -> tuple[str, ...]:
    """Paragraphs of a prose block (a single string counts as one paragraph)."""
    nl, en = PROSE[key]
    out = en if lang == "en" else nl
    return (out,) if isinstance(out, str) else tuple(out)


THEMES_EN: dict[str, str] = {
    "veiligheid": "Safety",
    "sociaal-economisch perspectief": "Socio-economic prospects",
    "sociale basis": "Social foundation",
    "wonen en leefomgeving": "Housing and living environment",
    "energie": "Energy",
}

#: Registry units (Dutch, as published) → how they are shown in each language.
UNITS: dict[str, tuple[str, str]] = {
    "per 1 000 inwoners": (f"per 1{THIN}000 inwoners", "per 1,000 inhabitants"),
    "x 1 000 euro": (f"× 1{THIN}000 euro", "× 1,000 euro"),
    "%": ("%", "%"),
    "aantal": ("aantal", "number"),
    "aantal inwoners per km²": ("inwoners per km²", "inhabitants per km²"),
    "km": ("km", "km"),
    "m³": ("m³", "m³"),
    "kWh": ("kWh", "kWh"),
    "score": ("score", "score"),
}
#: Decimals shown per unit (None: by magnitude).
UNIT_DECIMALS: dict[str, int | None] = {
    "per 1 000 inwoners": 1, "x 1 000 euro": 1, "%": 1, "aantal": 0,
    "aantal inwoners per km²": 0, "km": 1, "m³": 0, "kWh": 0, "score": None,
}  # fmt: skip


def t(key: str, lang: str = "nl", **params: object) -> str:
    """The interface string ``key`` in ``lang`` (Dutch when the language is unknown)."""
    nl, en = STRINGS[key]
    text = en if lang == "en" else nl
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in STRINGS


def lang_of(value: object) -> str:
    """'en' or 'nl' from a URL parameter (anything else, including lists, is Dutch)."""
    return value if value in LANGS else "nl"  # type: ignore[return-value]


def request_lang() -> str:
    """The language of the current request: ``?lang=`` of a page request, or of the page URL
    inside a Dash callback (the router callback carries it in its ``search`` input)."""
    try:
        import flask

        if flask.request.args.get("lang"):
            return lang_of(flask.request.args.get("lang"))
        body = flask.request.get_json(silent=True) or {}
        for item in body.get("inputs", []) or []:
            if isinstance(item, dict) and item.get("property") == "search":
                from urllib.parse import parse_qs

                q = parse_qs(str(item.get("value") or "").lstrip("?"))
                return lang_of((q.get("lang") or ["nl"])[-1])
    except (RuntimeError, ImportError, TypeError, ValueError):
        pass
    return "nl"


def page_title(key: str):  # noqa: ANN201 - a Dash Pages title function
    """A ``dash.register_page(title=...)`` function: the page's title in the request language."""

    def title(**_: object) -> str:
        return f"{t(key, request_lang())} — Wijkpeil"

    return title


# --- numbers ----------------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def auto_decimals(value: float) -> int:
    """Decimals that show a value's precision without noise (4.15, 32.5, 1 957, 0.038)."""
    a = abs(value)
    if a >= 100 or a == 0:
        return 0
    if a >= 10:
        return 1
    if a >= 1:
        return 2
    return min(4, max(2, 1 - math.floor(math.log10(a))))  # two significant digits: 0,12 · 0,038


def fmt_num(
    value: object,
    lang: str = "nl",
    *,
    decimals: int | None = None,
    unit: str | None = None,
    signed: bool = False,
) -> str:
    """THE number formatter of every page, hover text and table.

    Dutch: decimal comma and a narrow no-break space between thousands (``1 957,5``); English:
    decimal point and comma thousands (``1,957.5``). A real minus sign; ``+`` when ``signed``.
    Decimals: given, else by ``unit`` (see :data:`UNIT_DECIMALS`), else by magnitude. Missing
    values are an em dash.
    """
    if _is_missing(value):
        return "—"
    v = float(value)  # type: ignore[arg-type]
    if decimals is None:
        decimals = UNIT_DECIMALS.get(unit or "")
        if decimals is None:
            decimals = auto_decimals(v)
    text = f"{abs(v):,.{decimals}f}"
    if lang != "en":
        text = text.replace(",", THIN).replace(".", ",")
    if round(abs(v), decimals) == 0:  # never "−0,00"
        return text
    if v < 0:
        return MINUS + text
    return ("+" + text) if signed else text


def separators(lang: str) -> str:
    """Plotly ``layout.separators`` (decimal, thousands) matching :func:`fmt_num`."""
    return "." + "," if lang == "en" else "," + THIN


def unit(u: str, lang: str = "nl") -> str:
    """A registry unit as shown in ``lang``."""
    nl, en = UNITS.get(u, (u, u))
    return en if lang == "en" else nl


def fmt_value(value: object, u: str, lang: str = "nl", *, signed: bool = False) -> str:
    """A value with its unit: ``5,2%``, ``32,5 per 1 000 inwoners``, ``4,15`` (scores)."""
    num = fmt_num(value, lang, unit=u, signed=signed)
    if num == "—" or u in ("score", "aantal"):
        return num
    if u == "%":
        return f"{num}%"
    return f"{num} {unit(u, lang)}"


def theme(name: str, lang: str = "nl") -> str:
    """A registry theme as shown in ``lang`` (capitalised)."""
    if lang == "en":
        return THEMES_EN.get(name, name)
    return name[:1].upper() + name[1:]


def method(value: str, lang: str = "nl") -> str:
    """How a value came about (the ``method`` column), in words."""
    v = str(value or "")
    if v.startswith("weighted mean"):
        return t("method_area", lang)
    key = "method_" + v
    return t(key, lang) if key in STRINGS else v


def verdict(value: str, lang: str = "nl") -> str:
    key = "verdict_" + str(value)
    return t(key, lang) if key in STRINGS else str(value)


def confidence(value: str, lang: str = "nl") -> str:
    key = "conf_" + str(value)
    return t(key, lang) if key in STRINGS else str(value)


def error_text(exc: BaseException, lang: str = "nl") -> str:
    """A WijkpeilError in the reader's language: its ``key``/``params`` when the key is known
    here, else the error's own (English) message."""
    key = getattr(exc, "key", None)
    params = getattr(exc, "params", None) or {}
    if key and key in STRINGS:
        try:
            return t(key, lang, **{k: _param(v, lang) for k, v in params.items()})
        except (KeyError, IndexError):
            pass
    return str(exc)


def _param(value: object, lang: str) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def table_format(u: str, lang: str = "nl") -> object:
    """A DataTable number format with the same conventions as :func:`fmt_num` (separators and
    decimals per unit), so numeric columns still sort as numbers."""
    from dash.dash_table.Format import Format, Group, Scheme

    dec = UNIT_DECIMALS.get(u)
    dec = 3 if dec is None else dec
    return (
        Format(precision=dec, scheme=Scheme.fixed, group=Group.yes, groups=3)
        .group_delimiter("," if lang == "en" else THIN)
        .decimal_delimiter("." if lang == "en" else ",")
    )
