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

Every number Wijkpeil shows is either published by CBS, the police (via CBS) or the
Leefbaarometer, or computed from published numbers with the formula below. Nothing is imputed.

## Rules / regels

- **Missing is missing.** CBS's `.` (secret, unknown, not applicable) becomes NaN, never 0. A sum
  of components (e.g. a crime group) is missing when any component is missing.
- **Rates** (`rate`) are computed by Wijkpeil: numerator / denominator × scale, per region.
  Region sets (NPLV areas, rest of gemeente) use Σ numerators / Σ denominators — never the mean
  of the wijk rates.
- **Published means and percentages** (`mean`) pass through unchanged; region sets take the mean
  weighted by the weight variable named in the formula.
- **Counts** (`count`) pass through; region sets sum them.
- **Leefbaarometer scores** (`score`) are the published Leefbaarometer 3.0 values, never
  re-derived; region sets take the mean weighted by inhabitants (for years without inhabitant
  counts: each wijk's inhabitants of the latest year that has them).
- **Publication threshold.** Where a region has fewer inhabitants than the threshold, the value
  is suppressed: the row is kept with `suppressed = True` and no value.
- **Synthetic data.** Rows whose source table starts with `synthetic:` are generated test data in
  CBS's formats; every indicator value computed from at least one such row has
  `synthetic = True` and is labelled as synthetic wherever it is shown or exported.
- **Harmonisation.** When inputs were moved to another wijk indeling, `method` is the worst method
  among the inputs ({methods}) and `coverage` the smallest input coverage.
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
