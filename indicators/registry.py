"""The indicator registry: the single source of truth for ids, names, units, sources and polarity.

Every indicator Wijkpeil shows, computes or exports is one :class:`Indicator` in :data:`REGISTRY`.
``indicators/compute.py`` derives values from it, ``indicators/methodology.py`` generates
``docs/methodology.md`` from it, and ``tests/test_registry.py`` checks that every variable stem
named here is one the loaders actually produce.

Aggregations (how a value is formed for a region and how region sets are aggregated):

* ``count`` — a published count; region sets sum it.
* ``rate`` — ``Σ numerator / Σ denominator × scale``, computed by Wijkpeil from published counts
  (also for region sets: summed numerators over summed denominators).
* ``mean`` — a published mean or percentage, passed through; region sets take the mean weighted by
  ``weight`` (e.g. income per inhabitant weighted by inhabitants).
* ``score`` — an external published score (Leefbaarometer), never re-derived; region sets take the
  mean weighted by ``weight`` (inhabitants).
"""

from __future__ import annotations

from dataclasses import dataclass

from errors import IndicatorError
from loaders.schema import crime_variable
from loaders.tables import CRIME_TABLE, CRIME_YEARS, KWB_TABLES

THEMES: tuple[str, ...] = (
    "veiligheid",
    "sociaal-economisch perspectief",
    "sociale basis",
    "wonen en leefomgeving",
    "energie",
)
THEME_EN: dict[str, str] = {
    "veiligheid": "safety",
    "sociaal-economisch perspectief": "socio-economic prospects",
    "sociale basis": "social foundation",
    "wonen en leefomgeving": "housing and living environment",
    "energie": "energy",
}
AGGREGATIONS: tuple[str, ...] = ("count", "rate", "mean", "score")
FAMILIES: tuple[str, ...] = ("kwb", "crime", "leefbaarometer")
POPULATION = "AantalInwoners"


@dataclass(frozen=True)
class Source:
    """A publisher table that feeds an indicator for the years ``first_year``–``last_year``."""

    first_year: int
    last_year: int
    table_id: str


@dataclass(frozen=True)
class Indicator:
    """One indicator.

    ``numerator`` and ``denominator`` are tuples of tidy variable stems that are *summed* (a
    plain stem is accepted and turned into a 1-tuple). For ``mean``/``score``/``count`` the
    numerator is the single published variable. ``polarity`` is +1 when higher is better, −1 when
    higher is worse and 0 for context variables without a normative direction.
    """

    id: str
    name_nl: str
    name_en: str
    unit: str
    theme: str
    polarity: int
    aggregation: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] | None = None
    scale: float = 1.0
    weight: str | None = None
    min_population: int = 0
    sources: tuple[Source, ...] = ()
    family: str = "kwb"
    description_nl: str = ""
    description_en: str = ""
    #: First year the publisher has the indicator's inputs (for "published from ..." notes).
    first_year: int = 2012
    #: Map class scheme: "quantile" (quantile classes with round breaks), "leefbaarometer" (the
    #: publisher's nine classes, see pages/classes.py) or a tuple of fixed, round class breaks.
    classes: tuple[float, ...] | str = "quantile"

    def __post_init__(self) -> None:
        if isinstance(self.numerator, str):
            object.__setattr__(self, "numerator", (self.numerator,))
        if isinstance(self.denominator, str):
            object.__setattr__(self, "denominator", (self.denominator,))

    @property
    def variable(self) -> str:
        """The (first) numerator stem; for Leefbaarometer indicators the published column."""
        return self.numerator[0]

    @property
    def stems(self) -> tuple[str, ...]:
        """Every tidy variable stem this indicator reads (numerator, denominator, weight)."""
        out = list(self.numerator) + list(self.denominator or ())
        if self.weight:
            out.append(self.weight)
        return tuple(dict.fromkeys(out))

    @property
    def source_table(self) -> str:
        """Human-readable source label, e.g. 'KWB 2012–2024 (CBS, CC BY 4.0)'."""
        return source_label(self)

    @property
    def formula(self) -> str:
        """The computation in one line (generated from the fields, so it cannot drift)."""
        return formula(self)


# --- sources ---------------------------------------------------------------------------------

