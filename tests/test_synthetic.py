"""The synthetic CBS-format source: deterministic, complete, internally consistent, labelled, and
only ever in the demo store (never in the real one). Generated once per session."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest

import settings
from errors import InputError, StoreError
from loaders import _odata, schema, store, synthetic, tables

YEARS = [2012, 2016, 2023, 2024]


@pytest.fixture(scope="session")
def synth(shared_dir) -> pd.DataFrame:  # noqa: ANN001
    """The one synthetic generation of the session (every test reads it, none changes it)."""
    return synthetic.load_synthetic(years=YEARS, shared_dir=shared_dir)


def _values(df: pd.DataFrame, year: int, level: str, variable: str) -> pd.Series:
    m = (df["year"] == year) & (df["region_level"] == level) & (df["variable"] == variable)
    return df.loc[m].set_index("region_code")["value"]


def test_deterministic_by_seed_and_parts_equal_the_table(shared_dir, synth) -> None:  # noqa: ANN001
    # generating 2016 again (as store parts) gives exactly the rows of the session's generation
    parts = synthetic.parts(years=[2016], shared_dir=shared_dir)
    assert [(p.key, p.indeling, p.origin) for p in parts] == [
        ("kwb-2016", 2016, "synthetic"),
        ("crime-2016", 2024, "synthetic"),
    ]
    again = pd.concat([p.frame for p in parts], ignore_index=True)
    key = ["variable", "region_code"]
    mine = synth[synth["year"] == 2016].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(again.sort_values(key).reset_index(drop=True), mine)
    other = synthetic.load_synthetic(years=[2012], seed=7, shared_dir=shared_dir)
    a = _values(synth, 2012, "WK", "GemiddeldInkomenPerInwoner")
    b = _values(other, 2012, "WK", "GemiddeldInkomenPerInwoner")
    assert not np.allclose(a.sort_index().fillna(0), b.sort_index().fillna(0))


def test_every_row_is_labelled_synthetic(synth) -> None:  # noqa: ANN001
    assert schema.is_synthetic(synth["source_table"]).all()
    assert set(synth["source_table"]) >= {"synthetic:70904NED", "synthetic:85984NED"}


def test_real_wijk_lists_are_complete(shared_dir, synth) -> None:  # noqa: ANN001
    for year, col in ((2012, "statcode"), (2016, "statcode"), (2024, "wijkcode")):
        real = pyogrio.read_dataframe(
            shared_dir / "geo" / f"wijk_{year}.geojson", read_geometry=False
        )
        codes = set(real[col].str.strip()) - {c for c in real[col] if c.startswith("WK0998")}
        got = set(_values(synth, year, "WK", "AantalInwoners").index)
        assert codes == got, (year, sorted(codes ^ got)[:5])


def test_anchored_on_real_2024_inhabitants(shared_dir, synth) -> None:  # noqa: ANN001
    eight = json.loads((shared_dir / "cbs/85984NED/gemeente_wijk_8_variables.json").read_text())
    real = pd.Series({c: v.get("AantalInwoners_5") for c, v in eight.items() if c.startswith("WK")})
    got = _values(synth, 2024, "WK", "AantalInwoners")
    both = real.dropna().index.intersection(got.index)
    assert len(both) > 3000
    # same level (random rounding to 5 only), so the trend lines start from plausible sizes
    assert (got[both] - real[both].astype(float)).abs().max() <= 5


def test_gemeente_is_sum_of_wijken_and_nl_of_gemeenten(synth) -> None:  # noqa: ANN001
    for year in YEARS:
        for var in ("AantalInwoners", "PersonenPerSoortUitkeringBijstand", "Woningvoorraad"):
            wk = _values(synth, year, "WK", var)
            gm = _values(synth, year, "GM", var)
            sums = wk.groupby("GM" + wk.index.str[2:6]).sum()
            if var == "PersonenPerSoortUitkeringBijstand":
                # secret wijk values are in the gemeente figure but not published per wijk
                assert (gm[sums.index] >= sums).all() and (gm > sums).any()
            else:
                pd.testing.assert_series_equal(
                    sums.sort_index(), gm.sort_index(), check_names=False, check_index_type=False
                )
            assert _values(synth, year, "NL", var).iloc[0] == pytest.approx(gm.sum())


def test_internal_consistency(synth) -> None:  # noqa: ANN001
    wide = synth[synth["region_level"] == "WK"].pivot_table(
        index=["year", "region_code"], columns="variable", values="value"
    )
    wide = wide.dropna(subset=["AantalInwoners"])  # crime-only rows (2024 indeling in 2012)
    ages = wide[
        ["k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder"]
    ]
    assert (ages.sum(axis=1) == wide["AantalInwoners"]).all()
    assert (wide["Mannen"] + wide["Vrouwen"] == wide["AantalInwoners"]).all()
    assert (wide["AantalInwoners"] % 5 == 0).all()  # CBS rounds wijk counts to multiples of 5
    for pct in ("Koopwoningen", "InBezitWoningcorporatie", "k_40HuishoudensMetLaagsteInkomen"):
        assert wide[pct].dropna().between(0, 100).all(), pct
    assert (wide["InBezitWoningcorporatie"] <= wide["HuurwoningenTotaal"]).all()


def test_secret_values_are_missing_not_zero(synth) -> None:  # noqa: ANN001
    inh = _values(synth, 2024, "WK", "AantalInwoners")
    inc = _values(synth, 2024, "WK", "GemiddeldInkomenPerInwoner")
    tiny = inh[inh < synthetic.SECRET_BELOW].index
    assert len(tiny) > 0
    assert inc[tiny].isna().all()
    assert (inc.dropna() > 0).all()


def test_variables_appear_when_cbs_started_publishing(synth) -> None:  # noqa: ANN001
    vars_2012 = set(synth.loc[synth["year"] == 2012, "variable"])
    vars_2024 = set(synth.loc[synth["year"] == 2024, "variable"])
    assert "WmoClienten" not in vars_2012 and "WmoClienten" in vars_2024
    assert "BasisonderwijsVmboMbo1" not in vars_2012
    # the old WOZ stem of 2012 is matched onto the canonical stem
    assert "GemiddeldeWOZWaardeVanWoningen" in vars_2012


def test_crime_total_and_national_scaling(shared_dir, synth) -> None:  # noqa: ANN001
    crime = synth[synth["variable"].str.startswith("GeregistreerdeMisdrijven")]
    assert set(crime["year"]) == {2012, 2016, 2023}  # 47018NED runs 2012-2023: no 2024
    wide = crime.pivot_table(index=["year", "region_code"], columns="variable", values="value")
    types = [c for c in wide.columns if c != "GeregistreerdeMisdrijven[0.0.0]"]
    assert (wide["GeregistreerdeMisdrijven[0.0.0]"] >= wide[types].sum(axis=1)).all()
    # crime is on the 2024 indeling in every year, as CBS publishes it
    wk_2012 = set(crime.loc[(crime.year == 2012) & (crime.region_level == "WK"), "region_code"])
    assert wk_2012 == set(_values(synth, 2024, "WK", "AantalInwoners").index)
    nat = pd.read_csv(shared_dir / "crime" / "national_crime_by_type_2012_2023.csv")
    real_total = nat.set_index(["incident_type_code", "year"])["incident_count"]
    for year in (2012, 2016, 2023):
        nl = wide.loc[(year, "NL00"), "GeregistreerdeMisdrijven[0.0.0]"]
        assert nl == pytest.approx(real_total[("Totaal misdrijven", year)], rel=0.01)


def test_decliners_decline(shared_dir, synth) -> None:  # noqa: ANN001
    df = synth
    dec = set(synthetic.decliners(shared_dir=shared_dir))
    wk24 = _values(df, 2024, "WK", "AantalInwoners")
    assert 0.05 < len(dec) / len(wk24) < 0.2
    nplv = set(pd.read_csv(shared_dir / "nplv" / "focus_areas.csv")["wijk_code"])
    assert len(dec & nplv) >= len(nplv) // 3

    def rel_change(var: str, y0: int, y1: int) -> pd.Series:
        a, b = _values(df, y0, "WK", var), _values(df, y1, "WK", var)
        return (b / a).dropna()

    inc = rel_change("GemiddeldInkomenPerInwoner", 2012, 2024)
    inc = inc[inc.index.isin(wk24.index)]
    is_dec = inc.index.isin(dec)
    assert inc[is_dec].median() < inc[~is_dec].median()
    crime = _values(df, 2023, "WK", "GeregistreerdeMisdrijven[0.0.0]") / _values(
        df, 2012, "WK", "GeregistreerdeMisdrijven[0.0.0]"
    ).replace(0, np.nan)
    crime = crime.dropna()
    assert crime[crime.index.isin(dec)].median() > crime[~crime.index.isin(dec)].median()


def test_dump_path_equals_fast_path(shared_dir, synth) -> None:  # noqa: ANN001
    dumps = synthetic.generate_dumps(years=[2012, 2016], shared_dir=shared_dir)
    assert dumps["70904NED"]["TableInfos"][0]["Title"].startswith("SYNTHETIC")
    # 2012 sits in the multi-year table 70904NED and goes through the Perioden filter
    assert {r["Perioden"] for r in dumps["70904NED"]["TypedDataSet"]} == {"2012JJ00"}
    assert any(
        k.startswith("GemiddeldeWoningwaarde_") for k in dumps["70904NED"]["TypedDataSet"][0]
    )
    assert all(r["WijkenEnBuurten"].endswith(" ") for r in dumps["83487NED"]["TypedDataSet"][:50])
    crime = _odata.crime_to_tidy(dumps["47018NED"], source_table="synthetic:47018NED")
    fast = synth[
        synth["variable"].str.startswith("Geregistreerde") & synth["year"].isin([2012, 2016])
    ]
    key = ["year", "region_code", "variable"]
    a = crime.sort_values(key).reset_index(drop=True)
    b = fast.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    kwb = _odata.kwb_to_tidy(
        dumps["70904NED"], "70904NED", 2012, source_table="synthetic:70904NED", period="2012JJ00"
    )
    mine = synth[(synth.year == 2012) & (synth.source_table == "synthetic:70904NED")]
    assert len(kwb) == len(mine)


def test_write_dumps_cbsodata_layout(tmp_path, shared_dir) -> None:  # noqa: ANN001
    paths = synthetic.write_dumps(tmp_path, years=[2024], shared_dir=shared_dir)
    assert [p.name for p in paths] == ["85984NED"]
    names = sorted(p.name for p in (tmp_path / "85984NED").iterdir())
    assert names == [
        "DataProperties.json",
        "TableInfos.json",
        "TypedDataSet.json",
        "WijkenEnBuurten.json",
    ]
    dump = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "85984NED").iterdir()}
    tidy = _odata.kwb_to_tidy(dump, "85984NED", 2024, source_table="synthetic:85984NED")
    assert tidy["region_code"].str.startswith("WK").sum() > 3000
    assert not list(tmp_path.glob(".*"))  # no temp folders left behind
    assert tables.kwb(2024).table_id == "85984NED"


def test_bad_years_are_refused(shared_dir) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="2011"):
        synthetic.load_synthetic(years=[2011], shared_dir=shared_dir)


# --------------------------------------------------------------------------- demo store only


def test_pipeline_puts_synthetic_data_in_the_demo_store_only(tmp_path) -> None:  # noqa: ANN001
    import pipeline
    from indicators import dataset

    s = settings.override(data_dir=tmp_path)
    v = pipeline.build("synthetic", years=[2023, 2024], settings=s, progress=lambda _m: None)
    assert v.kind == "synthetic"
    assert v.path.parent.parent == tmp_path / "demo"
    assert not (tmp_path / "store").exists(), "the real store root was touched"
    assert store.current(tmp_path / "demo").id == v.id
    assert store.current(tmp_path / "store") is None
    m = v.manifest
    assert m["synthetic_rows"] == m["rows"] > 0
    assert {p["origin"] for p in m["parts"]} == {"synthetic"}
    assert all(p["table_id"].startswith("synthetic:") for p in m["parts"])
    rows = v.read()
    assert schema.is_synthetic(rows["source_table"]).all()
    f = dataset.rows("bijstand", v)
    assert len(f) > 3000 and f["synthetic"].all()
    assert dataset.rows("lbm", v).empty  # no synthetic Leefbaarometer exists


def test_real_store_refuses_synthetic_parts(tmp_path, shared_dir) -> None:  # noqa: ANN001
    part = synthetic.parts(years=[2016], shared_dir=shared_dir)[0]
    with store.Builder(tmp_path / "store", "real") as b:
        with pytest.raises(StoreError, match="synthetic"):
            b.add(part)
        # relabelling the origin does not smuggle synthetic rows in either
        disguised = store.Part(part.dataset, part.year, part.indeling, "70904NED", "shared",
                               part.frame)  # fmt: skip
        with pytest.raises(StoreError, match="synthetic"):
            b.add(disguised)
        assert b.parts == {}
    assert store.current(tmp_path / "store") is None  # nothing committed
    # and the demo store refuses real rows
    real = part.frame.assign(source_table="70904NED")
    with store.Builder(tmp_path / "demo", "synthetic") as b:
        with pytest.raises(StoreError, match="synthetic"):
            b.add(store.Part("kwb", 2016, 2016, "70904NED", "shared", real))
