"""Synthetic CBS-format data 2012–2024 for every wijk and gemeente — for demos and multi-year tests.

**Nothing this module produces is real.** Every value carries ``source_table = 'synthetic:<table>'``
and the UI, the exports and the store manifest say so. It exists because the offline machines hold
only a part of the real CBS data (``../shared/data``); trends over 2012–2024 need a complete set.

What is real: the *code lists and names* (wijken from the real boundary files of 2012–2016 and 2024,
gemeenten from the real gemeente files, the 47018NED code lists), the 2024 inhabitants, dwellings and
land area per wijk (85984NED extract) used as the starting level, the national crime totals per
type 2012–2023 (``crime/national_crime_by_type_2012_2023.csv``) to which the synthetic wijk counts
are scaled, and the metadata records (``DataProperties``) whose keys, titles and units the dumps copy.

What is invented, deterministically from ``seed``: a latent deprivation score per wijk (ranked on the
real 2023 low-income share plus noise, so large-city wijken with many low incomes are likelier to be
deprived), its path over time, and every KWB value and crime count derived from it. About 10% of the
wijken — more likely in deprived wijken of large gemeenten, and including wijken of the NPLV focus
areas — *decline* after 2012 (income falls relative to the rest, social assistance and crime rise),
as research on vulnerable wijken reports. :func:`decliners` lists them so tests can check it.

Geography: 2012–2016 use that year's real wijk list; 2017–2023 (no wijk boundaries in the shared
data) use the 2024 wijk list, documented in the manifest; 47018NED is on the 2024 indeling for every
year, as CBS publishes it. Gemeente values are aggregates of their wijken, the NL row of all gemeenten.

CBS quirks reproduced in the dumps: numeric key suffixes that differ per year (``AantalInwoners_4``),
the WOZ stem ``GemiddeldeWoningwaarde`` up to 2018, electricity as ``GemiddeldElektriciteitsverbruik``
up to 2016, variables that only exist from some year on (energy 2013, Wmo/jeugdzorg 2015,
education 2019), padded codes, counts rounded to multiples of 5, and secret values (``None``) for
income and benefit variables of wijken with fewer than 100 inhabitants.

Public API: :func:`generate_dumps` / :func:`write_dumps` (cbsodata dumps, the ``dir`` layout) and
:func:`load_synthetic` (the tidy table; KWB goes through :func:`loaders._odata.kwb_to_tidy`, crime is
built vectorised and tested equal to :func:`loaders._odata.crime_to_tidy` on the dump).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

import settings as _settings
from errors import InputError
from loaders import _odata, schema, tables

DEFAULT_YEARS = range(2012, 2025)
DEFAULT_SEED = 2012
SECRET_BELOW = 100  # inhabitants; income and benefit variables are secret below this

#: The 47018NED crime types generated per wijk: every type a registry indicator uses. The total
#: ``0.0.0`` additionally holds the (not generated) other types, so total ≥ sum of the types.
CRIME_KEYS: tuple[str, ...] = (
    "1.1.1",
    "1.1.2",
    "1.2.1",
    "1.2.2",
    "1.2.3",
    "1.2.4",
    "1.2.5",
    "1.4.1",
    "1.4.2",
    "1.4.3",
    "1.4.4",
    "1.4.5",
    "1.4.6",
    "1.4.7",
    "1.5.2",
    "1.6.1",
    "1.6.2",
    "2.1.1",
    "2.2.1",
    "2.5.1",
    "2.5.2",
    "2.7.3",
    "3.6.4",
)
#: how strongly a crime type follows deprivation (log-rate per unit of deprivation)
_CRIME_SENSITIVITY = {"1.1.1": 0.2, "1.1.2": 0.1, "2.5.2": 0.3, "1.6.2": 0.3}

#: KWB variables generated (canonical 85984NED keys) and the first year each exists.
KWB_KEYS: dict[str, int] = {
    "AantalInwoners_5": 2012,
    "Mannen_6": 2012,
    "Vrouwen_7": 2012,
    "k_0Tot15Jaar_8": 2012,
    "k_15Tot25Jaar_9": 2012,
    "k_25Tot45Jaar_10": 2012,
    "k_45Tot65Jaar_11": 2012,
    "k_65JaarOfOuder_12": 2012,
    "HuishoudensTotaal_29": 2012,
    "Eenpersoonshuishoudens_30": 2012,
    "HuishoudensMetKinderen_32": 2012,
    "Bevolkingsdichtheid_34": 2012,
    "Woningvoorraad_35": 2012,
    "GemiddeldeWOZWaardeVanWoningen_39": 2012,
    "Koopwoningen_47": 2012,
    "HuurwoningenTotaal_48": 2012,
    "InBezitWoningcorporatie_49": 2012,
    "GemiddeldeElektriciteitsleveringTotaal_53": 2013,
    "GemiddeldAardgasverbruikTotaal_61": 2013,
    "BasisonderwijsVmboMbo1_75": 2019,
    "HavoVwoMbo24_76": 2019,
    "HboWo_77": 2019,
    "Nettoarbeidsparticipatie_78": 2012,
    "GemiddeldInkomenPerInwoner_83": 2012,
    "k_40HuishoudensMetLaagsteInkomen_87": 2012,
    "HuishoudensMetEenLaagInkomen_89": 2012,
    "HuishOnderOfRondSociaalMinimum_90": 2012,
    "PersonenPerSoortUitkeringBijstand_94": 2012,
    "JongerenMetJeugdzorgInNatura_98": 2015,
    "PercentageJongerenMetJeugdzorg_99": 2015,
    "WmoClienten_100": 2015,
    "WmoClientenRelatief_101": 2015,
    "AfstandTotHuisartsenpraktijk_117": 2012,
    "AfstandTotGroteSupermarkt_118": 2012,
    "AfstandTotSchool_120": 2012,
    "OppervlakteLand_123": 2012,
}
#: stems CBS used in older years (year up to which the old stem was published)
_OLD_STEMS = {
    "GemiddeldeWOZWaardeVanWoningen": ("GemiddeldeWoningwaarde", 2018),
    "GemiddeldeElektriciteitsleveringTotaal": ("GemiddeldElektriciteitsverbruikTotaal", 2016),
}
#: secret (None) for wijken below SECRET_BELOW inhabitants
_SECRET = {
    "Nettoarbeidsparticipatie",
    "GemiddeldInkomenPerInwoner",
    "k_40HuishoudensMetLaagsteInkomen",
    "HuishoudensMetEenLaagInkomen",
    "HuishOnderOfRondSociaalMinimum",
    "PersonenPerSoortUitkeringBijstand",
    "JongerenMetJeugdzorgInNatura",
    "PercentageJongerenMetJeugdzorg",
    "WmoClienten",
    "WmoClientenRelatief",
    "BasisonderwijsVmboMbo1",
    "HavoVwoMbo24",
    "HboWo",
}
#: count variables (summed to gemeente/NL); the others are aggregated as weighted means
_COUNTS = {
    "AantalInwoners",
    "Mannen",
    "Vrouwen",
    "k_0Tot15Jaar",
    "k_15Tot25Jaar",
    "k_25Tot45Jaar",
    "k_45Tot65Jaar",
    "k_65JaarOfOuder",
    "HuishoudensTotaal",
    "Eenpersoonshuishoudens",
    "HuishoudensMetKinderen",
    "Woningvoorraad",
    "BasisonderwijsVmboMbo1",
    "HavoVwoMbo24",
    "HboWo",
    "PersonenPerSoortUitkeringBijstand",
    "JongerenMetJeugdzorgInNatura",
    "WmoClienten",
    "OppervlakteLand",
}
#: weight of each mean variable when aggregating wijken to gemeente/NL
_MEAN_WEIGHT = {
    "GemiddeldeWOZWaardeVanWoningen": "Woningvoorraad",
    "Koopwoningen": "Woningvoorraad",
    "HuurwoningenTotaal": "Woningvoorraad",
    "InBezitWoningcorporatie": "Woningvoorraad",
    "GemiddeldeElektriciteitsleveringTotaal": "Woningvoorraad",
    "GemiddeldAardgasverbruikTotaal": "Woningvoorraad",
    "k_40HuishoudensMetLaagsteInkomen": "HuishoudensTotaal",
    "HuishoudensMetEenLaagInkomen": "HuishoudensTotaal",
    "HuishOnderOfRondSociaalMinimum": "HuishoudensTotaal",
    "PercentageJongerenMetJeugdzorg": "k_0Tot15Jaar",
}

#: national WOZ level (x 1 000 euro) by year: the shape of the real series, rounded (context only)
_WOZ_INDEX = dict(
    zip(
        range(2012, 2025),
        [243, 230, 214, 206, 209, 216, 230, 248, 270, 290, 316, 360, 385],
        strict=True,
    )
)


@dataclass(frozen=True)
class _Universe:
    """Region lists per year and the 2024 wijk profiles the generator starts from."""

    wk2024: pd.DataFrame  # code, name, gemeente_code, inhabitants, area_ha, dwellings, d, decline
    wijken: dict[int, pd.DataFrame]  # year -> code, name, gemeente_code
    gemeenten: dict[int, dict[str, str]]  # year -> code -> name


def _shared(shared_dir: Path | None) -> Path:
    d = Path(shared_dir) if shared_dir is not None else _settings.get().shared_dir
    if not (d / "geo" / "wijk_2024.geojson").exists():
        raise InputError(
            f"the synthetic generator needs the real code lists in {d} (geo/wijk_2024.geojson); "
            "set WIJKPEIL_SHARED_DIR to the shared data folder"
        )
    return d


def _props(path: Path) -> pd.DataFrame:
    import pyogrio

    return pyogrio.read_dataframe(path, read_geometry=False)


def _nearest_gemeente_file(geo: Path, year: int) -> Path | None:
    for delta in (0, -1, 1, -2, 2, -3, 3):
        p = geo / f"gemeente_{year + delta}.geojson"
        if p.exists():
            return p
    return None


@lru_cache(maxsize=4)
def _universe(shared: Path, seed: int) -> _Universe:
    rng = np.random.default_rng(seed)
    geo = shared / "geo"
    w24 = _props(geo / "wijk_2024.geojson")
    w24 = w24[w24["gemeentecode"] != "GM0998"]
    wk = pd.DataFrame(
        {
            "code": w24["wijkcode"].str.strip(),
            "name": w24["wijknaam"].astype(str),
            "gemeente_code": w24["gemeentecode"].str.strip(),
        }
    ).reset_index(drop=True)
    gm_names24 = dict(zip(w24["gemeentecode"].str.strip(), w24["gemeentenaam"], strict=False))
    # real 2024 anchors (inhabitants, dwellings, land area)
    eight = json.loads((shared / "cbs" / "85984NED" / "gemeente_wijk_8_variables.json").read_text())
    inh = wk["code"].map(lambda c: (eight.get(c) or {}).get("AantalInwoners_5"))
    area = wk["code"].map(lambda c: (eight.get(c) or {}).get("OppervlakteLand_123"))
    inh = pd.to_numeric(inh, errors="coerce")
    area = pd.to_numeric(area, errors="coerce")
    fill_inh = rng.lognormal(np.log(4000), 0.9, len(wk)).round(-1)
    fill_area = rng.lognormal(np.log(600), 1.0, len(wk)).round()
    wk["inhabitants"] = inh.fillna(pd.Series(fill_inh)).to_numpy()
    wk["area_ha"] = area.fillna(pd.Series(fill_area)).clip(lower=5).to_numpy()
    # latent deprivation: rank of the real 2023 low-income share (+ noise), z-scaled
    xl = pd.read_excel(shared / "cbs" / "kwb-2023-subset.xlsx", usecols=["gwb_code_10", "p_hh_li"])
    li = pd.to_numeric(xl["p_hh_li"].astype(str).str.replace(",", "."), errors="coerce")
    li.index = xl["gwb_code_10"].astype(str).str.strip()
    base = wk["code"].map(li)
    base = base.fillna(base.median() if base.notna().any() else 40.0).to_numpy(dtype=float)
    ranks = pd.Series(base + rng.normal(0, 6, len(wk))).rank(pct=True).to_numpy()
    d = (ranks - 0.5) * 3.4  # roughly uniform on [-1.7, 1.7]
    wk["d"] = d
    # decliners: ~10%, likelier in deprived wijken of large gemeenten and in NPLV focus areas
    gm_pop = wk.groupby("gemeente_code")["inhabitants"].transform("sum").to_numpy()
    nplv = _nplv_wijken(shared)
    p = 0.02 + 0.10 * (d > 0.5) + 0.12 * (d > 1.0) + 0.08 * (gm_pop > 100_000)
    p = np.where(wk["code"].isin(nplv), 0.6, p)
    wk["decline"] = rng.random(len(wk)) < p
    wk["growth"] = rng.normal(0.004, 0.006, len(wk))

    wijken: dict[int, pd.DataFrame] = {}
    gemeenten: dict[int, dict[str, str]] = {}
    for year in range(2012, 2025):
        path = geo / f"wijk_{year}.geojson"
        if year < 2024 and path.exists() and year <= 2016:
            w = _props(path)
            codes = w["statcode"].astype(str).str.strip()
            frame = pd.DataFrame(
                {
                    "code": codes,
                    "name": w["statnaam"].astype(str),
                    "gemeente_code": "GM" + codes.str[2:6],
                }
            )
            frame = frame[frame["gemeente_code"] != "GM0998"].drop_duplicates("code")
            wijken[year] = frame.reset_index(drop=True)
            gpath = _nearest_gemeente_file(geo, year)
            names = {}
            if gpath is not None:
                g = _props(gpath)
                col = "statcode" if "statcode" in g.columns else "gemeentecode"
                ncol = "statnaam" if "statnaam" in g.columns else "gemeentenaam"
                names = dict(zip(g[col].astype(str).str.strip(), g[ncol].astype(str), strict=False))
            gemeenten[year] = {
                c: names.get(c, gm_names24.get(c, c))
                for c in sorted(frame["gemeente_code"].unique())
            }
        else:
            wijken[year] = wk[["code", "name", "gemeente_code"]].copy()
            gemeenten[year] = {
                c: gm_names24.get(c, c) for c in sorted(wk["gemeente_code"].unique())
            }
    return _Universe(wk2024=wk, wijken=wijken, gemeenten=gemeenten)


def _nplv_wijken(shared: Path) -> set[str]:
    path = shared / "nplv" / "focus_areas.csv"
    if not path.exists():
        return set()
    return set(pd.read_csv(path, usecols=["wijk_code"])["wijk_code"].dropna().str.strip())


def decliners(seed: int = DEFAULT_SEED, shared_dir: Path | None = None) -> list[str]:
    """2024 wijk codes the generator makes decline after 2012 (sorted)."""
    u = _universe(_shared(shared_dir), int(seed))
    return sorted(u.wk2024.loc[u.wk2024["decline"], "code"])


def _profiles(u: _Universe, year: int, seed: int) -> pd.DataFrame:
    """Latent state of every wijk of ``year``: inhabitants, area, deprivation at that year."""
    rng = np.random.default_rng([seed, year, 1])
    base = u.wk2024.set_index("code")
    w = u.wijken[year].copy()
    known = w["code"].isin(base.index)
    # wijk codes of older years that no longer exist: a profile like a random wijk of the gemeente
    donor_rng = np.random.default_rng([seed, year, 2])
    donors = []
    by_gm = base.groupby("gemeente_code").groups
    all_codes = base.index.to_numpy()
    for code, gm in zip(w["code"], w["gemeente_code"], strict=True):
        if code in base.index:
            donors.append(code)
        else:
            pool = by_gm.get(gm)
            pool = np.asarray(pool) if pool is not None and len(pool) else all_codes
            # stable per code: seed from the code text
            r = np.random.default_rng([seed, int.from_bytes(code.encode(), "little") % 2**32])
            donors.append(pool[r.integers(len(pool))])
    donors = np.asarray(donors)
    prof = base.loc[donors].reset_index(drop=True)
    w = w.reset_index(drop=True)
    t = year - 2012
    growth = prof["growth"].to_numpy()
    inh = prof["inhabitants"].to_numpy() * (1 + growth) ** (year - 2024)
    inh = np.where(known.to_numpy(), inh, inh * donor_rng.uniform(0.5, 1.2, len(w)))
    d0 = prof["d"].to_numpy()
    dec = prof["decline"].to_numpy()
    trend = np.where(dec, 0.06 * t, -0.012 * t)
    d = d0 + trend + rng.normal(0, 0.05, len(w))
    return pd.DataFrame(
        {
            "code": w["code"],
            "name": w["name"],
            "gemeente_code": w["gemeente_code"],
            "inh": np.maximum(inh, 0),
            "area_ha": prof["area_ha"].to_numpy(),
            "d": d,
        }
    )


def _round5(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """CBS's random rounding to multiples of 5 (probabilities inverse to the distance)."""
    lo = np.floor(x / 5) * 5
    up = rng.random(x.shape) < (x - lo) / 5
    return lo + 5 * up