KWB_SOURCES: tuple[Source, ...] = tuple(Source(y, y, t.table_id) for y, t in KWB_TABLES.items())
CRIME_SOURCES: tuple[Source, ...] = (
    Source(min(CRIME_YEARS), max(CRIME_YEARS), CRIME_TABLE.table_id),
)
LBM_SOURCES: tuple[Source, ...] = (Source(2002, 2024, "LBM3.0"),)
_LBM = "Leefbaarometer 3.0 (BZK, CC0)"

# --- crime groups (47018NED SoortMisdrijf keys, padding stripped) ------------------------------

#: Crime type groups as lists of 47018NED ``SoortMisdrijf`` keys. The groups do not overlap:
#: street robbery (1.4.6) and hold-ups (1.4.7) count as violent, not as property crime.
CRIME_GROUPS: dict[str, tuple[str, ...]] = {
    "criminaliteit": ("0.0.0",),
    # 1.4.x: zeden, moord/doodslag, openlijk geweld (persoon), bedreiging, mishandeling,
    # straatroof, overval
    "geweld": ("1.4.1", "1.4.2", "1.4.3", "1.4.4", "1.4.5", "1.4.6", "1.4.7"),
    # theft and burglary: woning, box/garage/schuur, uit/van motorvoertuigen, (brom)fietsen,
    # zakkenrollerij, overige voertuigen, diefstallen (water), overige vermogensdelicten,
    # diefstal/inbraak bedrijven, winkeldiefstal
    "vermogen": (
        "1.1.1",
        "1.1.2",
        "1.2.1",
        "1.2.2",
        "1.2.3",
        "1.2.4",
        "1.2.5",
        "1.5.2",
        "1.6.2",
        "2.5.1",
        "2.5.2",
    ),
    # vernieling/zaakbeschadiging, aantasting openbare orde, drugs/drankoverlast,
    # leefbaarheid (overig: lokaalvredebreuk), brand/ontploffing
    "vernieling": ("2.2.1", "3.6.4", "2.1.1", "2.7.3", "1.6.1"),
    "woninginbraak": ("1.1.1",),
}


#: Titles of the SoortMisdrijf keys used above, exactly as 47018NED publishes them
#: (tests/test_registry.py checks them against the table's own SoortMisdrijf metadata).
CRIME_KEY_TITLES: dict[str, str] = {
    "0.0.0": "Totaal misdrijven",
    "1.1.1": "1.1.1 Diefstal/inbraak woning",
    "1.1.2": "1.1.2 Diefstal/inbraak box/garage/schuur",
    "1.2.1": "1.2.1 Diefstal uit/vanaf motorvoertuigen",
    "1.2.2": "1.2.2 Diefstal van motorvoertuigen",
    "1.2.3": "1.2.3 Diefstal van brom-, snor-, fietsen",
    "1.2.4": "1.2.4 Zakkenrollerij",
    "1.2.5": "1.2.5 Diefstal af/uit/van ov. voertuigen",
    "1.4.1": "1.4.1 Zedenmisdrijf",
    "1.4.2": "1.4.2 Moord, doodslag",
    "1.4.3": "1.4.3 Openlijk geweld (persoon)",
    "1.4.4": "1.4.4 Bedreiging",
    "1.4.5": "1.4.5 Mishandeling",
    "1.4.6": "1.4.6 Straatroof",
    "1.4.7": "1.4.7 Overval",
    "1.5.2": "1.5.2 Diefstallen (water)",
    "1.6.1": "1.6.1 Brand/ontploffing",
    "1.6.2": "1.6.2 Overige vermogensdelicten",
    "2.1.1": "2.1.1 Drugs/drankoverlast",
    "2.2.1": "2.2.1 Vernieling cq. zaakbeschadiging",
    "2.5.1": "2.5.1 Diefstal/inbraak bedrijven enz.",
    "2.5.2": "2.5.2 Winkeldiefstal",
    "2.7.3": "2.7.3 Leefbaarheid (overig)",
    "3.6.4": "3.6.4 Aantasting openbare orde",
}


