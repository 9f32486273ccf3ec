"""io_verification_flags against hand-computed IOs: for every flag one IO that raises it and one that just
does not, through the real io_delivery, io_attribution and flags assets on the real database; the rules'
severities and thresholds directly; the evidence check shown failing."""

from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from sponsor_pipeline.defs.deals_io.assets import io_delivery
from sponsor_pipeline.defs.deals_io.checks import io_verification_flags_have_evidence
from sponsor_pipeline.defs.deals_io.responses import io_attribution
from sponsor_pipeline.defs.deals_io.verification import io_verification_flags
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.verification import EVIDENCE_KEYS, IoFacts, Thresholds, share_in_targets, verify_io
from sponsor_pipeline.vocabulary import VERIFICATION_FLAGS
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily

TENANT = "vf-net"
AS_OF = "2026-11-15"

# io_id: (episode of vf-main or None for run-of-show on show, show, flight start, flight end, booked,
#         status, promo code, vanity URL)
IOS = {
    # under_delivered: completed 11-01..11-10, 10,000 booked. 899 a day → 8,990 = 89.9 % (critical,
    # below 90 %); 1,000 a day → 10,000 = the booking: not flagged.
    "ud-short": ("vf-main-e01", "vf-main", "2026-11-01", "2026-11-10", 10_000, "completed", "UDS", "vf.test/uds"),
    "ud-full": ("vf-main-e02", "vf-main", "2026-11-01", "2026-11-10", 10_000, "completed", "UDF", "vf.test/udf"),
    # under_pacing: live 11-06..11-25 (20 days), 20,000 booked, even: on 11-15 (day 10) 10,000 expected.
    # 899 a day → 8,990, ratio 0.899 < 0.9 (warning, above 0.7); 900 a day → 9,000, ratio 0.9: not flagged.
    "up-behind": ("vf-main-e03", "vf-main", "2026-11-06", "2026-11-25", 20_000, "live", "UPB", "vf.test/upb"),
    "up-on": ("vf-main-e04", "vf-main", "2026-11-06", "2026-11-25", 20_000, "live", "UPO", "vf.test/upo"),
    # delivery_after_flight: live, 11-01..11-10, 1,000 booked, 100 a day in flight (delivered = booked);
    # af-late also logs 7 downloads on 11-11 (5 days before as-of: warning); af-clean nothing after.
    "af-late": ("vf-main-e05", "vf-main", "2026-11-01", "2026-11-10", 1_000, "live", "AFL", "vf.test/afl"),
    "af-clean": ("vf-main-e06", "vf-main", "2026-11-01", "2026-11-10", 1_000, "live", "AFC", "vf.test/afc"),
    # missing_promo_code: scheduled 11-20..11-30 without a code (flight not started: warning) / with one.
    "mp-none": ("vf-main-e07", "vf-main", "2026-11-20", "2026-11-30", 5_000, "scheduled", None, "vf.test/mpn"),
    "mp-set": ("vf-main-e08", "vf-main", "2026-11-20", "2026-11-30", 5_000, "scheduled", "MPS", "vf.test/mps"),
    # unused_promo_code / no_vanity_traffic (grace 14 days): rc-silent started 11-01, 14 days before
    # as-of, no order, no visit → both; rc-early started 11-02 (13 days) → neither; rc-used started
    # 11-01 with one order and 3 visits in its window → neither.
    "rc-silent": ("vf-main-e09", "vf-main", "2026-11-01", "2026-11-30", 5_000, "live", "RCS", "vf.test/rcs"),
    "rc-early": ("vf-main-e10", "vf-main", "2026-11-02", "2026-11-30", 5_000, "live", "RCE", "vf.test/rce"),
    "rc-used": ("vf-main-e11", "vf-main", "2026-11-01", "2026-11-30", 5_000, "live", "RCU", "vf.test/rcu"),
    # audience_outside_targets (campaign targets US; threshold 50 %): vf-global's listeners in the US
    # average (0.6 + 0.3998) / 2 = 0.4999 over its two sources → flagged (warning); vf-home's
    # (0.6 + 0.4) / 2 = 0.5 → not.
    # brand_safety_conflict (campaign accepts medium obscenity, low elsewhere): vf-global is high in
    # obscenity → flagged (warning: a tier above, not the floor); vf-home is medium → not.
    "geo-away": (None, "vf-global", "2026-11-20", "2026-12-20", 5_000, "scheduled", "GEA", "vf.test/gea"),
    "geo-home": (None, "vf-home", "2026-11-20", "2026-12-20", 5_000, "scheduled", "GEH", "vf.test/geh"),
}


