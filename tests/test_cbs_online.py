"""CBS table shapes end to end: the loader over real HTTP against the local OData server.

Expected values never come from the loader: they are the real files in ../shared read with plain
json/csv here (85984NED values), or the server's own generated source rows (``Cube.rows()``),
read independently of the loader.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

import settings
from errors import DownloadError, InputError
from loaders import _http, cbs, online, tables
from tests.odata_server import (
    KWB_IDS,
    ODataServer,
    crime_table,
    kwb_table,
    parse_filter,
    product_selection,
    real_kwb2024_overrides,
)

REAL8 = ("AantalInwoners", "Woningvoorraad", "Bevolkingsdichtheid", "OppervlakteLand")


@pytest.fixture
def serve(tmp_path: Path):  # noqa: ANN201
    started: list[ODataServer] = []

    def _serve(
        tabs: dict, page_size: int = 500, **kw: object
    ) -> tuple[ODataServer, settings.Settings]:
        srv = ODataServer(tabs, page_size=page_size).start()
        started.append(srv)
        s = settings.override(
            cbs_catalog=srv.host, police_catalog=srv.host, use_https=False,
            http_backoff=0.01, http_retries=4, http_timeout=10.0,
            data_dir=tmp_path / f"data{len(started)}", **kw,
        )  # fmt: skip
        return srv, s

    yield _serve
    for srv in started:
        srv.stop()


def _same(a: float, b: object) -> bool:
    return (b is None and math.isnan(a)) or (b is not None and a == pytest.approx(float(b)))


def _by(df, key: str = "source_key") -> dict:  # noqa: ANN001
    return {(r.region_code, getattr(r, key)): r.value for r in df.itertuples(index=False)}


def test_kwb_2024_equals_the_real_published_values(serve, shared_dir) -> None:  # noqa: ANN001
    tab = kwb_table(2024, shared_dir, gemeenten=None, overrides=real_kwb2024_overrides(shared_dir))
    srv, s = serve({"85984NED": tab}, page_size=5000)
    got = cbs.load_kwb_year(2024, stems=set(REAL8), settings=s)
    assert got.table_id == "85984NED" and got.indeling == 2024
    df = got.frame
    assert set(df["variable"]) == set(REAL8) and not df["region_code"].str.contains(" ").any()
    real = json.loads(
        (shared_dir / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json").read_text()
    )
    have = _by(df)
    keys = (
        "AantalInwoners_5",
        "Woningvoorraad_35",
        "Bevolkingsdichtheid_34",
        "OppervlakteLand_123",
    )
    n = 0
    for code, vals in real.items():
        for k in keys:
            assert _same(have[(code, k)], vals[k]), (code, k)
            n += 1
    assert n == 4 * len(real) > 10_000
    with open(shared_dir / "cbs" / "85984NED" / "buurt_population.csv", newline="") as fh:
        pop = {r["nhood_id"]: r["population"] for r in csv.DictReader(fh)}
    bu = df[(df["region_level"] == "BU") & (df["variable"] == "AantalInwoners")]
    assert len(bu) == len(pop)
    assert all(
        _same(v, None if pop[c] in ("", ".") else pop[c])
        for c, v in zip(bu["region_code"], bu["value"], strict=False)
    )
    # only the needed columns were asked for, and no UntypedDataSet
    sel = {h.query.get("$select") for h in srv.requests_for("85984NED", "TypedDataSet")}
    assert sel == {
        "WijkenEnBuurten,AantalInwoners_5,Bevolkingsdichtheid_34,Woningvoorraad_35,OppervlakteLand_123"
    }
    assert not srv.requests_for("85984NED", "UntypedDataSet")


@pytest.mark.parametrize("year", sorted(KWB_IDS))
def test_every_kwb_year_shape_maps_to_canonical_stems(serve, shared_dir, year) -> None:  # noqa: ANN001
    """Each year's keys (numbering, renamed stems, region/period dimensions) -> registry stems."""
    tab = kwb_table(year, shared_dir, gemeenten=("GM0034",))
    tid = KWB_IDS[year]
    assert tables.kwb(year).table_id == tid
    srv, s = serve({tid: tab})
    stems = {"AantalInwoners", "GemiddeldeWOZWaardeVanWoningen", "GemiddeldeElektriciteitsleveringTotaal",
             "HuishoudensTotaal", "BasisonderwijsVmboMbo1", "PersonenPerSoortUitkeringBijstand"}  # fmt: skip
    df = cbs.load_kwb_year(year, stems=stems, settings=s).frame
    # expectation from the served metadata + rows, by a hand-written key -> stem table
    older = {"GemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen",
             "GemiddeldElektriciteitsverbruikTotaal": "GemiddeldeElektriciteitsleveringTotaal",
             "OpleidingsniveauLaag": "BasisonderwijsVmboMbo1"}  # fmt: skip
    props = tab["DataProperties"]
    geo = next(p["Key"] for p in props if p["Type"] == "GeoDetail")
    want_keys = {}
    for p in props:
        if p["Type"] != "Topic":
            continue
        st = p["Key"].rsplit("_", 1)[0]
        if older.get(st, st) in stems:
            want_keys[p["Key"]] = older.get(st, st)
    assert set(df["variable"]) == set(want_keys.values())
    rows = [
        r for r in tab["TypedDataSet"].rows() if r.get("Perioden", f"{year}JJ00") == f"{year}JJ00"
    ]
    have = _by(df)
    n = 0
    for r in rows:
        for k in want_keys:
            assert _same(have[(r[geo].strip(), k)], r[k]), (year, r[geo], k)
            n += 1
    assert len(df) == n
    if year == 2012:  # only the 2012 period of the 2009-2012 table, filtered by the server
        flts = {h.query.get("$filter") for h in srv.requests_for(tid, "TypedDataSet")}
        assert flts == {"Perioden eq '2012JJ00'"}