def _kwb(
    id: str,
    name_nl: str,
    name_en: str,
    unit: str,
    theme: str,
    polarity: int,
    aggregation: str,
    numerator: str | tuple[str, ...],
    *,
    denominator: str | tuple[str, ...] | None = None,
    scale: float = 1.0,
    weight: str | None = None,
    min_population: int = 0,
    description_nl: str = "",
    description_en: str = "",
    first_year: int = 2012,
) -> Indicator:
    return Indicator(
        id=id,
        name_nl=name_nl,
        name_en=name_en,
        unit=unit,
        theme=theme,
        polarity=polarity,
        aggregation=aggregation,
        numerator=numerator,
        denominator=denominator,
        scale=scale,
        weight=weight,
        min_population=min_population,
        sources=KWB_SOURCES,
        family="kwb",
        description_nl=description_nl,
        description_en=description_en,
        first_year=first_year,
    )


def _crime(id: str, name_nl: str, name_en: str, description_nl: str, description_en: str):
    return Indicator(
        id=id,
        name_nl=name_nl,
        name_en=name_en,
        unit="per 1 000 inwoners",
        theme="veiligheid",
        polarity=-1,
        aggregation="rate",
        numerator=tuple(crime_variable(k) for k in CRIME_GROUPS[id]),
        denominator=POPULATION,
        scale=1000.0,
        min_population=CRIME_MIN_POPULATION,
        sources=CRIME_SOURCES + KWB_SOURCES,
        family="crime",
        description_nl=description_nl,
        description_en=description_en,
    )


def _lbm(id: str, name_nl: str, name_en: str, theme: str, description_nl: str, description_en: str):
    return Indicator(
        id=id,
        name_nl=name_nl,
        name_en=name_en,
        unit="score",
        theme=theme,
        polarity=+1,
        aggregation="score",
        numerator=id,
        weight=POPULATION,
        sources=LBM_SOURCES,
        family="leefbaarometer",
        description_nl=description_nl,
        description_en=description_en,
        first_year=2002,
        # total score: the publisher's nine classes; deviations (afw, dimensions): fixed round
        # breaks symmetric around 0 (the national mean)
        classes="leefbaarometer"
        if id == "lbm"
        else (-0.2, -0.1, -0.05, -0.02, 0.02, 0.05, 0.1, 0.2),
    )


#: Publication threshold (inhabitants) for crime rates: smaller wijken are suppressed.
CRIME_MIN_POPULATION = 200
#: Publication threshold (inhabitants) for rates Wijkpeil computes from KWB counts.
RATE_MIN_POPULATION = 100

_SE = "sociaal-economisch perspectief"
_SB = "sociale basis"
_WL = "wonen en leefomgeving"
_HH = "HuishoudensTotaal"
_WV = "Woningvoorraad"

