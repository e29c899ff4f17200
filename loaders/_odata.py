"""CBS OData tables (as cbsodata returns them) -> the tidy long table.

A *table dump* is a mapping ``{metadata table name: list of records}``, exactly the JSON files that
``cbsodata.download_data(table_id, dir=...)`` writes: ``TableInfos``, ``DataProperties``,
``TypedDataSet`` (or ``UntypedDataSet``) and one entry per dimension (``WijkenEnBuurten``,
``SoortMisdrijf``, ``Perioden``, …). The online loader, the snapshot loader and the synthetic
generator all pass their data through these two functions, so every source is normalised the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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


def kwb_to_tidy(
    dump: Dump,
    table_id: str,
    year: int,
    *,
    levels: Iterable[str] = schema.LEVELS,
    source_table: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """A KWB table (one year, regions as rows) -> tidy rows for ``levels``.

    ``period`` selects one ``Perioden`` key of a multi-year table (70904NED: ``'2012JJ00'``).
    """
    data = _dataset(dump, table_id)
    meas = measures(dump, table_id)
    if not data:
        raise InputError(
            f"table {table_id}: TypedDataSet is empty; the download was cut off — retry"
        )
    wide = pd.DataFrame.from_records(data)
    if "WijkenEnBuurten" not in wide.columns:
        raise InputError(
            f"table {table_id}: TypedDataSet lacks the 'WijkenEnBuurten' dimension; not a KWB table"
        )
    absent = [k for k in meas if k not in wide.columns]
    if len(absent) == len(meas):
        raise InputError(
            f"table {table_id}: none of the DataProperties keys occur in TypedDataSet "
            f"(e.g. {absent[:3]}); metadata and data are from different tables — delete the cache and retry"
        )
    if period is not None:
        if "Perioden" not in wide.columns:
            raise InputError(
                f"table {table_id}: period {period!r} requested but the table has no Perioden dimension"
            )
        wide = wide[wide["Perioden"].astype("string").str.strip() == period]
        if wide.empty:
            raise InputError(
                f"table {table_id}: no rows for period {period!r}; check loaders/tables.py"
            )
    codes = wide["WijkenEnBuurten"].astype("string").str.strip()
    lv = codes.str[:2]
    keep = lv.isin(list(levels)).to_numpy()
    wide = wide.loc[keep]
    codes = codes[keep]
    titles = _dim_titles(dump, "WijkenEnBuurten")
    names = codes.map(titles)
    gem_col = next((c for c in wide.columns if _normalise.stem(c) == "Gemeentenaam"), None)
    if gem_col is not None:
        gm_names = wide[gem_col].astype("string").str.strip()
        names = names.fillna(gm_names.where(codes.str[:2] == "GM"))
    present = [k for k in meas if k in wide.columns]
    values = wide[present].copy()
    values.insert(0, "region_code", codes.to_numpy())
    values.insert(1, "region_name", names.fillna("").to_numpy())
    long = values.melt(
        id_vars=["region_code", "region_name"],
        var_name="source_key",
        value_name="value",
    )
    long["value"] = _normalise.to_number(long["value"].astype(object))
    units = {k: (p.get("Unit") or "").strip() for k, p in meas.items()}
    all_names = variable_names(dump, table_id)
    stems = {k: all_names[k] for k in present}
    long["year"] = int(year)
    long["region_level"] = long["region_code"].str[:2]
    long["gemeente_code"] = _gemeente_of(long["region_code"].astype("string"))
    long["variable"] = long["source_key"].map(stems)
    long["unit"] = long["source_key"].map(units)
    long["source_table"] = source_table or table_id
    return schema.validate(long, where=f"table {table_id}")


def _period_year(key: str) -> int:
    k = str(key).strip()
    if len(k) < 4 or not k[:4].isdigit():
        raise InputError(f"period key {key!r} is not a CBS period like '2012JJ00'")
    return int(k[:4])


def crime_to_tidy(
    dump: Dump,
    table_id: str = "47018NED",
    *,
    levels: Iterable[str] = schema.LEVELS,
    source_table: str | None = None,
) -> pd.DataFrame:
    """Police table 47018NED (SoortMisdrijf × WijkenEnBuurten × Perioden) -> tidy crime counts."""
    data = _dataset(dump, table_id)
    meas = measures(dump, table_id)
    key = next((k for k in meas if _normalise.stem(k) == schema.CRIME_VARIABLE), None)
    if key is None:
        raise InputError(
            f"table {table_id}: no 'GeregistreerdeMisdrijven' measure in DataProperties; wrong table?"
        )
    wide = pd.DataFrame.from_records(data)
    need = {"SoortMisdrijf", "WijkenEnBuurten", "Perioden", key}
    missing = need - set(wide.columns)
    if missing:
        raise InputError(
            f"table {table_id}: TypedDataSet lacks column(s) {sorted(missing)}; delete the cache and retry"
        )
    codes = wide["WijkenEnBuurten"].astype("string").str.strip()
    keep = codes.str[:2].isin(list(levels)).to_numpy()
    wide, codes = wide.loc[keep], codes[keep]
    titles = _dim_titles(dump, "WijkenEnBuurten")
    soort = wide["SoortMisdrijf"].astype("string").str.strip()
    years = wide["Perioden"].map(_period_year)
    df = pd.DataFrame(
        {
            "year": years.to_numpy(),
            "region_code": codes.to_numpy(),
            "region_level": codes.str[:2].to_numpy(),
            "region_name": codes.map(titles).fillna("").to_numpy(),
            "gemeente_code": _gemeente_of(codes).to_numpy(),
            "variable": ("GeregistreerdeMisdrijven[" + soort + "]").to_numpy(),
            "value": _normalise.to_number(wide[key].astype(object)).to_numpy(),
            "unit": (meas[key].get("Unit") or "aantal").strip(),
            "source_table": source_table or table_id,
            "source_key": key,
        }
    )
    return schema.validate(df, where=f"table {table_id}")