def test_region_dimension_is_found_by_type_not_name(serve, shared_dir) -> None:  # noqa: ANN001
    tab = kwb_table(2017, shared_dir, region_dim="GebiedCode")
    srv, s = serve({"83765NED": tab})
    df = cbs.load_kwb_year(2017, stems={"AantalInwoners"}, settings=s).frame
    want = {r["GebiedCode"].strip(): r["AantalInwoners_5"] for r in tab["TypedDataSet"].rows()}
    assert len(df) == len(want)
    assert all(_same(v, want[c]) for c, v in zip(df["region_code"], df["value"], strict=False))
    names = {str(r["Key"]).strip(): r["Title"] for r in tab["GebiedCode"]}
    assert all(names[c] == n for c, n in zip(df["region_code"], df["region_name"], strict=False))


def test_a_table_without_region_dimension_fails_alone_with_a_clear_message(
    serve, shared_dir
) -> None:  # noqa: ANN001
    bad = kwb_table(2016, shared_dir)
    bad["DataProperties"] = [dict(p, Type="Dimension") if p["Type"] == "GeoDetail" else p
                             for p in bad["DataProperties"]]  # fmt: skip
    srv, s = serve({"83487NED": bad, "83765NED": kwb_table(2017, shared_dir)})
    with pytest.raises(InputError) as info:
        online.fetch(online._kwb_task(2016), s, stems={"AantalInwoners"}, crime_keys=set())
    msg = str(info.value)
    assert "83487NED" in msg and "2016" in msg and "GeoDetail" in msg
    parts = online.fetch(online._kwb_task(2017), s, stems={"AantalInwoners"}, crime_keys=set())
    assert parts[0].year == 2017 and len(parts[0].frame) > 0


def test_crime_periods_discovered_types_filtered_indeling_from_metadata(serve, shared_dir) -> None:  # noqa: ANN001
    tab = crime_table(shared_dir, gemeenten=("GM0034", "GM1680"), extra_periods=("2024JJ00",))
    srv, s = serve({"47018NED": tab}, page_size=400)
    periods, modified = cbs.crime_periods(s)
    assert periods == {y: f"{y}JJ00" for y in range(2012, 2025)}  # 2024 added by the server
    assert modified == tab["TableInfos"][0]["Modified"]
    keys = {"0.0.0", "1.1.1", "2.2.1"}
    got = cbs.load_crime_year(2024, crime_keys=keys, settings=s)
    assert got.indeling == 2024 and got.year == 2024
    want = {
        (
            r["WijkenEnBuurten"].strip(),
            "GeregistreerdeMisdrijven[" + r["SoortMisdrijf"].strip() + "]",
        ): r["GeregistreerdeMisdrijven_1"]
        for r in tab["TypedDataSet"].rows()
        if r["Perioden"] == "2024JJ00" and r["SoortMisdrijf"].strip() in keys
    }
    have = _by(got.frame, "variable")
    assert set(have) == set(want)
    assert all(_same(have[k], v) for k, v in want.items())
    assert got.frame["value"].isna().any(), "secret/null counts stay NaN"
    (flt,) = {h.query.get("$filter") for h in srv.requests_for("47018NED", "TypedDataSet")}
    assert flt.startswith("Perioden eq '2024JJ00' and (") and flt.count("SoortMisdrijf eq") == 3