REGISTRY: tuple[Indicator, ...] = (
    # --- veiligheid ---------------------------------------------------------------------------
    _crime(
        "criminaliteit",
        "Geregistreerde misdrijven per 1 000 inwoners",
        "Registered crimes per 1,000 inhabitants",
        "Alle door de politie geregistreerde misdrijven (47018NED, totaal) per 1 000 inwoners.",
        "All police-registered crimes (47018NED, total) per 1,000 inhabitants.",
    ),
    _crime(
        "geweld",
        "Geweld- en zedenmisdrijven per 1 000 inwoners",
        "Violent and sexual offences per 1,000 inhabitants",
        "Zeden, moord/doodslag, openlijk geweld, bedreiging, mishandeling, straatroof en overval.",
        "Sexual offences, murder/manslaughter, public violence, threats, assault, street robbery "
        "and hold-ups.",
    ),
    _crime(
        "vermogen",
        "Vermogensmisdrijven (diefstal en inbraak) per 1 000 inwoners",
        "Property crime (theft and burglary) per 1,000 inhabitants",
        "Diefstal en inbraak: woning, schuur, voertuigen, fietsen, zakkenrollerij, bedrijven, "
        "winkels en overige vermogensdelicten (geen straatroof/overval: die vallen onder geweld).",
        "Theft and burglary: homes, sheds, vehicles, bicycles, pickpocketing, businesses, shops "
        "and other property crime (street robbery and hold-ups count as violent).",
    ),
    _crime(
        "vernieling",
        "Vernieling en openbare orde per 1 000 inwoners",
        "Vandalism and public order offences per 1,000 inhabitants",
        "Vernieling/zaakbeschadiging, aantasting openbare orde, drugs-/drankoverlast, "
        "lokaalvredebreuk en brandstichting/ontploffing.",
        "Vandalism/criminal damage, public order offences, drug and alcohol nuisance, "
        "trespass in premises and arson/explosions.",
    ),
    _crime(
        "woninginbraak",
        "Woninginbraken per 1 000 inwoners",
        "Residential burglaries per 1,000 inhabitants",
        "Diefstal/inbraak woning (1.1.1).",
        "Theft from / burglary of homes (1.1.1).",
    ),
    # --- sociaal-economisch perspectief ---------------------------------------------------------
    _kwb(
        "inkomen",
        "Gemiddeld inkomen per inwoner",
        "Average income per inhabitant",
        "x 1 000 euro",
        _SE,
        +1,
        "mean",
        "GemiddeldInkomenPerInwoner",
        weight=POPULATION,
        description_nl="Gemiddeld persoonlijk inkomen per inwoner (CBS, gepubliceerd).",
        description_en="Average personal income per inhabitant (CBS, as published).",
    ),
    _kwb(
        "laag_inkomen",
        "Huishoudens met laagste 40% inkomen",
        "Households in the lowest 40% income",
        "%",
        _SE,
        -1,
        "mean",
        "k_40HuishoudensMetLaagsteInkomen",
        weight=_HH,
        description_nl="Aandeel particuliere huishoudens in de laagste 40% van het landelijk "
        "gestandaardiseerd inkomen.",
        description_en="Share of private households in the national bottom 40% of standardised "
        "income.",
    ),
    _kwb(
        "laag_inkomen_hh",
        "Huishoudens met een laag inkomen",
        "Households with a low income",
        "%",
        _SE,
        -1,
        "mean",
        "HuishoudensMetEenLaagInkomen",
        weight=_HH,
        description_nl="Aandeel huishoudens onder de lage-inkomensgrens (CBS).",
        description_en="Share of households below the CBS low-income threshold.",
    ),
    _kwb(
        "sociaal_minimum",
        "Huishoudens onder of rond het sociaal minimum",
        "Households at or below the social minimum",
        "%",
        _SE,
        -1,
        "mean",
        "HuishOnderOfRondSociaalMinimum",
        weight=_HH,
        description_nl="Aandeel huishoudens met een inkomen tot 101% van het sociaal minimum.",
        description_en="Share of households with an income up to 101% of the social minimum.",
    ),
    _kwb(
        "bijstand",
        "Bijstandsuitkeringen per 1 000 inwoners",
        "Social assistance benefits per 1,000 inhabitants",
        "per 1 000 inwoners",
        _SE,
        -1,
        "rate",
        "PersonenPerSoortUitkeringBijstand",
        denominator=POPULATION,
        scale=1000.0,
        min_population=RATE_MIN_POPULATION,
        description_nl="Personen met een bijstandsuitkering per 1 000 inwoners.",
        description_en="Persons receiving social assistance (bijstand) per 1,000 inhabitants.",
    ),
    _kwb(
        "arbeidsparticipatie",
        "Netto arbeidsparticipatie",
        "Net labour participation",
        "%",
        _SE,
        +1,
        "mean",
        "Nettoarbeidsparticipatie",
        weight=POPULATION,
        description_nl="Werkzame beroepsbevolking als aandeel van de bevolking 15–74 jaar; "
        "gebieden wegen met het aantal inwoners (benadering).",
        description_en="Employed labour force as a share of the population aged 15–74; areas are "
        "weighted by inhabitants (approximation).",
    ),
    _kwb(
        "laag_opgeleid",
        "Laagopgeleiden",
        "Low education",
        "%",
        _SE,
        -1,
        "rate",
        "BasisonderwijsVmboMbo1",
        denominator=("BasisonderwijsVmboMbo1", "HavoVwoMbo24", "HboWo"),
        scale=100.0,
        min_population=RATE_MIN_POPULATION,
        first_year=2019,
        description_nl="Aandeel met hoogst behaald onderwijsniveau basisonderwijs, vmbo of mbo1 "
        "onder de inwoners 15–75 jaar met bekend onderwijsniveau.",
        description_en="Share with at most primary, pre-vocational or mbo1 education among "
        "inhabitants aged 15–75 with a known education level.",
    ),
    # --- sociale basis ------------------------------------------------------------------------
    _kwb(
        "jeugdzorg",
        "Jongeren met jeugdzorg",
        "Young people receiving youth care",
        "%",
        _SB,
        -1,
        "mean",
        "PercentageJongerenMetJeugdzorg",
        weight=POPULATION,
        first_year=2015,
        description_nl="Aandeel jongeren tot 23 jaar met jeugdzorg in natura; gebieden wegen met "
        "het aantal inwoners (benadering: het aantal jongeren is niet gepubliceerd).",
        description_en="Share of young people under 23 receiving youth care in kind; areas are "
        "weighted by inhabitants (approximation: the youth population is not published).",
    ),
    _kwb(
        "wmo",
        "Wmo-cliënten per 1 000 inwoners",
        "Wmo (social support) clients per 1,000 inhabitants",
        "per 1 000 inwoners",
        _SB,
        -1,
        "mean",
        "WmoClientenRelatief",
        weight=POPULATION,
        first_year=2015,
        description_nl="Personen met een maatwerkarrangement Wmo per 1 000 inwoners (gepubliceerd).",
        description_en="Persons with a tailored Wmo social-support arrangement per 1,000 "
        "inhabitants (as published).",
    ),
    _kwb(
        "eenpersoons",
        "Eenpersoonshuishoudens",
        "Single-person households",
        "%",
        _SB,
        -1,
        "rate",
        "Eenpersoonshuishoudens",
        denominator=_HH,
        scale=100.0,
        min_population=RATE_MIN_POPULATION,
        description_nl="Eenpersoonshuishoudens als aandeel van alle particuliere huishoudens "
        "(indicatie van risico op sociaal isolement).",
        description_en="Single-person households as a share of all private households (a proxy "
        "for the risk of social isolation).",
    ),
    # --- wonen en leefomgeving --------------------------------------------------------------------
    _kwb(
        "inwoners",
        "Aantal inwoners",
        "Inhabitants",
        "aantal",
        _WL,
        0,
        "count",
        POPULATION,
        description_nl="Aantal inwoners op 1 januari (context, geen normatieve richting).",
        description_en="Inhabitants on 1 January (context, no normative direction).",
    ),
    _kwb(
        "dichtheid",
        "Bevolkingsdichtheid",
        "Population density",
        "aantal inwoners per km²",
        _WL,
        0,
        "mean",
        "Bevolkingsdichtheid",
        weight="OppervlakteLand",
        description_nl="Inwoners per km² land; gebieden wegen met de landoppervlakte (exact).",
        description_en="Inhabitants per km² of land; areas are weighted by land area (exact).",
    ),
    _kwb(
        "woz",
        "Gemiddelde WOZ-waarde van woningen",
        "Average WOZ value of dwellings",
        "x 1 000 euro",
        _WL,
        +1,
        "mean",
        "GemiddeldeWOZWaardeVanWoningen",
        weight=_WV,
        description_nl="Gemiddelde WOZ-waarde (waardering onroerende zaken) van woningen.",
        description_en="Average official (WOZ) property value of dwellings.",
    ),
    _kwb(
        "koop",
        "Koopwoningen",
        "Owner-occupied dwellings",
        "%",
        _WL,
        +1,
        "mean",
        "Koopwoningen",
        weight=_WV,
        description_nl="Aandeel koopwoningen in de woningvoorraad.",
        description_en="Share of owner-occupied dwellings in the housing stock.",
    ),
    _kwb(
        "corporatie",
        "Corporatiewoningen",
        "Housing-corporation dwellings",
        "%",
        _WL,
        -1,
        "mean",
        "InBezitWoningcorporatie",
        weight=_WV,
        description_nl="Aandeel huurwoningen in bezit van een woningcorporatie; een hoog aandeel "
        "geldt (zoals in de Leefbaarometer) als risico op concentratie van kwetsbaarheid.",
        description_en="Share of dwellings owned by a housing corporation; a high share counts "
        "(as in the Leefbaarometer) as a risk of concentrated vulnerability.",
    ),
    _kwb(
        "afstand_huisarts",
        "Afstand tot huisartsenpraktijk",
        "Distance to GP practice",
        "km",
        _WL,
        -1,
        "mean",
        "AfstandTotHuisartsenpraktijk",
        weight=POPULATION,
        description_nl="Gemiddelde afstand over de weg tot de dichtstbijzijnde huisartsenpraktijk.",
        description_en="Average road distance to the nearest GP practice.",
    ),
    _kwb(
        "afstand_supermarkt",
        "Afstand tot grote supermarkt",
        "Distance to large supermarket",
        "km",
        _WL,
        -1,
        "mean",
        "AfstandTotGroteSupermarkt",
        weight=POPULATION,
        description_nl="Gemiddelde afstand over de weg tot de dichtstbijzijnde grote supermarkt.",
        description_en="Average road distance to the nearest large supermarket.",
    ),
    # --- energie ------------------------------------------------------------------------------
    _kwb(
        "aardgas",
        "Gemiddeld aardgasverbruik",
        "Average natural gas consumption",
        "m³",
        "energie",
        -1,
        "mean",
        "GemiddeldAardgasverbruikTotaal",
        weight=_WV,
        description_nl="Gemiddeld aardgasverbruik per woning per jaar.",
        description_en="Average natural gas consumption per dwelling per year.",
    ),
    _kwb(
        "elektriciteit",
        "Gemiddelde elektriciteitslevering",
        "Average electricity supply",
        "kWh",
        "energie",
        -1,
        "mean",
        "GemiddeldeElektriciteitsleveringTotaal",
        weight=_WV,
        description_nl="Gemiddelde elektriciteitslevering per woning per jaar.",
        description_en="Average electricity supplied per dwelling per year.",
    ),
    # --- Leefbaarometer 3.0 (external, never re-derived) -----------------------------------------
    _lbm(
        "lbm",
        "Leefbaarheid (Leefbaarometer-score)",
        "Liveability (Leefbaarometer score)",
        _WL,
        "Totaalscore leefbaarheid van de Leefbaarometer 3.0, zoals gepubliceerd.",
        "Leefbaarometer 3.0 total liveability score, as published.",
    ),
    _lbm(
        "afw",
        "Leefbaarheid t.o.v. landelijk gemiddelde",
        "Liveability vs national mean",
        _WL,
        "Afwijking van de score van het landelijk gemiddelde (lbm − landelijk gemiddelde), "
        "zoals gepubliceerd.",
        "Deviation of the score from the national mean (lbm − national mean), as published.",
    ),
    _lbm(
        "onv",
        "Overlast en onveiligheid (Leefbaarometer)",
        "Nuisance and unsafety (Leefbaarometer)",
        "veiligheid",
        "Dimensie overlast en onveiligheid (afwijking; hoger = veiliger), zoals gepubliceerd.",
        "Nuisance and unsafety dimension (deviation; higher = safer), as published.",
    ),
    _lbm(
        "fys",
        "Fysieke omgeving (Leefbaarometer)",
        "Physical environment (Leefbaarometer)",
        _WL,
        "Dimensie fysieke omgeving (afwijking), zoals gepubliceerd.",
        "Physical environment dimension (deviation), as published.",
    ),
    _lbm(
        "soc",
        "Sociale samenhang (Leefbaarometer)",
        "Social cohesion (Leefbaarometer)",
        _SB,
        "Dimensie sociale samenhang (afwijking), zoals gepubliceerd.",
        "Social cohesion dimension (deviation), as published.",
    ),
    _lbm(
        "vrz",
        "Voorzieningen (Leefbaarometer)",
        "Amenities (Leefbaarometer)",
        _WL,
        "Dimensie voorzieningen (afwijking), zoals gepubliceerd.",
        "Amenities dimension (deviation), as published.",
    ),
    _lbm(
        "won",
        "Woningvoorraad (Leefbaarometer)",
        "Housing stock (Leefbaarometer)",
        _WL,
        "Dimensie woningvoorraad (afwijking), zoals gepubliceerd.",
        "Housing stock dimension (deviation), as published.",
    ),
)
_BY_ID = {i.id: i for i in REGISTRY}

