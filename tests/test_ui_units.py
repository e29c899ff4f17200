"""Unit tests of the page-side helpers that need no browser: number formatting, error
translation, map classes, the bulk-download URL format, the Locatieserver answer → result rows,
and the /over coverage matrix. Expected values are written out by hand here."""

from __future__ import annotations

import numpy as np
import pytest

from errors import IndicatorError, WijkpeilError
from pages import classes as cls
from pages.i18n import error_text, fmt_num, fmt_value, separators, t

THIN = "\u202f"
MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "lang", "kw", "expected"),
    [
        (1957.5, "nl", {"decimals": 1}, f"1{THIN}957,5"),
        (1957.5, "en", {"decimals": 1}, "1,957.5"),
        (1.957, "nl", {}, "1,96"),  # a change of 1.957 points is never read as 1957
        (-0.03751, "nl", {}, f"{MINUS}0,038"),
        (-0.03751, "en", {}, f"{MINUS}0.038"),
        (0.12, "nl", {"signed": True}, "+0,12"),
        (-0.0001, "nl", {"decimals": 2}, "0,00"),  # never "−0,00"
        (70525, "nl", {"decimals": 0}, f"70{THIN}525"),
        (None, "nl", {}, "—"),
        (float("nan"), "en", {}, "—"),
        (32.54, "nl", {"unit": "per 1 000 inwoners"}, "32,5"),
    ],
)
def test_fmt_num(value, lang, kw, expected):
    assert fmt_num(value, lang, **kw) == expected


def test_fmt_value_units_and_plotly_separators():
    assert fmt_value(5.23, "%", "nl") == "5,2%"
    assert fmt_value(32.54, "per 1 000 inwoners", "nl") == f"32,5 per 1{THIN}000 inwoners"
    assert fmt_value(32.54, "per 1 000 inwoners", "en") == "32.5 per 1,000 inhabitants"
    assert fmt_value(4.1523, "score", "nl") == "4,15"
    assert separators("nl") == "," + THIN and separators("en") == ".,"


def test_error_text_translates_known_keys_and_falls_back():
    exc = WijkpeilError(
        "unknown indicator 'x'", key="err_unknown_indicator", value="x", valid="a, b"
    )
    assert error_text(exc, "nl") == "Onbekende indicator “x”. Kies er een uit: a, b."
    assert error_text(exc, "en") == "Unknown indicator “x”. Choose one of: a, b."
    plain = IndicatorError("no data for 'y'")  # no key: the error's own message
    assert error_text(plain, "nl") == "no data for 'y'"
    odd = WijkpeilError("msg", key="not_a_known_key", value=1)
    assert error_text(odd, "en") == "msg"


def test_quantile_classes_have_round_breaks_and_a_no_data_class():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, np.nan])
    c = cls.scheme("quantile", values, polarity=1)
    # quantiles 20/40/60/80 % of 1..10 are 2.8, 4.6, 6.4, 8.2; the smallest gap is 1.8, so
    # the step is 0.5 (≤ 0.9): 3.0, 4.5, 6.5, 8.0
    assert c.breaks == (3.0, 4.5, 6.5, 8.0)
    assert list(cls.classify(values, c)) == [0, 0, 1, 1, 2, 2, 3, 4, 4, 4, -1]
    assert cls.labels(c, "nl") == ["< 3,0", "3,0 – 4,5", "4,5 – 6,5", "6,5 – 8,0", "≥ 8,0"]


def test_fixed_classes_and_orientation():
    br = (-0.2, -0.1, -0.05, -0.02, 0.02, 0.05, 0.1, 0.2)
    c = cls.scheme(br, np.array([-0.5, 0.0, 0.5]), polarity=1)
    assert c.k == 9 and list(cls.classify(np.array([-0.5, 0.0, 0.5]), c)) == [0, 4, 8]
    worse = cls.scheme("quantile", np.arange(10.0), polarity=-1)
    better = cls.scheme("quantile", np.arange(10.0), polarity=1)
    assert worse.colours == better.colours[::-1]  # "better" always has the same colour


def test_leefbaarometer_classes_say_when_official_boundaries_are_unknown():
    c = cls.scheme("leefbaarometer", np.linspace(3.5, 4.6, 100), polarity=1)
    if cls.LBM_BREAKS is None:
        assert c.kind == "lbm-unknown" and c.k == 9 and c.names is None
        assert "niet kunnen vinden" in cls.note(c, "nl")
        assert cls.official_name(4.1, "nl") is None
    else:
        assert c.kind == "lbm-official" and c.names[0] == "zeer onvoldoende"


def test_bulk_url_has_exactly_the_agreed_parameter_format():
    import app  # noqa: F401 - page modules register with the app
    from pages.data import bulk_url

    url = bulk_url("csv", "wijk", ["a", "b"], (2012, 2024), ["GM0363", "NPLV:Rotterdam-Zuid"],
                   "nl", "excel-nl")  # fmt: skip
    assert url == ("/download/bulk.csv?level=wijk&indicators=a,b&years=2012-2024"
                   "&regions=GM0363,NPLV:Rotterdam-Zuid&variant=excel-nl&lang=nl")  # fmt: skip
    assert bulk_url("parquet", "gemeente", [], (2014, 2016), [], "en") == (
        "/download/bulk.parquet?level=gemeente&years=2014-2016&lang=en"
    )


def test_coverage_matrix_shows_what_the_store_holds(real_store):
    """/over's matrix: real where the store holds values (KWB 2023 from the xlsx), missing else."""
    from dash._utils import to_json

    import app  # noqa: F401 - page modules register with the app
    from pages.over import coverage_table

    out = to_json(coverage_table("nl"))
    assert "echt" in out and "ontbreekt" in out and "cov-missing" in out
    assert "kwb-2023.xlsx" in out  # the table that filled a real cell (its title)
    en = to_json(coverage_table("en"))
    assert "real" in en and "missing" in en


def test_t_knows_every_language():
    assert t("nav_map", "nl") == "Kaart" and t("nav_map", "en") == "Map"
    assert t("nav_map", "fr") == "Kaart"  # unknown language: Dutch
