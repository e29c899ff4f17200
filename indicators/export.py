"""Export indicator tables from the store: CSV, Excel (with a metadata sheet), Parquet, GeoJSON.

``python -m indicators export --level {wijk,gemeente,area} --format {csv,xlsx,parquet,geojson}
[--years 2012-2024] [--indicators id,id] --out FILE [--store DIR]``

The exported table is tidy: one row per (indicator, year, region) with the columns of
:data:`EXPORT_COLUMNS`. Levels: ``wijk`` (WK rows of the store), ``gemeente`` (GM rows) and
``area`` (the NPLV focus areas of ``indicators/areas.py``, aggregated from wijk inputs with
:func:`indicators.compute.aggregate`).

GeoJSON holds **one year**: a request for several years with data is refused (choose one with
``--years 2024``). Each exported row is one feature (long format: a region appears once per
indicator) with the row as properties and the region's web geometry (``geo/web.py``; the data
year's boundaries when the shared data has them, else the target indeling year). Rows whose
region has no geometry are left out and counted on stderr.

Every file is written to a temp file beside the target and moved into place with os.replace.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

import settings as _settings
from errors import GeoError, IndicatorError, InputError
from indicators import compute, registry
from indicators.registry import POPULATION
from loaders import schema, store

LEVELS: dict[str, str] = {"wijk": "WK", "gemeente": "GM", "area": compute.AREA_LEVEL}
FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet", "geojson")
EXPORT_COLUMNS: tuple[str, ...] = (
    "indicator",
    "name_nl",
    "name_en",
    "year",
    "region_code",
    "region_name",
    "gemeente_code",
    "value",
    "unit",
    "source",
    "method",
    "coverage",
    "synthetic",
    "suppressed",
)
LICENCE = (
    "CBS and Politie data (KWB, 47018NED): CC BY 4.0, source: CBS; Leefbaarometer 3.0 (BZK): CC0"
)
SYNTHETIC_WARNING = (
    "SYNTHETIC: this export contains rows computed from synthetic (generated) data, "
    "flagged synthetic=True; they are not real statistics."
)


def parse_years(text: str | None) -> list[int] | None:
    """'2012-2024' -> [2012, …, 2024]; '2023' -> [2023]; '2014,2016' -> [2014, 2016]; None -> None."""
    if text is None or not str(text).strip():
        return None
    out: list[int] = []
    try:
        for part in str(text).split(","):
            part = part.strip()
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if a > b:
                    raise ValueError
                out += range(a, b + 1)
            else:
                out.append(int(part))
    except ValueError:
        raise InputError(
            f"--years {text!r} is not a year, a range like 2012-2024 or a list like 2014,2016"
        ) from None
    bad = [y for y in out if not 1990 <= y <= 2100]
    if bad:
        raise IndicatorError(f"--years {text!r}: year(s) {bad} out of range 1990-2100")
    return sorted(set(out))


def _ids(inds: list) -> str:
    ids = [i.id for i in inds]
    return str(ids) if len(ids) <= 5 else f"the {len(ids)} requested indicators"


def _groups() -> dict[str, list[str]]:
    from indicators import areas  # reads the shared focus-area list only when asked

    fa = areas.focus_areas()
    return {
        str(name): sorted(set(g["wijk_code"].dropna()))
        for name, g in fa.groupby("area_name", sort=True)
    }


def build_table(
    tidy: pd.DataFrame,
    level: str,
    indicator_ids: Iterable[str] | str | None = None,
    years: Iterable[int] | None = None,
    groups: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The export table for ``level`` ('wijk'|'gemeente'|'area') from a tidy frame.

    ``years`` restricts to those years; years without data are skipped, but if none of them has
    data at this level an IndicatorError lists the available years. ``groups`` overrides the
    NPLV focus areas for ``level='area'``.
    """
    if level not in LEVELS:
        raise IndicatorError(f"unknown level {level!r}; choose one of {list(LEVELS)}")
    inds = registry.resolve(indicator_ids)
    code = LEVELS[level]
    src_level = "WK" if code == compute.AREA_LEVEL else code
    at_level = tidy[tidy["region_level"] == src_level]
    if at_level.empty:
        raise IndicatorError(
            f"no data at level {level!r} ({src_level}) in the store; levels present: "
            f"{sorted(tidy['region_level'].dropna().unique().tolist())}"
        )
    needed = {s for i in inds for s in i.stems}
    avail = sorted(int(y) for y in at_level.loc[at_level["variable"].isin(needed), "year"].unique())
    if years is not None:
        wanted = sorted({int(y) for y in years})
        use = [y for y in wanted if y in avail]
        if not use:
            raise IndicatorError(
                f"no data for year(s) {wanted[0]}"
                + (f"-{wanted[-1]}" if len(wanted) > 1 else "")
                + f" for {_ids(inds)} at level {level!r}; years with data: {avail}"
            )
    else:
        use = avail
    if not use:
        raise IndicatorError(
            f"the store has no input for {_ids(inds)} at level {level!r}; "
            "choose other indicators or rebuild the store"
        )
    if code == compute.AREA_LEVEL:
        frame = compute.aggregate(tidy, [i.id for i in inds], groups or _groups(), year=use)
    else:
        frame = compute.compute(tidy, [i.id for i in inds], level=code, years=use)
    names = pd.DataFrame(
        {
            "indicator": [i.id for i in inds],
            "name_nl": [i.name_nl for i in inds],
            "name_en": [i.name_en for i in inds],
        }
    )
    out = frame.merge(names.astype("string"), on="indicator", how="left")
    return out.loc[:, list(EXPORT_COLUMNS)].reset_index(drop=True)


