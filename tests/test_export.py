"""Exports of the real store (`python -m indicators export` and indicators.export), checked against
output written out by hand from the raw files (datasette-style exact output tests).

The selection used throughout: gemeente Zandvoort (GM0473), year 2023, bijstand and laag_inkomen.
KWB 2023 (kwb-2023.xlsx) holds for its four wijken (the xlsx is checked below to hold exactly
these numbers; the 2024 names are those of the 2024 boundary file):

============  ===============  =====  ========  =======
code          name             a_inw  a_soz_wb  p_hh_li
============  ===============  =====  ========  =======
WK047301      Zandvoort Noord   7870       290     46.8
WK047302      Zandvoort Zuid    8610        80     40.3
WK047303      Bentveld          1040        10     30.5
WK047304      Buitengebied        25         .        .
============  ===============  =====  ========  =======

All four hold the same buurten in 2023 and 2024 with inhabitants that agree, so their 2023 values
are shown for the 2024 wijken (method ``published+same-area:buurten``). Bijstand per 1,000 is
suppressed below 100 inhabitants (Buitengebied: 25).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
import shared_raw

from indicators import export
from indicators.__main__ import main

REPO = Path(__file__).resolve().parents[1]
SELECTION = ["--level", "wijk", "--years", "2023", "--indicators", "bijstand,laag_inkomen",
             "--regions", "GM0473"]  # fmt: skip
NAMES = {"WK047301": "Zandvoort Noord", "WK047302": "Zandvoort Zuid", "WK047303": "Bentveld",
         "WK047304": "Buitengebied"}  # fmt: skip
BIJ_NL, BIJ_EN = "Bijstandsuitkeringen per 1 000 inwoners", "Social assistance benefits per 1,000 inhabitants"  # fmt: skip
LI_NL, LI_EN = "Huishoudens met laagste 40% inkomen", "Households in the lowest 40% income"
M = "published+same-area:buurten"

#: (indicator, name_nl, name_en, code, value or None, unit, suppressed), written out by hand
HAND = [
    ("bijstand", BIJ_NL, BIJ_EN, "WK047301", 290 / 7870 * 1000, "per 1 000 inwoners", False),
    ("bijstand", BIJ_NL, BIJ_EN, "WK047302", 80 / 8610 * 1000, "per 1 000 inwoners", False),
    ("bijstand", BIJ_NL, BIJ_EN, "WK047303", 10 / 1040 * 1000, "per 1 000 inwoners", False),
    ("bijstand", BIJ_NL, BIJ_EN, "WK047304", None, "per 1 000 inwoners", True),
    ("laag_inkomen", LI_NL, LI_EN, "WK047301", 46.8, "%", False),
    ("laag_inkomen", LI_NL, LI_EN, "WK047302", 40.3, "%", False),
    ("laag_inkomen", LI_NL, LI_EN, "WK047303", 30.5, "%", False),
    ("laag_inkomen", LI_NL, LI_EN, "WK047304", None, "%", False),
]
HEADER = ("indicator,name_nl,name_en,year,region_code,region_name,gemeente_code,value,unit,source,"
          "method,coverage,synthetic,suppressed")  # fmt: skip


def _run(*args: str | Path) -> int:
    return main(["export", *[str(a) for a in args]])


def _hand_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                i,
                nl,
                en,
                2023,
                c,
                NAMES[c],
                "GM0473",
                np.nan if v is None else v,
                u,
                "kwb-2023.xlsx",
                M,
                1.0,
                False,
                s,
            )
            for i, nl, en, c, v, u, s in HAND
        ],  # fmt: skip
        columns=HEADER.split(","),
    )


def test_the_raw_file_holds_the_numbers_written_above() -> None:
    k = shared_raw.kwb23()
    z = k[k["code"].str.startswith("WK0473")].set_index("code")
    assert z["a_inw"].to_dict() == {"WK047301": 7870, "WK047302": 8610, "WK047303": 1040,
                                    "WK047304": 25}  # fmt: skip
    assert z["a_soz_wb"].iloc[:3].tolist() == [290, 80, 10] and np.isnan(z["a_soz_wb"].iloc[3])
    assert z["p_hh_li"].iloc[:3].tolist() == [46.8, 40.3, 30.5] and np.isnan(z["p_hh_li"].iloc[3])
    same = shared_raw.wijk_same_area_2023()
    assert (same.loc[list(NAMES), "why_not"] == "").all()
    gj = json.loads((shared_raw.folder() / "geo" / "wijk_2024.geojson").read_text("utf-8"))
    names = {f["properties"]["wijkcode"]: f["properties"]["wijknaam"] for f in gj["features"]}
    assert {c: names[c] for c in NAMES} == NAMES


def test_csv_exact_output_text(real_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "x.csv"
    assert _run(*SELECTION, "--format", "csv", "--out", out) == 0
    assert f"wrote 8 rows to {out}" in capsys.readouterr().out
    lines = [HEADER]
    for i, nl, en, c, v, u, s in HAND:
        value = "" if v is None else repr(v)
        en_q = f'"{en}"' if "," in en else en
        lines.append(f"{i},{nl},{en_q},2023,{c},{NAMES[c]},GM0473,{value},{u},kwb-2023.xlsx,{M},"
                     f"1.0,False,{s}")  # fmt: skip
    assert out.read_text(encoding="utf-8") == "\n".join(lines) + "\n"
    assert lines[1] == (
        'bijstand,Bijstandsuitkeringen per 1 000 inwoners,"Social assistance benefits per 1,000 '
        'inhabitants",2023,WK047301,Zandvoort Noord,GM0473,36.84879288437103,per 1 000 inwoners,'
        "kwb-2023.xlsx,published+same-area:buurten,1.0,False,False"
    )
    side = pd.read_csv(tmp_path / "x.dictionary.csv")
    assert side["id"].tolist() == ["bijstand", "laag_inkomen"]
    assert str(side.set_index("id").loc["bijstand", "years_in_this_store"]) == "2023"
    assert not list(tmp_path.glob(".*"))  # no temp files left behind


def test_excel_nl_variant_bytes(real_store, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "nl.csv"
    assert _run(*SELECTION, "--format", "csv", "--variant", "excel-nl", "--out", out) == 0
    body = out.read_bytes()
    assert body[:3] == b"\xef\xbb\xbf"  # UTF-8 BOM: Excel reads the file as UTF-8
    lines = [HEADER.replace(",", ";")]
    for i, nl, en, c, v, u, s in HAND:
        value = "" if v is None else repr(v).replace(".", ",")
        lines.append(f"{i};{nl};{en};2023;{c};{NAMES[c]};GM0473;{value};{u};kwb-2023.xlsx;{M};"
                     f"1,0;False;{s}")  # fmt: skip
    assert body == b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8")
    assert b";36,84879288437103;" in body and b";46,8;" in body


def test_xlsx_sheets_data_dictionary_about(real_store, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "a.xlsx"
    assert _run(*SELECTION, "--format", "xlsx", "--out", out) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["data", "dictionary", "coverage", "about"]
    cov = sheets["coverage"].set_index("indicator")
    assert (
        cov.loc["bijstand", "2023"] == "kwb-2023.xlsx" and cov.loc["bijstand", "2015"] == "missing"
    )
    pd.testing.assert_frame_equal(sheets["data"], _hand_frame(), check_dtype=False)
    d = sheets["dictionary"].set_index("id")
    assert d.index.tolist() == ["bijstand", "laag_inkomen"]
    assert d.loc["bijstand", "name_en"] == BIJ_EN and d.loc["laag_inkomen", "unit"] == "%"
    assert str(d.loc["bijstand", "years_in_this_store"]) == "2023"
    assert (d["data"] == "real").all()
    about = dict(sheets["about"].astype(str).itertuples(index=False, name=None))
    assert "CC BY 4.0" in about["licence"] and "CC0" in about["licence"]
    assert about["rows"] == "8" and about["level"] == "wijk"
    assert real_store.id in about["store"] and "(real)" in about["store"]
    assert "WARNING" not in about


def test_xlsx_row_limit_is_refused(real_store, tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "big.xlsx"
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 7)  # the selection has 8 rows
    assert _run(*SELECTION, "--format", "xlsx", "--out", out) == 2
    err = capsys.readouterr().err
    assert "8 rows do not fit in one Excel sheet (7 at most)" in err and "CSV or Parquet" in err
    assert not out.exists() and not list(tmp_path.glob(".*"))
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 8)
    assert _run(*SELECTION, "--format", "xlsx", "--out", out) == 0 and out.exists()


def test_parquet_data_and_metadata(real_store, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "a.parquet"
    assert _run(*SELECTION, "--format", "parquet", "--out", out) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), _hand_frame())
    meta = json.loads(pq.read_schema(out).metadata[b"wijkpeil"])
    assert meta["facts"]["level"] == "wijk" and "CC0" in meta["facts"]["licence"]
    bij = next(r for r in meta["dictionary"] if r["id"] == "bijstand")
    assert bij["years_in_this_store"] == "2023" and bij["data"] == "real"
    lbm = next(r for r in meta["dictionary"] if r["id"] == "lbm")
    years = sorted(shared_raw.lbm()["jaar"].unique())
    assert lbm["years_in_this_store"] == ", ".join(map(str, years))


def test_geojson_one_feature_per_row_on_its_own_wijk(real_store, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "a.geojson"
    args = ["--level", "wijk", "--years", "2024", "--indicators", "inwoners,lbm", "--regions",
            "GM0473", "--format", "geojson", "--out", out]  # fmt: skip
    assert _run(*args) == 0
    fc = json.loads(out.read_text(encoding="utf-8"))
    raw = shared_raw.lbm()
    lbm = raw[(raw["jaar"] == 2024) & raw["wk_code"].str.startswith("WK0473")]
    inh = shared_raw.kwb24()
    exp = {("lbm", c): v for c, v in zip(lbm["wk_code"], lbm["lbm"], strict=True)}
    exp |= {("inwoners", c): inh[c] for c in inh.index if c.startswith("WK0473")}
    got = {(f["properties"]["indicator"], f["properties"]["region_code"]): f["properties"]["value"]
           for f in fc["features"]}  # fmt: skip
    assert len(fc["features"]) == len(got) == len(exp) >= 8
    assert got == pytest.approx(exp)
    # geometry i belongs to feature i: its centre lies in the raw 2024 polygon of that wijk
    gj = json.loads((shared_raw.folder() / "geo" / "wijk_2024.geojson").read_text("utf-8"))
    shapes = {f["properties"]["wijkcode"]: shapely.geometry.shape(f["geometry"])
              for f in gj["features"] if f["properties"]["wijkcode"].startswith("WK0473")}  # fmt: skip
    for f in fc["features"]:
        g = shapely.geometry.shape(f["geometry"])
        assert g.is_valid and not g.is_empty
        own = shapes[f["properties"]["region_code"]].buffer(0.003)  # ~200 m generalisation
        assert own.contains(g.representative_point()), f["properties"]["region_code"]
    assert _run(*args[:-4], "--years", "2023,2024", "--format", "geojson", "--out", out) == 2


def _area_hand(area: str) -> dict[tuple[str, str, int], float]:
    """Hand computation from the raw files for the area and the rest of its gemeente:
    inwoners 2023 (count: Σ only when every member has a 2023 value on the same area), bijstand
    2023 (Σ a_soz_wb / Σ a_inw x 1,000 over members with both), lbm 2024 (weighted with the real
    2024 inhabitants)."""
    fa = shared_raw.focus_areas()
    k, inh, raw = shared_raw.kwb23(), shared_raw.kwb24(), shared_raw.lbm()
    same = set(shared_raw.same_wijken_2023())
    members = set(fa.loc[fa["area_name"] == area, "wijk_code"])
    gms = {g[2:] for g in fa.loc[fa["area_name"] == area, "gemeente_code"]}
    wijken24 = {c for c in inh.index if c.startswith("WK")} | set(raw["wk_code"])
    sets = {"NPLV:" + area: members,
            "REST:" + area: {c for c in wijken24 if c[2:6] in gms} - members}  # fmt: skip
    out = {}
    lbm24 = raw[raw["jaar"] == 2024].set_index("wk_code")["lbm"].dropna()
    for code, ms in sets.items():
        v23 = k.loc[sorted(ms & same)]
        out[("inwoners", code, 2023)] = v23["a_inw"].sum() if ms <= same else np.nan
        b = v23.dropna(subset=["a_soz_wb", "a_inw"])
        out[("bijstand", code, 2023)] = b["a_soz_wb"].sum() / b["a_inw"].sum() * 1000
        w = inh.reindex(sorted(ms & set(lbm24.index))).fillna(0)
        out[("lbm", code, 2024)] = (lbm24[w.index] * w).sum() / w.sum()
    return out


@pytest.mark.parametrize("area", ["Amsterdam Nieuw-West", "Utrecht Overvecht"])
def test_area_level_equals_hand_computation(area, real_store, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "areas.csv"
    args = ["--level", "area", "--years", "2023,2024", "--indicators", "inwoners,bijstand,lbm",
            "--regions", f"NPLV:{area}", "--format", "csv", "--out", out]  # fmt: skip
    assert _run(*args) == 0
    got = pd.read_csv(out)
    assert set(got["region_code"]) == {f"NPLV:{area}", f"REST:{area}"}
    assert (got["method"] == "aggregate").all() and not got["synthetic"].any()
    val = got.set_index(["indicator", "region_code", "year"])["value"]
    for key, exp in _area_hand(area).items():
        if np.isnan(exp):
            assert np.isnan(val[key]), key  # a count with a member missing is not a sum
        else:
            assert val[key] == pytest.approx(exp, rel=1e-12), key


def test_area_without_comparable_2023_wijken_has_no_2023_value(real_store, tmp_path) -> None:  # noqa: ANN001
    """All five Zaandam Oost wijken hold other buurten in 2024 than in 2023: no 2023 area value."""
    fa = shared_raw.focus_areas()
    members = fa.loc[fa["area_name"] == "Zaandam Oost", "wijk_code"]
    assert (shared_raw.wijk_same_area_2023().loc[members, "why_not"] == "buurten").all()
    t = export.build_table("area", "bijstand,inwoners", [2023, 2024], ["NPLV:Zaandam Oost"])
    area = t[t["region_code"] == "NPLV:Zaandam Oost"]
    assert set(area["year"]) == {2024} and area["indicator"].tolist() == ["inwoners"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicators", "bijstand,nope"], "unknown indicator 'nope'"),
        (["--years", "1999"], "no values for this selection"),
        (["--years", "20x3"], "is not a year"),
        (["--regions", "NPLV:Atlantis"], "unknown NPLV area 'Atlantis'"),
        (["--out", "{tmp}/missing/dir/a.csv"], "does not exist"),
        (["--format", "geojson"], "GeoJSON holds one year"),
    ],
)
def test_cli_bad_requests_exit_2(args, message, real_store, tmp_path, capsys) -> None:  # noqa: ANN001
    argv = {"--level": "wijk", "--format": "csv", "--out": str(tmp_path / "a.csv"),
            "--indicators": "bijstand,lbm"}  # fmt: skip
    for flag, value in zip(args[::2], args[1::2], strict=True):
        argv[flag] = value.replace("{tmp}", str(tmp_path))
    rc = _run(*[x for kv in argv.items() for x in kv])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert message in err and err.startswith("error: ")
    assert "Traceback" not in err and not (tmp_path / "a.csv").exists()


def test_cli_entry_point_exit_codes(real_store, tmp_path) -> None:  # noqa: ANN001
    cmd = [sys.executable, "-m", "indicators", "export", *SELECTION, "--format", "csv"]
    ok = subprocess.run([*cmd, "--out", str(tmp_path / "a.csv")], cwd=REPO, capture_output=True,
                        text=True, timeout=300)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"wrote 8 rows to {tmp_path / 'a.csv'}"
    bad = subprocess.run([*cmd[:4], "--level", "district", "--format", "csv", "--out", "x.csv"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert bad.returncode == 2 and "invalid choice: 'district'" in bad.stderr
    env = {**__import__("os").environ, "WIJKPEIL_DATA_DIR": str(tmp_path / "empty")}
    none = subprocess.run([*cmd, "--out", str(tmp_path / "b.csv")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert none.returncode == 2 and "python -m loaders build" in none.stderr
    assert "Traceback" not in none.stderr and not (tmp_path / "b.csv").exists()