#: The Leefbaarometer indicators only (what the map page can show from the LBM wijk file).
LEEFBAAROMETER: tuple[Indicator, ...] = tuple(i for i in REGISTRY if i.family == "leefbaarometer")


def ids() -> list[str]:
    """All indicator ids in registry order."""
    return [i.id for i in REGISTRY]


def get(indicator_id: str) -> Indicator:
    """Return one indicator; unknown ids raise IndicatorError listing the valid ones."""
    try:
        return _BY_ID[indicator_id]
    except KeyError:
        raise IndicatorError(
            f"unknown indicator {indicator_id!r}; choose one of {sorted(_BY_ID)}",
            key="err_unknown_indicator", value=str(indicator_id)[:40], valid=", ".join(sorted(_BY_ID)),
        ) from None  # fmt: skip


def resolve(indicator_ids: object = None) -> list[Indicator]:
    """``None`` -> all indicators; a comma string or iterable of ids -> those (validated)."""
    if indicator_ids is None:
        return list(REGISTRY)
    if isinstance(indicator_ids, str):
        indicator_ids = [s.strip() for s in indicator_ids.split(",") if s.strip()]
    out = [get(str(i)) for i in indicator_ids]  # type: ignore[union-attr]
    if not out:
        raise IndicatorError(f"no indicator requested; choose from {sorted(_BY_ID)}")
    return list(dict.fromkeys(out))