def metadata(
    table: pd.DataFrame, manifest: dict | None, level: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(key/value facts, registry rows of the exported indicators) for the metadata sheet."""
    synthetic = bool(table["synthetic"].any()) if len(table) else False
    facts = [
        ("title", "Wijkpeil indicator export"),
        ("exported_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
        ("level", level),
        ("years", ", ".join(str(y) for y in sorted(table["year"].unique()))),
        ("rows", str(len(table))),
        (
            "source_tables",
            ", ".join(sorted(set(table["source"].dropna().str.split("+").explode()))),
        ),
        ("store_built_at", (manifest or {}).get("built_at", "unknown")),
        ("store_source_tables", ", ".join((manifest or {}).get("source_tables", []))),
        ("licence", LICENCE),
        ("methodology", "docs/methodology.md (generated from indicators/registry.py)"),
    ]
    if synthetic:
        facts.insert(0, ("WARNING", SYNTHETIC_WARNING))
    ids = list(dict.fromkeys(table["indicator"].tolist()))
    rows = []
    for i in (registry.get(x) for x in ids):
        rows.append(
            {
                "id": i.id,
                "name_nl": i.name_nl,
                "name_en": i.name_en,
                "theme": i.theme,
                "unit": i.unit,
                "aggregation": i.aggregation,
                "formula": i.formula,
                "source": i.source_table,
                "source_tables": ", ".join(
                    sorted({s.table_id for s in i.sources}, key=lambda t: (len(t), t))
                ),
                "polarity": i.polarity,
                "min_population": i.min_population,
            }
        )
    return pd.DataFrame(facts, columns=["key", "value"]), pd.DataFrame(rows)


def _atomic(out: Path, write) -> None:  # noqa: ANN001 - write(tmp_path) callback
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {out}: folder {parent} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=parent)
    except OSError as exc:
        raise InputError(
            f"cannot write {out}: {exc.strerror}; choose a writable --out location"
        ) from exc
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {out}: {exc}; choose a writable --out location") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _geometry(level: str, year: int, table: pd.DataFrame, groups: dict | None):  # noqa: ANN202
    """GeoDataFrame code -> geometry (WGS84) for the exported regions."""
    import geopandas as gpd

    from geo import web

    geo_level = "GM" if level == "gemeente" else "WK"
    geo_year = year if level != "area" else _settings.get().target_geo_year
    try:
        path = web.web_geojson_path(geo_level, geo_year)
    except GeoError:
        path = web.web_geojson_path(geo_level, _settings.get().target_geo_year)
    gdf = gpd.read_file(path)[["code", "geometry"]]
    if level != "area":
        return gdf
    members = pd.DataFrame(
        [(g, c) for g, codes in (groups or _groups()).items() for c in codes],
        columns=["region_code", "code"],
    )
    merged = gdf.merge(members, on="code", how="inner")
    areas = merged.dissolve(by="region_code", as_index=False)[["region_code", "geometry"]]
    return areas.rename(columns={"region_code": "code"})


def write_table(
    table: pd.DataFrame,
    fmt: str,
    out: Path,
    *,
    level: str,
    manifest: dict | None = None,
    groups: dict | None = None,
) -> dict:
    """Write ``table`` as ``fmt`` to ``out`` atomically; returns a short summary dict."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {list(FORMATS)}")
    summary = {"path": str(out), "rows": int(len(table)), "format": fmt, "dropped": 0}
    if fmt == "csv":
        _atomic(out, lambda p: table.to_csv(p, index=False, lineterminator="\n"))
    elif fmt == "parquet":
        facts, regs = metadata(table, manifest, level)
        meta = {
            "facts": dict(zip(facts["key"], facts["value"], strict=True)),
            "indicators": regs.to_dict(orient="records"),
        }

        def _pq(p: Path) -> None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            t = pa.Table.from_pandas(table, preserve_index=False)
            md = dict(t.schema.metadata or {})
            md[b"wijkpeil"] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
            pq.write_table(t.replace_schema_metadata(md), p)

        _atomic(out, _pq)
    elif fmt == "xlsx":
        facts, regs = metadata(table, manifest, level)

        def _xlsx(p: Path) -> None:
            with pd.ExcelWriter(p, engine="openpyxl") as xw:
                table.to_excel(xw, sheet_name="data", index=False)
                facts.to_excel(xw, sheet_name="metadata", index=False)
                regs.to_excel(xw, sheet_name="metadata", index=False, startrow=len(facts) + 2)

        _atomic(out, _xlsx)
    else:
        years = sorted(int(y) for y in table["year"].unique())
        if len(years) != 1:
            raise IndicatorError(
                f"geojson holds one year; the request has data for {years}: pass a single "
                "--years value, e.g. --years 2024"
            )
        gdf = _geometry(level, int(years[0]), table, groups)
        merged = gdf.merge(table, left_on="code", right_on="region_code", how="inner")
        summary["dropped"] = int(len(table) - len(merged))
        if summary["dropped"]:
            print(
                f"warning: {summary['dropped']} row(s) without geometry left out of {out} "
                f"(regions not in the boundary file)",
                file=sys.stderr,
            )
        merged = merged.drop(columns="code")
        summary["rows"] = int(len(merged))

        def _gj(p: Path) -> None:
            p.write_text(merged.to_json(drop_id=True, na="null"), encoding="utf-8")

        _atomic(out, _gj)
    summary["synthetic"] = bool(table["synthetic"].any()) if len(table) else False
    return summary


