"""Export CLI on stores built from the real snapshot files (KWB 2023 xlsx, KWB 2024, LBM)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from indicators import export, registry
from indicators.__main__ import main
from loaders import schema, snapshot, store

REPO = Path(__file__).resolve().parents[1]
GM = "GM0014"


def _num(s: pd.Series) -> pd.Series:
    """The file's own conventions, parsed independently of the loaders: '.' missing, 1,5 = 1.5."""
    t = s.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(t.where(~t.isin([".", "", "nan", "None"])), errors="coerce")


@pytest.fixture(scope="module")
def tidy(shared_dir) -> pd.DataFrame:
    names = snapshot._region_names(shared_dir)
    parts = [
        snapshot.load_kwb_xlsx(shared_dir / "cbs" / "kwb-2023-subset.xlsx", names),
        snapshot.load_odata_extract(shared_dir / "cbs" / "85984NED", names),
        snapshot.load_leefbaarometer(shared_dir / "lbm" / "wijk_scores_2002_2024.csv"),
    ]
    df = pd.concat(parts, ignore_index=True)
    return schema.validate(df[df["year"].isin([2023, 2024])], where="test snapshot")


@pytest.fixture(scope="module")
def kwb23(shared_dir) -> pd.DataFrame:
    raw = pd.read_excel(shared_dir / "cbs" / "kwb-2023-subset.xlsx", dtype=object)
    raw["code"] = raw["gwb_code_10"].astype(str).str.strip()
    # the subset has no wijk names: the loader names wijken from the 2024 boundary attributes
    raw["name"] = raw["code"].map(snapshot._region_names(shared_dir)).fillna(raw["code"])
    for c in ("a_inw", "a_soz_wb", "p_hh_li"):
        raw[c] = _num(raw[c])
    return raw