def _days(start: str, end: str) -> list[date]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture
def network(conn):
    """A small network (tenant vf-net) holding the IOs above, their downloads and responses."""
    conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Verification Network')", (TENANT,))
    for show in ("vf-main", "vf-global", "vf-home"):
        conn.execute(
            "INSERT INTO shows (tenant_id, show_id, title, slug) VALUES (%s, %s, %s, %s)", (TENANT, show, show, show)
        )
    for n in range(1, 12):
        conn.execute(
            "INSERT INTO episodes (tenant_id, episode_id, show_id, title, published_at, duration_seconds) "
            "VALUES (%s, %s, 'vf-main', %s, '2026-10-30', 1800)",
            (TENANT, f"vf-main-e{n:02d}", f"Episode {n}"),
        )
    conn.execute("INSERT INTO advertisers (tenant_id, advertiser_id, name) VALUES (%s, 'vf-adv', 'Acme')", (TENANT,))
    conn.execute(
        "INSERT INTO campaigns (tenant_id, campaign_id, advertiser_id, name, stage) "
        "VALUES (%s, 'vf-cmp', 'vf-adv', 'Acme fall', 'won')",
        (TENANT,),
    )
    conn.execute(
        "INSERT INTO ad_units (tenant_id, ad_unit_id, name, position, duration_seconds, read_type) "
        "VALUES (%s, 'vf-mid', 'Mid-roll', 'mid_roll', 60, 'host_read')",
        (TENANT,),
    )
    for io_id, (episode, show, start, end, booked, status, code, url) in IOS.items():
        conn.execute(
            "INSERT INTO io_bookings (tenant_id, io_id, campaign_id, show_id, episode_id, ad_unit_id, flight_start, "
            "flight_end, booked_impressions, cpm, status, promo_code, vanity_url) "
            "VALUES (%s, %s, 'vf-cmp', %s, %s, 'vf-mid', %s, %s, %s, 25, %s, %s, %s)",
            (TENANT, io_id, show, episode, start, end, booked, status, code, url),
        )
    per_day = {"e01": 899, "e02": 1000, "e05": 100, "e06": 100}
    metrics = [(d, f"vf-main-{e}", n) for e, n in per_day.items() for d in _days("2026-11-01", "2026-11-10")]
    metrics += [(d, f"vf-main-{e}", n) for e, n in (("e03", 899), ("e04", 900)) for d in _days("2026-11-06", AS_OF)]
    metrics.append((date(2026, 11, 11), "vf-main-e05", 7))
    conn.cursor().executemany(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads) "
        "VALUES (%s, %s, 'vf-main', %s, 'megaphone', %s)",
        [(TENANT, d, e, n) for d, e, n in metrics],
    )
    # one order and 3 visits for rc-used, and for the IOs judged on other flags (so that their codes
    # and URLs, 14 days into the flight, are not unused)
    for n, io_id in enumerate(("rc-used", "ud-short", "ud-full", "af-late", "af-clean")):
        code, url = IOS[io_id][6:8]
        conn.execute(
            "INSERT INTO promo_redemptions (tenant_id, source, order_id, code, io_id, occurred_at, revenue, currency) "
            "VALUES (%s, 'generic', %s, %s, %s, '2026-11-05 10:00+00', 49.00, 'USD')",
            (TENANT, f"A-{n}", str(code).lower(), io_id),
        )
        conn.execute(
            "INSERT INTO vanity_visits (tenant_id, source, url, day, io_id, visits) "
            "VALUES (%s, 'generic', %s, '2026-11-06', %s, 3)",
            (TENANT, url, io_id),
        )
    conn.execute(
        "INSERT INTO campaign_targets (tenant_id, campaign_id, dimension, value) VALUES (%s, 'vf-cmp', 'country', 'US')",
        (TENANT,),
    )
    for show, apple_us in (("vf-global", 0.3998), ("vf-home", 0.4)):
        for source, us in (("spotify", 0.6), ("apple_podcasts", apple_us)):
            for bucket, share in (("US", us), ("GB", round(1 - us, 4))):
                conn.execute(
                    "INSERT INTO audience_profiles (tenant_id, show_id, source, dimension, bucket, share, as_of) "
                    "VALUES (%s, %s, %s, 'country', %s, %s, '2026-11-15')",
                    (TENANT, show, source, bucket, share),
                )
    conn.execute(
        "INSERT INTO campaign_brand_safety (tenant_id, campaign_id, garm_obscenity_profanity) VALUES (%s, 'vf-cmp', 'medium')",
        (TENANT,),
    )
    for show, level in (("vf-global", "high"), ("vf-home", "medium")):
        conn.execute(
            "INSERT INTO show_brand_safety (tenant_id, show_id, garm_obscenity_profanity) VALUES (%s, %s, %s)",
            (TENANT, show, level),
        )
    conn.commit()
    refresh_metrics_daily(conn)
    return conn


