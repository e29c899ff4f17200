"""Crosswalk 2012..2023 -> 2024 wijken and harmonisation, on the REAL shared boundary files.

Split/merge/unchanged cases are found in the test itself by an independent full-polygon overlay
of the real 2012 and 2024 files (geopandas.overlay, no cores, no sliver rules). Values harmonised
here are test data generated in the test (labelled ``synthetic:test``), never presented as real.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import settings
from errors import GeoError, InputError
from geo.crosswalk import (
    CROSSWALK_COLUMNS,
    METHOD_ORDER,
    build_crosswalk,
    export_crosswalk,
    unmatched,
)
from geo.harmonise import AggSpec, harmonise

SYN = "synthetic:test"


# ---------------------------------------------------------------- fixtures (own, not conftest)
@pytest.fixture(scope="module")
def cfg(tmp_path_factory, shared_dir: Path) -> settings.Settings:  # noqa: ANN001
    return settings.override(data_dir=tmp_path_factory.mktemp("data"), shared_dir=shared_dir)


def _read(path: Path, code: str) -> gpd.GeoDataFrame:
    g = gpd.read_file(path)
    g = g[g.geometry.notna()].to_crs(28992)
    g["geometry"] = shapely.make_valid(g.geometry.values)
    g = g[g.geom_type.isin(["Polygon", "MultiPolygon"])]
    return g.rename(columns={code: "code"})[["code", "geometry"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def real(shared_dir: Path) -> dict:
    """Real 2012 and 2024 wijken and their independent full-polygon overlay."""
    a = _read(shared_dir / "geo" / "wijk_2012.geojson", "statcode")
    b = _read(shared_dir / "geo" / "wijk_2024.geojson", "wijkcode")
    a["area_a"], b["area_b"] = a.area, b.area
    ov = gpd.overlay(
        a.rename(columns={"code": "a"}),
        b.rename(columns={"code": "b"}),
        how="intersection",
        keep_geom_type=True,
    )
    ov["piece"] = ov.area
    ov["share_a"], ov["share_b"] = ov["piece"] / ov["area_a"], ov["piece"] / ov["area_b"]
    return {"a": a, "b": b, "ov": pd.DataFrame(ov.drop(columns="geometry"))}


@pytest.fixture(scope="module")
def cw2012(cfg: settings.Settings) -> pd.DataFrame:
    with pytest.warns(UserWarning, match="null geometry"):
        return build_crosswalk(2012, settings=cfg)


@pytest.fixture(scope="module")
def cases(real: dict) -> dict:
    ov = real["ov"]
    # split: a 2012 wijk of which >= 2 wijken of 2024 each hold >= 20% and lie >= 80% inside it
    part = ov[(ov.share_a >= 0.2) & (ov.share_b >= 0.8)]
    n = part.groupby("a").size()
    splits = n[n >= 2].index
    assert len(splits), "no split 2012 wijk found in the real files"
    split = part[part.a.isin(splits)].groupby("a").share_a.min().idxmax()
    # merge: a 2024 wijk made of >= 2 wijken of 2012 each >= 80% inside it, each >= 20% of it
    part = ov[(ov.share_b >= 0.2) & (ov.share_a >= 0.8)]
    n = part.groupby("b").size()
    merges = n[n >= 2].index
    assert len(merges), "no merged 2024 wijk found in the real files"
    merge = part[part.b.isin(merges)].groupby("b").share_b.min().idxmax()
    same = ov[(ov.a == ov.b) & (ov.share_a >= 0.97) & (ov.share_b >= 0.97)]
    assert len(same), "no unchanged wijk found in the real files"
    return {
        "split": split,
        "split_targets": ov[(ov.a == split) & (ov.share_a >= 0.2)].set_index("b").share_a,
        "merge": merge,
        "merge_sources": sorted(ov[(ov.b == merge) & (ov.share_b >= 0.2)].a),
        "same": same.sort_values("share_a").a.tolist(),
    }


def _tidy(codes, values, variable, *, year=2012, unit="aantal") -> pd.DataFrame:  # noqa: ANN001
    codes = pd.Series(list(codes), dtype=str)
    return pd.DataFrame(
        {
            "year": year,
            "region_code": codes,
            "region_level": "WK",
            "region_name": codes,
            "gemeente_code": "GM" + codes.str[2:6],
            "variable": variable if isinstance(variable, str) else list(variable),
            "value": np.asarray(values, dtype=float),
            "unit": unit,
            "source_table": SYN,
            "source_key": "test",
        }
    )


# ---------------------------------------------------------------- crosswalk on real geometry
def test_crosswalk_shape_and_weights(cw2012: pd.DataFrame, shared_dir: Path) -> None:
    assert list(cw2012.columns[: len(CROSSWALK_COLUMNS)]) == list(CROSSWALK_COLUMNS)
    assert set(cw2012.method) <= set(METHOD_ORDER)
    matched = cw2012[cw2012.method != "unmatched"]
    sums = matched.groupby("from_code").weight.sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
    assert matched.weight.between(0, 1).all() and matched.to_coverage.between(0, 1).all()
    # every code of the real 2012 file is in the crosswalk, null geometries included
    props = gpd.read_file(shared_dir / "geo" / "wijk_2012.geojson", ignore_geometry=True)
    assert set(cw2012.from_code) == set(props.statcode)
    nulls = set(gpd.read_file(shared_dir / "geo" / "wijk_2012.geojson").pipe(
        lambda g: g.loc[g.geometry.isna(), "statcode"]
    ))  # fmt: skip
    assert nulls, "expected null geometries in the real 2012 file"
    rows = cw2012[cw2012.from_code.isin(nulls)]
    assert set(rows.method) <= {"code-identity", "unmatched"}
    assert set(unmatched(cw2012).from_code) <= set(props.statcode)
    assert unmatched(cw2012).to_code.isna().all()


def test_split_case(cw2012: pd.DataFrame, cases: dict) -> None:
    rows = cw2012[cw2012.from_code == cases["split"]].set_index("to_code")
    assert (rows.method == "reallocated").all()
    assert rows.weight.sum() == pytest.approx(1.0, abs=1e-9)
    expected = cases["split_targets"]
    assert set(expected.index) <= set(rows.index), (cases["split"], rows, expected)
    for code, share in expected.items():
        assert rows.loc[code, "weight"] == pytest.approx(share, abs=0.1)


def test_merge_case(cw2012: pd.DataFrame, cases: dict) -> None:
    for src in cases["merge_sources"]:
        rows = cw2012[cw2012.from_code == src].set_index("to_code")
        assert cases["merge"] in rows.index
        assert rows.loc[cases["merge"], "weight"] >= 0.7
        assert (rows.method == "reallocated").all()
    cov = cw2012[cw2012.to_code == cases["merge"]].to_coverage.sum()
    assert 0.9 <= cov <= 1.0 + 1e-9


def test_unchanged_wijken_are_exact(cw2012: pd.DataFrame, cases: dict) -> None:
    same = cw2012[cw2012.from_code.isin(cases["same"])]
    exact = same[same.method == "exact"]
    assert len(exact.from_code.unique()) >= 0.9 * len(cases["same"]), same.method.value_counts()
    best = cw2012[cw2012.from_code == cases["same"][-1]]
    assert best.method.tolist() == ["exact"] and best.weight.tolist() == [1.0]
    assert best.to_code.tolist() == [cases["same"][-1]]
    # recoded rows map one to one onto a different code
    rec = cw2012[cw2012.method == "recoded"]
    assert (rec.from_code != rec.to_code).all() and (rec.weight == 1.0).all()


# ---------------------------------------------------------------- harmonise on real crosswalk
def test_count_preserved_per_source_and_gemeente(cw2012: pd.DataFrame, real: dict) -> None:
    a = real["a"]  # test count proportional to area (test data)
    count = dict(zip(a.code, a.area_a / 1e4, strict=True))  # "inhabitants" = hectares
    codes = sorted(count)
    matched = set(cw2012.loc[cw2012.method != "unmatched", "from_code"])
    codes = [c for c in codes if c in matched]
    # one variable per source wijk: its harmonised total is what that source allocated
    per_src = _tidy(codes, [count[c] for c in codes], [f"cnt[{c}]" for c in codes])
    out = harmonise(per_src, {2012: cw2012}, {"cnt[*": AggSpec("count")})
    got = out.groupby("variable").value.sum()
    want = pd.Series({f"cnt[{c}]": count[c] for c in codes})
    np.testing.assert_allclose(got.reindex(want.index).to_numpy(), want.to_numpy(), rtol=1e-9)
    # one variable per 2012 gemeente: totals preserved within 0.5%
    gm = ["GM" + c[2:6] for c in codes]
    per_gm = _tidy(codes, [count[c] for c in codes], [f"cnt[{g}]" for g in gm])
    out = harmonise(per_gm, {2012: cw2012}, {"cnt[*": AggSpec("count")})
    got = out.groupby("variable").value.sum()
    want = per_gm.groupby("variable").value.sum()
    rel = (got.reindex(want.index) - want).abs() / want
    assert (rel <= 0.005).all(), rel.sort_values().tail()
    assert (out.source_table == SYN).all()


def test_count_per_2024_gemeente_close_to_independent_overlay(
    cw2012: pd.DataFrame, real: dict, shared_dir: Path
) -> None:
    """Per 2024 gemeente, the harmonised total ~ Σ count × independent area share in it."""
    a, ov = real["a"], real["ov"]
    count = dict(zip(a.code, a.area_a / 1e4, strict=True))
    tidy = _tidy(sorted(count), [count[c] for c in sorted(count)], "cnt")
    out = harmonise(tidy, {2012: cw2012}, {"cnt": AggSpec("count")})
    got = out.groupby("gemeente_code").value.sum()
    gm24 = gpd.read_file(shared_dir / "geo" / "wijk_2024.geojson", ignore_geometry=True)
    ov = ov.merge(gm24[["wijkcode", "gemeentecode"]], left_on="b", right_on="wijkcode")
    ov["alloc"] = ov.a.map(count) * ov.share_a
    want = ov.groupby("gemeentecode").alloc.sum()
    rel = ((got - want).abs() / want).dropna()
    # independent full-polygon overlay of simplified files: generalisation noise, not 0.5%
    # (measured: median 0.7%, 90th percentile 2.7%)
    assert rel.median() < 0.015 and rel.quantile(0.9) < 0.05, rel.describe()


def test_rate_recomputed_by_hand(cw2012: pd.DataFrame, cases: dict) -> None:
    m = cw2012[cw2012.method != "unmatched"]
    # also a target fed by several partial sources (weights < 0.9), found in the crosswalk
    part = m[m.weight < 0.9].groupby("to_code").size()
    mixed = part.idxmax()
    assert part.max() >= 2
    targets = list(cases["split_targets"].index) + [cases["merge"], mixed]
    cw = cw2012[cw2012.to_code.isin(targets)]
    srcs = sorted(cw.from_code.unique())
    rng = np.random.default_rng(7)
    rate = dict(zip(srcs, rng.uniform(5, 60, len(srcs)), strict=True))
    hh = dict(zip(srcs, rng.uniform(100, 5000, len(srcs)).round(), strict=True))
    tidy = pd.concat(
        [
            _tidy(srcs, [rate[s] for s in srcs], "k_40HuishoudensMetLaagsteInkomen", unit="%"),
            _tidy(srcs, [hh[s] for s in srcs], "HuishoudensTotaal"),
        ]
    )
    spec = {
        "k_40HuishoudensMetLaagsteInkomen": AggSpec("rate", "HuishoudensTotaal"),
        "HuishoudensTotaal": AggSpec("count"),
    }
    out = harmonise(tidy, {2012: cw2012}, spec)
    out = out[out.variable == "k_40HuishoudensMetLaagsteInkomen"].set_index("region_code")
    for t in targets:
        num = den = 0.0
        for _, r in cw[cw.to_code == t].iterrows():
            num += rate[r.from_code] * hh[r.from_code] * r.weight
            den += hh[r.from_code] * r.weight
        assert out.loc[t, "value"] == pytest.approx(num / den, rel=1e-12)
        assert out.loc[t, "unit"] == "%"


def test_nan_stays_nan_aware(cw2012: pd.DataFrame, cases: dict) -> None:
    t = cases["merge"]
    srcs = sorted(cw2012.loc[cw2012.to_code == t, "from_code"])
    vals = np.arange(1.0, len(srcs) + 1) * 100
    full = harmonise(_tidy(srcs, vals, "cnt"), {2012: cw2012}, {"cnt": AggSpec("count")})
    vals_nan = vals.copy()
    vals_nan[0] = np.nan
    part = harmonise(_tidy(srcs, vals_nan, "cnt"), {2012: cw2012}, {"cnt": AggSpec("count")})
    f, p = full.set_index("region_code").loc[t], part.set_index("region_code").loc[t]
    w = cw2012[(cw2012.to_code == t)].set_index("from_code")
    assert p.value == pytest.approx(f.value - vals[0] * w.loc[srcs[0], "weight"], rel=1e-12)
    assert p.coverage < f.coverage and p.n_sources == f.n_sources - 1
    none = harmonise(
        _tidy(srcs, np.full(len(srcs), np.nan), "cnt"), {2012: cw2012}, {"cnt": AggSpec("count")}
    ).set_index("region_code")
    assert np.isnan(none.loc[t, "value"]) and none.loc[t, "coverage"] == 0
    assert none.loc[t, "n_sources"] == 0


def test_input_order_does_not_change_output(cw2012: pd.DataFrame) -> None:
    srcs = sorted(cw2012.from_code.unique())
    rng = np.random.default_rng(3)
    tidy = pd.concat(
        [
            _tidy(srcs, rng.uniform(0, 100, len(srcs)), "r", unit="%"),
            _tidy(srcs, rng.uniform(1, 1e4, len(srcs)), "n"),
            _tidy(srcs, rng.normal(4, 0.3, len(srcs)), "s", unit="score"),
        ]
    )
    tidy.loc[rng.random(len(tidy)) < 0.1, "value"] = np.nan
    spec = {"r": AggSpec("rate", "n"), "n": AggSpec("count"), "s": AggSpec("score")}
    with pytest.warns(UserWarning, match="no target wijk"):  # the 16 real unmatched codes
        a = harmonise(tidy, {2012: cw2012}, spec)
    with pytest.warns(UserWarning, match="no target wijk"):
        b = harmonise(tidy.sample(frac=1.0, random_state=1), {2012: cw2012}, spec)
    assert a.attrs["unmatched"] == b.attrs["unmatched"]
    assert {c for _, c in a.attrs["unmatched"]} == set(unmatched(cw2012).from_code)
    pd.testing.assert_frame_equal(a, b)
    assert set(a.method) <= set(METHOD_ORDER[:4])


def test_target_year_passes_through(cw2012: pd.DataFrame) -> None:
    tidy = _tidy(["WK036300", "WK036301"], [5.0, np.nan], "cnt", year=2024)
    out = harmonise(tidy, {2012: cw2012}, {"cnt": AggSpec("count")}).set_index("region_code")
    assert out.method.tolist() == ["exact", "exact"]
    assert out.loc["WK036300", "value"] == 5.0 and np.isnan(out.loc["WK036301", "value"])
    assert out.coverage.tolist() == [1.0, 0.0]


# ---------------------------------------------------------------- years without geometry
def test_code_identity_2023_with_real_codes(cfg: settings.Settings, shared_dir: Path) -> None:
    x = pd.read_excel(shared_dir / "cbs" / "kwb-2023-subset.xlsx", usecols=[0])
    codes23 = {c for c in x.iloc[:, 0].astype(str) if c.startswith("WK")}
    props = gpd.read_file(shared_dir / "geo" / "wijk_2024.geojson", ignore_geometry=True)
    gone = codes23 - set(props.wijkcode)
    cw = build_crosswalk(2023, settings=cfg, from_codes=codes23)
    assert set(cw.from_code) == codes23
    kept = cw[cw.method != "unmatched"]
    assert (kept.method == "code-identity").all() and (kept.weight == 1.0).all()
    assert (kept.from_code == kept.to_code).all()
    assert set(unmatched(cw).from_code) == gone
    # harmonise reports (never drops silently) codes without target
    some = sorted(codes23)[:50] + sorted(gone)
    tidy = _tidy(some, np.ones(len(some)), "cnt", year=2023)
    with pytest.warns(UserWarning, match="no target wijk"):
        out = harmonise(tidy, {2023: cw}, {"cnt": AggSpec("count")})
    assert {c for _, c in out.attrs["unmatched"]} == gone
    assert set(out.method) == {"code-identity"}
    # without from_codes every 2024 code maps onto itself; other codes are reported later
    cw_all = build_crosswalk(2019, settings=cfg)
    assert set(cw_all.from_code) == set(props.wijkcode)
    assert (cw_all.method == "code-identity").all()


# ---------------------------------------------------------------- cache, export, weights
def test_cache_and_export(cfg: settings.Settings, cw2012: pd.DataFrame, tmp_path: Path) -> None:
    files = list((cfg.geo_dir / "crosswalk").glob("crosswalk_2012_2024_*.parquet"))
    assert len(files) == 1
    mtime = files[0].stat().st_mtime_ns
    again = build_crosswalk(2012, settings=cfg)
    assert files[0].stat().st_mtime_ns == mtime
    pd.testing.assert_frame_equal(again, cw2012)
    path = export_crosswalk(tmp_path / "cw.csv", [2012, 2023], settings=cfg)
    back = pd.read_csv(path)
    assert len(back) == len(cw2012) + len(build_crosswalk(2023, settings=cfg))
    assert set(back.from_year) == {2012, 2023}


def test_population_weights_are_pluggable(cfg: settings.Settings, cw2012, cases, real) -> None:  # noqa: ANN001
    """Test population points (test data) put 3/4 of a split wijk's people in one target."""
    w = cases["split"]
    a, b = real["a"].set_index("code"), real["b"].set_index("code")
    targets = list(cases["split_targets"].index)[:2]
    pts = [shapely.point_on_surface(a.geometry[w].intersection(b.geometry[t])) for t in targets]
    units = gpd.GeoDataFrame({"population": [300.0, 100.0]}, geometry=pts, crs=28992)
    with pytest.warns(UserWarning, match="null geometry"):
        cw = build_crosswalk(2012, settings=cfg, weights=units, use_cache=False)
    rows = cw[cw.from_code == w].set_index("to_code")
    assert rows.weight.to_dict() == pytest.approx({targets[0]: 0.75, targets[1]: 0.25})
    # wijken without units keep their area weights
    other = cw2012[(cw2012.from_code != w)].reset_index(drop=True)
    pd.testing.assert_frame_equal(cw[cw.from_code != w].reset_index(drop=True), other)