def _wijk_values(p: pd.DataFrame, year: int, seed: int) -> dict[str, np.ndarray]:
    """Every KWB stem for the wijken of one year (NaN where not published)."""
    rng = np.random.default_rng([seed, year, 3])
    n = len(p)
    d = p["d"].to_numpy()
    t = year - 2012
    inh = _round5(p["inh"].to_numpy(), rng)
    area = p["area_ha"].to_numpy()
    dens = inh / (area / 100)
    urban = np.clip(np.log10(np.maximum(dens, 1)) / 4, 0, 1)  # 0 rural .. 1 dense city

    def noise(scale: float) -> np.ndarray:
        return rng.normal(0, scale, n)

    v: dict[str, np.ndarray] = {"AantalInwoners": inh}
    men = _round5(inh * np.clip(0.495 + noise(0.01), 0.4, 0.6), rng)
    v["Mannen"] = np.minimum(men, inh)
    v["Vrouwen"] = inh - v["Mannen"]
    shares = np.stack(
        [
            0.16 + 0.02 * d + noise(0.02),
            0.12 + 0.02 * urban + noise(0.02),
            0.24 + 0.05 * urban + noise(0.02),
            0.28 - 0.02 * urban + noise(0.02),
            0.18 + 0.004 * t - 0.03 * urban + noise(0.03),
        ]
    )
    shares = np.clip(shares, 0.02, None)
    shares = shares / shares.sum(axis=0)
    ages = np.floor(shares * inh / 5) * 5
    ages[4] = inh - ages[:4].sum(axis=0)  # the groups add up to the total (floor keeps it >= 0)
    for key, row in zip(
        ["k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder"],
        ages,
        strict=True,
    ):
        v[key] = row
    hh_size = np.clip(2.45 - 0.55 * urban + 0.1 * d - 0.005 * t + noise(0.08), 1.2, 3.5)
    hh = _round5(inh / hh_size, rng)
    v["HuishoudensTotaal"] = hh
    one = np.clip(0.22 + 0.3 * urban + 0.05 * d + 0.003 * t + noise(0.03), 0.05, 0.9)
    v["Eenpersoonshuishoudens"] = _round5(hh * one, rng)
    kids = np.clip(0.38 - 0.15 * urban + noise(0.03), 0.05, 0.7)
    v["HuishoudensMetKinderen"] = _round5(
        np.minimum(hh * kids, hh - v["Eenpersoonshuishoudens"]), rng
    )
    v["Bevolkingsdichtheid"] = np.round(dens)
    v["OppervlakteLand"] = area
    v["Woningvoorraad"] = _round5(hh * np.clip(1.04 + noise(0.02), 0.95, 1.2), rng)
    woz = _WOZ_INDEX[year] * np.exp(-0.18 * d + 0.1 * (1 - urban) + noise(0.08))
    v["GemiddeldeWOZWaardeVanWoningen"] = np.round(woz)
    corp = np.clip(22 + 14 * d + 10 * urban + noise(5), 0, 95)
    koop = np.clip(70 - 14 * d - 20 * urban + noise(6), 2, 98)
    huur = np.clip(100 - koop - np.abs(noise(0.6)), 0, 100)
    v["Koopwoningen"] = np.round(koop)
    v["HuurwoningenTotaal"] = np.round(huur)
    v["InBezitWoningcorporatie"] = np.round(np.minimum(corp, huur))
    v["GemiddeldeElektriciteitsleveringTotaal"] = np.round(
        (3400 - 900 * urban - 35 * t) * np.exp(noise(0.05)), -1
    )
    v["GemiddeldAardgasverbruikTotaal"] = np.round(
        (1650 - 500 * urban - 40 * t) * np.exp(noise(0.06)), -1
    )
    inc_level = 27 + 0.55 * t  # nominal growth
    v["GemiddeldInkomenPerInwoner"] = np.round(
        np.maximum(inc_level * np.exp(-0.16 * d + noise(0.05)), 8), 1
    )
    li = np.clip(40 + 12 * d + noise(3), 5, 95)
    v["k_40HuishoudensMetLaagsteInkomen"] = np.round(li)
    v["HuishoudensMetEenLaagInkomen"] = np.round(np.clip(8 + 5 * d + noise(1.5), 0.5, 60), 1)
    v["HuishOnderOfRondSociaalMinimum"] = np.round(np.clip(8 + 4.5 * d + noise(1.5), 0.5, 60), 1)
    v["Nettoarbeidsparticipatie"] = np.round(np.clip(66 - 5 * d + 0.25 * t + noise(2), 30, 90), 1)
    bij_rate = np.clip(0.025 * np.exp(0.75 * d) + noise(0.003), 0.001, 0.3)
    v["PersonenPerSoortUitkeringBijstand"] = _round5(inh * bij_rate, rng)
    jz = np.clip(10 + 2.5 * d + 0.15 * t + noise(1.5), 1, 40)
    v["PercentageJongerenMetJeugdzorg"] = np.round(jz, 1)
    v["JongerenMetJeugdzorgInNatura"] = _round5(
        (v["k_0Tot15Jaar"] + v["k_15Tot25Jaar"] * 0.3) * jz / 100, rng
    )
    wmo = np.clip(55 + 15 * d + 2 * t + noise(8), 5, 250)
    v["WmoClientenRelatief"] = np.round(wmo)
    v["WmoClienten"] = _round5(inh * wmo / 1000, rng)
    low = np.clip(0.3 + 0.08 * d + noise(0.04), 0.05, 0.8)
    high = np.clip(0.33 - 0.08 * d + 0.005 * t + noise(0.04), 0.05, 0.8)
    adults = inh * 0.78
    v["BasisonderwijsVmboMbo1"] = _round5(adults * low, rng)
    v["HboWo"] = _round5(adults * high, rng)
    v["HavoVwoMbo24"] = _round5(adults * np.clip(1 - low - high, 0.05, 0.9), rng)
    v["AfstandTotHuisartsenpraktijk"] = np.round(
        np.clip(2.8 * (1 - urban) ** 2 + 0.4 + np.abs(noise(0.3)), 0.1, 15), 1
    )
    v["AfstandTotGroteSupermarkt"] = np.round(
        np.clip(2.5 * (1 - urban) ** 2 + 0.4 + np.abs(noise(0.3)), 0.1, 15), 1
    )
    v["AfstandTotSchool"] = np.round(
        np.clip(1.8 * (1 - urban) ** 2 + 0.4 + np.abs(noise(0.2)), 0.1, 10), 1
    )
    return v