def _materialize(assets, postgres, run_config=None):
    result = dg.materialize(
        assets,
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config=run_config or {},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return result


def _flags(conn) -> dict[tuple[str, str], tuple[str, dict]]:
    return {
        (io, flag): (severity, evidence)
        for io, flag, severity, evidence in conn.execute(
            "SELECT io_id, flag, severity, evidence FROM io_verification_flags WHERE tenant_id = %s", (TENANT,)
        ).fetchall()
    }


def _run_all(postgres, as_of=AS_OF):
    _materialize([io_delivery], postgres, {"ops": {"io_delivery": {"config": {"as_of": as_of}}}})
    _materialize([io_attribution], postgres)
    return _materialize([io_verification_flags], postgres)


def test_each_flag_is_raised_by_one_io_and_just_not_by_its_twin(network, postgres):
    result = _run_all(postgres)
    flags = _flags(network)

    severity, evidence = flags[("ud-short", "under_delivered")]
    assert severity == "critical"
    assert evidence["delivered_impressions"] == 8_990 and evidence["shortfall"] == 1_010
    assert evidence["percent_delivered"] == 89.9
    assert not any(io == "ud-full" for io, _ in flags)  # delivered exactly its booking, nothing else wrong

    severity, evidence = flags[("up-behind", "under_pacing")]
    assert severity == "warning"
    assert (evidence["pacing_ratio"], evidence["expected_to_date"], evidence["pacing_mode"]) == (0.899, 10_000, "even")
    assert not any(io == "up-on" for io, _ in flags)  # ratio exactly 0.9

    severity, evidence = flags[("af-late", "delivery_after_flight")]
    assert severity == "warning"
    assert (evidence["impressions_after_flight"], evidence["days_after_flight_end"]) == (7, 5)
    assert evidence["last_day_with_impressions"] == "2026-11-11"
    assert not any(io in ("af-late", "af-clean") for io, f in flags if f != "delivery_after_flight")
    assert not any(io == "af-clean" for io, _ in flags)

    assert flags[("mp-none", "missing_promo_code")][0] == "warning"  # its flight starts 11-20
    assert ("mp-set", "missing_promo_code") not in flags

    for flag, count_key in (("unused_promo_code", "conversions"), ("no_vanity_traffic", "vanity_visits")):
        severity, evidence = flags[("rc-silent", flag)]
        assert severity == "warning" and evidence["days_since_flight_start"] == 14 and evidence[count_key] == 0
        assert ("rc-early", flag) not in flags  # 13 days
        assert ("rc-used", flag) not in flags  # one order, 3 visits

    severity, evidence = flags[("geo-away", "audience_outside_targets")]
    assert severity == "warning"
    assert evidence["share_in_targets"] == 0.4999 and evidence["target_countries"] == ["US"]
    assert ("geo-home", "audience_outside_targets") not in flags

    severity, evidence = flags[("geo-away", "brand_safety_conflict")]
    assert severity == "warning"
    assert evidence["categories"] == [
        {
            "category": "garm_obscenity_profanity",
            "label": "Obscenity and Profanity",
            "show_risk": "high",
            "accepted": "medium",
        }
    ]
    assert ("geo-home", "brand_safety_conflict") not in flags

    # every flag was raised at least once here, with a rule naming its threshold
    assert {f for _, f in flags} == set(VERIFICATION_FLAGS)
    metadata = result.asset_materializations_for_node("io_verification_flags")[0].metadata
    assert metadata["rows"].value == len(flags)
    assert metadata["flag_under_delivered"].value == 1
    assert "ud-short" in metadata["preview"].value
    rules = dict(
        network.execute(
            "SELECT DISTINCT flag, rule FROM io_verification_flags WHERE tenant_id = %s", (TENANT,)
        ).fetchall()
    )
    assert "90%" in rules["under_delivered"] and "0.90" in rules["under_pacing"] and "14" in rules["unused_promo_code"]
    assert "50%" in rules["audience_outside_targets"]


def test_a_rerun_replaces_the_tenants_flags(network, postgres):
    _run_all(postgres)
    network.execute("UPDATE io_bookings SET promo_code = 'MPN' WHERE io_id = 'mp-none'")
    network.commit()
    _materialize([io_verification_flags], postgres)
    assert ("mp-none", "missing_promo_code") not in _flags(network)


def test_the_evidence_check_fails_on_missing_evidence_and_on_stale_flags(network, postgres):
    _run_all(postgres)
    assert io_verification_flags_have_evidence(postgres=postgres).passed
    network.execute(
        "UPDATE io_verification_flags SET evidence = evidence - 'shortfall' "
        "WHERE io_id = 'ud-short' AND flag = 'under_delivered'"
    )
    network.commit()
    result = io_verification_flags_have_evidence(postgres=postgres)
    assert not result.passed
    assert result.metadata["sample_problems"].value == ["vf-net/ud-short/under_delivered: evidence lacks shortfall"]
    # io_delivery moves on a day and the flags are not recomputed: every flag is stale
    _materialize([io_verification_flags], postgres)
    _materialize([io_delivery], postgres, {"ops": {"io_delivery": {"config": {"as_of": "2026-11-16"}}}})
    result = io_verification_flags_have_evidence(postgres=postgres)
    assert not result.passed and result.metadata["problems"].value == len(_flags(network))


def test_flags_show_on_the_advertiser_dashboard_and_as_ops_alerts(network, postgres, tmp_path):
    from sponsor_pipeline.defs.dashboards.assets import advertiser_dashboard, ops_dashboard

    _run_all(postgres)
    config = {"config": {"reference_date": AS_OF, "plots_dir": str(tmp_path)}}
    result = _materialize(
        [advertiser_dashboard, ops_dashboard],
        postgres,
        {"ops": {"advertiser_dashboard": config, "ops_dashboard": config}},
    )
    flags = _flags(network)
    shown = dict(
        network.execute(
            "SELECT coalesce(io_id, 'campaign'), verification_flags FROM advertiser_dashboard WHERE tenant_id = %s",
            (TENANT,),
        ).fetchall()
    )
    assert shown["geo-away"] == ["audience_outside_targets", "brand_safety_conflict"]
    assert shown["geo-home"] == [] and shown["ud-full"] == []
    assert shown["campaign"] == sorted({f for _, f in flags})  # the campaign row: every flag of its IOs
    alerts = {
        (entity, alert_type): (severity, metric)
        for entity, alert_type, severity, metric in network.execute(
            "SELECT entity_id, alert_type, severity, metric FROM ops_alerts "
            "WHERE tenant_id = %s AND alert_type LIKE 'flag\\_%%'",
            (TENANT,),
        ).fetchall()
    }
    assert set(alerts) == {(io, f"flag_{flag}") for io, flag in flags}
    assert alerts[("ud-short", "flag_under_delivered")] == ("critical", Decimal("89.9000"))
    assert alerts[("geo-away", "flag_audience_outside_targets")] == ("warning", Decimal("0.4999"))
    advertiser = result.asset_materializations_for_node("advertiser_dashboard")[0].metadata
    assert advertiser["flagged_ios"].value == len({io for io, _ in flags})
    assert "### Verification flags" in advertiser["preview"].value
    ops = result.asset_materializations_for_node("ops_dashboard")[0].metadata
    assert ops["alerts_flag_under_delivered"].value == 1


# --- the rules directly: severities and the edges of each threshold ---------------------------------


def _io(**overrides) -> IoFacts:
    base = {
        "io_id": "io",
        "status": "live",
        "flight_start": date(2026, 11, 1),
        "flight_end": date(2026, 11, 30),
        "as_of": date(2026, 11, 10),
        "booked_impressions": 30_000,
        "delivered_impressions": 10_000,
        "expected_to_date": 10_000.0,
        "pacing_ratio": 1.0,
        "pacing_mode": "even",
        "promo_code": "CODE",
        "vanity_url": "x.test/code",
        "conversions": 1,
        "vanity_visits": 1,
    }
    return IoFacts(**{**base, **overrides})


def _names(io: IoFacts, thresholds: Thresholds | None = None) -> dict[str, str]:
    return {f.flag: f.severity for f in verify_io(io, thresholds or Thresholds())}


def test_severities_follow_the_stated_thresholds():
    done = {"status": "completed", "as_of": date(2026, 12, 1)}
    assert _names(_io(**done, delivered_impressions=27_000)) == {"under_delivered": "warning"}  # 90 % exactly
    assert _names(_io(**done, delivered_impressions=26_999)) == {"under_delivered": "critical"}
    assert _names(_io(pacing_ratio=0.7)) == {"under_pacing": "warning"}
    assert _names(_io(pacing_ratio=0.6999)) == {"under_pacing": "critical"}
    assert _names(_io(promo_code=" ")) == {"missing_promo_code": "critical"}  # the flight has started
    # a whole flight over without one order: critical; a cancelled or draft IO is never judged
    over = _io(status="completed", as_of=date(2026, 12, 5), delivered_impressions=30_000, conversions=0)
    assert _names(over) == {"unused_promo_code": "critical"}
    assert _names(_io(status="cancelled", promo_code=None, pacing_ratio=0.1)) == {}
    assert _names(_io(status="draft", promo_code=None)) == {}
    # run after the flight end: warning up to 7 days after it, critical after
    late = {"flight_end": date(2026, 11, 5), "impressions_after_flight": 1, "delivered_impressions": 30_000}
    assert _names(_io(**late, as_of=date(2026, 11, 12)))["delivery_after_flight"] == "warning"
    assert _names(_io(**late, as_of=date(2026, 11, 13)))["delivery_after_flight"] == "critical"


def test_brand_safety_floor_and_explicit_content_are_critical_and_unassessed_shows_are_not_judged():
    floor = _io(show_risk={"garm_terrorism": "floor"}, accepted_risk=None)
    assert _names(floor) == {"brand_safety_conflict": "critical"}
    explicit = _io(show_risk={"garm_terrorism": "none"}, show_explicit=True, excludes_explicit=True)
    assert _names(explicit) == {"brand_safety_conflict": "critical"}
    # no campaign row: the column default (low) is what it accepts
    assert _names(_io(show_risk={"garm_terrorism": "medium"})) == {"brand_safety_conflict": "warning"}
    assert _names(_io(show_risk={"garm_terrorism": "low"})) == {}
    assert _names(_io(show_risk=None, show_explicit=True, excludes_explicit=True)) == {}


def test_audience_share_averages_normalised_sources_and_needs_targets_and_a_profile():
    shares = {"spotify": {"US": 30.0, "GB": 70.0}, "apple_podcasts": {"US": 0.0, "GB": 1.0}}
    assert share_in_targets(shares, frozenset({"US"})) == pytest.approx(0.15)
    assert share_in_targets({}, frozenset({"US"})) is None
    away = _io(audience_country_shares={"spotify": {"GB": 1.0}}, target_countries=frozenset({"US"}))
    assert _names(away) == {"audience_outside_targets": "critical"}  # none in the targets
    assert _names(_io(audience_country_shares={"spotify": {"GB": 1.0}})) == {}  # no country targets
    assert _names(_io(target_countries=frozenset({"US"}))) == {}  # no audience profile


def test_thresholds_are_validated_and_every_flag_names_its_evidence():
    with pytest.raises(ValueError, match="critical_pacing_ratio"):
        Thresholds(critical_pacing_ratio=0.95)
    with pytest.raises(ValueError, match="response_grace_days"):
        Thresholds(response_grace_days=-1)
    assert tuple(EVIDENCE_KEYS) == VERIFICATION_FLAGS
    # a shorter grace period flags rc-early-like IOs sooner
    quiet = _io(as_of=date(2026, 11, 4), conversions=0)
    assert "unused_promo_code" not in _names(quiet)
    assert _names(quiet, Thresholds(response_grace_days=3)) == {"unused_promo_code": "warning"}
