"""Owns filling missing IO promo codes, vanity URLs and pacing modes inside the io_bookings import transaction."""

from __future__ import annotations

from collections import defaultdict

import psycopg

from sponsor_pipeline.io_codes import DEFAULT_VANITY_DOMAIN, assign_codes

# Run on the stage before the upsert: an IO already stored keeps the code and URL it was given
# when the new file leaves them empty, so re-importing never changes what listeners were told.
KEEP_ASSIGNED = (
    "UPDATE import_stage s SET promo_code = coalesce(s.promo_code, b.promo_code), "
    "vanity_url = coalesce(s.vanity_url, b.vanity_url) "
    "FROM io_bookings b WHERE b.tenant_id = s.tenant_id AND b.io_id = s.io_id"
)

# Run on the stage before the upsert: a file without pacing_mode / daily_goal_impressions (or with
# them empty) keeps what the IO has; a new IO without a mode paces evenly.
KEEP_PACING = (
    "UPDATE import_stage s SET "
    "pacing_mode = coalesce(s.pacing_mode, (SELECT b.pacing_mode FROM io_bookings b "
    "WHERE b.tenant_id = s.tenant_id AND b.io_id = s.io_id), 'even'), "
    "daily_goal_impressions = coalesce(s.daily_goal_impressions, (SELECT b.daily_goal_impressions "
    "FROM io_bookings b WHERE b.tenant_id = s.tenant_id AND b.io_id = s.io_id))"
)

_MISSING = """
SELECT b.tenant_id, b.io_id, sh.slug, b.promo_code, b.vanity_url
FROM io_bookings b JOIN shows sh USING (tenant_id, show_id)
WHERE b.tenant_id IN (SELECT DISTINCT tenant_id FROM import_stage)
  AND (b.promo_code IS NULL OR b.vanity_url IS NULL)
"""
_TAKEN = """
SELECT tenant_id, promo_code, vanity_url FROM io_bookings
WHERE tenant_id = ANY(%s) AND (promo_code IS NOT NULL OR vanity_url IS NOT NULL)
"""
_FILL = (
    "UPDATE io_bookings SET promo_code = %s, vanity_url = %s, updated_at = now() WHERE tenant_id = %s AND io_id = %s"
)


def fill_missing_codes(
    conn: psycopg.Connection,
    import_id: int,  # noqa: ARG001 - Target.finalize hook signature
    vanity_domain: str = DEFAULT_VANITY_DOMAIN,
) -> int:
    """Give every IO of the imported tenants that lacks one a promo code and a vanity URL.

    Runs inside the import transaction, after the upsert (``Target.finalize``). Returns the number
    of IOs updated. Deterministic: the same stored IOs always get the same values. Vanity URLs are
    made on ``vanity_domain`` (the ``settings`` resource's ``vanity_domain``, bound with
    :func:`sponsor_pipeline.warehouse.targets.io_bookings_target`).
    """
    missing = conn.execute(_MISSING).fetchall()
    if not missing:
        return 0
    by_tenant: dict[str, list] = defaultdict(list)
    for row in missing:
        by_tenant[row[0]].append(row)
    codes: dict[str, set] = defaultdict(set)
    urls: dict[str, set] = defaultdict(set)
    for tenant, code, url in conn.execute(_TAKEN, (list(by_tenant),)).fetchall():
        if code:
            codes[tenant].add(code)
        if url:
            urls[tenant].add(url)
    updates = []
    for tenant, ios in sorted(by_tenant.items()):
        for io_id, (code, url) in assign_codes(ios, codes[tenant], urls[tenant], vanity_domain).items():
            updates.append((code, url, tenant, io_id))
    with conn.cursor() as cur:
        cur.executemany(_FILL, updates)
    return len(updates)