def test_rejected_filter_falls_back_to_unfiltered_paging(serve, shared_dir) -> None:  # noqa: ANN001
    tab = crime_table(shared_dir)
    srv, s = serve({"47018NED": tab}, page_size=2000)
    srv.add_fault("reject_filter", table="47018NED", entity="TypedDataSet", times=None)
    said: list[str] = []
    got = cbs.load_crime_year(2019, crime_keys={"0.0.0"}, settings=s, progress=said.append)
    want = {r["WijkenEnBuurten"].strip(): r["GeregistreerdeMisdrijven_1"] for r in tab["TypedDataSet"].rows()
            if r["Perioden"] == "2019JJ00" and r["SoortMisdrijf"].strip() == "0.0.0"}  # fmt: skip
    assert (
        dict(zip(got.frame["region_code"], got.frame["value"], strict=False)).keys() == want.keys()
    )
    assert all(
        _same(v, want[c])
        for c, v in zip(got.frame["region_code"], got.frame["value"], strict=False)
    )
    assert any("rejected" in m for m in said) and "filtered locally" in got.note
    outcomes = [
        (("$filter" in h.query), h.outcome) for h in srv.requests_for("47018NED", "TypedDataSet")
    ]
    assert (True, "400") in outcomes and all(o == "200" for f, o in outcomes if not f)
    assert sum(1 for f, o in outcomes if f) == 1, "a 400 is not retried"


def test_server_answers_unknown_fields_with_400_like_cbs(serve, shared_dir) -> None:  # noqa: ANN001
    srv, s = serve({"47018NED": crime_table(shared_dir)})
    with _http.Client(s) as http:
        cat = cbs.Catalog("police", s, http)
        with pytest.raises(_http.HttpError) as info:
            cat.fresh("47018NED", "TypedDataSet", {"$filter": "Regio eq 'NL00'"})
    assert info.value.status == 400 and "No property 'Regio'" in info.value.server_message
    assert len(srv.requests_for("47018NED", "TypedDataSet")) == 1


def test_unknown_table_is_404_not_retried(serve, shared_dir) -> None:  # noqa: ANN001
    srv, s = serve({"47018NED": crime_table(shared_dir)})
    with pytest.raises(cbs.UnknownTableError) as info:
        cbs.load_kwb_year(2015, settings=s)
    assert isinstance(info.value, InputError) and isinstance(info.value, DownloadError)
    assert "83220NED" in str(info.value) and "unknown" in str(info.value)
    assert len(srv.requests_for("83220NED")) == 1
    with pytest.raises(InputError, match="not an id"):
        cbs.Catalog("cbs", s, _http.Client(s)).table_url("85984NED/../x")
    with pytest.raises(InputError, match="without scheme"):
        cbs.catalog_host("http://127.0.0.1:1", s)


def test_filter_parser_and_product_selection() -> None:
    rec = {"Perioden": "2012JJ00", "WijkenEnBuurten": "WK036300  ", "N": 5}
    assert parse_filter("Perioden eq '2012JJ00'")(rec)
    assert not parse_filter("Perioden eq '2013JJ00'")(rec)
    assert parse_filter("(Perioden eq '2013JJ00') or substringof('WK0363', WijkenEnBuurten)")(rec)
    assert parse_filter("substring(WijkenEnBuurten,2,4) eq '0363' and N gt 4")(rec)
    assert product_selection("Perioden eq '2012JJ00' and (S eq 'a' or S eq 'b')") == {
        "Perioden": ["2012JJ00"], "S": ["a", "b"]}  # fmt: skip
    assert product_selection("Perioden eq 'x' or S eq 'a'") is None