def export(
    level: str,
    fmt: str,
    out: Path,
    *,
    years: Iterable[int] | None = None,
    indicator_ids: Iterable[str] | str | None = None,
    store_dir: Path | None = None,
) -> dict:
    """Read the store, compute the indicators and write the export. Returns a summary dict."""
    if level not in LEVELS:
        raise IndicatorError(f"unknown level {level!r}; choose one of {list(LEVELS)}")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {list(FORMATS)}")
    inds = registry.resolve(indicator_ids)
    out = Path(out)
    if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
        raise InputError(f"cannot write {out}: folder {out.parent} is missing or not writable")
    manifest = store.manifest(store_dir)
    src_level = "GM" if level == "gemeente" else "WK"
    variables = sorted({s for i in inds for s in i.stems} | {POPULATION})
    tidy = store.read(years=None, levels=[src_level], variables=variables, store_dir=store_dir)
    if tidy.empty:
        raise IndicatorError(
            f"the store has no {src_level} rows for {_ids(inds)}; "
            f"it holds {manifest.get('rows_per_year_level', {})}"
        )
    tidy = schema.validate(tidy, where=f"store {store_dir or _settings.get().store_dir}")
    groups = _groups() if level == "area" else None
    table = build_table(tidy, level, [i.id for i in inds], years, groups=groups)
    return write_table(table, fmt, out, level=level, manifest=manifest, groups=groups)
