"""Owns the field's vocabulary: the enumerations and default thresholds every other module imports.

Pure Python (no Dagster, no database, no pandas). Schemas validate against these tuples, SQL-writing
code binds them as parameters, scoring and dashboards read their thresholds here, and Dagster
resources derive their defaults from them, so one change here reaches every reader.

Glossary:

* **Deal stage** — where a sponsorship deal (a ``campaigns`` row) stands in the sales pipeline:
  lead → qualified → proposal → negotiation → won / lost.
* **IO status** — the life of an insertion order (``io_bookings`` row): draft → scheduled → live
  (→ paused) → completed, or cancelled.
* **GARM** — the Global Alliance for Responsible Media's Brand Safety Floor + Suitability Framework
  (2022 edition): twelve content categories, each rated by risk. GARM was discontinued in August 2024;
  its categories remain the industry's brand-safety vocabulary.
* **Age bands / genders** — the audience buckets Spotify for Podcasters reports
  (``ageFacetedCounts``); every other platform's bands are mapped onto these.
* **Pacing ratio** — delivered ÷ expected-to-date impressions of a running IO (``pacing.py``).
* **Pacing mode** — the plan an IO's delivery follows: even, front-loaded, as fast as possible, or
  a daily goal (``pacing.py``).
* **Attribution window** — flight start to flight end + N days: the responses (promo-code
  redemptions, vanity-URL visits) counted for an IO (``attribution.py``).
"""

from __future__ import annotations

# --- Deals -----------------------------------------------------------------------------------
# The sales pipeline in order. won and lost are the two closing outcomes.
OPEN_DEAL_STAGES: tuple[str, ...] = ("lead", "qualified", "proposal", "negotiation")
CLOSED_DEAL_STAGES: tuple[str, ...] = ("won", "lost")
DEAL_STAGES: tuple[str, ...] = OPEN_DEAL_STAGES + CLOSED_DEAL_STAGES

# --- Insertion orders --------------------------------------------------------------------------
IO_STATUSES: tuple[str, ...] = ("draft", "scheduled", "live", "paused", "completed", "cancelled")
# Statuses that hold a show's inventory and count as booked impressions.
COMMITTED_IO_STATUSES: tuple[str, ...] = ("scheduled", "live", "paused", "completed")
# Committed statuses whose flight is still to run or running: they hold the show's future inventory,
# their advertiser is an active sponsor, and their pacing is watched.
RUNNING_IO_STATUSES: tuple[str, ...] = ("scheduled", "live", "paused")
# Statuses after which nothing more is delivered (a completed IO may still owe a make-good).
CLOSED_IO_STATUSES: tuple[str, ...] = ("completed", "cancelled")
# Statuses whose outcome counts as an advertiser's history with a show (historical lift).
HISTORY_IO_STATUSES: tuple[str, ...] = ("completed",)
AD_POSITIONS: tuple[str, ...] = ("pre_roll", "mid_roll", "post_roll")
READ_TYPES: tuple[str, ...] = ("host_read", "announcer_read", "programmatic")

# --- Pacing --------------------------------------------------------------------------------------
# A running IO whose pacing ratio (delivered ÷ expected to date) is below this is under-pacing: at
# risk of under-delivery, the common 90 % pacing floor of IO make-good clauses.
UNDER_PACING_RATIO: float = 0.9
# How an IO is meant to spread its booked impressions over the flight (``io_bookings.pacing_mode``);
# each mode's expected-to-date curve is defined in pacing.py. Google Ad Manager's DeliveryRateType
# names the first three (EVENLY, FRONTLOADED, AS_FAST_AS_POSSIBLE); a daily goal IO states its goal.
PACING_MODES: tuple[str, ...] = ("even", "front_loaded", "asap", "daily_goal")
DEFAULT_PACING_MODE: str = "even"
# Front-loaded plan (Megaphone's "Front Loaded" order pacing): 25 % over the even daily rate while
# less than half of the booked impressions are delivered, then the rest evenly.
FRONT_LOADED_BOOST: float = 1.25
FRONT_LOADED_UNTIL_SHARE: float = 0.5

# Below this pacing ratio an under-pacing IO is critical rather than a warning: at 70 % of its plan
# to date, catching up would need every remaining day at well over its planned rate (ops alerts and
# the under_pacing verification flag share it).
CRITICAL_PACING_RATIO: float = 0.7

# --- Attribution -----------------------------------------------------------------------------------
# Days after flight end during which a promo-code redemption or a vanity-URL visit still counts for
# the IO, unless the campaign says otherwise (``campaigns.attribution_window_days``).
DEFAULT_ATTRIBUTION_WINDOW_DAYS: int = 30
MAX_ATTRIBUTION_WINDOW_DAYS: int = 365
# Where redemptions and visits come from (``promo_redemptions.source``, ``vanity_visits.source``).
REDEMPTION_SOURCES: tuple[str, ...] = ("shopify", "generic")
VISIT_SOURCES: tuple[str, ...] = ("plausible", "ga4", "generic")
# The currency of IO CPMs and spend (schemas.py: cpm is USD per 1,000 impressions).
SPEND_CURRENCY: str = "USD"

