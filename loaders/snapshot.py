"""Snapshot loader: a folder of files in the publishers' own formats -> the tidy table.

Reads what it finds under ``folder`` (laid out as ``../shared/data``):
``cbs/<TABLE>/gemeente_wijk_*.json`` + ``DataProperties.json`` (cbsodata metadata),
``cbs/<TABLE>/buurt_population.csv``, ``cbs/kwb-YYYY*.xlsx`` (CBS KWB download, short names),
``lbm/wijk_scores_2002_2024.csv`` (Leefbaarometer 3.0) and ``crime/47018NED/*.csv`` (metadata only).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd

from errors import InputError
from loaders import _normalise, schema

LBM_VARIABLES = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")


def _frame(rows: pd.DataFrame, where: str) -> pd.DataFrame:
    return schema.validate(rows, where=where)


def _region_names(folder: Path) -> dict[str, str]:
    """Code -> name from the 2024 boundary attribute tables, where present."""
    names: dict[str, str] = {}
    for fname, code_col, name_col in (
        ("wijk_2024.geojson", "wijkcode", "wijknaam"),
        ("gemeente_2024.geojson", None, None),
    ):
        p = folder / "geo" / fname
        if not p.exists():
            continue
        feats = json.loads(p.read_text(encoding="utf-8"))["features"]
        for f in feats:
            pr = f["properties"]
            if code_col:
                names[str(pr[code_col]).strip()] = pr[name_col]
                names.setdefault(str(pr["gemeentecode"]).strip(), pr["gemeentenaam"])
            else:
                code = next(
                    (v for v in pr.values() if isinstance(v, str) and v.startswith("GM")),
                    None,
                )
                nm = next((v for k, v in pr.items() if "naam" in k.lower()), None)
                if code and nm:
                    names.setdefault(code.strip(), nm)
    return names


def _gemeente_of(code: str) -> str:
    lvl = schema.level_of(code)
    return "NL00" if lvl == "NL" else "GM" + code[2:6]


def load_odata_extract(table_dir: Path, names: dict[str, str]) -> pd.DataFrame:
    """``{region: {OData key: value}}`` JSON extracts of one KWB table, units from DataProperties.json."""
    table_id = table_dir.name
    props_path = table_dir / "DataProperties.json"
    try:
        props = {
            p["Key"]: p for p in json.loads(props_path.read_text(encoding="utf-8")) if p.get("Key")
        }
    except (OSError, json.JSONDecodeError, TypeError, KeyError) as exc:
        raise InputError(
            f"{props_path}: not a cbsodata DataProperties dump ({exc}); re-download the metadata"
        ) from exc
    year = (
        int(
            re.search(
                r"(20\d\d)",
                json.dumps(json.loads((table_dir / "TableInfos.json").read_text())[0]["Period"]),
            ).group(1)
        )
        if (table_dir / "TableInfos.json").exists()
        else None
    )
    frames = []
    for path in sorted(table_dir.glob("*_variables.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}: invalid JSON ({exc}); replace it with the original extract"
            ) from exc
        rows = []
        for code, values in data.items():
            code = _normalise.strip_code(code)
            for key, value in values.items():
                if key not in props:
                    raise InputError(
                        f"{path}: key {key!r} is not in {props_path.name} of {table_id}; wrong table?"
                    )
                rows.append((code, key, value))
        df = pd.DataFrame(rows, columns=["region_code", "source_key", "value"])
        df["value"] = _normalise.to_number(df["value"].astype(object))
        frames.append(df)
    if not frames:
        return schema.empty()
    df = pd.concat(frames, ignore_index=True)
    df["year"] = year
    df["region_level"] = df["region_code"].map(schema.level_of)
    df["region_name"] = df["region_code"].map(names).fillna("")
    df["gemeente_code"] = df["region_code"].map(_gemeente_of)
    df["variable"] = df["source_key"].map(_normalise.stem)
    df["unit"] = df["source_key"].map(lambda k: (props[k].get("Unit") or "").strip())
    df["source_table"] = table_id
    return _frame(df, where=str(table_dir))


def load_buurt_population(path: Path, table_id: str, year: int) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype={"nhood_id": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc})") from exc
    if not {"nhood_id", "population"} <= set(raw.columns):
        raise InputError(
            f"{path}: needs columns 'nhood_id' and 'population', found {list(raw.columns)}"
        )
    code = raw["nhood_id"].str.strip()
    df = pd.DataFrame(
        {
            "year": year,
            "region_code": code,
            "region_level": "BU",
            "region_name": "",
            "gemeente_code": "GM" + code.str[2:6],
            "variable": "AantalInwoners",
            "value": _normalise.to_number(raw["population"]),
            "unit": "aantal",
            "source_table": table_id,
            "source_key": "AantalInwoners_5",
        }
    )
    return _frame(df, where=str(path))


def load_kwb_xlsx(path: Path, names: dict[str, str] | None = None) -> pd.DataFrame:
    """CBS's ``kwb-YYYY.xlsx``: short-name columns, '.' for missing, decimal commas in text cells.

    The full download has a ``regio`` name column; a subset with only ``gm_naam`` names wijken and
    buurten from ``names`` (code -> name, e.g. the 2024 boundary attributes), else by their code.
    """
    m = re.search(r"kwb-(20\d\d)", path.name)
    if not m:
        raise InputError(f"{path}: file name must contain 'kwb-YYYY' to know the year")
    year = int(m.group(1))
    try:
        raw = pd.read_excel(path, dtype=object)
    except Exception as exc:  # openpyxl raises several types for a corrupt file
        raise InputError(
            f"{path}: not a readable xlsx ({type(exc).__name__}: {exc}); download kwb-{year}.xlsx again"
        ) from exc
    if "gwb_code_10" not in raw.columns:
        raise InputError(
            f"{path}: column 'gwb_code_10' (region code) missing; is this the KWB download?"
        )
    known = [c for c in raw.columns if c in _normalise.KWB_SHORT_NAMES]
    unknown = [
        c
        for c in raw.columns
        if c not in _normalise.KWB_SHORT_NAMES
        and c
        not in (
            "gwb_code_10",
            "gm_naam",
            "regio",
            "gwb_code_8",
            "gwb_code",
            "ind_wbi",
            "recs",
            "gm_code",
            "wk_code",
            "bu_code",
        )
    ]
    if unknown:
        warnings.warn(
            f"{path.name}: {len(unknown)} column(s) without a mapping skipped: {unknown[:8]}",
            stacklevel=2,
        )
    codes = raw["gwb_code_10"].astype(str).str.strip()
    if "regio" in raw.columns:
        region_name = raw["regio"].astype(str)
    else:
        lvl = codes.map(schema.level_of)
        own = codes.map(names or {}).fillna(codes)
        region_name = raw["gm_naam"].astype(str).where(lvl.isin(["NL", "GM"]), own)
    long = raw.assign(region_code=codes, region_name=region_name).melt(
        id_vars=["region_code", "region_name"],
        value_vars=known,
        var_name="source_key",
        value_name="value",
    )
    long["value"] = _normalise.to_number(long["value"].astype("string"))
    long["year"] = year
    long["region_level"] = long["region_code"].map(schema.level_of)
    long["gemeente_code"] = long["region_code"].map(_gemeente_of)
    long["variable"] = long["source_key"].map(lambda k: _normalise.KWB_SHORT_NAMES[k][0])
    long["unit"] = long["source_key"].map(lambda k: _normalise.KWB_SHORT_NAMES[k][1])
    long["source_table"] = path.name.replace("-subset", "")
    return _frame(long, where=str(path))


def load_leefbaarometer(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype={"wk_code": str, "wk_naam": str}, na_values=["NA"])
    missing = {"wk_code", "wk_naam", "jaar", *LBM_VARIABLES} - set(raw.columns)
    if missing:
        raise InputError(
            f"{path}: missing column(s) {sorted(missing)}; expected the Leefbaarometer 3.0 wijk CSV"
        )
    long = raw.melt(
        id_vars=["wk_code", "wk_naam", "jaar"],
        value_vars=list(LBM_VARIABLES),
        var_name="variable",
    )
    long = long.dropna(subset=["value"])
    df = pd.DataFrame(
        {
            "year": long["jaar"],
            "region_code": long["wk_code"].str.strip(),
            "region_level": "WK",
            "region_name": long["wk_naam"],
            "gemeente_code": "GM" + long["wk_code"].str[2:6],
            "variable": long["variable"],
            "value": long["value"],
            "unit": "score",
            "source_table": "LBM3.0",
            "source_key": long["variable"],
        }
    )
    return _frame(df, where=str(path))


def load_crime_metadata(folder: Path) -> dict[str, pd.DataFrame]:
    """47018NED metadata CSVs (no counts are in the snapshot), keys stripped of CBS padding."""
    out = {}
    for name in (
        "TableInfos",
        "DataProperties",
        "SoortMisdrijf",
        "WijkenEnBuurten",
        "Perioden",
    ):
        p = folder / f"{name}.csv"
        if not p.exists():
            raise InputError(f"{p} missing; the 47018NED metadata folder needs {name}.csv")
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        if "Key" in df.columns:
            df["Key"] = df["Key"].str.strip()
        out[name] = df
    return out


def load_snapshot(folder: Path, years: range | None = None) -> pd.DataFrame:
    """Everything the folder holds, as one validated tidy table."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"snapshot folder {folder} does not exist; pass --snapshot ../shared/data")
    names = _region_names(folder)
    parts = []
    for table_dir in sorted((folder / "cbs").glob("*NED")):
        parts.append(load_odata_extract(table_dir, names))
        bp = table_dir / "buurt_population.csv"
        if bp.exists() and len(parts[-1]):
            parts.append(load_buurt_population(bp, table_dir.name, int(parts[-1]["year"].iloc[0])))
    for x in sorted((folder / "cbs").glob("kwb-*.xlsx")):
        parts.append(load_kwb_xlsx(x, names))
    lbm = folder / "lbm" / "wijk_scores_2002_2024.csv"
    if lbm.exists():
        parts.append(load_leefbaarometer(lbm))
    if (folder / "crime" / "47018NED").is_dir():
        load_crime_metadata(folder / "crime" / "47018NED")
    if not parts:
        raise InputError(
            f"{folder}: no publisher files found (expected cbs/, lbm/ or crime/ as in ../shared/data)"
        )
    df = pd.concat(parts, ignore_index=True)
    if years is not None:
        df = df[df["year"].isin(list(years))]
    return schema.validate(df, where=str(folder))
