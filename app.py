"""Wijkpeil: the Dash app. Thin on purpose: pages live in pages/, data in indicators/ and loaders/."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

import settings as _settings
from pages import _routes, _server, common, ids
from pages.i18n import lang_of, t

NAV = (("/", "nav_map"), ("/trends", "nav_trends"), ("/gebieden", "nav_areas"),
       ("/vergelijk", "nav_compare"), ("/indices", "nav_indices"), ("/methode", "nav_method"),
       ("/over", "nav_about"))  # fmt: skip


def create_app() -> dash.Dash:
    app = dash.Dash(
        __name__, use_pages=True, title="Wijkpeil", suppress_callback_exceptions=True,
        compress=True,  # gzip/br for HTML, bundles, callbacks and the geometry (flask-compress)
    )  # fmt: skip
    app.server.config["COMPRESS_MIMETYPES"] = [*app.server.config.get(
        "COMPRESS_MIMETYPES", []), "application/geo+json"]  # fmt: skip
    app.layout = html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        html.Header([
            html.Div([html.A("Wijkpeil", href="/", className="brand"),
                      html.Span(id="tagline", className="tagline")]),
            html.Nav(id=ids.NAV),
            html.A(id=ids.LANG_SWITCH, className="lang-switch", href="/?lang=en"),
        ], id=ids.HEADER, className="site-header"),
        html.Main(dash.page_container),
        html.Footer(id=ids.FOOTER, className="site-footer"),
    ])  # fmt: skip
    _routes.register(app.server)
    _server.register(app)  # headers, page status codes, input validation, errors, /healthz
    return app


@callback(
    Output(ids.NAV, "children"), Output(ids.LANG_SWITCH, "href"), Output(ids.LANG_SWITCH, "children"),
    Output("tagline", "children"), Output(ids.HEADER, "hidden"), Output(ids.FOOTER, "children"),
    Input(ids.URL, "pathname"), Input(ids.URL, "search"),
)  # fmt: skip
def frame(path: str | None, search: str | None):  # noqa: ANN201
    """Navigation that keeps the language; embeds are chromeless."""
    from urllib.parse import parse_qs

    path = _server.safe_path(path)  # never a link to //other.host
    q = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    lang = lang_of(q.get("lang"))
    other = {k: v for k, v in q.items() if k != "lang"}
    nav = [
        dcc.Link(t(key, lang), href=common.href(p, lang), className="nav-link") for p, key in NAV
    ]
    foot = "Wijkpeil · open source · CBS (CC BY 4.0), Leefbaarometer 3.0 (CC0), PDOK"
    switch = common.href(path, "en" if lang == "nl" else "nl", **other)
    embed = path.startswith("/embed")
    return nav, switch, t("switch_lang", lang), t("tagline", lang), embed, None if embed else foot


app = create_app()
server = app.server

if __name__ == "__main__":
    import startup

    s = _settings.get()
    startup.prepare(s)  # store (existing; else ../shared + synthetic; else online), geometry, frame
    print(f"Wijkpeil: serving on http://{s.host}:{s.port}", flush=True)
    _server.first_request(app.server)  # Dash's setup before the threaded server takes requests
    app.run(host=s.host, port=s.port, debug=False)
