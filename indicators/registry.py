"""The indicator registry: the single source of truth for ids, names, units, sources and polarity."""

from __future__ import annotations

from dataclasses import dataclass

from errors import IndicatorError


@dataclass(frozen=True)
class Indicator:
    id: str
    name_nl: str
    name_en: str
    unit: str
    source_table: str
    variable: str
    polarity: int  # +1 higher is better, -1 higher is worse
    theme: str
    formula: str
    min_population: int = 0


_LBM = "Leefbaarometer 3.0 (BZK, CC0)"
REGISTRY: tuple[Indicator, ...] = (
    Indicator(
        "lbm",
        "Leefbaarheid (Leefbaarometer-score)",
        "Liveability (Leefbaarometer score)",
        "score",
        _LBM,
        "lbm",
        +1,
        "wonen en leefomgeving",
        "published score",
    ),
    Indicator(
        "afw",
        "Leefbaarheid t.o.v. landelijk gemiddelde",
        "Liveability vs national mean",
        "score",
        _LBM,
        "afw",
        +1,
        "wonen en leefomgeving",
        "lbm − national mean",
    ),
    Indicator(
        "onv",
        "Overlast en onveiligheid (Leefbaarometer)",
        "Nuisance and unsafety (Leefbaarometer)",
        "score",
        _LBM,
        "onv",
        +1,
        "veiligheid",
        "published dimension (deviation; higher = safer)",
    ),
    Indicator(
        "fys",
        "Fysieke omgeving (Leefbaarometer)",
        "Physical environment (Leefbaarometer)",
        "score",
        _LBM,
        "fys",
        +1,
        "wonen en leefomgeving",
        "published dimension",
    ),
    Indicator(
        "soc",
        "Sociale samenhang (Leefbaarometer)",
        "Social cohesion (Leefbaarometer)",
        "score",
        _LBM,
        "soc",
        +1,
        "sociale basis",
        "published dimension",
    ),
    Indicator(
        "vrz",
        "Voorzieningen (Leefbaarometer)",
        "Amenities (Leefbaarometer)",
        "score",
        _LBM,
        "vrz",
        +1,
        "wonen en leefomgeving",
        "published dimension",
    ),
    Indicator(
        "won",
        "Woningvoorraad (Leefbaarometer)",
        "Housing stock (Leefbaarometer)",
        "score",
        _LBM,
        "won",
        +1,
        "wonen en leefomgeving",
        "published dimension",
    ),
)
_BY_ID = {i.id: i for i in REGISTRY}


def get(indicator_id: str) -> Indicator:
    """Return one indicator; unknown ids raise IndicatorError listing the valid ones."""
    try:
        return _BY_ID[indicator_id]
    except KeyError:
        raise IndicatorError(
            f"unknown indicator {indicator_id!r}; choose one of {sorted(_BY_ID)}"
        ) from None


def name(ind: Indicator, lang: str) -> str:
    return ind.name_en if lang == "en" else ind.name_nl
