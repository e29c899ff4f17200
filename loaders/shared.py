"""The real files in ``../shared/data`` (publishers' own formats) -> store parts, one per table-year.

What it reads, and the part each becomes (``dataset-year``, indeling = the year of the region
classification its codes belong to):

==================================================================  ==========  ========  ==========
file(s)                                                             part        indeling  table
==================================================================  ==========  ========  ==========
``cbs/85984NED/*_variables.json`` + ``DataProperties.json`` +        kwb-2024    2024      85984NED
``TableInfos.json`` + ``buurt_population.csv``
``cbs/kwb-2023*.xlsx`` (CBS's KWB download, short column names)      kwb-2023    2023      kwb-2023.xlsx
``crime/47018NED/TypedDataSet_2023_total_buurt.csv`` + metadata      crime-2023  2023      47018NED
``lbm/wijk_scores_2002_2024.csv`` (Leefbaarometer 3.0)               lbm-YYYY    2024      LBM3.0
==================================================================  ==========  ========  ==========

The 2023 crime counts come from an earlier publication of 47018NED on the 2023 indeling (see
``../shared/README.md``); they go through the same OData normaliser as the online path
(:func:`loaders._odata.crime_to_tidy`). Region names are taken only from sources of the same
indeling (a 2023 wijk is never named after the 2024 wijk that re-uses its code).

Everything here is real published data (``origin='shared'``); nothing is filled in.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd

from errors import InputError
from loaders import _normalise, _odata, schema
from loaders.store import Missing, Part

LBM_VARIABLES = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")
LBM_TABLE = "LBM3.0"
LBM_INDELING = 2024  # Leefbaarometer 3.0 publishes every year on the 2024 wijken
KWB_ID_COLUMNS = ("gwb_code_10", "gm_naam", "regio", "gwb_code_8", "gwb_code", "ind_wbi", "recs",
                  "gm_code", "wk_code", "bu_code")  # fmt: skip


def _frame(rows: pd.DataFrame, where: str) -> pd.DataFrame:
    return schema.validate(rows, where=where)


def _gemeente_of(code: str) -> str:
    lvl = schema.level_of(code)
    return "NL00" if lvl == "NL" else "GM" + code[2:6]


def region_names_2024(folder: Path) -> dict[str, str]:
    """Code -> name of the 2024 gemeenten, wijken and buurten: the 47018NED code list (published on
    the 2024 indeling) and the 2024 boundary attribute tables."""
    names: dict[str, str] = {}
    p = folder / "crime" / "47018NED" / "WijkenEnBuurten.csv"
    if p.exists():
        wb = pd.read_csv(p, dtype=str, keep_default_na=False)
        names.update(zip(wb["Key"].str.strip(), wb["Title"].str.strip(), strict=True))
    p = folder / "geo" / "wijk_2024.geojson"
    if p.exists():
        for f in json.loads(p.read_text(encoding="utf-8"))["features"]:
            pr = f["properties"]
            names[str(pr["wijkcode"]).strip()] = pr["wijknaam"]
            names.setdefault(str(pr["gemeentecode"]).strip(), pr["gemeentenaam"])
    p = folder / "geo" / "gemeente_2024.geojson"
    if p.exists():
        for f in json.loads(p.read_text(encoding="utf-8"))["features"]:
            pr = f["properties"]
            code = next((v for v in pr.values() if isinstance(v, str) and v.startswith("GM")), None)
            nm = next((v for k, v in pr.items() if "naam" in k.lower()), None)
            if code and nm:
                names.setdefault(code.strip(), nm)
    return names


def _table_infos(table_dir: Path) -> dict:
    p = table_dir / "TableInfos.json"
    if not p.exists():
        return {}
    try:
        return json.loads(p.read_text(encoding="utf-8"))[0]
    except (ValueError, IndexError, KeyError) as exc:
        raise InputError(f"{p}: not a cbsodata TableInfos dump ({exc})") from exc


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
    info = _table_infos(table_dir)
    m = re.search(r"(20\d\d)", str(info.get("Period", "")))
    if not m:
        raise InputError(f"{table_dir}: TableInfos.json names no period; cannot tell the year")
    year = int(m.group(1))
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


def load_buurt_population(
    path: Path, table_id: str, year: int, names: dict[str, str] | None = None
) -> pd.DataFrame:
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
            "region_name": code.map(names or {}).fillna(""),
            "gemeente_code": "GM" + code.str[2:6],
            "variable": "AantalInwoners",
            "value": _normalise.to_number(raw["population"]),
            "unit": "aantal",
            "source_table": table_id,
            "source_key": "AantalInwoners_5",
        }
    )
    return _frame(df, where=str(path))


def load_kwb_xlsx(path: Path) -> pd.DataFrame:
    """CBS's ``kwb-YYYY.xlsx``: short-name columns, '.' for missing, decimal commas in text cells.

    The full download has a ``regio`` name column; a subset with only ``gm_naam`` names the NL and
    gemeente rows; wijken and buurten then stay unnamed (names of another indeling are not used).
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
    unknown = [c for c in raw.columns if c not in _normalise.KWB_SHORT_NAMES
               and c not in KWB_ID_COLUMNS]  # fmt: skip
    if unknown:
        warnings.warn(
            f"{path.name}: {len(unknown)} column(s) without a mapping skipped: {unknown[:8]}",
            stacklevel=2,
        )
    codes = raw["gwb_code_10"].astype(str).str.strip()
    lvl = codes.map(schema.level_of)
    if "regio" in raw.columns:
        region_name = raw["regio"].astype(str)
    else:
        region_name = raw["gm_naam"].astype(str).where(lvl.isin(["NL", "GM"]), "")
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
    """The Leefbaarometer 3.0 wijk CSV as published: every year on the 2024 wijken."""
    try:
        raw = pd.read_csv(path, dtype={"wk_code": str, "wk_naam": str}, na_values=["NA"])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as the Leefbaarometer CSV ({exc})") from exc
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
    code = long["wk_code"].str.strip()
    df = pd.DataFrame(
        {
            "year": long["jaar"],
            "region_code": code,
            "region_level": "WK",
            "region_name": long["wk_naam"],
            "gemeente_code": "GM" + code.str[2:6],
            "variable": long["variable"],
            "value": long["value"],
            "unit": "score",
            "source_table": LBM_TABLE,
            "source_key": long["variable"],
        }
    )
    return _frame(df, where=str(path))


