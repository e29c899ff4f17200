"""Plain Flask routes of the app: web geometry and data downloads (read-only, prebuilt data).

Downloads never build a path from user input: the parameters are validated against the registry and
the dataset, and the file comes from the one export shape (:mod:`indicators.export`); CSV streams.
Bad parameters give a 400 with the reason.
"""

from __future__ import annotations

import io
import re

import flask
import pandas as pd

from errors import InputError, StoreError, WijkpeilError
from indicators import export, registry, views
from pages import common

MAX_QUERY = 2048
MAX_BODY = 1 << 20  # 1 MB: Dash callback payloads are far smaller
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}
#: An XLSX download is answered as one body (a zip cannot be streamed before it is complete) and
#: costs a worker thread ~10 s per 100 k rows: larger selections go to CSV/Parquet, which stream.
MAX_XLSX_ROWS = 100_000


def _bad(message: str, status: int = 400) -> flask.Response:
    return flask.Response(f"{message}\n", status=status, mimetype="text/plain")


def register(server: flask.Flask) -> None:
    """Attach the routes and request limits to the Flask server."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @server.before_request
    def _limits():  # noqa: ANN202
        if len(flask.request.query_string) > MAX_QUERY:
            return _bad(f"query string longer than {MAX_QUERY} bytes; shorten the URL", 414)
        return None

    @server.route("/geo/<level>/<int:year>.geojson")
    def geometry(level: str, year: int):  # noqa: ANN202
        """The store version's prebuilt web geometry (and its prebuilt gzip copy): no writes."""
        from geo import web
        from indicators import dataset

        if level not in ("WK", "GM"):
            return _bad(f"unknown level {level!r}; use WK or GM", 404)
        try:
            path = dataset.active().artefact("geo", web.file_name(level, year))
        except WijkpeilError as exc:
            return _bad(str(exc), 503)
        if not path.exists():
            return _bad(f"no {level} geometry for {year} in this store; the map uses 2024", 404)
        gz = path.with_name(path.name + ".gz")
        if "gzip" in flask.request.headers.get("Accept-Encoding", "") and gz.exists():
            resp = flask.send_file(gz, mimetype="application/geo+json", max_age=86400)
            resp.headers["Content-Encoding"] = "gzip"
            resp.headers["Vary"] = "Accept-Encoding"
            return resp
        return flask.send_file(path, mimetype="application/geo+json", max_age=86400)

    @server.route("/download/<path:rest>")
    @server.route("/geo/<path:rest>")
    def unknown_static(rest: str):  # noqa: ANN202
        return _bad(f"no such file: {rest[:80]!r}; see the download links on the map page", 404)

    @server.route("/download/<view>.<fmt>")
    def download(view: str, fmt: str):  # noqa: ANN202
        """The data of what is shown, in the one export shape (indicators.export): ``map`` (one
        indicator, year and level), ``series`` (the lines of a chart: any codes incl. NPLV:/REST:),
        ``bulk`` (level, indicators, years, region set) and ``dictionary`` (indicator metadata)."""
        args = flask.request.args
        if fmt not in FORMATS:
            return _bad(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", 404)
        if view not in ("map", "series", "bulk", "dictionary"):
            return _bad(f"unknown download {view!r}; use map, series, bulk or dictionary", 404)
        variant = args.get("variant", "standard")
        try:
            if view == "dictionary":
                parts, level, name = [export.dictionary()], "wijk", "wijkpeil-dictionary"
                if fmt not in ("csv", "xlsx"):
                    raise InputError("the dictionary is available as csv or xlsx")
            elif view == "map":
                indicator = args.get("indicator", "")
                registry.get(indicator)
                level = args.get("level", "WK")
                if level not in views.LEVELS:
                    raise InputError(f"unknown level {level!r}; use WK or GM", key="err_unknown_level",
                                     value=level)  # fmt: skip
                year = common.parse_year(args.get("year"), indicator, level)
                level = {"WK": "wijk", "GM": "gemeente"}[level]
                parts = export.chunks(level, [indicator], [year])
                name = f"wijkpeil-{indicator}-{level}-{year}"
            elif view == "series":
                indicator = args.get("indicator", "")
                registry.get(indicator)
                codes = common.parse_codes(args.get("regions"))  # every drawn line
                if not codes:
                    raise InputError("no regions given; use regions=WK059915,GM0599",
                                     key="err_no_regions")  # fmt: skip
                views.series(indicator, codes)  # unknown codes: a clear 400
                level = "area" if any(":" in c for c in codes) else "wijk"
                parts = export.chunks(None, [indicator], codes=codes)
                name = f"wijkpeil-{indicator}-{'-'.join(c.replace(':', '_') for c in codes)}"
            else:
                level = args.get("level", "wijk")
                ids = args.get("indicators") or None
                years = export.parse_years(args.get("years"))
                regions = [c for c in (args.get("regions") or "").split(",") if c.strip()] or None
                parts = export.chunks(level, ids, years, regions)
                name = f"wijkpeil-{level}"
            body = _render(parts, fmt, level, variant, one_year=view != "series")
        except StoreError:
            raise  # a broken store is a server fault (503, pages/_server.py), not bad input
        except WijkpeilError as exc:
            return _bad(str(exc))
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:120]
        return flask.Response(
            body,
            mimetype=FORMATS[fmt],
            headers={"Content-Disposition": f'attachment; filename="{safe}.{fmt}"'},
        )


def _render(parts, fmt: str, level: str, variant: str, one_year: bool = True):  # noqa: ANN001, ANN202
    """Bytes (or a stream of bytes for CSV) of an export in ``fmt``; errors before any byte."""
    import itertools

    if variant not in export.VARIANTS:
        raise InputError(f"unknown variant {variant!r}; use one of {', '.join(export.VARIANTS)}",
                         key="err_variant", variant=variant)  # fmt: skip
    parts = iter(parts)
    first = next(parts, None)
    if first is None:
        raise InputError("no values for this selection; choose other indicators, years or regions",
                         key="err_export_empty", level=level)  # fmt: skip
    parts = itertools.chain([first], parts)
    if fmt == "csv":
        return flask.stream_with_context(export.csv_stream(parts, variant))
    if fmt == "parquet":
        buf = io.BytesIO()
        export.parquet_write(parts, buf, level)
        return buf.getvalue()
    table = pd.concat(list(parts), ignore_index=True)
    if fmt == "xlsx":
        if len(table) > MAX_XLSX_ROWS:
            raise InputError(
                f"{len(table):,} rows are too many for an Excel download here "
                f"({MAX_XLSX_ROWS:,} at most); choose fewer indicators, years or regions, or use "
                "CSV or Parquet", key="err_xlsx_rows", rows=len(table),
            )  # fmt: skip
        return export.xlsx_bytes(table, level)
    return export.geojson_bytes(table, level, one_year=one_year)
