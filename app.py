"""Wijkpeil: the Dash app. Thin on purpose: pages live in pages/, data in indicators/."""

from __future__ import annotations

import dash
from dash import dcc, html
from flask import abort, send_file

import settings as _settings
from errors import GeoError
from geo import web


def create_app() -> dash.Dash:
    app = dash.Dash(__name__, use_pages=True, title="Wijkpeil", suppress_callback_exceptions=True)
    app.layout = html.Div(
        [
            html.Header(
                [
                    html.H1(dcc.Link("Wijkpeil", href="/")),
                    html.Span("Leefbaarheid en veiligheid per wijk"),
                    html.Nav(
                        [
                            dcc.Link("Kaart", href="/"),
                            " · ",
                            dcc.Link("NPLV-gebieden", href="/gebieden"),
                        ]
                    ),
                ]
            ),
            dash.page_container,
        ]
    )
    server = app.server

    @server.route("/geo/<level>/<int:year>.geojson")
    def geometry(level: str, year: int):  # noqa: ANN202
        if level not in ("WK", "GM"):
            abort(404)
        try:
            return send_file(
                web.web_geojson_path(level, year),
                mimetype="application/geo+json",
                max_age=86400,
            )
        except GeoError:
            abort(404)

    @server.route("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    s = _settings.get()
    print("Wijkpeil: building web geometry (first start only)…", flush=True)
    web.web_geojson_path("WK", 2024)
    print(f"Wijkpeil: serving on http://{s.host}:{s.port}", flush=True)
    app.run(host=s.host, port=s.port, debug=False)
