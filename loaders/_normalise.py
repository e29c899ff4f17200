"""CBS quirks in one place: padded codes, numeric key suffixes, renamed stems, missing values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_SUFFIX = re.compile(r"_\d+$")

#: CBS renamed some stems across KWB years. Map every older/other stem to the
#: canonical (newest, 85984NED) stem. Extend here; never special-case in loaders.
#: Numeric suffixes differ every year (AantalInwoners_5 stays, HuishoudensTotaal_28 in 2013-2023
#: becomes _29 in 2024) and are never used: keys are read from each table's DataProperties.
#: Sources of the older stems: the full 83765NED (2017) key list in public code that reads the
#: table (GemiddeldeWoningwaarde_35, GemiddeldElektriciteitsverbruikTotaal_47,
#: PersonenPerSoortUitkeringBijstand_74, no education or Wmo/jeugdzorg columns), 84286NED/84583NED
#: readers (GemiddeldeWoningwaarde_35 in 2018/2019), 85318NED readers (2022:
#: OpleidingsniveauLaag_64 / Middelbaar_65 / Hoog_66, Nettoarbeidsparticipatie_67) and the
#: multi-year candidate lists of public KWB pipelines (WOZ _35/_36/_39, Bijstand _74/_83/_87/_92).
STEM_RENAMES: dict[str, str] = {
    # WOZ: KWB <=2019 'GemiddeldeWoningwaarde', later 'GemiddeldeWOZWaardeVanWoningen'
    "GemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen",
    # Energy: 'verbruik' (<=2019) became 'levering' (same measure: delivered electricity)
    "GemiddeldElektriciteitsverbruikTotaal": "GemiddeldeElektriciteitsleveringTotaal",
    # Education (persons 15-75 by highest level attained): 2021-2023 'Opleidingsniveau*',
    # 2024 named after the school types the level consists of (same three groups)
    "OpleidingsniveauLaag": "BasisonderwijsVmboMbo1",
    "OpleidingsniveauMiddelbaar": "HavoVwoMbo24",
    "OpleidingsniveauHoog": "HboWo",
    # Migration background (<=2021) -> herkomst (2022+): kept as distinct stems on purpose,
    # because the definitions differ; see docs. Only pure renames belong here.
}

#: KWB Excel short names (kwb-YYYY.xlsx) -> canonical OData stems and units.
#: The Excel 'g_woz' (<=2018) and 'g_wozbag' (2019+) both map to the WOZ stem.
KWB_SHORT_NAMES: dict[str, tuple[str, str]] = {
    "a_inw": ("AantalInwoners", "aantal"),
    "a_man": ("Mannen", "aantal"),
    "a_vrouw": ("Vrouwen", "aantal"),
    "a_ongeh": ("Ongehuwd", "aantal"),
    "a_gehuwd": ("Gehuwd", "aantal"),
    "a_gesch": ("Gescheiden", "aantal"),
    "a_verwed": ("Verweduwd", "aantal"),
    "a_nl_all": ("HerkomstNederland", "aantal"),
    "a_eur_al": ("HerkomstEuropaExclusiefNederland", "aantal"),
    "a_neu_al": ("HerkomstBuitenEuropa", "aantal"),
    "a_hh": ("HuishoudensTotaal", "aantal"),
    "a_1p_hh": ("Eenpersoonshuishoudens", "aantal"),
    "a_hh_z_k": ("HuishoudensZonderKinderen", "aantal"),
    "a_hh_m_k": ("HuishoudensMetKinderen", "aantal"),
    "g_hhgro": ("GemiddeldeHuishoudensgrootte", "aantal"),
    "bev_dich": ("Bevolkingsdichtheid", "aantal inwoners per km²"),
    "a_woning": ("Woningvoorraad", "aantal"),
    "g_woz": ("GemiddeldeWOZWaardeVanWoningen", "x 1 000 euro"),
    "g_wozbag": ("GemiddeldeWOZWaardeVanWoningen", "x 1 000 euro"),
    "g_ink_pi": ("GemiddeldInkomenPerInwoner", "x 1 000 euro"),
    "p_ink_li": ("k_40PersonenMetLaagsteInkomen", "%"),
    "p_ink_hi": ("k_20PersonenMetHoogsteInkomen", "%"),
    "g_hh_sti": ("GemGestandaardiseerdInkomenVanHuish", "x 1 000 euro"),
    "p_hh_li": ("k_40HuishoudensMetLaagsteInkomen", "%"),
    "p_hh_hi": ("k_20HuishoudensMetHoogsteInkomen", "%"),
    "a_soz_wb": ("PersonenPerSoortUitkeringBijstand", "aantal"),
    "a_soz_ao": ("PersonenPerSoortUitkeringAO", "aantal"),
    "a_soz_ww": ("PersonenPerSoortUitkeringWW", "aantal"),
    "a_soz_ow": ("PersonenPerSoortUitkeringAOW", "aantal"),
    "a_jz_tn": ("JongerenMetJeugdzorgInNatura", "aantal"),
    "p_jz_tn": ("PercentageJongerenMetJeugdzorg", "%"),
    "a_wmo_t": ("WmoClienten", "aantal"),
    "p_wmo_t": ("WmoClientenRelatief", "per 1 000 inwoners"),
    "a_pau": ("PersonenautoSTotaal", "aantal"),
    "a_bst_b": ("PersonenautoSBrandstofBenzine", "aantal"),
    "a_bst_nb": ("PersonenautoSOverigeBrandstof", "aantal"),
    "g_pau_hh": ("PersonenautoSPerHuishouden", "per huishouden"),
    "g_pau_km": ("PersonenautoSNaarOppervlakte", "per km²"),
    "g_afs_hp": ("AfstandTotHuisartsenpraktijk", "km"),
    "g_afs_gs": ("AfstandTotGroteSupermarkt", "km"),
    "g_afs_kv": ("AfstandTotKinderdagverblijf", "km"),
    "g_afs_sc": ("AfstandTotSchool", "km"),
    "g_3km_sc": ("ScholenBinnen3Km", "aantal"),
    "ste_mvs": ("MateVanStedelijkheid", "code"),
    "ste_oad": ("Omgevingsadressendichtheid", "per km²"),
}


def stem(key: str) -> str:
    """OData key -> canonical stem: 'AantalInwoners_5' -> 'AantalInwoners' (renames applied)."""
    s = _SUFFIX.sub("", str(key).strip())
    return STEM_RENAMES.get(s, s)


def strip_code(code: object) -> str:
    """'WK059915  ' -> 'WK059915'; 'NL01  ' -> 'NL00' is NOT done: only whitespace is stripped."""
    return str(code).strip()


_MISSING_STRINGS = {"", ".", "x", "-", "?", "nan", "none", "null"}


def to_number(values: pd.Series) -> pd.Series:
    """Parse published values: '.', nulls, secret -> NaN (never 0); decimal commas -> points."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    s = values.astype("string").str.strip()
    missing = s.isna() | s.str.lower().isin(_MISSING_STRINGS)
    s = s.str.replace(r"\s", "", regex=True).str.replace(",", ".", regex=False)
    out = pd.to_numeric(s.where(~missing), errors="coerce").astype("float64")
    return out.where(~missing, np.nan)
