"""Classed map legends: which class each region falls in, the class labels and their colours.

The scheme per indicator is chosen in the registry (``Indicator.classes``):

* ``"quantile"`` — five quantile classes whose breaks are rounded to a readable precision;
* a tuple of numbers — fixed class breaks (e.g. the Leefbaarometer deviations, symmetric around 0);
* ``"leefbaarometer"`` — the publisher's own nine classes (zeer onvoldoende … uitstekend).

The Leefbaarometer 3.0 publishes a class per area (``kscore`` 1–9 in its WFS, see e.g.
github.com/…/leefbaarometer provider tests citing ``lbm3:buurtscore24``), and the class names in
order are (as on leefbaarometer.nl's legend): zeer onvoldoende, ruim onvoldoende, onvoldoende,
zwak, voldoende, ruim voldoende, goed, zeer goed, uitstekend. The numeric class BOUNDARIES of the
total score could not be found in any source available to us (searched: leefbaarometer.nl FAQ and
help pages, the LBM 3.0 instrument report's table of contents, public code using the WFS), so
:data:`LBM_BREAKS` is ``None``: the map then uses nine quantile classes and the UI says plainly that
the official boundaries are unknown and shows no class names. Filling in :data:`LBM_BREAKS` (eight
numbers) switches every page to the official classes and names.

Every map also has an explicit "no data" class. Pure functions: no dash, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from plotly.colors import sample_colorscale

from pages.i18n import fmt_num, t

LBM_NAMES: tuple[tuple[str, str], ...] = (
    ("zeer onvoldoende", "very insufficient"),
    ("ruim onvoldoende", "largely insufficient"),
    ("onvoldoende", "insufficient"),
    ("zwak", "weak"),
    ("voldoende", "sufficient"),
    ("ruim voldoende", "amply sufficient"),
    ("goed", "good"),
    ("zeer goed", "very good"),
    ("uitstekend", "excellent"),
)
#: Official Leefbaarometer 3.0 class boundaries of the total score (8 numbers): NOT FOUND, see the
#: module docstring. None means: nine quantile classes, no class names.
LBM_BREAKS: tuple[float, ...] | None = None

NO_DATA_COLOUR = "#c8c8c8"
SEQUENTIAL = "Viridis"  # colour-blind safe; "better" ends yellow
DIVERGING = "PuOr"  # colour-blind safe; purple = better after orientation
MAX_CLASSES = 9


@dataclass(frozen=True)
class Classes:
    """A class scheme applied to one set of values."""

    breaks: tuple[float, ...]  # k-1 ascending inner breaks
    colours: tuple[str, ...]  # k colours, low to high value
    kind: str  # "quantile" | "fixed" | "lbm-official" | "lbm-unknown"
    names: tuple[str, ...] | None = None  # official class names (only for lbm-official)

    @property
    def k(self) -> int:
        return len(self.breaks) + 1


def _nice_round(x: float, step: float) -> float:
    return round(round(x / step) * step, 10)


def nice_step(limit: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above ``limit``."""
    if limit <= 0 or not np.isfinite(limit):
        return 0.0
    e = math.floor(math.log10(limit))
    for m in (5, 2, 1):
        if m * 10.0**e <= limit:
            return m * 10.0**e
    return 10.0 ** (e - 1) * 5


def round_breaks(raw: list[float]) -> tuple[float, ...]:
    """Round quantile breaks to a readable step (1, 2 or 5 × 10^n) no larger than half the
    smallest gap between them, so the classes stay close to the quantiles."""
    raw = sorted(float(b) for b in raw if np.isfinite(b))
    raw = list(dict.fromkeys(raw))
    if len(raw) < 2:
        return tuple(raw)
    step = nice_step(min(np.diff(raw)) / 2)
    if step == 0:
        return tuple(raw)
    return tuple(dict.fromkeys(_nice_round(b, step) for b in raw))


def quantile_breaks(values: np.ndarray, k: int = 5) -> tuple[float, ...]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return ()
    return round_breaks(list(np.quantile(v, [i / k for i in range(1, k)])))