def _aggregate(values: pd.DataFrame, by: pd.Series) -> pd.DataFrame:
    """Counts summed, means weighted (by dwellings/households/inhabitants), NaN-aware."""
    out = {}
    g = values.groupby(by.to_numpy())
    for col in values.columns:
        if col in _COUNTS:
            s = g[col].sum(min_count=1)
            out[col] = s
        elif col == "Bevolkingsdichtheid":
            continue
        else:
            wcol = _MEAN_WEIGHT.get(col, "AantalInwoners")
            w = values[wcol].where(values[col].notna())
            num = (values[col] * w).groupby(by.to_numpy()).sum(min_count=1)
            den = w.groupby(by.to_numpy()).sum(min_count=1)
            out[col] = num / den.where(den > 0)
    res = pd.DataFrame(out)
    res["Bevolkingsdichtheid"] = np.round(res["AantalInwoners"] / (res["OppervlakteLand"] / 100))
    decimals = {"WmoClientenRelatief": 0, "GemiddeldeWOZWaardeVanWoningen": 0}
    for col in res.columns:
        if col not in _COUNTS:
            res[col] = res[col].round(decimals.get(col, 1))
    return res


def _kwb_wide(u: _Universe, year: int, seed: int) -> pd.DataFrame:
    """One year: rows NL + gemeenten + wijken, columns = stems, index = region code."""
    p = _profiles(u, year, seed)
    wv = pd.DataFrame(_wijk_values(p, year, seed))
    wv.index = p["code"].to_numpy()
    gm = _aggregate(wv, p["gemeente_code"])
    nl = _aggregate(gm, pd.Series(["NL00"] * len(gm), index=gm.index))
    # secret values of small wijken: suppressed after aggregation, as CBS does (the gemeente
    # figure still contains them, so a gemeente is not the sum of its *published* wijken)
    secret = wv["AantalInwoners"].to_numpy() < SECRET_BELOW
    for stem in _SECRET:
        wv.loc[secret, stem] = np.nan
    wide = pd.concat([nl, gm, wv])
    names = {
        "NL00": "Nederland",
        **u.gemeenten[year],
        **dict(zip(p["code"], p["name"], strict=True)),
    }
    wide.insert(0, "_name", wide.index.map(names))
    gm_of = {c: c for c in gm.index} | dict(zip(p["code"], p["gemeente_code"], strict=True))
    wide.insert(
        1, "_gm_name", wide.index.map(lambda c: u.gemeenten[year].get(gm_of.get(c, ""), ""))
    )
    first = {k.rsplit("_", 1)[0]: y for k, y in KWB_KEYS.items()}
    for stem, y0 in first.items():
        if year < y0:
            wide[stem] = np.nan
    return wide