# ---------------------------------------------------------------- errors
def test_errors(cfg: settings.Settings, cw2012: pd.DataFrame) -> None:
    with pytest.raises(GeoError, match="2031"):
        build_crosswalk(2031, settings=cfg)
    with pytest.raises(GeoError, match="wijk_2030"):
        build_crosswalk(2012, 2030, settings=cfg)
    tidy = pd.concat([_tidy(["WK001400"], [1.0], "r"), _tidy(["WK001400"], [2.0], "n")])
    with pytest.raises(GeoError, match="weight"):
        harmonise(tidy, {2012: cw2012.drop(columns="weight")}, {"*": AggSpec("count")})
    with pytest.raises(GeoError, match="HuishoudensTotaal"):
        harmonise(tidy, {2012: cw2012}, {"r": AggSpec("rate", "HuishoudensTotaal"), "n": AggSpec("count")})  # fmt: skip
    with pytest.raises(GeoError, match="denominator"):
        AggSpec("rate")
    with pytest.raises(GeoError, match="'n'"):
        harmonise(tidy, {2012: cw2012}, {"r": AggSpec("count")})
    with pytest.raises(GeoError, match="no crosswalk for year 2012"):
        harmonise(tidy, {2013: cw2012}, {"*": AggSpec("count")})
    with pytest.raises(InputError, match="GM"):
        harmonise(tidy.assign(region_level="GM"), {2012: cw2012}, {"*": AggSpec("count")})


