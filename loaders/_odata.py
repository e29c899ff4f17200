"""CBS OData tables -> the tidy long table, one page at a time.

A *table dump* is a mapping ``{metadata table name: list of records}``, exactly the JSON files that
``cbsodata.download_data(table_id, dir=...)`` writes: ``TableInfos``, ``DataProperties``,
``TypedDataSet`` (or ``UntypedDataSet``) and one entry per dimension (``WijkenEnBuurten``,
``SoortMisdrijf``, ``Perioden``, …). The online loader, the snapshot loader and the synthetic
generator all pass their data through the same shapes (:class:`KwbShape`, :class:`CrimeShape`),
so every source is normalised the same way; the online loader feeds them one downloaded page at a
time so a table-year is never held as raw JSON in memory.

Table shapes are read from the table's own metadata, never from names:

* the region dimension is the ``DataProperties`` entry of ``Type`` ``GeoDetail`` (CBS OData v3
  metadata: ``Cbs.OData.GeoDetail``; 85984NED calls it ``WijkenEnBuurten``, other tables
  ``RegioS`` or ``Codering``-based names — see loaders/tables.py);
* the period dimension is the entry of ``Type`` ``TimeDimension`` (70904NED and 47018NED have one);
* measures are the ``Topic`` entries with a numeric ``Datatype``; their tidy name is the key's
  stem with the renames of :data:`loaders._normalise.STEM_RENAMES`;
* the region classification (indeling) of 47018NED comes from the GeoDetail ``Description``
  ("Wijken en buurten (indeling 2024)") or, failing that, the TableInfos texts.

A table whose metadata does not have these parts raises InputError naming the table, the year
and what was unexpected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from errors import InputError
from loaders import _normalise, schema

Dump = Mapping[str, list[dict]]

#: DataProperties Datatypes that hold numbers (everything else, e.g. String, is a label).
_NUMERIC_TYPES = {
    "Long",
    "Double",
    "Float",
    "Integer",
    "Decimal",
    "Int32",
    "Int64",
    "Byte",
    None,
}


def _records(dump: Dump, name: str, table_id: str) -> list[dict]:
    if name not in dump:
        raise InputError(
            f"table {table_id}: metadata table {name!r} missing from the download "
            f"(has {sorted(dump)}); delete its cache folder and download again"
        )
    recs = dump[name]
    if not isinstance(recs, list):
        raise InputError(
            f"table {table_id}: {name} is not a list of records; the cached file is corrupt"
        )
    return recs


def _dataset(dump: Dump, table_id: str) -> list[dict]:
    for name in ("TypedDataSet", "UntypedDataSet"):
        if name in dump:
            return _records(dump, name, table_id)
    raise InputError(
        f"table {table_id}: no TypedDataSet in the download; delete its cache folder and retry"
    )


def measures(dump: Dump, table_id: str) -> dict[str, dict]:
    """Numeric Topic columns of a table: ``{OData key: DataProperties record}``."""
    props = _records(dump, "DataProperties", table_id)
    out = {}
    for p in props:
        key = (p.get("Key") or "").strip()
        if p.get("Type") == "Topic" and key and p.get("Datatype") in _NUMERIC_TYPES:
            out[key] = p
    if not out:
        raise InputError(
            f"table {table_id}: DataProperties lists no numeric Topic; is {table_id} the right table?"
        )
    return out


def _camel(title: str) -> str:
    words = re.findall(r"[0-9A-Za-zÀ-ÿ]+", str(title))
    return "".join(w[:1].upper() + w[1:] for w in words)


def variable_names(dump: Dump, table_id: str) -> dict[str, str]:
    """OData key -> tidy variable name: the name stem, unique within the table.

    Most keys map to their stem (``AantalInwoners_5`` -> ``AantalInwoners``). Where one table has
    several keys with the same stem (85984NED: ``Nederland_17`` under *Herkomstland* and
    ``Nederland_20`` under *Geboren in Nederland*; ``Appartement_54`` kWh vs ``Appartement_62`` m³),
    the colliding names are qualified with their TopicGroup titles, nearest first, until unique:
    ``GeborenInNederland.Nederland``, ``GemiddeldAardgasverbruik.NaarWoningtype.Appartement``.
    """
    props = _records(dump, "DataProperties", table_id)
    by_id = {p.get("ID"): p for p in props}
    meas = measures(dump, table_id)
    names = {k: _normalise.stem(k) for k in meas}
    ancestors: dict[str, list[str]] = {}
    for k, p in meas.items():
        chain, parent = [], p.get("ParentID")
        while parent is not None and parent in by_id and len(chain) < 6:
            chain.append(_camel(by_id[parent].get("Title", "")))
            parent = by_id[parent].get("ParentID")
        ancestors[k] = chain
    for depth in range(1, 7):
        counts: dict[str, int] = {}
        for v in names.values():
            counts[v] = counts.get(v, 0) + 1
        clash = [k for k, v in names.items() if counts[v] > 1]
        if not clash:
            break
        for k in clash:
            names[k] = ".".join([*reversed(ancestors[k][:depth]), _normalise.stem(k)])
    return names


def _gemeente_of(codes: pd.Series) -> pd.Series:
    lvl = codes.str[:2]
    return pd.Series(np.where(lvl == "NL", "NL00", "GM" + codes.str[2:6]), index=codes.index)


def _dim_titles(dump: Dump, name: str) -> dict[str, str]:
    return {str(r["Key"]).strip(): str(r.get("Title") or "").strip() for r in dump.get(name, [])}


def _where(table_id: str, year: int | None) -> str:
    return f"table {table_id}" + (f" (year {year})" if year is not None else "")


def region_dimension(props: list[dict], table_id: str, year: int | None = None) -> str:
    """Key of the region dimension: the DataProperties entry whose Type is ``GeoDetail``."""
    geo = [str(p.get("Key") or "").strip() for p in props if p.get("Type") == "GeoDetail"]
    geo = [g for g in geo if g]
    if len(geo) != 1:
        dims = [
            (p.get("Key"), p.get("Type"))
            for p in props
            if "Dimension" in str(p.get("Type")) or p.get("Type") == "GeoDetail"
        ]  # noqa: E501
        raise InputError(
            f"{_where(table_id, year)}: expected exactly one region dimension (DataProperties "
            f"Type 'GeoDetail'), found {len(geo)}; dimensions are {dims}. The table's shape is "
            "not one Wijkpeil knows — check the table id in loaders/tables.py"
        )
    return geo[0]


def time_dimension(props: list[dict]) -> str | None:
    """Key of the ``TimeDimension`` (``Perioden``), or None for single-period tables."""
    keys = [str(p.get("Key")).strip() for p in props if p.get("Type") == "TimeDimension"]
    return keys[0] if keys else None


_INDELING = re.compile(r"indeling\D{0,12}((?:19|20)\d\d)", re.IGNORECASE)


def indeling_year(props: list[dict], infos: list[dict], table_id: str) -> int:
    """Year of the region classification a table is published on (47018NED: 2024).

    Read from the GeoDetail ``Description`` ("Wijken en buurten (indeling 2024)"), else from
    TableInfos ``ExplanatoryText``/``Description``/``ShortDescription`` ("buurtindeling van 2024").
    ``MapYear`` is not used: 47018NED states MapYear 2019 while its codes are those of 2024.
    """
    texts = [str(p.get("Description") or "") for p in props if p.get("Type") == "GeoDetail"]
    for info in infos[:1]:
        texts += [
            str(info.get(k) or "") for k in ("ExplanatoryText", "ShortDescription", "Description")
        ]
    for t in texts:
        m = _INDELING.search(t)
        if m:
            return int(m.group(1))
    raise InputError(
        f"table {table_id}: its metadata does not say which region classification (indeling) it "
        "is published on (no 'indeling <year>' in the GeoDetail description or TableInfos); "
        "Wijkpeil cannot place its codes on a map"
    )


def _codes(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


@dataclass
class KwbShape:
    """How to read one KWB table-year: built once from metadata, applied to every page."""

    table_id: str
    year: int
    region_dim: str
    period_dim: str | None
    period: str | None
    measures: dict[str, dict]
    names: dict[str, str]
    titles: dict[str, str]
    levels: tuple[str, ...] = schema.LEVELS
    source_table: str | None = None

    @classmethod
    def from_metadata(
        cls,
        props: list[dict],
        titles: dict[str, str],
        table_id: str,
        year: int,
        *,
        period: str | None = None,
        stems: Iterable[str] | None = None,
        levels: Iterable[str] = schema.LEVELS,
        source_table: str | None = None,
    ) -> KwbShape:
        dump = {"DataProperties": props}
        where = _where(table_id, year)
        region = region_dimension(props, table_id, year)
        pdim = time_dimension(props)
        if period is not None and pdim is None:
            raise InputError(
                f"{where}: period {period!r} requested but the table has no TimeDimension"
            )
        meas = measures(dump, table_id)
        names = variable_names(dump, table_id)
        if stems is not None:
            want = set(stems)
            keep = {k for k, v in names.items() if v in want}
            if not keep:
                raise InputError(
                    f"{where}: none of the {len(want)} variables Wijkpeil needs are in its "
                    f"DataProperties (it has e.g. {sorted(names.values())[:5]}); the table's "
                    "variable names are not the expected KWB ones — extend "
                    "loaders/_normalise.STEM_RENAMES"
                )
            meas = {k: v for k, v in meas.items() if k in keep}
            names = {k: names[k] for k in meas}
        return cls(table_id, int(year), region, pdim, period, meas, names, titles,
                   tuple(levels), source_table)  # fmt: skip

    def select(self) -> list[str]:
        """Columns to ask for (``$select``): region, period, the wanted measures."""
        cols = [self.region_dim] + ([self.period_dim] if self.period_dim else [])
        return cols + list(self.measures)

    def tidy(self, records: list[dict]) -> pd.DataFrame:
        """Tidy rows of one page (records outside the period or levels are dropped)."""
        if not records:
            return schema.empty()
        wide = pd.DataFrame.from_records(records)
        where = _where(self.table_id, self.year)
        if self.region_dim not in wide.columns:
            raise InputError(
                f"{where}: rows lack the region dimension {self.region_dim!r} its DataProperties "
                f"announce (columns: {list(wide.columns)[:8]}); metadata and data disagree"
            )
        if self.period is not None:
            if self.period_dim not in wide.columns:
                raise InputError(f"{where}: rows lack the period column {self.period_dim!r}")
            wide = wide[_codes(wide[self.period_dim]) == self.period]
        codes = _codes(wide[self.region_dim])
        keep = codes.str[:2].isin(list(self.levels)).fillna(False).to_numpy()
        wide, codes = wide.loc[keep], codes[keep]
        present = [k for k in self.measures if k in wide.columns]
        if wide.empty or not present:
            return schema.empty()
        values = wide[present].copy()
        values.insert(0, "region_code", codes.to_numpy())
        long = values.melt(id_vars=["region_code"], var_name="source_key", value_name="value")
        long["value"] = _normalise.to_number(long["value"].astype(object))
        rc = long["region_code"].astype("string")
        long["region_name"] = rc.map(self.titles).fillna("")
        long["year"] = self.year
        long["region_level"] = rc.str[:2]
        long["gemeente_code"] = _gemeente_of(rc)
        long["variable"] = long["source_key"].map(self.names)
        long["unit"] = long["source_key"].map(
            {k: (p.get("Unit") or "").strip() for k, p in self.measures.items()}
        )
        long["source_table"] = self.source_table or self.table_id
        return schema.validate(long, where=where)


def kwb_to_tidy(
    dump: Dump,
    table_id: str,
    year: int,
    *,
    levels: Iterable[str] = schema.LEVELS,
    source_table: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """A KWB table dump (one year, regions as rows) -> tidy rows for ``levels``.

    ``period`` selects one ``Perioden`` key of a multi-year table (70904NED: ``'2012JJ00'``).
    The region dimension is found by its DataProperties Type (GeoDetail), not by name.
    """
    data = _dataset(dump, table_id)
    props = _records(dump, "DataProperties", table_id)
    if not data:
        raise InputError(
            f"table {table_id}: TypedDataSet is empty; the download was cut off — retry"
        )
    region = region_dimension(props, table_id, year)
    shape = KwbShape.from_metadata(
        props, _dim_titles(dump, region), table_id, year, period=period, levels=levels,
        source_table=source_table,
    )  # fmt: skip
    cols = set(data[0])
    if not any(k in cols for k in shape.measures):
        raise InputError(
            f"table {table_id}: none of the DataProperties keys occur in TypedDataSet "
            f"(e.g. {list(shape.measures)[:3]}); metadata and data are from different tables — "
            "delete the cache and retry"
        )
    out = shape.tidy(data)
    if period is not None and out.empty:
        raise InputError(
            f"table {table_id}: no rows for period {period!r}; check loaders/tables.py"
        )
    return out


def _period_year(key: str) -> int:
    k = str(key).strip()
    if len(k) < 4 or not k[:4].isdigit():
        raise InputError(f"period key {key!r} is not a CBS period like '2012JJ00'")
    return int(k[:4])


@dataclass
class CrimeShape:
    """How to read 47018NED (crime type × region × period): built from metadata."""

    table_id: str
    region_dim: str
    kind_dim: str
    period_dim: str
    measure: str
    unit: str
    titles: dict[str, str]
    keys: set[str] | None = None  # crime types wanted (stripped); None: all
    periods: set[str] | None = None  # period keys wanted (stripped); None: all
    levels: tuple[str, ...] = schema.LEVELS
    source_table: str | None = None
    year: int | None = field(default=None)

    @classmethod
    def from_metadata(
        cls,
        props: list[dict],
        titles: dict[str, str],
        table_id: str = "47018NED",
        *,
        keys: Iterable[str] | None = None,
        periods: Iterable[str] | None = None,
        levels: Iterable[str] = schema.LEVELS,
        source_table: str | None = None,
        year: int | None = None,
    ) -> CrimeShape:
        where = _where(table_id, year)
        region = region_dimension(props, table_id, year)
        pdim = time_dimension(props)
        kinds = [str(p.get("Key")).strip() for p in props if p.get("Type") == "Dimension"]
        if pdim is None or len(kinds) != 1:
            raise InputError(
                f"{where}: expected one crime-type Dimension and a TimeDimension, found "
                f"dimensions {kinds} and time dimension {pdim!r}; not the 47018NED shape"
            )
        meas = measures({"DataProperties": props}, table_id)
        key = next((k for k in meas if _normalise.stem(k) == schema.CRIME_VARIABLE), None)
        if key is None:
            raise InputError(
                f"{where}: no 'GeregistreerdeMisdrijven' measure in DataProperties (measures: "
                f"{list(meas)[:5]}); wrong table?"
            )
        return cls(
            table_id, region, kinds[0], pdim, key, (meas[key].get("Unit") or "aantal").strip(),
            titles, None if keys is None else {str(k).strip() for k in keys},
            None if periods is None else {str(p).strip() for p in periods}, tuple(levels),
            source_table, year,
        )  # fmt: skip

    def select(self) -> list[str]:
        return [self.kind_dim, self.region_dim, self.period_dim, self.measure]

    def tidy(self, records: list[dict]) -> pd.DataFrame:
        if not records:
            return schema.empty()
        wide = pd.DataFrame.from_records(records)
        missing = set(self.select()) - set(wide.columns)
        if missing:
            raise InputError(
                f"{_where(self.table_id, self.year)}: rows lack column(s) {sorted(missing)}; "
                "delete the cache and retry"
            )
        soort = _codes(wide[self.kind_dim])
        codes = _codes(wide[self.region_dim])
        period = _codes(wide[self.period_dim])
        keep = codes.str[:2].isin(list(self.levels)).fillna(False)
        if self.keys is not None:
            keep &= soort.isin(list(self.keys))
        if self.periods is not None:
            keep &= period.isin(list(self.periods))
        keep = keep.to_numpy()
        wide, codes, soort, period = wide.loc[keep], codes[keep], soort[keep], period[keep]
        if wide.empty:
            return schema.empty()
        df = pd.DataFrame(
            {
                "year": period.map(_period_year).to_numpy(),
                "region_code": codes.to_numpy(),
                "region_level": codes.str[:2].to_numpy(),
                "region_name": codes.map(self.titles).fillna("").to_numpy(),
                "gemeente_code": _gemeente_of(codes).to_numpy(),
                "variable": (schema.CRIME_VARIABLE + "[" + soort + "]").to_numpy(),
                "value": _normalise.to_number(wide[self.measure].astype(object)).to_numpy(),
                "unit": self.unit,
                "source_table": self.source_table or self.table_id,
                "source_key": self.measure,
            }
        )
        return schema.validate(df, where=_where(self.table_id, self.year))


def crime_to_tidy(
    dump: Dump,
    table_id: str = "47018NED",
    *,
    levels: Iterable[str] = schema.LEVELS,
    source_table: str | None = None,
) -> pd.DataFrame:
    """Police table 47018NED (SoortMisdrijf × region × Perioden) -> tidy crime counts.

    The region, crime-type and period dimensions are found by their DataProperties Type.
    """
    data = _dataset(dump, table_id)
    props = _records(dump, "DataProperties", table_id)
    region = region_dimension(props, table_id)
    shape = CrimeShape.from_metadata(
        props, _dim_titles(dump, region), table_id, levels=levels, source_table=source_table
    )
    return shape.tidy(data) if data else schema.empty()