# -- dumps in CBS's format --------------------------------------------------------------------


@lru_cache(maxsize=2)
def _template_props(shared: Path) -> tuple[dict, ...]:
    return tuple(json.loads((shared / "cbs" / "85984NED" / "DataProperties.json").read_text()))


def _year_keys(year: int) -> dict[str, str]:
    """canonical stem -> this year's OData key (own numeric suffixes, old stems where CBS had them)."""
    out: dict[str, str] = {}
    n = 1
    for key, y0 in KWB_KEYS.items():
        stem = key.rsplit("_", 1)[0]
        n += 1
        if year < y0:
            continue
        name = stem
        old = _OLD_STEMS.get(stem)
        if old and year <= old[1]:
            name = old[0]
        shift = 0 if year == 2024 else (2024 - year) % 3  # suffixes drift between years
        out[stem] = f"{name}_{n + 3 + shift}"
    return out


def _pad(code: str, width: int = 10) -> str:
    return code.ljust(width)


def _kwb_dump(u: _Universe, shared: Path, year: int, seed: int) -> tuple[str, dict[str, list]]:
    table = tables.kwb(year)
    wide = _kwb_wide(u, year, seed)
    keys = _year_keys(year)
    templ = {
        p["Key"].rsplit("_", 1)[0]: p for p in _template_props(shared) if p.get("Type") == "Topic"
    }
    props: list[dict] = [
        {
            "odata.type": "Cbs.OData.GeoDetail",
            "ID": 0,
            "Position": 0,
            "ParentID": None,
            "Type": "GeoDetail",
            "Key": "WijkenEnBuurten",
            "Title": "Wijken en buurten",
            "Description": "",
            "MapYear": year,
        }
    ]
    if table.period:
        props.append(
            {
                "odata.type": "Cbs.OData.TimeDimension",
                "ID": len(props),
                "Position": len(props),
                "ParentID": None,
                "Type": "TimeDimension",
                "Key": "Perioden",
                "Title": "Perioden",
                "Description": "",
            }
        )
    gm_key = "Gemeentenaam_1"
    props.append(copy.deepcopy(templ["Gemeentenaam"]) | {"ID": len(props), "Key": gm_key})
    for stem, key in keys.items():
        rec = copy.deepcopy(templ[stem])
        rec.update({"ID": len(props), "Position": len(props), "ParentID": None, "Key": key})
        props.append(rec)
    codes = wide.index.to_numpy()
    level = np.array([c[:2] for c in codes])
    soort = np.where(level == "NL", "Land", np.where(level == "GM", "Gemeente", "Wijk"))
    records = []
    cols = list(keys)
    mat = wide[cols].to_numpy(dtype=float)
    gm_names = wide["_gm_name"].to_numpy()
    for i, code in enumerate(codes):
        rec: dict = {"ID": i, "WijkenEnBuurten": _pad(code)}
        if table.period:
            rec["Perioden"] = table.period
        rec[gm_key] = _pad(str(gm_names[i]), 24)
        rec["SoortRegio_2"] = _pad(str(soort[i]), 10)
        for j, stem in enumerate(cols):
            x = mat[i, j]
            rec[keys[stem]] = None if np.isnan(x) else (int(x) if stem in _COUNTS else float(x))
        records.append(rec)
    dims = [
        {"Key": _pad(c), "Title": str(n), "Description": None}
        for c, n in zip(codes, wide["_name"], strict=True)
    ]
    dump: dict[str, list] = {
        "TableInfos": [
            {
                "ID": 0,
                "Title": f"SYNTHETIC — {table.title} (generated by Wijkpeil, not CBS data)",
                "Identifier": table.table_id,
                "Period": str(year),
                "Catalog": "synthetic",
            }
        ],
        "DataProperties": props,
        "TypedDataSet": records,
        "WijkenEnBuurten": dims,
    }
    if table.period:
        dump["Perioden"] = [{"Key": table.period, "Title": str(year), "Status": "Definitief"}]
    return table.table_id, dump


