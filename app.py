"""Wijkpeil: the Dash app. Thin on purpose: pages live in pages/, data in indicators/ and loaders/."""

from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, callback, clientside_callback, dcc, html

import settings as _settings
from pages import _routes, _server, common, ids
from pages.i18n import lang_of, request_lang, t

NAV = (("/", "nav_map"), ("/trends", "nav_trends"), ("/gebieden", "nav_areas"),
       ("/vergelijk", "nav_compare"), ("/indices", "nav_indices"), ("/data", "nav_data"),
       ("/methode", "nav_method"), ("/over", "nav_about"))  # fmt: skip


INDEX = """<!DOCTYPE html>
<html>
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""  # Dash's default wraps the scripts in a <footer>: a second contentinfo landmark


class WijkpeilDash(dash.Dash):
    """Dash with ``<html lang>`` set from the request (``?lang=en``) in the first HTML byte."""

    def interpolate_index(self, **kwargs: str) -> str:
        page = super().interpolate_index(**kwargs)
        return page.replace("<html>", f'<html lang="{request_lang()}">', 1)


def create_app() -> dash.Dash:
    app = WijkpeilDash(
        __name__, use_pages=True, title="Wijkpeil", suppress_callback_exceptions=True,
        compress=True,  # gzip/br for HTML, bundles, callbacks and the geometry (flask-compress)
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        index_string=INDEX,
        update_title=None,  # no English "Updating..." in the tab; titles come from the pages
    )  # fmt: skip
    app.server.config["COMPRESS_MIMETYPES"] = [*app.server.config.get(
        "COMPRESS_MIMETYPES", []), "application/geo+json"]  # fmt: skip
    app.layout = html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        html.A(id=ids.SKIP_LINK, href=f"#{ids.MAIN}", className="skip-link",
               children=t("skip_link", "nl")),
        html.Header([
            html.Div([html.A("Wijkpeil", href="/", className="brand", id="brand"),
                      html.Span(id=ids.TAGLINE, className="tagline")], className="brand-line"),
            html.Nav(id=ids.NAV, **{"aria-label": t("nav_label", "nl")}),
            html.A(id=ids.LANG_SWITCH, className="lang-switch", href="/?lang=en"),
        ], id=ids.HEADER, className="site-header"),
        html.Main(dash.page_container, id=ids.MAIN, tabIndex="-1"),
        html.Footer(id=ids.FOOTER, className="site-footer"),
        html.Span(id=ids.HTML_LANG, hidden=True),
    ])  # fmt: skip
    _routes.register(app.server)
    _server.register(app)  # headers, page status codes, input validation, errors, /healthz
    return app


@callback(
    Output(ids.NAV, "children"), Output(ids.NAV, "aria-label"), Output(ids.LANG_SWITCH, "href"),
    Output(ids.LANG_SWITCH, "children"), Output(ids.LANG_SWITCH, "hrefLang"),
    Output(ids.TAGLINE, "children"), Output(ids.HEADER, "hidden"), Output(ids.FOOTER, "children"),
    Output(ids.FOOTER, "hidden"), Output(ids.SKIP_LINK, "children"), Output(ids.SKIP_LINK, "hidden"),
    Output("brand", "href"),
    Input(ids.URL, "pathname"), Input(ids.URL, "search"),
)  # fmt: skip
def frame(path: str | None, search: str | None):  # noqa: ANN201
    """Navigation that keeps the language; embeds are chromeless."""
    from urllib.parse import parse_qs

    q = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    lang = lang_of(q.get("lang"))
    other = {k: v for k, v in q.items() if k != "lang"}
    here = _server.safe_path(path)  # never a link to //other.host
    nav = [
        dcc.Link(t(key, lang), href=common.href(p, lang),
                 className="nav-link current" if p == here else "nav-link")
        for p, key in NAV
    ]  # fmt: skip
    other_lang = "en" if lang == "nl" else "nl"
    switch = common.href(here, other_lang, **other)
    embed = here.startswith("/embed")
    return (nav, t("nav_label", lang), switch, t("switch_lang", lang), other_lang,
            t("tagline", lang), embed, t("footer", lang), embed, t("skip_link", lang), embed,
            common.href("/", lang))  # fmt: skip


clientside_callback(
    ClientsideFunction(namespace="wijkpeil", function_name="htmlLang"),
    Output(ids.HTML_LANG, "children"),
    Input(ids.URL, "search"),
)

app = create_app()
server = app.server

if __name__ == "__main__":
    import os
    import sys

    import startup
    from errors import WijkpeilError

    if "--demo" in sys.argv[1:]:
        os.environ["WIJKPEIL_STORE_KIND"] = "synthetic"
        _settings.get.cache_clear()
    s = _settings.get()
    try:
        startup.prepare(s)  # an existing store; else ../shared (real only); else online
    except WijkpeilError as exc:
        print(f"Wijkpeil could not start: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    except KeyboardInterrupt:
        print("Wijkpeil: interrupted; start again to resume", file=sys.stderr, flush=True)
        sys.exit(130)
    print(f"Wijkpeil: serving on http://{s.host}:{s.port}", flush=True)
    _server.first_request(app.server)  # Dash's setup before the threaded server takes requests
    app.run(host=s.host, port=s.port, debug=False)
