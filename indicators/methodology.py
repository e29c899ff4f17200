"""Generate ``docs/methodology.md`` from the registry (``python -m indicators methodology``).

The document is a pure function of :mod:`indicators.registry` and :mod:`loaders.tables`, so
``tests/test_registry.py`` can fail whenever the committed file drifts from the registry.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import settings as _settings
from indicators import compute, registry
from indicators.registry import Indicator
from loaders.tables import CRIME_TABLE, KWB_TABLES

DOC_PATH = Path("docs") / "methodology.md"

_POLARITY = {1: "+1 (hoger = beter)", -1: "−1 (hoger = slechter)", 0: "0 (context)"}

_INTRO = """\
# Wijkpeil — methodologie / methodology

> Generated from `indicators/registry.py` by `python -m indicators methodology`.
> Do not edit by hand: `tests/test_registry.py` fails when this file differs from the registry.

Every number Wijkpeil shows is published by CBS, the police (via CBS) or the Leefbaarometer, or
computed from published numbers with the rules below. Nothing is imputed, interpolated or invented.

## Regels / rules

- **Only real data.** The dashboard's store holds published data only. A year or region that this
  copy of the data does not hold is *missing* and shown as missing ("no data"), never filled in.
  Synthetic data in CBS's formats exists only in a separate demo store (its own folder and banner)
  for tests and demonstrations; it is never combined with real data.
- **Missing is missing.** CBS's `.` (secret, unknown, not applicable) becomes empty, never 0. A sum
  of components (e.g. a crime group) is missing when any component is missing.
- **Counts** are summed from published counts only where the publisher gives no total: crime per
  buurt adds up to the wijk, the gemeente and the Netherlands (`method` = `summed`). A published
  wijk, gemeente or national value always wins over a sum.
- **Rates** (`rate`) are numerator / denominator × scale, per region, from published counts of the
  same year and the same region. Region sets use Σ numerators / Σ denominators — never the mean of
  the wijk rates.
- **Published means and percentages** (`mean`) pass through unchanged; region sets take the mean
  weighted by the weight variable of the same year named in the formula.
- **Leefbaarometer scores** (`score`) are the published Leefbaarometer 3.0 values, never
  re-derived. They are published per 2024 wijk for every year, so the gemeente, national, NPLV-area
  and rest-of-gemeente values are means of the wijk scores **weighted with the real 2024
  inhabitants** of those wijken (CBS KWB 2024), the same weights for every year: a change over time
  then reflects the scores, not shifting weights.
- **One geography (2024).** Every value is shown on the CBS wijken of 2024. A value published on the
  wijken of another year is attached to a 2024 wijk only when it is the same area: boundary files
  of both years show it (`same-area:boundaries`, or `same-area:recoded` for a new code), or — where
  no boundaries of that year exist — the wijk holds the same buurten and about the same number of
  inhabitants (`same-area:buurten`; buurten: same code and inhabitants, `same-area:inhabitants`).
  Inhabitants agree when they differ by at most a quarter (or 100 people). A wijk that was split,
  merged, or whose code CBS re-used for another area gets *no comparable value* for that year; the
  list is on /over and from `python -m loaders info --unmatched`.
- **`method`** says how each value got there: {methods}, joined with `+` when a value took several
  steps (e.g. `summed+same-area:buurten`). `coverage` is the share of a region set's inhabitants
  living in members with a value.
- **Publication threshold.** Where a region has fewer inhabitants than the threshold, the value
  is suppressed: the row is kept with `suppressed = True` and no value.
- **Trends** use real points only: the change since the first year, the Theil–Sen slope and the
  Mann–Kendall test; a verdict (improving/declining) needs at least four years and p < 0.05.
- **Polarity**: +1 higher is better, −1 higher is worse, 0 context without a normative direction.
"""


def _threshold(ind: Indicator) -> str:
    return f"≥ {ind.min_population} inwoners" if ind.min_population else "—"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _theme_table(theme: str) -> list[str]:
    inds = registry.by_theme(theme)
    lines = [
        f"## {theme[0].upper()}{theme[1:]} / {registry.THEME_EN[theme]}",
        "",
        "| id | naam (NL) | name (EN) | eenheid / unit | formule / formula | bron / source "
        "| polariteit | drempel / threshold |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i in inds:
        cells = [
            f"`{i.id}`",
            i.name_nl,
            i.name_en,
            i.unit,
            i.formula,
            i.source_table,
            _POLARITY[i.polarity],
            _threshold(i),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    for i in inds:
        lines.append(f"- `{i.id}` — {i.description_nl} / {i.description_en}")
    lines.append("")
    return lines


def _crime_groups() -> list[str]:
    lines = [
        "## Misdrijfgroepen / crime groups (47018NED `SoortMisdrijf`)",
        "",
        "Groups are lists of SoortMisdrijf keys; they do not overlap (street robbery and hold-ups "
        "are violent, not property crime).",
        "",
        "| id | keys |",
        "|---|---|",
    ]
    for gid, keys in registry.CRIME_GROUPS.items():
        titles = "; ".join(registry.CRIME_KEY_TITLES[k] for k in keys)
        lines.append(f"| `{gid}` | {_cell(titles)} |")
    lines.append("")
    return lines


def _sources() -> list[str]:
    lines = [
        "## Bronnen / sources",
        "",
        "| source | years | table id(s) | licence |",
        "|---|---|---|---|",
    ]
    kwb = ", ".join(f"{y}: {t.table_id}" for y, t in sorted(KWB_TABLES.items()))
    lines.append(
        f"| CBS Kerncijfers wijken en buurten (KWB) | {min(KWB_TABLES)}–{max(KWB_TABLES)} "
        f"| {kwb} | CC BY 4.0 (CBS) |"
    )
    crime = registry.CRIME_SOURCES[0]
    lines.append(
        f"| Politie via CBS: {CRIME_TABLE.title} | {crime.first_year}–{crime.last_year} "
        f"| {CRIME_TABLE.table_id} | CC BY 4.0 (CBS/Politie) |"
    )
    lbm = registry.LBM_SOURCES[0]
    lines.append(
        f"| Leefbaarometer 3.0 wijk scores (BZK) | {lbm.first_year}–{lbm.last_year} "
        f"| {lbm.table_id} | CC0 |"
    )
    lines.append("")
    return lines


def render() -> str:
    """The full Markdown text of docs/methodology.md."""
    methods = " < ".join(f"`{m}`" for m in compute.METHOD_ORDER)
    lines = [_INTRO.replace("{methods}", methods)]
    for theme in registry.THEMES:
        lines += _theme_table(theme)
    lines += _crime_groups()
    lines += _sources()
    return "\n".join(lines).rstrip("\n") + "\n"


def doc_path() -> Path:
    """Where the committed document lives (repo root / docs / methodology.md)."""
    return _settings.REPO_ROOT / DOC_PATH


def write(path: Path | None = None) -> Path:
    """Write the document atomically (temp file in the same folder, then os.replace)."""
    target = Path(path) if path is not None else doc_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".methodology-", suffix=".md", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(render())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