def scheme(indicator_classes: object, values: np.ndarray, polarity: int) -> Classes:
    """The classes for ``values`` under a registry scheme (see module docstring)."""
    values = np.asarray(values, dtype="float64")
    if indicator_classes == "leefbaarometer":
        if LBM_BREAKS is not None:
            return Classes(tuple(LBM_BREAKS), _colours(9, polarity, False), "lbm-official",
                           tuple(n for n, _ in LBM_NAMES))  # fmt: skip
        br = quantile_breaks(values, 9)
        return Classes(br, _colours(len(br) + 1, polarity, False), "lbm-unknown")
    if isinstance(indicator_classes, tuple | list) and indicator_classes:
        br = tuple(float(b) for b in indicator_classes)
        return Classes(br, _colours(len(br) + 1, polarity, True), "fixed")
    br = quantile_breaks(values, 5)
    return Classes(br, _colours(len(br) + 1, polarity, False), "quantile")


def _colours(k: int, polarity: int, diverging: bool) -> tuple[str, ...]:
    if k <= 1:
        return ("#440154",) if not diverging else ("#f7f7f7",)
    scale = DIVERGING if diverging else SEQUENTIAL
    pts = [i / (k - 1) for i in range(k)]
    if diverging:
        pts = [0.06 + 0.88 * p for p in pts]  # avoid the darkest ends: labels stay readable
    cols = sample_colorscale(scale, pts, colortype="rgb")
    hexes = [_hex(c) for c in cols]
    # orientation: the "better" end is always the same colour (viridis yellow, PuOr purple:
    # plotly's PuOr runs from orange at 0 to purple at 1)
    if polarity < 0:
        hexes = hexes[::-1]
    return tuple(hexes)


def _hex(rgb: str) -> str:
    nums = [int(float(x)) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    return "#{:02x}{:02x}{:02x}".format(*nums)


def classify(values: np.ndarray, classes: Classes) -> np.ndarray:
    """Class index per value (0 … k-1), -1 for missing values."""
    v = np.asarray(values, dtype="float64")
    idx = np.searchsorted(np.asarray(classes.breaks, dtype="float64"), v, side="right")
    return np.where(np.isfinite(v), idx, -1).astype(int)


def labels(classes: Classes, lang: str, unit: str | None = None) -> list[str]:
    """Human labels per class: '< 4,05', '4,05 – 4,10', …, '≥ 4,25' (official names when known)."""
    b = classes.breaks
    dec = _label_decimals(b)

    def f(x: float) -> str:
        return fmt_num(x, lang, decimals=dec)

    if not b:
        out = [t("value", lang)]
    else:
        out = [f"< {f(b[0])}"]
        out += [f"{f(lo)} – {f(hi)}" for lo, hi in zip(b[:-1], b[1:], strict=True)]
        out.append(f"≥ {f(b[-1])}")
    if classes.names:
        idx = 1 if lang == "en" else 0
        out = [f"{LBM_NAMES[i][idx]} ({lab})" for i, lab in enumerate(out)]
    return out


def _label_decimals(breaks: tuple[float, ...]) -> int:
    dec = 0
    for x in breaks:
        s = f"{abs(x):.10f}".rstrip("0")
        dec = max(dec, len(s.split(".")[1]) if "." in s else 0)
    return min(dec, 4)


def official_name(value: float, lang: str) -> str | None:
    """The Leefbaarometer class name of a total score, or None while :data:`LBM_BREAKS` is unknown."""
    if LBM_BREAKS is None or value is None or not np.isfinite(value):
        return None
    i = int(np.searchsorted(np.asarray(LBM_BREAKS), value, side="right"))
    return LBM_NAMES[i][1 if lang == "en" else 0]


def note(classes: Classes, lang: str) -> str:
    """One sentence on how the classes were made."""
    return t(
        {
            "quantile": "classes_quantile",
            "fixed": "classes_fixed",
            "lbm-official": "classes_lbm_official",
            "lbm-unknown": "classes_lbm_unknown",
        }[classes.kind],
        lang,
    )
