"""Export indicator tables: the one export shape, used by the CLI and every download.

``python -m indicators export --level {wijk,gemeente,area,buurt,nl} --format {csv,xlsx,parquet,geojson}
[--years 2012-2024] [--indicators id,id] [--regions GM0363,NPLV:Rotterdam-Zuid] [--variant excel-nl]
--out FILE``

Rows come from the indicator dataset of the store (the same rows the dashboard shows), on the 2024
indeling for every year; ``method`` says how each value got there (``published``, ``summed``,
``same-area:<evidence>``, ``aggregate``; see /methode). One row per (indicator, year, region) with
the columns of :data:`EXPORT_COLUMNS`. Level ``area`` holds the NPLV focus areas and the rest of
their gemeente(n) (``REST:`` codes).

Memory stays bounded: the table is produced one indicator at a time and CSV and Parquet are written
as it comes. XLSX refuses more rows than Excel holds (1,048,575 data rows per sheet) with a message
that suggests CSV or Parquet. Every file also carries the data dictionary (one row per indicator:
id, names, unit, source tables, the years this store holds, how values are made) and the coverage
matrix (indicator × year: the table that filled it, or missing): sheets in XLSX, the file's
key/value metadata in Parquet, side files ``<name>.dictionary.csv`` and ``<name>.coverage.csv``
beside a CSV.
CSV ``variant='excel-nl'`` is for a Dutch Excel: ``;`` separators, decimal commas, a UTF-8 BOM.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from errors import IndicatorError, InputError
from indicators import areas, dataset, registry

LEVELS: dict[str, tuple[str, ...]] = {
    "wijk": ("WK",),
    "gemeente": ("GM",),
    "area": (dataset.AREA_LEVEL, dataset.REST_LEVEL),
    "buurt": ("BU",),
    "nl": ("NL",),
}
FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet", "geojson")
VARIANTS: tuple[str, ...] = ("standard", "excel-nl")
EXCEL_MAX_ROWS = 1_048_575
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
SYNTHETIC_WARNING = "SYNTHETIC: this export comes from the synthetic demo store; no value in it is a real statistic."


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
            f"years {text!r} is not a year, a range like 2012-2024 or a list like 2014,2016",
            key="err_bad_years", value=str(text)[:40],
        ) from None  # fmt: skip
    bad = [y for y in out if not 1990 <= y <= 2100]
    if bad:
        raise IndicatorError(f"years {text!r}: year(s) {bad} out of range 1990-2100",
                             key="err_bad_years", value=str(text)[:40])  # fmt: skip
    return sorted(set(out))


def _check(level: str, fmt: str | None = None, variant: str = "standard") -> None:
    if level not in LEVELS:
        raise IndicatorError(f"unknown level {level!r}; choose one of {list(LEVELS)}",
                             key="err_unknown_level", value=level)  # fmt: skip
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {list(FORMATS)}",
                         key="err_format", fmt=fmt, valid=", ".join(FORMATS))  # fmt: skip
    if variant not in VARIANTS:
        raise InputError(f"unknown variant {variant!r}; choose one of {list(VARIANTS)}",
                         key="err_variant", variant=variant)  # fmt: skip


def region_filter(level: str, codes: Iterable[str] | None) -> set[str] | None:
    """The region codes of ``level`` that a selection (gemeenten, wijken, NPLV areas) stands for.

    At wijk (buurt) level a gemeente or an area stands for its wijken (buurten); at gemeente level a
    wijk for its gemeente; at area level an area code stands for the area and the rest of its
    gemeente. ``None`` keeps every region.
    """
    if codes is None:
        return None
    codes = [c.strip() for c in codes if c and c.strip()]
    if not codes:
        return None
    regs = dataset.regions()
    out: set[str] = set()
    for c in codes:
        if c.startswith((areas.AREA_PREFIX, areas.REST_PREFIX)):
            name = c.split(":", 1)[1]
            fa = areas.focus_areas()
            members = set(fa.loc[fa["area_name"] == name, "wijk_code"])
            if not members:
                raise IndicatorError(f"unknown NPLV area {name!r}; choose one of {areas.area_names()}",
                                     key="err_unknown_area", value=name, valid=", ".join(areas.area_names()))  # fmt: skip
            if level == "area":
                out |= {areas.AREA_PREFIX + name, areas.REST_PREFIX + name}
            elif level == "wijk":
                out |= members
            elif level == "buurt":
                out |= set(regs.loc[regs["wijk_code"].isin(members), "code"])
            elif level == "gemeente":
                out |= set(fa.loc[fa["area_name"] == name, "gemeente_code"])
            continue
        lvl = c[:2]
        if level == "wijk":
            out |= (
                {c}
                if lvl == "WK"
                else set(regs.loc[(regs["level"] == "WK") & (regs["gemeente_code"] == c), "code"])
            )
        elif level == "buurt":
            col = "wijk_code" if lvl == "WK" else "gemeente_code"
            out |= (
                {c}
                if lvl == "BU"
                else set(regs.loc[(regs["level"] == "BU") & (regs[col] == c), "code"])
            )
        elif level == "gemeente":
            out.add(c if lvl in ("GM", "NL") else "GM" + c[2:6])
        elif level == "area":
            fa = areas.focus_areas()
            hit = fa[(fa["wijk_code"] == c) | (fa["gemeente_code"] == c)]["area_name"].unique()
            out |= {p + a for a in hit for p in (areas.AREA_PREFIX, areas.REST_PREFIX)}
        else:
            out.add("NL00")
    return out


def chunks(
    level: str | None,
    indicator_ids: Iterable[str] | str | None = None,
    years: Iterable[int] | None = None,
    regions: Iterable[str] | None = None,
    *,
    codes: Iterable[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """The export table, one indicator at a time (only indicators with rows in the selection).

    ``level`` with an optional ``regions`` selection (see :func:`region_filter`), or ``level=None``
    with exact ``codes`` of any level (a chart's lines: wijken, gemeente, NL, NPLV:/REST: sets).
    """
    if level is not None:
        _check(level)
    inds = registry.resolve(indicator_ids)
    ys = None if years is None else {int(y) for y in years}
    keep = region_filter(level, regions) if level is not None else set(codes or ())
    levels = set(LEVELS[level]) if level is not None else None
    v = dataset.active()
    for ind in inds:
        rows = dataset.rows(ind.id, v, buurten=(level == "buurt") or (
            level is None and any(str(c).startswith("BU") for c in keep)))  # fmt: skip
        sel = (
            rows["region_level"].isin(levels)
            if levels is not None
            else rows["region_code"].isin(keep)
        )
        if ys is not None:
            sel &= rows["year"].isin(ys)
        if keep is not None:
            sel &= rows["region_code"].isin(keep)
        sub = rows[sel]
        if sub.empty:
            continue
        out = pd.DataFrame({c: sub[c].to_numpy() for c in EXPORT_COLUMNS
                            if c in sub.columns})  # fmt: skip
        out.insert(1, "name_nl", ind.name_nl)
        out.insert(2, "name_en", ind.name_en)
        out = out.loc[:, list(EXPORT_COLUMNS)]
        out["year"] = out["year"].astype("int64")
        for c in ("region_code", "region_name", "gemeente_code", "unit", "source", "method"):
            out[c] = out[c].astype(str)
        yield out.reset_index(drop=True)


def build_table(
    level: str,
    indicator_ids: Iterable[str] | str | None = None,
    years: Iterable[int] | None = None,
    regions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The whole export table in memory (small selections, tests). Empty selections raise."""
    parts = list(chunks(level, indicator_ids, years, regions))
    if not parts:
        raise IndicatorError(
            f"no values for this selection at level {level!r}; choose other indicators, years "
            "or regions (see /over for what this store holds)",
            key="err_export_empty", level=level,
        )  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def dictionary(indicator_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The data dictionary: one row per indicator with the years this store holds (real)."""
    v = dataset.active()
    cov = (v.manifest.get("report") or {}).get("coverage", {})
    rows = []
    for i in registry.resolve(indicator_ids):
        c = cov.get(i.id, {})
        ys = c.get("years", [])
        rows.append(
            {
                "id": i.id,
                "name_nl": i.name_nl,
                "name_en": i.name_en,
                "theme": i.theme,
                "unit": i.unit,
                "polarity": i.polarity,
                "aggregation": i.aggregation,
                "formula": i.formula,
                "source": i.source_table,
                "source_tables": ", ".join(sorted({s.table_id for s in i.sources})),
                "published_from": i.first_year,
                "years_in_this_store": ", ".join(map(str, ys)),
                "data": (
                    "SYNTHETIC (demo store)"
                    if v.kind == "synthetic"
                    else "real"
                    if ys
                    else "missing"
                ),  # fmt: skip
                "min_population": i.min_population,
                "method": "published / summed / same-area:<evidence> / aggregate — see /methode",
            }
        )
    return pd.DataFrame(rows)


def facts(level: str, n_rows: int) -> pd.DataFrame:
    v = dataset.active()
    rows = [
        ("title", "Wijkpeil indicator export"),
        ("level", level),
        ("rows", str(n_rows)),
        ("geography", "2024 indeling (CBS wijken en buurten 2024) for every year"),
        ("store", f"{v.id} ({v.kind}), built {v.manifest.get('built_at')}"),
        ("licence", LICENCE),
        ("methodology", "/methode"),
    ]
    if v.kind == "synthetic":
        rows.insert(0, ("WARNING", SYNTHETIC_WARNING))
    return pd.DataFrame(rows, columns=["key", "value"])


def _csv_text(df: pd.DataFrame, variant: str, header: bool) -> str:
    if variant == "excel-nl":
        return df.to_csv(index=False, sep=";", decimal=",", header=header, lineterminator="\r\n")
    return df.to_csv(index=False, header=header, lineterminator="\n")


def csv_stream(parts: Iterable[pd.DataFrame], variant: str = "standard") -> Iterator[bytes]:
    """CSV bytes chunk by chunk (a header once; a BOM first for the Dutch-Excel variant)."""
    first = True
    for df in parts:
        text = _csv_text(df, variant, header=first)
        if first and variant == "excel-nl":
            text = "\ufeff" + text
        first = False
        yield text.encode("utf-8")
    if first:  # no rows: still a valid file with a header
        text = _csv_text(pd.DataFrame(columns=list(EXPORT_COLUMNS)), variant, header=True)
        yield (("\ufeff" if variant == "excel-nl" else "") + text).encode("utf-8")


def xlsx_bytes(table: pd.DataFrame, level: str) -> bytes:
    """XLSX of an in-memory table (a download of what a chart shows); see :func:`xlsx_write`."""
    buf = io.BytesIO()
    xlsx_write([table], buf, level)
    return buf.getvalue()


def xlsx_write(parts: Iterable[pd.DataFrame], target: Path | io.BytesIO, level: str) -> int:
    """Stream ``parts`` into an XLSX workbook with sheets data, dictionary, coverage and about.

    openpyxl's write-only mode writes rows out as they come, so memory stays flat whatever the
    size (the whole-workbook mode held 4.9 GB for 922 k rows). Refuses, with the row count, a
    table Excel cannot hold in one sheet. Returns the number of data rows."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    parts = iter(parts)
    n, ids, header = 0, set(), False
    for df in parts:
        if not header:
            ws.append([str(c) for c in df.columns])
            header = True
        n += len(df)
        if n > EXCEL_MAX_ROWS:
            n += sum(len(rest) for rest in parts)
            raise InputError(
                f"{n:,} rows do not fit in one Excel sheet ({EXCEL_MAX_ROWS:,} at most); "
                "choose fewer indicators, years or regions, or use CSV or Parquet",
                key="err_xlsx_rows", rows=n,
            )  # fmt: skip
        ids.update(str(i) for i in df["indicator"].unique())
        for row in _cells(df):
            ws.append(row)
    if not header:
        ws.append(list(EXPORT_COLUMNS))
    for name, frame in (
        ("dictionary", dictionary(sorted(ids))),
        ("coverage", dataset.coverage_matrix(dataset.active(), tables=True)),
        ("about", facts(level, n)),
    ):
        sheet = wb.create_sheet(name)
        sheet.append([str(c) for c in frame.columns])
        for row in _cells(frame):
            sheet.append(row)
    wb.save(target)
    return n


def _cells(df: pd.DataFrame) -> Iterator[tuple]:
    """Rows of plain Python values for a spreadsheet (missing values as empty cells)."""
    cols = [df[c].astype(object).where(df[c].notna(), None).tolist() for c in df.columns]
    return zip(*cols, strict=True)


def parquet_write(parts: Iterable[pd.DataFrame], target: Path | io.BytesIO, level: str) -> int:
    """Stream ``parts`` into one Parquet file with the dictionary in its key/value metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    n = 0
    ids: list[str] = []
    try:
        for df in parts:
            t = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                ids_all = [i.id for i in registry.REGISTRY]
                meta = {
                    "facts": dict(facts(level, 0).itertuples(index=False, name=None)),
                    "dictionary": dictionary(ids_all).to_dict(orient="records"),
                    "coverage": dataset.coverage_matrix(dataset.active(), tables=True).to_dict(
                        orient="records"
                    ),
                }
                schema = t.schema.with_metadata(
                    {
                        **(t.schema.metadata or {}),
                        b"wijkpeil": json.dumps(meta, ensure_ascii=False).encode("utf-8"),
                    }  # fmt: skip
                )
                writer = pq.ParquetWriter(target, schema, compression="zstd")
            writer.write_table(t.cast(writer.schema))
            n += len(df)
            ids.append(str(df["indicator"].iloc[0]))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise IndicatorError("no values for this selection; nothing to write",
                             key="err_export_empty", level=level)  # fmt: skip
    return n


def geojson_bytes(table: pd.DataFrame, level: str, *, one_year: bool = True) -> bytes:
    """GeoJSON: each row a feature with the region's web geometry (2024 indeling).

    Wijk and gemeente rows get their own shape, NPLV areas and rest-of-gemeente the union of their
    wijken; rows without a shape (buurten, NL) keep ``geometry: null`` so every row is there.
    ``one_year`` (exports of whole levels) refuses tables of several years: every row repeats its
    region's shape, so a multi-year national table would be gigabytes; a chart's lines are small."""
    years = sorted(int(y) for y in table["year"].unique())
    if one_year and len(years) != 1:
        raise IndicatorError(
            f"GeoJSON holds one year; this selection has {years}: choose one year",
            key="err_geojson_years", years=", ".join(map(str, years)),
        )  # fmt: skip
    v = dataset.active()
    shapes: dict[str, dict] = {}
    for lvl in ("WK", "GM"):
        p = v.artefact("geo", f"{lvl}_2024.geojson")
        if p.exists():
            for f in json.loads(p.read_text(encoding="utf-8"))["features"]:
                shapes[f["properties"]["code"]] = f["geometry"]
    if (table["region_code"].str.contains(":")).any():
        import shapely.geometry
        from shapely.ops import unary_union

        for code in table["region_code"].unique():
            if ":" not in code:
                continue
            name = code.split(":", 1)[1]
            fa = areas.focus_areas()
            members = list(fa.loc[fa["area_name"] == name, "wijk_code"])
            if code.startswith(areas.REST_PREFIX):
                regs = dataset.regions(v)
                gms = set(fa.loc[fa["area_name"] == name, "gemeente_code"])
                members = list(regs.loc[(regs["level"] == "WK") & regs["gemeente_code"].isin(gms)
                                        & ~regs["code"].isin(members), "code"])  # fmt: skip
            geoms = [shapely.geometry.shape(shapes[m]) for m in members if m in shapes]
            if geoms:
                shapes[code] = shapely.geometry.mapping(unary_union(geoms))
    feats = []
    for rec in table.to_dict("records"):
        props = {k: (None if isinstance(val, float) and np.isnan(val) else val)
                 for k, val in rec.items()}  # fmt: skip
        feats.append({"type": "Feature", "properties": props,
                      "geometry": shapes.get(rec["region_code"])})  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": feats},
                      ensure_ascii=False, default=str).encode("utf-8")  # fmt: skip


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


def export(
    level: str,
    fmt: str,
    out: Path,
    *,
    years: Iterable[int] | None = None,
    indicator_ids: Iterable[str] | str | None = None,
    regions: Iterable[str] | None = None,
    variant: str = "standard",
) -> dict:
    """Write the export to ``out`` (atomically). Returns a summary dict (path, rows, format)."""
    _check(level, fmt, variant)
    out = Path(out)
    parts = chunks(level, indicator_ids, years, regions)
    summary = {"path": str(out), "format": fmt, "rows": 0,
               "synthetic": dataset.active().kind == "synthetic"}  # fmt: skip
    if fmt == "csv":

        def write_csv(p: Path) -> None:
            with open(p, "wb") as fh:
                for b in csv_stream(_counted(parts, summary), variant):
                    fh.write(b)

        _atomic(out, write_csv)
        side = out.with_name(out.stem + ".dictionary.csv")
        _atomic(side, lambda p: p.write_bytes(b"".join(
            csv_stream([dictionary(indicator_ids)], variant))))  # fmt: skip
        summary["dictionary"] = str(side)
        cov = out.with_name(out.stem + ".coverage.csv")
        matrix = dataset.coverage_matrix(dataset.active(), tables=True)
        _atomic(cov, lambda p: p.write_bytes(b"".join(csv_stream([matrix], variant))))
        summary["coverage"] = str(cov)
    elif fmt == "parquet":
        _atomic(out, lambda p: summary.__setitem__("rows", parquet_write(parts, p, level)))
    elif fmt == "xlsx":
        _atomic(out, lambda p: summary.__setitem__("rows", xlsx_write(parts, p, level)))
    else:
        table = build_table(level, indicator_ids, years, regions)
        summary["rows"] = len(table)
        body = geojson_bytes(table, level)
        _atomic(out, lambda p: p.write_bytes(body))
    if summary["rows"] == 0:
        out.unlink(missing_ok=True)
        raise IndicatorError(
            f"no values for this selection at level {level!r}; choose other indicators, years "
            "or regions (`python -m loaders info` shows what the store holds)",
            key="err_export_empty", level=level,
        )  # fmt: skip
    return summary


def _counted(parts: Iterable[pd.DataFrame], summary: dict) -> Iterator[pd.DataFrame]:
    for df in parts:
        summary["rows"] += len(df)
        yield df