# --- Verification flags ------------------------------------------------------------------------------
# What a sponsor would question about an IO (``io_verification_flags.flag``); each rule, its
# threshold and its evidence are in verification.py.
VERIFICATION_FLAGS: tuple[str, ...] = (
    "under_delivered",
    "under_pacing",
    "missing_promo_code",
    "unused_promo_code",
    "no_vanity_traffic",
    "audience_outside_targets",
    "brand_safety_conflict",
    "delivery_after_flight",
)
VERIFICATION_SEVERITIES: tuple[str, ...] = ("warning", "critical")
# A finished IO that delivered less than its booking owes a make-good (pacing.py); below this share of
# the booking the shortfall is critical — the same 90 % floor as UNDER_PACING_RATIO.
UNDER_DELIVERY_CRITICAL_RATIO: float = 0.9
# Flight days after which a promo code without one redemption, or a vanity URL without one visit, is
# flagged (settings: SPONSOR_RESPONSE_GRACE_DAYS). Two weeks: an episode earns most of its downloads
# in its first 7 days (the IAB 7-day download window episodes are compared on), and listeners act on
# the ad some days after hearing it.
RESPONSE_GRACE_DAYS: int = 14
# Share of a show's listeners (country dimension of audience_profiles, each source normalised then
# averaged, as the geo_overlap match signal does) that must be in the campaign's target countries;
# below it the IO is audience_outside_targets, critical when none is.
AUDIENCE_IN_TARGETS_MIN_SHARE: float = 0.5

# --- Brand safety (GARM) -------------------------------------------------------------------------
# Twelve categories: (column name in show_brand_safety / campaign_brand_safety, GARM's label).
GARM_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("garm_adult_sexual", "Adult & Explicit Sexual Content"),
    ("garm_arms_ammunition", "Arms & Ammunition"),
    ("garm_crime_harmful_acts", "Crime & Harmful Acts to Individuals and Society"),
    ("garm_death_injury_conflict", "Death, Injury or Military Conflict"),
    ("garm_online_piracy", "Online Piracy"),
    ("garm_hate_speech", "Hate Speech & Acts of Aggression"),
    ("garm_obscenity_profanity", "Obscenity and Profanity"),
    ("garm_drugs_alcohol_tobacco", "Illegal Drugs / Tobacco / e-Cigarettes / Vaping / Alcohol"),
    ("garm_spam_harmful", "Spam or Harmful Content"),
    ("garm_terrorism", "Terrorism"),
    ("garm_sensitive_social_issues", "Debated Sensitive Social Issues"),
    ("garm_misinformation", "Misinformation"),
)
GARM_COLUMNS: tuple[str, ...] = tuple(column for column, _ in GARM_CATEGORIES)
# Risk levels in ascending order (ordinal 0 .. 4): "none" = no such content; "floor" = content no
# advertiser may appear beside (GARM's Brand Safety Floor).
GARM_RISK_LEVELS: tuple[str, ...] = ("none", "low", "medium", "high", "floor")
GARM_FLOOR: str = GARM_RISK_LEVELS[-1]
GARM_RISK_RANK: dict[str, int] = {level: rank for rank, level in enumerate(GARM_RISK_LEVELS)}
# The highest risk a campaign accepts when it says nothing (campaign_brand_safety's column default).
DEFAULT_ACCEPTED_RISK: str = "low"
# What a campaign may accept: every level but the floor, which no campaign can accept.
ACCEPTABLE_RISK_LEVELS: tuple[str, ...] = tuple(level for level in GARM_RISK_LEVELS if level != GARM_FLOOR)

# --- Audience --------------------------------------------------------------------------------------
AGE_BANDS: tuple[str, ...] = ("0-17", "18-22", "23-27", "28-34", "35-44", "45-59", "60+")
GENDERS: tuple[str, ...] = ("female", "male", "non_binary", "not_specified")
# audience_profiles bucket of the age_gender dimension: "<age band>|<gender>".
AGE_GENDER_CELLS: tuple[str, ...] = tuple(f"{age}|{gender}" for age in AGE_BANDS for gender in GENDERS)
# audience_profiles dimensions: country shares, age × gender cells, and the marginal shares a platform
# reports for one dimension alone (Anchor's playsByAgeRange / playsByGender): bucket = an age band or
# a gender. Matchmaking builds cells from a source's two marginals only when the source has no cells.
AUDIENCE_DIMENSIONS: tuple[str, ...] = ("country", "age_gender", "age_band", "gender")
# show_audience_size metrics: accounts following the show on a platform (Spotify, Apple), and Anchor's
# estimated audience size.
AUDIENCE_SIZE_METRICS: tuple[str, ...] = ("followers", "audience_size")
# A day-over-day change of a show's follower count or audience size larger than this share of the
# previous value is flagged by the show_audience_size_plausible check (a unit or show mix-up, or a
# platform restatement), not rejected.
MAX_AUDIENCE_SIZE_DAILY_CHANGE: float = 0.5
TARGET_DIMENSIONS: tuple[str, ...] = ("country", "age_band", "gender", "topic")
# Where a show_topics row comes from: IAB's Podcast Genre Mapping of the Apple genre, or an editor.
SHOW_TOPIC_SOURCES: tuple[str, ...] = ("apple_genre", "editorial")