def _csv_records(path: Path) -> list[dict]:
    if not path.exists():
        raise InputError(f"{path} missing; the 47018NED folder needs it")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    recs = df.to_dict("records")
    for r in recs:
        for k, v in list(r.items()):
            if v == "":
                r[k] = None
        for k in ("ID", "ParentID", "Position"):
            if r.get(k) is not None:
                try:
                    r[k] = int(r[k])
                except ValueError:
                    pass
    return recs


def crime_dump(folder: Path) -> dict[str, list[dict]]:
    """The 2023 buurt totals and 47018NED metadata as an OData table dump (cbsodata's layout).

    The ``WijkenEnBuurten`` code list in the folder describes the later publication on the 2024
    indeling, so its titles are left out: they would name 2023 buurten after 2024 ones.
    """
    data = pd.read_csv(folder / "TypedDataSet_2023_total_buurt.csv", dtype=str)
    need = {"SoortMisdrijf", "WijkenEnBuurten", "Perioden", "GeregistreerdeMisdrijven_1"}
    if not need <= set(data.columns):
        raise InputError(
            f"{folder / 'TypedDataSet_2023_total_buurt.csv'}: needs columns {sorted(need)}, "
            f"found {list(data.columns)}"
        )
    return {
        "TableInfos": _csv_records(folder / "TableInfos.csv"),
        "DataProperties": _csv_records(folder / "DataProperties.csv"),
        "SoortMisdrijf": _csv_records(folder / "SoortMisdrijf.csv"),
        "Perioden": _csv_records(folder / "Perioden.csv"),
        "TypedDataSet": data.to_dict("records"),
    }


def load_crime_2023(folder: Path) -> pd.DataFrame:
    """Registered crime 2023 per buurt (2023 indeling), through the 47018NED normaliser."""
    return _odata.crime_to_tidy(crime_dump(folder), "47018NED", levels=("BU",))


def parts(folder: Path, years: range | None = None) -> tuple[list[Part], list[Missing]]:
    """Every real part the folder holds (optionally only ``years``), and what could not be read.

    A file that cannot be read is reported as Missing (with the reason) and the rest still loads.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            f"shared data folder {folder} does not exist; put ../shared beside the repo or set "
            "WIJKPEIL_SHARED_DIR"
        )
    names = region_names_2024(folder)
    out: list[Part] = []
    missing: list[Missing] = []

    def attempt(what: str, key: str | None, fn) -> None:  # noqa: ANN001
        try:
            got = fn()
        except (InputError, OSError, ValueError) as exc:
            missing.append(Missing(what, str(exc), key=key, next_step="replace the file"))
            return
        out.extend(p for p in got if years is None or p.year in years)

    for table_dir in sorted((folder / "cbs").glob("*NED")):

        def kwb_json(table_dir: Path = table_dir) -> list[Part]:
            df = load_odata_extract(table_dir, names)
            if df.empty:
                return []
            year = int(df["year"].iloc[0])
            bp = table_dir / "buurt_population.csv"
            if bp.exists():
                df = pd.concat([df, load_buurt_population(bp, table_dir.name, year, names)])
            info = _table_infos(table_dir)
            return [Part("kwb", year, year, table_dir.name, "shared", df,
                         modified=info.get("Modified"),
                         note=f"extract of {df['variable'].nunique()} variables")]  # fmt: skip

        attempt(f"KWB extract {table_dir.name}", None, kwb_json)
    for x in sorted((folder / "cbs").glob("kwb-*.xlsx")):

        def kwb_xlsx(x: Path = x) -> list[Part]:
            df = load_kwb_xlsx(x)
            year = int(df["year"].iloc[0])
            note = f"{df['variable'].nunique()} of the published columns"
            return [Part("kwb", year, year, x.name.replace("-subset", ""), "shared", df, note=note)]

        attempt(f"KWB download {x.name}", None, kwb_xlsx)
    crime = folder / "crime" / "47018NED"
    if (crime / "TypedDataSet_2023_total_buurt.csv").exists():

        def crime_parts() -> list[Part]:
            df = load_crime_2023(crime)
            return [Part("crime", 2023, 2023, "47018NED", "shared", df,
                         note="total registered crime per buurt, earlier publication on the "
                              "2023 indeling")]  # fmt: skip

        attempt("registered crime 2023 (47018NED)", "crime-2023", crime_parts)
    lbm = folder / "lbm" / "wijk_scores_2002_2024.csv"
    if lbm.exists():

        def lbm_parts() -> list[Part]:
            df = load_leefbaarometer(lbm)
            return [
                Part("lbm", int(y), LBM_INDELING, LBM_TABLE, "shared", sub)
                for y, sub in df.groupby("year", sort=True)
            ]

        attempt("Leefbaarometer 3.0 wijk scores", None, lbm_parts)
    if not out and not missing:
        raise InputError(
            f"{folder}: no publisher files found (expected cbs/, lbm/ or crime/ as in ../shared/data)"
        )
    return out, missing
