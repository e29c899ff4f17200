"""The registry is the single source of truth: names, stems known to the loaders, generated doc."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from errors import IndicatorError
from indicators import methodology, registry
from loaders import _normalise, schema
from loaders.tables import KWB_TABLES

REPO = Path(__file__).resolve().parents[1]
LBM_IDS = ("lbm", "afw", "onv", "fys", "soc", "vrz", "won")
#: ids other modules (indicators/trends.py, indicators/indices.py, pages) rely on
USED_ELSEWHERE = (
    "inkomen laag_inkomen bijstand arbeidsparticipatie jeugdzorg wmo eenpersoons woz koop "
    "corporatie afstand_huisarts afstand_supermarkt criminaliteit geweld vermogen vernieling "
    "woninginbraak"
).split()


@pytest.fixture(scope="module")
def kwb2024_props(shared_dir) -> dict[str, str]:
    """85984NED DataProperties: canonical stem -> unit."""
    props = json.loads((shared_dir / "cbs" / "85984NED" / "DataProperties.json").read_text())
    return {_normalise.stem(p["Key"]): (p.get("Unit") or "").strip() for p in props if p.get("Key")}


@pytest.fixture(scope="module")
def soort(shared_dir) -> pd.DataFrame:
    df = pd.read_csv(
        shared_dir / "crime" / "47018NED" / "SoortMisdrijf.csv", dtype=str, keep_default_na=False
    )
    df["Key"] = df["Key"].str.strip()
    return df.set_index("Key")


@pytest.fixture(scope="module")
def known_stems(shared_dir, kwb2024_props, soort) -> set[str]:
    lbm_header = (shared_dir / "lbm" / "wijk_scores_2002_2024.csv").open().readline()
    lbm_cols = {c.strip().strip('"') for c in lbm_header.split(",")}
    return (
        {v for v, _ in _normalise.KWB_SHORT_NAMES.values()}
        | set(kwb2024_props)
        | {schema.crime_variable(k) for k in soort.index}
        | (lbm_cols & set(LBM_IDS))
    )


def test_methodology_doc_matches_registry():
    doc = REPO / "docs" / "methodology.md"
    assert doc.exists(), "docs/methodology.md missing: run `python -m indicators methodology`"
    assert doc.read_text(encoding="utf-8") == methodology.render(), (
        "docs/methodology.md differs from the registry: run `python -m indicators methodology`"
    )


def test_methodology_doc_lists_every_indicator():
    text = methodology.render()
    for ind in registry.REGISTRY:
        assert f"| `{ind.id}` | {ind.name_nl} | {ind.name_en} |" in text


def test_check_cli_detects_drift(tmp_path):
    stale = tmp_path / "m.md"
    stale.write_text(methodology.render().replace("Woninginbraken", "Inbraken"), encoding="utf-8")
    cmd = [sys.executable, "-m", "indicators", "methodology", "--check", "--out", str(stale)]
    bad = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "differs from the registry" in bad.stderr
    write = [sys.executable, "-m", "indicators", "methodology", "--out", str(stale)]
    assert subprocess.run(write, cwd=REPO, capture_output=True, timeout=60).returncode == 0
    ok = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr


def test_ids_unique_and_well_formed():
    counts = Counter(i.id for i in registry.REGISTRY)
    assert [k for k, n in counts.items() if n > 1] == []
    assert all(re.fullmatch(r"[a-z][a-z_]*", i.id) for i in registry.REGISTRY)
    for lang in ("nl", "en"):
        names = Counter(registry.name(i, lang) for i in registry.REGISTRY)
        assert [k for k, n in names.items() if n > 1] == [], f"duplicate {lang} names"


def test_names_descriptions_and_fields_complete():
    for i in registry.REGISTRY:
        for field in ("name_nl", "name_en", "description_nl", "description_en", "unit"):
            assert getattr(i, field).strip(), f"{i.id}: {field} missing"
        assert i.theme in registry.THEMES, i.id
        assert i.aggregation in registry.AGGREGATIONS, i.id
        assert i.polarity in (-1, 0, 1), i.id
        assert i.family in registry.FAMILIES, i.id
        assert i.sources, f"{i.id}: no sources"
        if i.aggregation == "rate":
            assert i.denominator and i.scale > 0, i.id
        if i.aggregation in ("mean", "score"):
            assert i.weight and len(i.numerator) == 1, i.id
        if i.aggregation == "count":
            assert len(i.numerator) == 1 and not i.denominator, i.id
    assert {i.theme for i in registry.REGISTRY} == set(registry.THEMES)


def test_every_stem_is_known_to_the_loaders(known_stems):
    unknown = {(i.id, s) for i in registry.REGISTRY for s in i.stems if s not in known_stems}
    assert unknown == set()


def test_xlsx_columns_the_registry_reads_are_real_odata_stems(kwb2024_props, shared_dir):
    """The KWB download's short names (a_inw, a_soz_wb, ...) that feed an indicator map onto a
    stem and unit of the real 85984NED DataProperties, so 2023 (xlsx) and 2024 (OData) values of
    one indicator are the same variable."""
    header = pd.read_excel(shared_dir / "cbs" / "kwb-2023-subset.xlsx", nrows=0).columns
    read = {s for i in registry.REGISTRY for s in i.stems}
    used = {c: _normalise.KWB_SHORT_NAMES[c] for c in header if c in _normalise.KWB_SHORT_NAMES}
    used = {c: v for c, v in used.items() if v[0] in read}
    assert {"a_inw", "a_soz_wb", "p_hh_li", "g_ink_pi"} <= set(used)
    for col, (stem, unit) in used.items():
        assert stem in kwb2024_props, f"{col} -> {stem} is not a 85984NED key"
        assert kwb2024_props[stem] == unit, (col, stem, unit, kwb2024_props[stem])


def test_published_units_match_the_source(kwb2024_props):
    short_units = {v: u for v, u in _normalise.KWB_SHORT_NAMES.values()}
    for i in registry.REGISTRY:
        if i.family != "kwb" or i.aggregation == "rate":
            continue
        published = kwb2024_props.get(i.variable) or short_units.get(i.variable)
        assert published == i.unit, f"{i.id}: registry unit {i.unit!r}, CBS {published!r}"


def test_crime_groups_are_real_keys_and_disjoint(soort):
    for gid, keys in registry.CRIME_GROUPS.items():
        assert set(keys) <= set(soort.index), gid
        assert registry.get(gid).numerator == tuple(schema.crime_variable(k) for k in keys)
    for key, title in registry.CRIME_KEY_TITLES.items():
        assert soort.loc[key, "Title"] == title
    used = [k for g in ("geweld", "vermogen", "vernieling") for k in registry.CRIME_GROUPS[g]]
    assert len(used) == len(set(used)), "crime groups overlap"
    assert set(registry.CRIME_GROUPS["woninginbraak"]) <= set(registry.CRIME_GROUPS["vermogen"])
    assert registry.CRIME_GROUPS["criminaliteit"] == ("0.0.0",)
    assert soort.loc["0.0.0", "Title"] == "Totaal misdrijven"


def test_sources_match_the_table_registry(shared_dir):
    assert [s.table_id for s in registry.KWB_SOURCES] == [t.table_id for t in KWB_TABLES.values()]
    per = pd.read_csv(shared_dir / "crime" / "47018NED" / "Perioden.csv", dtype=str)
    years = sorted(int(k[:4]) for k in per["Key"].str.strip())
    crime = registry.CRIME_SOURCES[0]
    assert (crime.first_year, crime.last_year, crime.table_id) == (years[0], years[-1], "47018NED")
    lbm = pd.read_csv(shared_dir / "lbm" / "wijk_scores_2002_2024.csv", usecols=["jaar"])
    src = registry.LBM_SOURCES[0]
    assert (src.first_year, src.last_year) == (lbm["jaar"].min(), lbm["jaar"].max())


def test_leefbaarometer_ids_kept_for_pages():
    for lid in LBM_IDS:
        ind = registry.get(lid)
        assert ind.variable == lid and ind.family == "leefbaarometer" and ind.unit == "score"
    assert [i.id for i in registry.LEEFBAAROMETER] == list(registry.ids()[-7:])
    assert {i.id for i in registry.LEEFBAAROMETER} == set(LBM_IDS)
    for uid in USED_ELSEWHERE:
        registry.get(uid)


def test_unknown_id_lists_valid_ones():
    with pytest.raises(IndicatorError, match=r"unknown indicator 'nope'.*'bijstand'"):
        registry.get("nope")
    with pytest.raises(IndicatorError, match="nope"):
        registry.resolve("bijstand,nope")
    assert [i.id for i in registry.resolve("bijstand, woz")] == ["bijstand", "woz"]
