/* Wijkpeil browser helpers: chart image export, copy buttons, print, <html lang>, the URL as the
 * state of a view, and the PDOK Locatieserver search (runs in the reader's browser only).
 *
 * Locatieserver v3.1 /free (https://github.com/PDOK/locatieserver; wiki "API Locatieserver"):
 * q (Solr syntax), fq=type:adres, rows, fl; answer {response: {numFound, start, docs: [...]}};
 * address documents carry wijkcode, wijknaam, buurtcode, buurtnaam, gemeentecode, gemeentenaam,
 * weergavenaam, postcode, type.
 */
(function () {
  "use strict";

  /* Dutch texts of the plotly mode bar (plotly reads window.PlotlyLocales when it loads). */
  var NL = {
    moduleType: "locale", name: "nl",
    dictionary: {
      "Download plot as a png": "Download als PNG-afbeelding",
      "Download plot": "Download als afbeelding",
      "Zoom": "Zoomen", "Pan": "Verschuiven", "Zoom in": "Inzoomen", "Zoom out": "Uitzoomen",
      "Autoscale": "Automatisch schalen", "Reset axes": "Assen herstellen",
      "Reset view": "Weergave herstellen", "Toggle Spike Lines": "Hulplijnen aan/uit",
      "Show closest data on hover": "Toon dichtstbijzijnde waarde",
      "Compare data on hover": "Vergelijk waarden", "Box Select": "Rechthoek selecteren",
      "Lasso Select": "Lasso selecteren", "Double-click to zoom back out": "Dubbelklik om uit te zoomen",
      "Click to enter Plot title": "Klik voor een titel", "Produced with Plotly.js": "Gemaakt met Plotly.js"
    },
    format: {
      days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
      shortDays: ["zo", "ma", "di", "wo", "do", "vr", "za"],
      months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december"],
      shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
      date: "%d-%m-%Y", decimal: ",", thousands: "\u202f"
    }
  };
  if (typeof window.Plotly === "undefined") {
    window.PlotlyLocales = window.PlotlyLocales || [];
    window.PlotlyLocales.push(NL);
  } else {
    window.Plotly.register(NL);
  }

  var FIELDS = "id,type,weergavenaam,postcode,huisnummer,wijkcode,wijknaam,buurtcode,buurtnaam," +
    "gemeentecode,gemeentenaam";

  function plotDiv(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    return el.classList.contains("js-plotly-plot") ? el : el.querySelector(".js-plotly-plot");
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "absolute";
    ta.style.left = "-9999px";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(ta); }
    return Promise.resolve();
  }

  function flash(button) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = button.getAttribute("data-done") || "✓";
    button.setAttribute("data-copied", "1");
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!target || !target.closest) { return; }
    var exp = target.closest("[data-export]");
    if (exp) {
      var gd = plotDiv(exp.getAttribute("data-graph"));
      if (gd && window.Plotly) {
        var L = gd._fullLayout || {};
        var fmt = exp.getAttribute("data-export");
        window.Plotly.downloadImage(gd, {
          format: fmt, filename: exp.getAttribute("data-filename") || "wijkpeil",
          width: Math.max(L.width || 900, 600), height: L.height || 500,
          scale: fmt === "png" ? 2 : 1
        });
      }
      return;
    }
    var cp = target.closest("[data-copy]");
    if (cp) {
      var what = cp.getAttribute("data-copy");
      var text = what === "location" ? window.location.href
        : (document.getElementById(what) || {}).value;
      if (typeof text === "string") {
        var field = document.getElementById(what);
        if (field && field.select) { field.select(); }
        copyText(text).then(function () { flash(cp); }, function () { flash(cp); });
      }
      return;
    }
    if (target.closest("[data-print]")) { window.print(); }
  });

  /* dcc.Dropdown (react-select v1) renders a combobox input without a name and selected values
   * with role="option" outside a listbox. Name each input after the visible <label for=…> (or
   * the fieldset legend / wrapping label) of its dropdown, and present selected values as plain
   * text. Re-applied whenever Dash re-renders. */
  function labelText(dd) {
    var lab = dd.id ? document.querySelector('label[for="' + dd.id + '"]') : null;
    if (!lab) { lab = dd.closest("label"); }
    if (!lab) {
      var fs = dd.closest("fieldset");
      lab = fs ? fs.querySelector("legend") : null;
    }
    if (!lab) { return dd.getAttribute("data-label") || ""; }
    var clone = lab.cloneNode(true);
    Array.prototype.forEach.call(clone.querySelectorAll(".dash-dropdown"), function (x) { x.remove(); });
    return (clone.textContent || "").trim();
  }

  function fixDropdowns(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".dash-dropdown"), function (dd) {
      var name = labelText(dd);
      Array.prototype.forEach.call(dd.querySelectorAll("input, [role=\"combobox\"]"), function (inp) {
        if (name && inp.getAttribute("aria-label") !== name) { inp.setAttribute("aria-label", name); }
      });
      Array.prototype.forEach.call(dd.querySelectorAll('.Select-value[role="option"], .Select-value [role="option"]'),
        function (v) { v.removeAttribute("role"); v.removeAttribute("aria-selected"); });
    });
  }

  /* DataTable pagination buttons are icons only: give them names in the page language. */
  var PAGER = {
    nl: {"first-page": "Eerste pagina", "previous-page": "Vorige pagina", "next-page": "Volgende pagina",
         "last-page": "Laatste pagina"},
    en: {"first-page": "First page", "previous-page": "Previous page", "next-page": "Next page",
         "last-page": "Last page"}
  };

  /* react-select's fixed English texts, in the page language */
  var SELECT_TEXT = {nl: {"No results found": "Geen resultaten"}};

  function fixSelectTexts(root) {
    var tr = SELECT_TEXT[document.documentElement.lang];
    if (!tr) { return; }
    Array.prototype.forEach.call((root || document).querySelectorAll(".Select-noresults"), function (el) {
      var txt = (el.textContent || "").trim();
      if (tr[txt]) { el.textContent = tr[txt]; }
    });
  }

  function fixTables(root) {
    var names = PAGER[document.documentElement.lang === "en" ? "en" : "nl"];
    Object.keys(names).forEach(function (cls) {
      Array.prototype.forEach.call((root || document).querySelectorAll(".previous-next-container ." + cls),
        function (b) { if (b.getAttribute("aria-label") !== names[cls]) { b.setAttribute("aria-label", names[cls]); } });
    });
  }

  /* Base map (PDOK BRT-Achtergrondkaart): figures carry it in layout.meta.basemap; it is added
   * only after one tile loaded, so offline the map simply has no base map (a MapLibre tile error
   * would otherwise break plotly's rendering of the map). Re-added after every re-render. */
  var basemap = {state: "unknown", queue: []};

  function probeBasemap(layer, done) {
    if (basemap.state === "ok") { done(true); return; }
    if (basemap.state === "failed") { done(false); return; }
    basemap.queue.push(done);
    if (basemap.state === "probing") { return; }
    basemap.state = "probing";
    var img = new Image();
    var finish = function (ok) {
      basemap.state = ok ? "ok" : "failed";
      basemap.queue.splice(0).forEach(function (f) { f(ok); });
    };
    img.onload = function () { finish(true); };
    img.onerror = function () { finish(false); };
    img.src = String(layer.source[0]).replace("{z}", "7").replace("{x}", "65").replace("{y}", "42");
  }

  function addBasemap(gd) {
    var meta = (gd.layout && gd.layout.meta) || {};
    var layer = meta.basemap;
    var map = gd.layout && gd.layout.map;
    if (!layer || !map || (map.layers && map.layers.length) || !window.Plotly) { return; }
    probeBasemap(layer, function (ok) {
      if (ok && !(gd.layout.map.layers && gd.layout.map.layers.length)) {
        window.Plotly.relayout(gd, {"map.layers": [layer]});
      }
    });
  }

  function watchMaps(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".js-plotly-plot"), function (gd) {
      if (gd._wijkpeilBasemap || !gd.on) { return; }
      gd._wijkpeilBasemap = true;
      gd.on("plotly_afterplot", function () { addBasemap(gd); });
      addBasemap(gd);
    });
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fixDropdowns(document);
      fixTables(document);
      fixSelectTexts(document);
      watchMaps(document);
    });
  }).observe(document.documentElement, {childList: true, subtree: true});

  function setQuery(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (Array.isArray(v)) { v = v.join(","); }
      if (v !== null && v !== undefined && v !== "") { q.set(k, String(v)); }
    });
    var s = q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");
    var url = window.location.pathname + (s ? "?" + s : "");
    if (url !== window.location.pathname + window.location.search) {
      window.history.replaceState(window.history.state, "", url);
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wijkpeil: {
      /* <html lang> follows the page language (also after in-app navigation). */
      htmlLang: function (search) {
        var lang = new URLSearchParams(search || "").get("lang") === "en" ? "en" : "nl";
        document.documentElement.setAttribute("lang", lang);
        return lang;
      },
      /* The URL is the state of a view: callbacks pass {param: value} (lang kept). */
      permalink: function (params, lang) {
        var p = Object.assign({}, params || {});
        if (lang === "en") { p.lang = "en"; }
        setQuery(p);
        return window.dash_clientside.no_update;
      },
      mapLink: function (indicator, year, level, view, lang) {
        return window.dash_clientside.wijkpeil.permalink(
          {indicator: indicator, year: year, level: level, view: view}, lang);
      },
      trendsLink: function (indicator, regions, lang) {
        return window.dash_clientside.wijkpeil.permalink(
          {indicator: indicator, regions: regions || []}, lang);
      },
      areasLink: function (indicator, area, lang) {
        return window.dash_clientside.wijkpeil.permalink({indicator: indicator, area: area}, lang);
      },
      compareLink: function (regions, indicators, lang) {
        return window.dash_clientside.wijkpeil.permalink(
          {regions: regions || [], indicators: indicators || []}, lang);
      },
      indicesLink: function (values, regions, wids, kind, lang) {
        var w = (wids || []).map(function (d, i) {
          return d.ind + ":" + (values[i] === null || values[i] === undefined ? 0 : values[i]);
        });
        return window.dash_clientside.wijkpeil.permalink(
          {kind: kind, regions: regions || [], weights: w}, lang);
      },
      dataLink: function (level, indicators, y0, y1, regions, lang) {
        return window.dash_clientside.wijkpeil.permalink({
          level: level, indicators: indicators || [], years: (y0 && y1) ? y0 + "-" + y1 : "",
          regions: regions || []
        }, lang);
      },
      /* Postcode / address search at the PDOK Locatieserver, from the browser. Resolves to
       * {query, status: ok|offline|error|skip, code?, docs: [...]}. */
      locatieserver: async function (text, base) {
        var q0 = (text || "").trim();
        if (!base || q0.length < 4 || !/\d/.test(q0)) {
          return {query: q0, status: "skip", docs: []};
        }
        var compact = q0.replace(/\s+/g, "").toUpperCase();
        var q = q0;
        var rows = 10;
        var m = q0.match(/^(\d{4})\s?([a-zA-Z]{2})\s+(\d+)\s*$/);
        if (/^\d{4}$/.test(compact)) {
          q = "postcode:" + compact + "*";
          rows = 50;
        } else if (/^\d{4}[A-Z]{2}$/.test(compact)) {
          q = "postcode:" + compact;
          rows = 50;
        } else if (m) {
          q = "postcode:" + m[1] + m[2].toUpperCase() + " AND huisnummer:" + m[3];
        }
        var params = new URLSearchParams({q: q, fq: "type:adres", rows: String(rows), fl: FIELDS});
        var url = base.replace(/\/+$/, "") + "/free?" + params.toString();
        try {
          var ctrl = new AbortController();
          var timer = window.setTimeout(function () { ctrl.abort(); }, 8000);
          var r = await fetch(url, {headers: {Accept: "application/json"}, signal: ctrl.signal});
          window.clearTimeout(timer);
          if (!r.ok) { return {query: q0, status: "error", code: r.status, docs: []}; }
          var j = await r.json();
          var docs = ((j && j.response) || {}).docs || [];
          return {query: q0, status: "ok", docs: docs.slice(0, 50)};
        } catch (e) {
          return {query: q0, status: "offline", docs: []};
        }
      }
    }
  });
})();