# -- crime -----------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _national_crime(shared: Path) -> pd.DataFrame:
    path = shared / "crime" / "national_crime_by_type_2012_2023.csv"
    nat = pd.read_csv(path)
    label = nat["incident_type_code"].astype(str).str.strip()
    nat["key"] = np.where(label == "Totaal misdrijven", "0.0.0", label.str.split(" ").str[0])
    return nat.pivot_table(index="year", columns="key", values="incident_count", aggfunc="sum")


def _crime_wide(u: _Universe, shared: Path, years: Iterable[int], seed: int) -> pd.DataFrame:
    """Counts per (year, region, type) on the 2024 indeling: columns year, code, gm, key, value."""
    nat = _national_crime(shared)
    base = u.wk2024
    frames = []
    for year in years:
        if year not in nat.index:
            continue
        rng = np.random.default_rng([seed, year, 7])
        w = u.wijken[2024]
        p = _profiles(_Universe(base, {year: w}, u.gemeenten), year, seed)
        inh = p["inh"].to_numpy()
        dens = inh / (p["area_ha"].to_numpy() / 100)
        urban = np.clip(np.log10(np.maximum(dens, 1)) / 4, 0, 1)
        counts = {}
        for key in CRIME_KEYS:
            total = float(nat.loc[year].get(key, np.nan))
            if not np.isfinite(total):
                total = 0.0
            sens = _CRIME_SENSITIVITY.get(key, 0.55)
            weight = inh * np.exp(sens * p["d"].to_numpy() + 0.8 * urban)
            lam = total * weight / weight.sum()
            counts[key] = rng.poisson(lam).astype(float)
        other_total = max(
            float(nat.loc[year, "0.0.0"]) - sum(nat.loc[year].get(k, 0) for k in CRIME_KEYS), 0
        )
        weight = inh * np.exp(0.5 * p["d"].to_numpy() + 0.8 * urban)
        other = rng.poisson(other_total * weight / weight.sum()).astype(float)
        counts["0.0.0"] = sum(counts[k] for k in CRIME_KEYS) + other
        wk = pd.DataFrame(counts, index=p["code"].to_numpy())
        gm = wk.groupby(p["gemeente_code"].to_numpy()).sum()
        nl = gm.sum().to_frame("NL00").T
        wide = pd.concat([nl, gm, wk])
        wide["year"] = year
        frames.append(wide)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames)


