"""Owns generating IO promo codes and vanity URLs: readable, unique per tenant, deterministic (pure).

A host-read ad tells listeners a promo code ("use code TECH7KQ") and a vanity URL
("listen.example.com/tech-talk"); the advertiser attributes conversions to the IO by them. Both
must be easy to say aloud and to type, so codes avoid the characters people confuse when reading or
hearing them (0/O, 1/I/L), and both must be unique inside a tenant (``io_bookings`` has
``UNIQUE (tenant_id, promo_code)`` and ``UNIQUE (tenant_id, vanity_url)``).

Generation depends only on the IO's identity and the codes already taken, so running it again on the
same input yields the same values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

# Crockford-style unambiguous alphabet without 0, O, 1, I and L (also no U to avoid accidental words).
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
PREFIX_LETTERS = re.compile(f"[{ALPHABET}]")
PREFIX_LEN = 4
SUFFIX_LEN = 4


# Host of generated vanity URLs when the settings resource names none (SPONSOR_VANITY_DOMAIN).
DEFAULT_VANITY_DOMAIN = "listen.example.com"


def _suffix(seed: str, attempt: int, length: int = SUFFIX_LEN) -> str:
    digest = hashlib.sha256(f"{seed}#{attempt}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def code_prefix(show_slug: str) -> str:
    """Up to 4 unambiguous letters of the show slug, upper case: ``'tech-talk'`` → ``'TECH'``."""
    letters = PREFIX_LETTERS.findall(show_slug.upper())
    return "".join(letters[:PREFIX_LEN]) or "CAST"


def promo_code(tenant_id: str, io_id: str, show_slug: str, taken: Iterable[str] = ()) -> str:
    """A promo code for one IO: show prefix + 4 characters derived from (tenant, IO), 5–8 characters.

    Args:
        taken: codes already used by the tenant (case-insensitive); the next derivation is tried on
            collision, so the result is never in ``taken``.
    Returns:
        Upper-case code of :data:`ALPHABET` characters only, matching ``^[A-Z0-9]{3,32}$``.
    """
    used = {t.upper() for t in taken}
    prefix = code_prefix(show_slug)
    attempt = 0
    while True:
        length = SUFFIX_LEN + attempt // 50  # widen only if the short space is crowded
        code = prefix + _suffix(f"{tenant_id}|{io_id}", attempt, length)
        if code not in used:
            return code
        attempt += 1


def vanity_url(domain: str, show_slug: str, taken: Iterable[str] = ()) -> str:
    """``https://<domain>/<show-slug>``, suffixed ``-2``, ``-3``, ... until not in ``taken``.

    ``domain`` is a host name (``SPONSOR_VANITY_DOMAIN``), without scheme or trailing slash.
    """
    used = set(taken)
    host = domain.strip().removeprefix("https://").removeprefix("http://").strip("/")
    base = f"https://{host}/{show_slug}"
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def assign_codes(
    ios: list[tuple[str, str, str, str | None, str | None]],
    taken_codes: Iterable[str],
    taken_urls: Iterable[str],
    domain: str,
) -> dict[str, tuple[str, str]]:
    """Fill missing promo codes and vanity URLs for one tenant's IOs.

    Args:
        ios: ``(tenant_id, io_id, show_slug, promo_code, vanity_url)`` of the IOs to consider; the
            order does not matter (they are processed by io_id).
        taken_codes / taken_urls: values already used by the tenant's other IOs.
    Returns:
        ``{io_id: (promo_code, vanity_url)}`` for IOs that lacked either value (the present one kept).
    """
    codes = {c.upper() for c in taken_codes} | {i[3].upper() for i in ios if i[3]}
    urls = set(taken_urls) | {i[4] for i in ios if i[4]}
    out: dict[str, tuple[str, str]] = {}
    for tenant_id, io_id, slug, code, url in sorted(ios, key=lambda i: i[1]):
        if code and url:
            continue
        if not code:
            code = promo_code(tenant_id, io_id, slug, codes)
            codes.add(code)
        if not url:
            url = vanity_url(domain, slug, urls)
            urls.add(url)
        out[io_id] = (code, url)
    return out