def name(ind: Indicator, lang: str) -> str:
    """The indicator's name in ``lang`` ('en' or anything else for Dutch)."""
    return ind.name_en if lang == "en" else ind.name_nl


def by_theme(theme: str) -> list[Indicator]:
    """Indicators of one theme (IndicatorError for an unknown theme)."""
    if theme not in THEMES:
        raise IndicatorError(f"unknown theme {theme!r}; choose one of {list(THEMES)}")
    return [i for i in REGISTRY if i.theme == theme]


def _fmt_scale(scale: float) -> str:
    return f"{scale:,.0f}".replace(",", " ")


def _sum(stems: tuple[str, ...]) -> str:
    crime = [s for s in stems if s.startswith("GeregistreerdeMisdrijven[")]
    if crime and len(crime) == len(stems) and len(stems) > 1:
        keys = ", ".join(s[len("GeregistreerdeMisdrijven[") : -1] for s in stems)
        return f"Σ GeregistreerdeMisdrijven[{keys}]"
    return stems[0] if len(stems) == 1 else "(" + " + ".join(stems) + ")"


def formula(ind: Indicator) -> str:
    """One-line formula of ``ind`` (value for one region; region sets in brackets)."""
    if ind.aggregation == "rate":
        f = f"{_sum(ind.numerator)} / {_sum(ind.denominator or ())}"
        if ind.scale != 1:
            f += f" × {_fmt_scale(ind.scale)}"
        return f + " (region sets: Σ numerator / Σ denominator)"
    if ind.aggregation == "count":
        return f"{ind.variable} as published (region sets: sum)"
    if ind.aggregation == "score":
        return (f"{ind.variable} published score, not re-derived (region sets: mean weighted by "
                f"the 2024 {ind.weight}, fixed across years)")  # fmt: skip
    return f"{ind.variable} as published (region sets: mean weighted by {ind.weight})"


def source_label(ind: Indicator) -> str:
    """Sources in short: 'KWB 2012–2024 (CBS, CC BY 4.0)', '47018NED 2012–2023 (Politie/CBS)'."""
    parts = []
    kwb_ids = {s.table_id for s in KWB_SOURCES}
    kwb = [s for s in ind.sources if s.table_id in kwb_ids]
    for s in ind.sources:
        if s.table_id in kwb_ids:
            continue
        if s.table_id == "LBM3.0":
            parts.append(f"{_LBM} {s.first_year}–{s.last_year}")
        else:
            parts.append(f"{s.table_id} {s.first_year}–{s.last_year} (Politie/CBS, CC BY 4.0)")
    if kwb:
        lo, hi = min(s.first_year for s in kwb), max(s.last_year for s in kwb)
        label = f"KWB {lo}–{hi} (CBS, CC BY 4.0)"
        parts.append(("inwoners: " + label) if ind.family == "crime" else label)
    return "; ".join(parts)