def _crime_names(u: _Universe) -> dict[str, str]:
    w = u.wijken[2024]
    return {
        "NL00": "Nederland",
        **u.gemeenten[2024],
        **dict(zip(w["code"], w["name"], strict=True)),
    }


def _crime_tidy(u: _Universe, shared: Path, years: Iterable[int], seed: int) -> pd.DataFrame:
    wide = _crime_wide(u, shared, years, seed)
    if wide.empty:
        return pd.DataFrame(columns=list(schema.COLUMNS))
    names = _crime_names(u)
    keys = ["0.0.0", *CRIME_KEYS]
    codes = wide.index.to_numpy()
    n, k = len(wide), len(keys)
    code_rep = np.repeat(codes, k)
    lvl = np.array([c[:2] for c in codes])
    gm = np.where(lvl == "NL", "NL00", np.array(["GM" + c[2:6] for c in codes]))
    df = pd.DataFrame(
        {
            "year": np.repeat(wide["year"].to_numpy(), k),
            "region_code": code_rep,
            "region_level": np.repeat(lvl, k),
            "region_name": pd.Series(code_rep).map(names).fillna("").to_numpy(),
            "gemeente_code": np.repeat(gm, k),
            "variable": np.tile(np.array([schema.crime_variable(x) for x in keys]), n),
            "value": wide[keys].to_numpy(dtype=float).reshape(-1),
            "unit": "aantal",
            "source_table": schema.SYNTHETIC_PREFIX + tables.CRIME_TABLE.table_id,
            "source_key": "GeregistreerdeMisdrijven_1",
        }
    )
    return schema.validate(df, where="synthetic 47018NED")


