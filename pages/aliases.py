"""Gemeente names in common use → the official CBS gemeente (2024 codes).

Official names come from CBS (``gemeente_2024``: e.g. GM0518 is "'s-Gravenhage"); people type "Den
Haag". Add a row when a reader's name for a gemeente does not contain its official name. The test
``tests/test_stories.py::test_alias_table_matches_official_gemeenten`` checks every code against the
shared 2024 gemeente boundaries.
"""

from __future__ import annotations

#: common name (lower case, as typed) → (gemeente code, official name)
GEMEENTE_ALIASES: dict[str, tuple[str, str]] = {
    "den haag": ("GM0518", "'s-Gravenhage"),
    "the hague": ("GM0518", "'s-Gravenhage"),
    "s-gravenhage": ("GM0518", "'s-Gravenhage"),
    "den bosch": ("GM0796", "'s-Hertogenbosch"),
    "s-hertogenbosch": ("GM0796", "'s-Hertogenbosch"),
    "hertogenbosch": ("GM0796", "'s-Hertogenbosch"),
    "bergen nh": ("GM0373", "Bergen (NH.)"),
    "bergen noord-holland": ("GM0373", "Bergen (NH.)"),
    "bergen limburg": ("GM0893", "Bergen (L.)"),
    "hengelo": ("GM0164", "Hengelo (O.)"),
    "rijswijk": ("GM0603", "Rijswijk (ZH.)"),
    "middelburg": ("GM0687", "Middelburg (Z.)"),
    "laren": ("GM0417", "Laren (NH.)"),
    "beek": ("GM0888", "Beek (L.)"),
    "stein": ("GM0971", "Stein (L.)"),
    "sudwest-fryslan": ("GM1900", "Súdwest-Fryslân"),
    "noardeast-fryslan": ("GM1970", "Noardeast-Fryslân"),
}


def normalise(text: str) -> str:
    """Lower case, no accents, no leading apostrophe, single spaces (for alias lookup)."""
    import unicodedata

    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    s = s.lower().strip().lstrip("'’").replace("(", " ").replace(")", " ").replace(".", " ")
    return " ".join(s.split())


def lookup(text: str) -> list[tuple[str, str, str]]:
    """Aliases matching ``text`` (exact, or as a prefix of at least 3 characters):
    (alias, code, official name), deduplicated by code."""
    q = normalise(text)
    if len(q) < 3:
        return []
    out: dict[str, tuple[str, str, str]] = {}
    for alias, (code, name) in GEMEENTE_ALIASES.items():
        if alias == q or alias.startswith(q):
            out.setdefault(code, (alias, code, name))
    return list(out.values())
