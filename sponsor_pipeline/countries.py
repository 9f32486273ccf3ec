"""Owns resolving the country names platforms write to ISO 3166-1 alpha-2 codes (pycountry + aliases).

Pure Python. Used by the platform export parsers for audience-by-country payloads (Anchor
``playsByGeo``, Spotify ``countryFacetedCounts``); what stays unresolved is quarantined, never ``ZZ``.
"""

from __future__ import annotations

import unicodedata

import pycountry

# Country names platforms write that ISO 3166-1 (pycountry) spells otherwise: former or English
# short names (ISO renamed Turkey to Türkiye in 2022), and names fuzzy search gets wrong or finds
# ambiguous. Keys are lower case. XK (Kosovo) is the user-assigned code the EU and the platforms use.
COUNTRY_ALIASES: dict[str, str] = {
    "turkey": "TR",
    "czech republic": "CZ",
    "russia": "RU",
    "south korea": "KR",
    "korea, south": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "vietnam": "VN",
    "iran": "IR",
    "laos": "LA",
    "syria": "SY",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "taiwan": "TW",
    "macau": "MO",
    "macao": "MO",
    "hong kong": "HK",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "cape verde": "CV",
    "swaziland": "SZ",
    "burma": "MM",
    "east timor": "TL",
    "macedonia": "MK",
    "north macedonia": "MK",
    "palestine": "PS",
    "vatican city": "VA",
    "micronesia": "FM",
    "brunei": "BN",
    "kosovo": "XK",
    "republic of the congo": "CG",
    "congo-brazzaville": "CG",
    "democratic republic of the congo": "CD",
    "dr congo": "CD",
    "congo-kinshasa": "CD",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "united states of america": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "the bahamas": "BS",
    "the gambia": "GM",
}


def _fold(text: str) -> str:
    """Lower case without accents: ``'Türkiye'`` → ``'turkiye'``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def country_code(name: object) -> str | None:
    """Country name or code as a platform writes it → ISO 3166-1 alpha-2, or ``None`` when unresolved.

    In order: an alpha-2 or alpha-3 code, pycountry's name / common name / official name, the
    :data:`COUNTRY_ALIASES` table, then ``pycountry.countries.search_fuzzy`` accepted only when
    exactly one of its candidates has the text in one of its names (``'Iran'`` → IR; ``'Congo'``,
    ``'Korea'`` are ambiguous and ``'Kosovo'`` would match a Serbian subdivision, so they are not
    guessed). Callers quarantine what stays unresolved; nothing becomes ``ZZ`` silently.
    """
    text = " ".join(str(name).split())
    if not text:
        return None
    alias = COUNTRY_ALIASES.get(_fold(text))
    if alias:
        return alias
    for lookup in (
        lambda t: pycountry.countries.get(alpha_2=t.upper()) if len(t) == 2 else None,
        lambda t: pycountry.countries.get(alpha_3=t.upper()) if len(t) == 3 else None,
        lambda t: pycountry.countries.get(name=t),
        lambda t: pycountry.countries.get(common_name=t),
        lambda t: pycountry.countries.get(official_name=t),
    ):
        try:
            found = lookup(text)
        except (KeyError, LookupError):
            found = None
        if found is not None:
            return found.alpha_2
    if len(text) > 100:
        return None
    try:
        candidates = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return None
    folded = _fold(text)
    named = [
        c
        for c in candidates
        if any(folded in _fold(getattr(c, attr, "") or "") for attr in ("name", "common_name", "official_name"))
    ]
    return named[0].alpha_2 if len(named) == 1 else None


def unresolved_country(name: object) -> str:
    """The bucket written for a country name :func:`country_code` cannot resolve: it fails the
    audience_profiles schema's alpha-2 check, so the row is quarantined with the name in its raw values."""
    return f"unresolved country {str(name)[:40]!r}"