# ---------------------------------------------------------------- speed
def test_harmonise_two_million_rows_fast(cw2012: pd.DataFrame) -> None:
    """~2M rows: 13 years x 2,621 wijken x 60 variables (test data), 2012 crosswalk reused."""
    codes = cw2012.from_code.unique()
    years = range(2012, 2025)
    nvar = 60
    rng = np.random.default_rng(0)
    n = len(codes) * nvar
    frames = [
        pd.DataFrame(
            {
                "year": y,
                "region_code": np.tile(codes, nvar),
                "variable": np.repeat([f"v{k:02d}" for k in range(nvar)], len(codes)),
                "value": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0, 100, n)),
            }
        )
        for y in years
    ]
    df = pd.concat(frames, ignore_index=True).assign(
        region_level="WK", region_name="x", gemeente_code="GM", unit="aantal",
        source_table=SYN, source_key="k",
    )  # fmt: skip
    cws = {y: cw2012.assign(from_year=y) for y in years if y != 2024}
    spec = {"v0*": AggSpec("count"), "v1*": AggSpec("rate", "v00"), "v*": AggSpec("score")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unmatched codes are expected here
        t = time.perf_counter()
        out = harmonise(df, cws, spec)
        took = time.perf_counter() - t
    print(f"harmonise {len(df):,} rows -> {len(out):,} rows in {took:.1f} s")
    assert len(df) >= 2_000_000 and took < 30
    assert set(out.year) == set(years)
