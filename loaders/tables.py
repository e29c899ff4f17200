"""Registry of the CBS tables Wijkpeil reads: one place for table ids, catalogs and periods.

Table shapes differ per year; the loaders read them from each table's metadata
(loaders/_odata.py), so this registry only says *which* table holds a year:

* 2012: 70904NED "Kerncijfers wijken en buurten 2009-2012", one table with a ``Perioden``
  dimension (2009JJ00..2012JJ00); only 2012JJ00 is read. Table ids per year as listed by public
  KWB pipelines (e.g. ``kerncijfers_id_map`` "20092012" = 70904NED, 2013 = 82339NED, ...).
* 2013: 82339NED. Its region dimension is named ``RegioS`` in CBS's newer OData v4 service
  (public code filters it with ``RegioS eq ...``); whether the v3 feed names it ``RegioS`` or
  ``WijkenEnBuurten`` is not verified, which is why the region dimension is found by its Type.
* 2014-2024: one table per year (82931NED ... 85984NED), region dimension ``WijkenEnBuurten``
  with the code also in ``Codering_3``.
* 47018NED (dataderden catalog): crime per SoortMisdrijf × WijkenEnBuurten × Perioden, every year
  on one indeling (2024 in the publication of 2024-08). Its periods are discovered online from its
  ``Perioden`` dimension (loaders/online.py); :data:`CRIME_YEARS` is only the span known when this
  file was written (used by the synthetic generator and the registry's source labels).
"""

from __future__ import annotations

from dataclasses import dataclass

from errors import InputError


@dataclass(frozen=True)
class Table:
    """One CBS OData table.

    ``period`` is set for multi-year tables whose TypedDataSet has a ``Perioden`` dimension and of
    which only one period belongs to this entry (70904NED holds KWB 2009–2012 in one table).
    """

    table_id: str
    year: int | None
    catalog: str  # 'cbs' (opendata.cbs.nl) or 'police' (dataderden.cbs.nl)
    title: str
    period: str | None = None


#: Kerncijfers wijken en buurten, one table per year. 2012 is the last period of the multi-year
#: table 70904NED ("Kerncijfers wijken en buurten 2009-2012"), filtered on Perioden = 2012JJ00.
KWB_TABLES: dict[int, Table] = {
    2012: Table(
        "70904NED",
        2012,
        "cbs",
        "Kerncijfers wijken en buurten 2009-2012",
        period="2012JJ00",
    ),
    2013: Table("82339NED", 2013, "cbs", "Kerncijfers wijken en buurten 2013"),
    2014: Table("82931NED", 2014, "cbs", "Kerncijfers wijken en buurten 2014"),
    2015: Table("83220NED", 2015, "cbs", "Kerncijfers wijken en buurten 2015"),
    2016: Table("83487NED", 2016, "cbs", "Kerncijfers wijken en buurten 2016"),
    2017: Table("83765NED", 2017, "cbs", "Kerncijfers wijken en buurten 2017"),
    2018: Table("84286NED", 2018, "cbs", "Kerncijfers wijken en buurten 2018"),
    2019: Table("84583NED", 2019, "cbs", "Kerncijfers wijken en buurten 2019"),
    2020: Table("84799NED", 2020, "cbs", "Kerncijfers wijken en buurten 2020"),
    2021: Table("85039NED", 2021, "cbs", "Kerncijfers wijken en buurten 2021"),
    2022: Table("85318NED", 2022, "cbs", "Kerncijfers wijken en buurten 2022"),
    2023: Table("85618NED", 2023, "cbs", "Kerncijfers wijken en buurten 2023"),
    2024: Table("85984NED", 2024, "cbs", "Kerncijfers wijken en buurten 2024"),
}

#: Police registered crime per wijk and buurt, all years on the 2024 indeling.
CRIME_TABLE = Table(
    "47018NED",
    None,
    "police",
    "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers",
)
#: Years 47018NED covered when this was written (online loading discovers them anew).
CRIME_YEARS = range(2012, 2024)

ALL_TABLES: dict[str, Table] = {t.table_id: t for t in [*KWB_TABLES.values(), CRIME_TABLE]}


def kwb(year: int) -> Table:
    """The KWB table of ``year``; unknown years raise InputError naming the valid range."""
    try:
        return KWB_TABLES[int(year)]
    except (KeyError, ValueError):
        raise InputError(
            f"no KWB table registered for year {year!r}; valid years are {min(KWB_TABLES)}-{max(KWB_TABLES)} "
            "(add the table id to loaders/tables.py when CBS publishes a new year)"
        ) from None


def table(table_id: str) -> Table:
    """A registered table by id; unknown ids raise InputError listing the known ones."""
    try:
        return ALL_TABLES[str(table_id).strip().upper()]
    except KeyError:
        raise InputError(
            f"unknown CBS table {table_id!r}; Wijkpeil knows {sorted(ALL_TABLES)}"
        ) from None