def _crime_dump(u: _Universe, shared: Path, years: Iterable[int], seed: int) -> dict[str, list]:
    wide = _crime_wide(u, shared, years, seed)
    meta = shared / "crime" / "47018NED"

    def csv_records(name: str) -> list[dict]:
        df = pd.read_csv(meta / f"{name}.csv", dtype=str, keep_default_na=False)
        return [{k: (v if v != "" else None) for k, v in r.items()} for r in df.to_dict("records")]

    props = csv_records("DataProperties")
    for p in props:
        for num in ("ID", "Position", "ParentID"):
            if p.get(num) is not None:
                p[num] = int(float(p[num]))
    keys = ["0.0.0", *CRIME_KEYS]
    soort = [s for s in csv_records("SoortMisdrijf") if str(s["Key"]).strip() in keys]
    names = _crime_names(u)
    records = []
    i = 0
    for code, row in zip(wide.index, wide.to_dict("records"), strict=True):
        for key in keys:
            records.append(
                {
                    "ID": i,
                    "SoortMisdrijf": key.ljust(6),
                    "WijkenEnBuurten": _pad(code),
                    "Perioden": f"{int(row['year'])}JJ00",
                    "GeregistreerdeMisdrijven_1": int(row[key]),
                }
            )
            i += 1
    return {
        "TableInfos": [
            {
                "ID": 0,
                "Title": "SYNTHETIC — "
                + tables.CRIME_TABLE.title
                + " (generated, not police data)",
                "Identifier": tables.CRIME_TABLE.table_id,
                "Catalog": "synthetic",
            }
        ],
        "DataProperties": props,
        "TypedDataSet": records,
        "SoortMisdrijf": soort,
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y)} for y in sorted(set(wide["year"]))],
        "WijkenEnBuurten": [{"Key": _pad(c), "Title": n} for c, n in names.items()],
    }