@pytest.fixture(scope="module")
def small_store(tidy, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("store") / "small"
    store.write_store(tidy[tidy["gemeente_code"].isin([GM, "NL00"])], d)
    return d


@pytest.fixture(scope="module")
def wk_store(tidy, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("store") / "wk"
    store.write_store(tidy[tidy["region_level"] == "WK"], d)
    return d


@pytest.fixture(scope="module")
def syn_store(tmp_path_factory) -> Path:
    """A tiny made-up store, labelled synthetic as the project requires for invented numbers."""
    rows = [
        ("WK999901", "AantalInwoners", 1000.0),
        ("WK999901", "PersonenPerSoortUitkeringBijstand", 30.0),
    ]
    df = pd.DataFrame(rows, columns=["region_code", "variable", "value"]).assign(
        year=2020,
        region_level="WK",
        region_name="testwijk",
        gemeente_code="GM9999",
        unit="aantal",
        source_table="synthetic:85984NED",
        source_key="x",
    )
    d = tmp_path_factory.mktemp("store") / "syn"
    store.write_store(df, d)
    return d


def _run(*args: str | Path) -> int:
    return main(["export", *[str(a) for a in args]])


def _fmt(v: float) -> str:
    return "" if pd.isna(v) else repr(float(v))


def test_csv_exact_output_text(small_store, kwb23, tmp_path):
    out = tmp_path / "x.csv"
    rc = _run(
        "--level", "wijk", "--format", "csv", "--years", "2023",
        "--indicators", "bijstand,laag_inkomen", "--out", out, "--store", small_store,
    )  # fmt: skip
    assert rc == 0
    f = kwb23[kwb23["code"].str.startswith("WK0014")].sort_values("code")
    assert len(f) > 5
    minpop = registry.get("bijstand").min_population
    lines = [",".join(export.EXPORT_COLUMNS)]
    for ind, values in (
        ("bijstand", f["a_soz_wb"] / f["a_inw"] * 1000),
        ("laag_inkomen", f["p_hh_li"]),
    ):
        i = registry.get(ind)
        unit = "per 1 000 inwoners" if ind == "bijstand" else "%"
        name_en = f'"{i.name_en}"' if "," in i.name_en else i.name_en
        for (_, r), v in zip(f.iterrows(), values, strict=True):
            sup = ind == "bijstand" and r["a_inw"] < minpop
            cells = [
                ind, i.name_nl, name_en, "2023", r["code"], f'"{r["name"]}"' if "," in r["name"] else r["name"], GM,
                "" if sup else _fmt(v), unit, "kwb-2023.xlsx", "published", "1.0", "False", str(sup),
            ]  # fmt: skip
            lines.append(",".join(cells))
    assert out.read_text(encoding="utf-8") == "\n".join(lines) + "\n"


def test_xlsx_metadata_sheet_and_roundtrip(small_store, tmp_path):
    csv, xlsx = tmp_path / "a.csv", tmp_path / "a.xlsx"
    common = ["--level", "wijk", "--years", "2023", "--indicators", "bijstand,laag_inkomen"]
    assert _run(*common, "--format", "csv", "--out", csv, "--store", small_store) == 0
    assert _run(*common, "--format", "xlsx", "--out", xlsx, "--store", small_store) == 0
    data = pd.read_excel(xlsx, sheet_name="data")
    pd.testing.assert_frame_equal(data, pd.read_csv(csv), check_dtype=False)
    meta = pd.read_excel(xlsx, sheet_name="metadata", header=None, dtype=str)
    facts = dict(zip(meta[0], meta[1], strict=True))
    assert "CC BY 4.0" in facts["licence"] and "CC0" in facts["licence"]
    assert facts["store_built_at"] == store.manifest(small_store)["built_at"]
    assert facts["source_tables"] == "kwb-2023.xlsx"
    assert "WARNING" not in facts
    ids = meta.loc[meta[0].isin(["bijstand", "laag_inkomen"])]
    assert len(ids) == 2
    header = meta.index[meta[0] == "id"][0]
    cols = meta.loc[header].tolist()
    row = meta.loc[meta[0] == "bijstand"].iloc[0].tolist()
    assert row[cols.index("formula")] == registry.get("bijstand").formula
    assert not list(tmp_path.glob(".*"))  # no temp files left behind


def test_synthetic_rows_are_flagged_in_every_format(syn_store, tmp_path, capsys):
    x = tmp_path / "s.xlsx"
    common = ["--level", "wijk", "--indicators", "bijstand", "--store", syn_store]
    assert _run(*common, "--format", "xlsx", "--out", x) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    meta = pd.read_excel(x, sheet_name="metadata", header=None, dtype=str)
    assert meta.iloc[1, 0] == "WARNING" and "SYNTHETIC" in meta.iloc[1, 1]
    data = pd.read_excel(x, sheet_name="data")
    assert data["synthetic"].all() and data["value"].iloc[0] == pytest.approx(30.0)
    assert data["source"].iloc[0] == "synthetic:85984NED"


def test_parquet_roundtrip(small_store, tidy, tmp_path):
    out = tmp_path / "a.parquet"
    common = ["--level", "gemeente", "--years", "2023", "--indicators", "bijstand,inkomen"]
    assert _run(*common, "--format", "parquet", "--out", out, "--store", small_store) == 0
    back = pd.read_parquet(out)
    sub = tidy[tidy["gemeente_code"].isin([GM, "NL00"])]
    expected = export.build_table(sub, "gemeente", ["bijstand", "inkomen"], [2023])
    pd.testing.assert_frame_equal(back, expected)
    assert list(back["region_code"].unique()) == [GM]
    meta = json.loads(pq.read_schema(out).metadata[b"wijkpeil"])
    assert [r["id"] for r in meta["indicators"]] == ["bijstand", "inkomen"]


def test_geojson_has_geometry_for_each_row(small_store, tidy, tmp_path):
    import geopandas as gpd

    out = tmp_path / "a.geojson"
    common = ["--level", "wijk", "--years", "2024", "--indicators", "inwoners,lbm"]
    assert _run(*common, "--format", "geojson", "--out", out, "--store", small_store) == 0
    gdf = gpd.read_file(out)
    sub = tidy[tidy["gemeente_code"].isin([GM, "NL00"])]
    table = export.build_table(sub, "wijk", ["inwoners", "lbm"], [2024])
    assert len(gdf) == len(table) > 20
    assert gdf.geometry.notna().all() and gdf.geometry.is_valid.all()
    assert not gdf.geometry.is_empty.any()
    assert set(gdf["region_code"]) == set(table["region_code"])
    got = gdf.set_index(["indicator", "region_code"])["value"].sort_index()
    exp = table.set_index(["indicator", "region_code"])["value"].sort_index()
    np.testing.assert_allclose(got.to_numpy(), exp.to_numpy())


def test_area_level_sums_member_wijken(wk_store, kwb23, shared_dir, tmp_path):
    out = tmp_path / "areas.csv"
    common = ["--level", "area", "--years", "2023", "--indicators", "inwoners,bijstand"]
    assert _run(*common, "--format", "csv", "--out", out, "--store", wk_store) == 0
    got = pd.read_csv(out)
    fa = pd.read_csv(shared_dir / "nplv" / "focus_areas.csv", dtype=str)
    assert set(got["region_code"]) <= set(fa["area_name"])
    area = sorted(fa["area_name"].unique())[0]
    members = set(fa.loc[fa["area_name"] == area, "wijk_code"].str.strip())
    f = kwb23[kwb23["code"].isin(members)]
    assert len(f) > 0
    rows = got[got["region_code"] == area].set_index("indicator")
    complete = f.dropna(subset=["a_inw", "a_soz_wb"])
    assert rows.loc["inwoners", "value"] == pytest.approx(f["a_inw"].sum())
    assert rows.loc["bijstand", "value"] == pytest.approx(
        complete["a_soz_wb"].sum() / complete["a_inw"].sum() * 1000
    )
    assert rows.loc["inwoners", "coverage"] == pytest.approx(len(f) / len(members))


def test_cli_unknown_indicator_exit_2(small_store, tmp_path):
    cmd = [sys.executable, "-m", "indicators", "export", "--level", "wijk", "--format", "csv"]
    cmd += ["--indicators", "bijstand,nope", "--out", str(tmp_path / "a.csv")]
    cmd += ["--store", str(small_store)]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "unknown indicator 'nope'" in r.stderr and "'bijstand'" in r.stderr
    assert not (tmp_path / "a.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--years", "1999"], "years with data: [2023, 2024]"),
        (["--years", "20x3"], "is not a year"),
        (["--level", "gemeente", "--store", "{wk}"], "no GM rows"),
        (["--out", "{tmp}/missing/dir/a.csv"], "missing or not writable"),
        (["--format", "geojson", "--indicators", "inwoners"], "geojson holds one year"),
    ],
)
def test_cli_bad_requests_exit_2(args, message, small_store, wk_store, tmp_path, capsys):
    argv = {
        "--level": "wijk",
        "--format": "csv",
        "--out": str(tmp_path / "a.csv"),
        "--store": str(small_store),
    }
    extra = [a.replace("{wk}", str(wk_store)).replace("{tmp}", str(tmp_path)) for a in args]
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        argv[flag] = value
    rc = _run(*[x for kv in argv.items() for x in kv])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert message in err
    assert not (tmp_path / "a.csv").exists()
