"""Plain Flask routes of the app: web geometry, data downloads, health check, request limits.

Downloads never build a path from user input: the parameters are validated against the registry and
the dataset, and the file is produced in memory. Bad parameters give a 400 with the reason.
"""

from __future__ import annotations

import io
import json
import re

import flask
import pandas as pd

from errors import WijkpeilError
from indicators import registry, views
from pages import common

MAX_QUERY = 2048
MAX_BODY = 1 << 20  # 1 MB: Dash callback payloads are far smaller
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
LICENCE = "CBS open data: CC BY 4.0 (bron: CBS); Leefbaarometer 3.0: CC0 (BZK)"


def _bad(message: str, status: int = 400) -> flask.Response:
    return flask.Response(f"{message}\n", status=status, mimetype="text/plain")


def export_table(df: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """The tidy download table of shown values: units, sources, flags (synthetic loud and clear)."""
    ind_names = {i.id: registry.name(i, lang) for i in registry.REGISTRY}
    out = pd.DataFrame(
        {
            "indicator": df["indicator"].astype(str),
            "indicator_name": df["indicator"].astype(str).map(ind_names),
            "year": df["year"].astype(int),
            "region_code": df["region_code"].astype(str),
            "region_name": df["region_name"].astype(str),
            "region_level": df["region_level"].astype(str),
            "gemeente_code": df["gemeente_code"].astype(str),
            "value": df["value"].astype("float64"),
            "unit": df["unit"].astype(str),
            "source": df["source"].astype(str),
            "method": df["method"].astype(str),
            "coverage": df["coverage"].astype("float64"),
            "synthetic": df["synthetic"].astype(bool),
            "suppressed": df["suppressed"].astype(bool),
        }
    )
    return out.sort_values(["indicator", "region_level", "region_code", "year"]).reset_index(
        drop=True
    )


def _metadata(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    if table["synthetic"].any():
        rows.append(
            ("WARNING", "contains SYNTHETIC values (column synthetic = True): not real CBS figures")
        )
    for ind_id in table["indicator"].unique():
        ind = registry.get(ind_id)
        rows += [
            (f"{ind.id}.name_nl", ind.name_nl),
            (f"{ind.id}.name_en", ind.name_en),
            (f"{ind.id}.unit", ind.unit),
            (f"{ind.id}.formula", ind.formula),
            (f"{ind.id}.polarity", "higher is better" if ind.polarity > 0 else "higher is worse"),
        ]
    rows += [("sources", ", ".join(sorted(table["source"].unique()))), ("licence", LICENCE)]
    try:
        from loaders import store

        rows.append(("store_built_at", str(store.manifest().get("built_at"))))
    except WijkpeilError as exc:
        rows.append(("store_built_at", f"unknown ({exc})"))
    return pd.DataFrame(rows, columns=["key", "value"])


def render(table: pd.DataFrame, fmt: str, level: str = "WK") -> bytes:
    """Serialise a download table: CSV, XLSX (+ metadata sheet) or GeoJSON (web geometry)."""
    if fmt == "csv":
        return table.to_csv(index=False).encode("utf-8")
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xw:
            table.to_excel(xw, sheet_name="data", index=False)
            _metadata(table).to_excel(xw, sheet_name="metadata", index=False)
        return buf.getvalue()
    from geo import web
    from indicators import dataset

    path = dataset.active().artefact(
        "geo", web.file_name(level if level in ("WK", "GM") else "WK", 2024)
    )
    geo = json.loads(path.read_text(encoding="utf-8"))
    by_code = {f["properties"]["code"]: f["geometry"] for f in geo["features"]}
    feats = []
    for rec in table.to_dict("records"):
        geom = by_code.get(rec["region_code"])
        if geom is None:
            continue
        props = {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode()


def register(server: flask.Flask) -> None:
    """Attach the routes and request limits to the Flask server."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @server.before_request
    def _limits():  # noqa: ANN202
        if len(flask.request.query_string) > MAX_QUERY:
            return _bad(f"query string longer than {MAX_QUERY} bytes; shorten the URL", 414)
        return None

    @server.route("/healthz")
    def healthz():  # noqa: ANN202
        import settings as _settings
        from loaders import store

        ok, reason = store.health(_settings.get().serving_store_dir)
        return {"status": "ok" if ok else "error", "store": reason}, (200 if ok else 503)

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
        args = flask.request.args
        if fmt not in FORMATS:
            return _bad(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", 404)
        if view not in ("map", "series"):
            return _bad(f"unknown download {view!r}; use map or series", 404)
        lang = "en" if args.get("lang") == "en" else "nl"
        try:
            indicator = args.get("indicator", "")
            registry.get(indicator)
            if view == "map":
                level = args.get("level", "WK")
                if level not in views.LEVELS:
                    raise WijkpeilError(f"unknown level {level!r}; use WK or GM")
                year = common.parse_year(args.get("year"), indicator, level)
                shown = views.map_values(indicator, year, level)
                df = views.series(indicator, shown["code"].tolist())
                df = df[df["year"] == year]
                name = f"wijkpeil-{indicator}-{level}-{year}"
            else:
                level = "WK"
                codes = common.parse_codes(args.get("regions"))
                if not codes:
                    raise WijkpeilError("no regions given; use regions=WK059915,GM0599")
                df = views.series(indicator, codes)
                name = f"wijkpeil-{indicator}-{'-'.join(c.replace(':', '_') for c in codes)}"
            df = df.assign(indicator=indicator)
            body = render(export_table(df, lang), fmt, level)
        except WijkpeilError as exc:
            return _bad(str(exc))
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:120]
        return flask.Response(
            body,
            mimetype=FORMATS[fmt],
            headers={"Content-Disposition": f'attachment; filename="{safe}.{fmt}"'},
        )