# -- public API ------------------------------------------------------------------------------


def _check_years(years: Iterable[int]) -> list[int]:
    ys = sorted({int(y) for y in years})
    bad = [y for y in ys if y not in DEFAULT_YEARS]
    if bad or not ys:
        raise InputError(
            f"synthetic years {bad or ys} outside {DEFAULT_YEARS.start}-{DEFAULT_YEARS.stop - 1}; "
            "pick years in that range"
        )
    return ys


def generate_dumps(
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    shared_dir: Path | None = None,
    *,
    crime: bool = True,
) -> dict[str, dict[str, list[dict]]]:
    """Per table id a cbsodata-style dump (``TableInfos``, ``DataProperties``, ``TypedDataSet``, …)."""
    ys = _check_years(years)
    shared = _shared(shared_dir)
    u = _universe(shared, int(seed))
    out: dict[str, dict[str, list[dict]]] = {}
    for y in ys:
        tid, dump = _kwb_dump(u, shared, y, int(seed))
        out[tid] = dump
    crime_years = [y for y in ys if y in tables.CRIME_YEARS]
    if crime and crime_years:
        out[tables.CRIME_TABLE.table_id] = _crime_dump(u, shared, crime_years, int(seed))
    return out


def write_dumps(
    out_dir: Path,
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    shared_dir: Path | None = None,
) -> list[Path]:
    """Write the dumps in the cbsodata ``dir`` layout (``<out>/<table_id>/<Name>.json``), atomically
    per table: a table folder appears complete or not at all."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for tid, dump in generate_dumps(years, seed, shared_dir).items():
        tmp = Path(tempfile.mkdtemp(prefix=f".{tid}-", dir=out_dir))
        for name, records in dump.items():
            (tmp / f"{name}.json").write_text(json.dumps(records, ensure_ascii=False), "utf-8")
        target = out_dir / tid
        if target.exists():
            old = target.with_name(f".{tid}.old")
            os.replace(target, old)
            os.replace(tmp, target)
            for f in old.iterdir():
                f.unlink()
            old.rmdir()
        else:
            os.replace(tmp, target)
        written.append(target)
    return written


def load_synthetic(
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    shared_dir: Path | None = None,
) -> pd.DataFrame:
    """The synthetic set as one tidy table (every ``source_table`` starts with ``synthetic:``)."""
    out = pd.concat([p.frame for p in parts(years, seed, shared_dir)], ignore_index=True)
    return schema.validate(out, where="synthetic generator")


def parts(
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    shared_dir: Path | None = None,
) -> list:
    """The synthetic set as store parts (``origin='synthetic'``), for the demo store only.

    KWB of 2012–2016 is on that year's real wijk list (indeling = the year); 2017–2024 use the
    2024 list (indeling 2024); 47018NED is on the 2024 indeling for every year, as CBS publishes it.
    There is no synthetic Leefbaarometer: the demo store has none.
    """
    from loaders.store import Part

    ys = _check_years(years)
    shared = _shared(shared_dir)
    u = _universe(shared, int(seed))
    out = []
    for y in ys:
        tid, dump = _kwb_dump(u, shared, y, int(seed))
        t = tables.kwb(y)
        df = _odata.kwb_to_tidy(
            dump, tid, y, source_table=schema.SYNTHETIC_PREFIX + tid, period=t.period
        )
        indeling = y if (shared / "geo" / f"wijk_{y}.geojson").exists() and y <= 2016 else 2024
        out.append(Part("kwb", y, indeling, schema.SYNTHETIC_PREFIX + tid, "synthetic", df,
                        note=f"synthetic (seed {seed})"))  # fmt: skip
    crime_years = [y for y in ys if y in tables.CRIME_YEARS]
    if crime_years:
        crime = _crime_tidy(u, shared, crime_years, int(seed))
        for y, sub in crime.groupby("year"):
            out.append(Part("crime", int(y), 2024, schema.SYNTHETIC_PREFIX + "47018NED",
                            "synthetic", sub, note=f"synthetic (seed {seed})"))  # fmt: skip
    return out
