-- 0013_column_comments: a description of every column of the business tables, in the field's terms
-- (downloads, listeners, IO, flight, CPM, pacing, make-good, GARM, IAB). They are what the Dagster
-- catalogue shows as each table asset's column schema (sponsor_pipeline/warehouse/table_catalogue.py)
-- and what `\d+` shows in psql. Units are stated where a column has one; money is USD.
-- Idempotent: COMMENT ON replaces the previous text.
-- depends: 0010_data_points

-- tenants
COMMENT ON COLUMN tenants.tenant_id IS 'Tenant (podcast network) id: lower-case slug; every business row carries it and row-level security filters on it.';
COMMENT ON COLUMN tenants.name IS 'Display name of the podcast network.';
COMMENT ON COLUMN tenants.created_at IS 'When the tenant was first loaded.';

-- shows
COMMENT ON COLUMN shows.tenant_id IS 'Tenant (podcast network) owning the show.';
COMMENT ON COLUMN shows.show_id IS 'Show id, unique within the tenant.';
COMMENT ON COLUMN shows.title IS 'Show title as listeners see it.';
COMMENT ON COLUMN shows.slug IS 'URL slug of the show, unique within the tenant (lower-case, digits, hyphens).';
COMMENT ON COLUMN shows.apple_genre IS 'Apple Podcasts category of the show; mapped to IAB Content Taxonomy 3.1 topics for matchmaking.';
COMMENT ON COLUMN shows.explicit IS 'The show is flagged explicit (itunes:explicit); campaigns may exclude explicit shows.';
COMMENT ON COLUMN shows.language IS 'Language of the show (BCP 47 tag, e.g. en, de).';
COMMENT ON COLUMN shows.description IS 'Show description (free text).';
COMMENT ON COLUMN shows.updated_at IS 'When the row was last written by an import.';
COMMENT ON COLUMN shows.feed_url IS 'URL of the show''s RSS feed, read by the episode catalogue.';
COMMENT ON COLUMN shows.feed_etag IS 'ETag of the last successful feed fetch, sent as If-None-Match (conditional GET).';
COMMENT ON COLUMN shows.feed_last_modified IS 'Last-Modified of the last successful feed fetch, sent as If-Modified-Since.';
COMMENT ON COLUMN shows.feed_fetched_at IS 'When the feed was last fetched successfully (200 or 304).';

-- episodes
COMMENT ON COLUMN episodes.tenant_id IS 'Tenant (podcast network) owning the episode.';
COMMENT ON COLUMN episodes.episode_id IS 'Episode id, unique within the tenant.';
COMMENT ON COLUMN episodes.show_id IS 'Show the episode belongs to.';
COMMENT ON COLUMN episodes.title IS 'Episode title.';
COMMENT ON COLUMN episodes.published_at IS 'Day the episode was published.';
COMMENT ON COLUMN episodes.duration_seconds IS 'Running time in seconds (NULL when the feed gives no itunes:duration).';
COMMENT ON COLUMN episodes.ad_slots IS 'Ad slots (pre/mid/post-roll breaks) the episode offers for sale.';
COMMENT ON COLUMN episodes.updated_at IS 'When the row was last written by an import or the episode catalogue.';
COMMENT ON COLUMN episodes.guid IS 'RSS item GUID; the episode catalogue upserts by (tenant, show, GUID).';
COMMENT ON COLUMN episodes.enclosure_url IS 'URL of the audio file (RSS enclosure); its downloads are what hosts count.';
COMMENT ON COLUMN episodes.enclosure_bytes IS 'Size of the audio file in bytes, as the RSS enclosure states it.';
COMMENT ON COLUMN episodes.season IS 'Season number (itunes:season / podcast:season).';
COMMENT ON COLUMN episodes.episode_number IS 'Episode number within the season (itunes:episode / podcast:episode).';
COMMENT ON COLUMN episodes.published_time IS 'Publication time from the feed (pubDate), with time zone.';

-- advertisers
COMMENT ON COLUMN advertisers.tenant_id IS 'Tenant (podcast network) selling to the advertiser.';
COMMENT ON COLUMN advertisers.advertiser_id IS 'Advertiser (brand) id, unique within the tenant.';
COMMENT ON COLUMN advertisers.name IS 'Advertiser (brand) name.';
COMMENT ON COLUMN advertisers.category IS 'IAB Content Taxonomy 3.1 unique id of the advertiser''s vertical.';
COMMENT ON COLUMN advertisers.domain IS 'Web domain of the advertiser.';
COMMENT ON COLUMN advertisers.updated_at IS 'When the row was last written by an import.';

-- campaigns
COMMENT ON COLUMN campaigns.tenant_id IS 'Tenant (podcast network) running the deal.';
COMMENT ON COLUMN campaigns.campaign_id IS 'Campaign (deal) id, unique within the tenant.';
COMMENT ON COLUMN campaigns.advertiser_id IS 'Advertiser buying the campaign.';
COMMENT ON COLUMN campaigns.name IS 'Campaign name.';
COMMENT ON COLUMN campaigns.stage IS 'Deal stage: lead, qualified, proposal, negotiation, won or lost.';
COMMENT ON COLUMN campaigns.stage_changed_at IS 'When the deal last changed stage (the deal-stage sensor reacts to it).';
COMMENT ON COLUMN campaigns.flight_start IS 'First day the campaign''s ads may run (flight start).';
COMMENT ON COLUMN campaigns.flight_end IS 'Last day the campaign''s ads may run (flight end, inclusive).';
COMMENT ON COLUMN campaigns.budget IS 'Campaign budget, USD.';
COMMENT ON COLUMN campaigns.target_cpm IS 'CPM the advertiser aims to pay: USD per 1,000 impressions.';
COMMENT ON COLUMN campaigns.impressions_goal IS 'Impressions (downloads carrying the ad) the campaign aims to buy.';
COMMENT ON COLUMN campaigns.updated_at IS 'When the row was last written by an import.';

-- ad_units
COMMENT ON COLUMN ad_units.tenant_id IS 'Tenant (podcast network) selling the ad unit.';
COMMENT ON COLUMN ad_units.ad_unit_id IS 'Ad unit id, unique within the tenant.';
COMMENT ON COLUMN ad_units.name IS 'Ad unit name as sold (e.g. 60 s host-read mid-roll).';
COMMENT ON COLUMN ad_units.position IS 'Placement in the episode: pre_roll, mid_roll or post_roll.';
COMMENT ON COLUMN ad_units.duration_seconds IS 'Length of the ad spot in seconds.';
COMMENT ON COLUMN ad_units.read_type IS 'Who reads the ad: host_read, announcer_read or programmatic (dynamically inserted).';
COMMENT ON COLUMN ad_units.updated_at IS 'When the row was last written by an import.';

-- io_bookings
COMMENT ON COLUMN io_bookings.tenant_id IS 'Tenant (podcast network) that signed the insertion order.';
COMMENT ON COLUMN io_bookings.io_id IS 'Insertion order (IO) id, unique within the tenant.';
COMMENT ON COLUMN io_bookings.campaign_id IS 'Campaign the IO books inventory for.';
COMMENT ON COLUMN io_bookings.show_id IS 'Show the IO runs on.';
COMMENT ON COLUMN io_bookings.episode_id IS 'Episode the IO runs in; NULL for a run-of-show IO (every episode of the show in the flight).';
COMMENT ON COLUMN io_bookings.ad_unit_id IS 'Ad unit booked (placement, length, read type).';
COMMENT ON COLUMN io_bookings.flight_start IS 'First day of the IO''s flight.';
COMMENT ON COLUMN io_bookings.flight_end IS 'Last day of the IO''s flight (inclusive).';
COMMENT ON COLUMN io_bookings.booked_impressions IS 'Impressions booked: downloads carrying the ad the network promises to deliver in the flight.';
COMMENT ON COLUMN io_bookings.cpm IS 'Price per 1,000 impressions, USD (cost = impressions × CPM / 1000).';
COMMENT ON COLUMN io_bookings.status IS 'IO status: draft, scheduled, live, paused, completed or cancelled.';
COMMENT ON COLUMN io_bookings.promo_code IS 'Promo code read in the ad, unique within the tenant; its redemptions measure direct response.';
COMMENT ON COLUMN io_bookings.vanity_url IS 'Vanity URL read in the ad, unique within the tenant; its visits measure direct response.';
COMMENT ON COLUMN io_bookings.created_at IS 'When the IO was first loaded.';
COMMENT ON COLUMN io_bookings.updated_at IS 'When the row was last written by an import.';

-- io_responses
COMMENT ON COLUMN io_responses.tenant_id IS 'Tenant (podcast network) of the IO.';
COMMENT ON COLUMN io_responses.io_id IS 'Insertion order (IO) the response is attributed to.';
COMMENT ON COLUMN io_responses.day IS 'Day of the redemptions and visits.';
COMMENT ON COLUMN io_responses.promo_redemptions IS 'Promo-code redemptions reported by the advertiser that day.';
COMMENT ON COLUMN io_responses.vanity_visits IS 'Visits to the IO''s vanity URL that day.';

-- audience_profiles
COMMENT ON COLUMN audience_profiles.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN audience_profiles.show_id IS 'Show whose audience is described.';
COMMENT ON COLUMN audience_profiles.source IS 'Who reported the figures: a platform (spotify, apple, the host, anchor) or survey.';
COMMENT ON COLUMN audience_profiles.dimension IS 'What the bucket splits: country or age_gender.';
COMMENT ON COLUMN audience_profiles.bucket IS 'ISO 3166-1 alpha-2 country (ZZ = unknown), or <age band>|<gender> with Spotify''s age bands.';
COMMENT ON COLUMN audience_profiles.share IS 'Share of the show''s listeners in the bucket, 0 to 1.';
COMMENT ON COLUMN audience_profiles.listeners IS 'Listeners in the bucket, when the source reports absolute counts.';
COMMENT ON COLUMN audience_profiles.as_of IS 'Last day the figures cover.';
COMMENT ON COLUMN audience_profiles.import_id IS 'etl_imports row that loaded the figures.';
COMMENT ON COLUMN audience_profiles.updated_at IS 'When the row was last written by an import.';

-- show_topics
COMMENT ON COLUMN show_topics.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN show_topics.show_id IS 'Show the topic describes.';
COMMENT ON COLUMN show_topics.topic_id IS 'IAB Content Taxonomy 3.1 unique id of the topic.';
COMMENT ON COLUMN show_topics.source IS 'apple_genre (mapped from the Apple genre through IAB''s podcast genre mapping) or editorial (set by sales).';
COMMENT ON COLUMN show_topics.updated_at IS 'When the row was last written by an import.';

-- listener_metrics
COMMENT ON COLUMN listener_metrics.tenant_id IS 'Tenant (podcast network) the figures belong to.';
COMMENT ON COLUMN listener_metrics.day IS 'Calendar day the figures cover (the source''s reporting day).';
COMMENT ON COLUMN listener_metrics.show_id IS 'Show measured.';
COMMENT ON COLUMN listener_metrics.episode_id IS 'Episode measured; NULL for a show-level series.';
COMMENT ON COLUMN listener_metrics.source IS 'Reporting source: hosting platform, Spotify, Apple, Anchor or a sheet (lower-case name).';
COMMENT ON COLUMN listener_metrics.downloads IS 'Downloads that day (IAB v2.2 qualified downloads as the source counts them); NULL = not reported by this source.';
COMMENT ON COLUMN listener_metrics.listeners IS 'Unique listeners that day as the source counts them; NULL = not reported.';
COMMENT ON COLUMN listener_metrics.listen_seconds IS 'Seconds listened that day, summed over listeners; NULL = not reported.';
COMMENT ON COLUMN listener_metrics.import_id IS 'etl_imports row (file, sheet or payload) that loaded the row.';
COMMENT ON COLUMN listener_metrics.loaded_at IS 'When the row was last written.';

-- metrics_daily (materialized view over listener_metrics)
COMMENT ON COLUMN metrics_daily.tenant_id IS 'Tenant (podcast network) the figures belong to.';
COMMENT ON COLUMN metrics_daily.day IS 'Calendar day the figures cover.';
COMMENT ON COLUMN metrics_daily.show_id IS 'Show measured.';
COMMENT ON COLUMN metrics_daily.episode_id IS 'Episode measured; NULL for the show-level series.';
COMMENT ON COLUMN metrics_daily.source IS 'Reporting source (hosting platform, Spotify, Apple, Anchor, sheet).';
COMMENT ON COLUMN metrics_daily.downloads IS 'Downloads that day, summed over listener_metrics rows of the key; delivered impressions are counted from it.';
COMMENT ON COLUMN metrics_daily.listeners IS 'Unique listeners that day, summed over listener_metrics rows of the key.';
COMMENT ON COLUMN metrics_daily.listen_seconds IS 'Seconds listened that day, summed over listener_metrics rows of the key.';
COMMENT ON COLUMN tenant_metrics_daily.tenant_id IS 'Tenant of the session (app.tenant_id); the view shows only its rows.';
COMMENT ON COLUMN tenant_metrics_daily.day IS 'Calendar day the figures cover.';
COMMENT ON COLUMN tenant_metrics_daily.show_id IS 'Show measured.';
COMMENT ON COLUMN tenant_metrics_daily.episode_id IS 'Episode measured; NULL for the show-level series.';
COMMENT ON COLUMN tenant_metrics_daily.source IS 'Reporting source (hosting platform, Spotify, Apple, Anchor, sheet).';
COMMENT ON COLUMN tenant_metrics_daily.downloads IS 'Downloads that day (metrics_daily.downloads).';
COMMENT ON COLUMN tenant_metrics_daily.listeners IS 'Unique listeners that day (metrics_daily.listeners).';
COMMENT ON COLUMN tenant_metrics_daily.listen_seconds IS 'Seconds listened that day (metrics_daily.listen_seconds).';

-- io_delivery
COMMENT ON COLUMN io_delivery.tenant_id IS 'Tenant (podcast network) of the IO.';
COMMENT ON COLUMN io_delivery.io_id IS 'Insertion order (IO) measured.';
COMMENT ON COLUMN io_delivery.campaign_id IS 'Campaign of the IO.';
COMMENT ON COLUMN io_delivery.show_id IS 'Show the IO runs on.';
COMMENT ON COLUMN io_delivery.episode_id IS 'Episode of the IO; NULL for a run-of-show IO.';
COMMENT ON COLUMN io_delivery.status IS 'IO status when computed (draft, scheduled, live, paused, completed, cancelled).';
COMMENT ON COLUMN io_delivery.flight_start IS 'First day of the IO''s flight.';
COMMENT ON COLUMN io_delivery.flight_end IS 'Last day of the IO''s flight (inclusive).';
COMMENT ON COLUMN io_delivery.as_of IS 'Last day of metrics counted.';
COMMENT ON COLUMN io_delivery.booked_impressions IS 'Impressions booked on the IO.';
COMMENT ON COLUMN io_delivery.delivered_impressions IS 'Impressions delivered in the flight up to as_of: downloads of the IO''s episode (or the show for run-of-show), IAB v2.2.';
COMMENT ON COLUMN io_delivery.percent_delivered IS 'delivered / booked × 100.';
COMMENT ON COLUMN io_delivery.expected_to_date IS 'Impressions expected by as_of under even pacing: booked × elapsed flight days / flight days.';
COMMENT ON COLUMN io_delivery.pacing_ratio IS 'delivered / expected to date (1.0 = on pace); NULL before the flight starts.';
COMMENT ON COLUMN io_delivery.projected_delivery IS 'Impressions projected at flight end at the current pace.';
COMMENT ON COLUMN io_delivery.make_good_impressions IS 'Make-good owed: impressions short of booked when a completed IO under-delivered (0 otherwise).';
COMMENT ON COLUMN io_delivery.cpm IS 'Booked CPM of the IO, USD per 1,000 impressions.';
COMMENT ON COLUMN io_delivery.computed_at IS 'When the io_delivery asset computed the row.';

-- io_documents
COMMENT ON COLUMN io_documents.tenant_id IS 'Tenant (podcast network) of the IO.';
COMMENT ON COLUMN io_documents.io_id IS 'Insertion order (IO) the PDF documents.';
COMMENT ON COLUMN io_documents.fingerprint IS 'sha256 of the IO row and the names it prints; the PDF is rendered again only when it changes.';
COMMENT ON COLUMN io_documents.path IS 'Path of the PDF under the IO documents folder.';
COMMENT ON COLUMN io_documents.bytes IS 'Size of the PDF in bytes.';
COMMENT ON COLUMN io_documents.rendered_at IS 'When the PDF was last rendered.';

-- matches
COMMENT ON COLUMN matches.tenant_id IS 'Tenant (podcast network) of the show and campaign.';
COMMENT ON COLUMN matches.show_id IS 'Show scored.';
COMMENT ON COLUMN matches.campaign_id IS 'Open campaign (stage not won or lost) the show is scored for.';
COMMENT ON COLUMN matches.score IS 'Fit of the show for the campaign, 0 to 100: weighted signals, gated by brand safety.';
COMMENT ON COLUMN matches.signals IS 'Details of each signal (JSON): inputs and intermediate values behind the signal columns.';
COMMENT ON COLUMN matches.weights IS 'Signal weights used for the score (JSON).';
COMMENT ON COLUMN matches.rationale IS 'Readable reasons for the score (strongest signals, brand-safety conflicts).';
COMMENT ON COLUMN matches.input_fingerprint IS 'Hash of the inputs the score was computed from; unchanged inputs leave the row untouched.';
COMMENT ON COLUMN matches.computed_at IS 'When the score was computed.';
COMMENT ON COLUMN matches.geo_overlap IS 'Geo signal, 0 to 1: overlap of the show''s listener countries with the campaign''s target countries.';
COMMENT ON COLUMN matches.demographic_overlap IS 'Demographic signal, 0 to 1: overlap of the show''s age band × gender shares with the campaign''s targets.';
COMMENT ON COLUMN matches.topic_overlap IS 'Topic signal, 0 to 1: overlap of the show''s IAB topics with the campaign''s target topics.';
COMMENT ON COLUMN matches.historical_lift IS 'Historical lift signal, 0 to 1: past delivery and direct response of the advertiser''s IOs on the show.';
COMMENT ON COLUMN matches.inventory_fit IS 'Inventory signal, 0 to 1: unsold ad slots and downloads in the campaign''s flight against its impressions goal.';
COMMENT ON COLUMN matches.brand_safety IS 'Brand-safety signal, 0 to 1: the show''s GARM risk levels against what the campaign accepts.';
COMMENT ON COLUMN matches.brand_safety_conflict IS 'The show exceeds the campaign''s GARM limits (or is explicit where excluded); the score is gated.';

-- show_brand_safety: each garm_* column is the risk level of the show's content in one GARM category
COMMENT ON COLUMN show_brand_safety.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN show_brand_safety.show_id IS 'Show assessed.';
COMMENT ON COLUMN show_brand_safety.garm_adult_sexual IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: adult and explicit sexual content.';
COMMENT ON COLUMN show_brand_safety.garm_arms_ammunition IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: arms and ammunition.';
COMMENT ON COLUMN show_brand_safety.garm_crime_harmful_acts IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: crime and harmful acts to individuals and society.';
COMMENT ON COLUMN show_brand_safety.garm_death_injury_conflict IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: death, injury or military conflict.';
COMMENT ON COLUMN show_brand_safety.garm_online_piracy IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: online piracy.';
COMMENT ON COLUMN show_brand_safety.garm_hate_speech IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: hate speech and acts of aggression.';
COMMENT ON COLUMN show_brand_safety.garm_obscenity_profanity IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: obscenity and profanity.';
COMMENT ON COLUMN show_brand_safety.garm_drugs_alcohol_tobacco IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: illegal drugs, tobacco, e-cigarettes, vaping, alcohol.';
COMMENT ON COLUMN show_brand_safety.garm_spam_harmful IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: spam or harmful content.';
COMMENT ON COLUMN show_brand_safety.garm_terrorism IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: terrorism.';
COMMENT ON COLUMN show_brand_safety.garm_sensitive_social_issues IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: debated sensitive social issues.';
COMMENT ON COLUMN show_brand_safety.garm_misinformation IS 'GARM risk level (floor, high, medium, low, none) of the show''s content: misinformation.';
COMMENT ON COLUMN show_brand_safety.assessed_on IS 'Day the show''s content was last assessed.';
COMMENT ON COLUMN show_brand_safety.updated_at IS 'When the row was last written by an import.';

-- campaign_brand_safety: each garm_* column is the highest risk level the campaign accepts
COMMENT ON COLUMN campaign_brand_safety.tenant_id IS 'Tenant (podcast network) of the campaign.';
COMMENT ON COLUMN campaign_brand_safety.campaign_id IS 'Campaign whose suitability limits are stated.';
COMMENT ON COLUMN campaign_brand_safety.garm_adult_sexual IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: adult and explicit sexual content.';
COMMENT ON COLUMN campaign_brand_safety.garm_arms_ammunition IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: arms and ammunition.';
COMMENT ON COLUMN campaign_brand_safety.garm_crime_harmful_acts IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: crime and harmful acts.';
COMMENT ON COLUMN campaign_brand_safety.garm_death_injury_conflict IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: death, injury or military conflict.';
COMMENT ON COLUMN campaign_brand_safety.garm_online_piracy IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: online piracy.';
COMMENT ON COLUMN campaign_brand_safety.garm_hate_speech IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: hate speech and acts of aggression.';
COMMENT ON COLUMN campaign_brand_safety.garm_obscenity_profanity IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: obscenity and profanity.';
COMMENT ON COLUMN campaign_brand_safety.garm_drugs_alcohol_tobacco IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: illegal drugs, tobacco, vaping, alcohol.';
COMMENT ON COLUMN campaign_brand_safety.garm_spam_harmful IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: spam or harmful content.';
COMMENT ON COLUMN campaign_brand_safety.garm_terrorism IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: terrorism.';
COMMENT ON COLUMN campaign_brand_safety.garm_sensitive_social_issues IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: debated sensitive social issues.';
COMMENT ON COLUMN campaign_brand_safety.garm_misinformation IS 'Highest GARM risk level (high, medium, low, none) the campaign accepts: misinformation.';
COMMENT ON COLUMN campaign_brand_safety.excludes_explicit IS 'The campaign excludes shows flagged explicit.';
COMMENT ON COLUMN campaign_brand_safety.updated_at IS 'When the row was last written by an import.';

-- campaign_targets
COMMENT ON COLUMN campaign_targets.tenant_id IS 'Tenant (podcast network) of the campaign.';
COMMENT ON COLUMN campaign_targets.campaign_id IS 'Campaign targeting the value.';
COMMENT ON COLUMN campaign_targets.dimension IS 'What is targeted: country, age_band, gender or topic.';
COMMENT ON COLUMN campaign_targets.value IS 'Targeted value: ISO 3166-1 alpha-2 country, age band (18-22 ...), gender, or IAB Content Taxonomy 3.1 id.';
COMMENT ON COLUMN campaign_targets.weight IS 'Relative weight (> 0, default 1) shaping the target age × gender histogram; countries and topics ignore it.';
COMMENT ON COLUMN campaign_targets.updated_at IS 'When the row was last written by an import.';

-- creator_dashboard
COMMENT ON COLUMN creator_dashboard.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN creator_dashboard.show_id IS 'Show of the row.';
COMMENT ON COLUMN creator_dashboard.episode_id IS 'Episode of the row; NULL for the show row.';
COMMENT ON COLUMN creator_dashboard.as_of IS 'Last day of the download windows (inclusive).';
COMMENT ON COLUMN creator_dashboard.show_title IS 'Show title.';
COMMENT ON COLUMN creator_dashboard.episode_title IS 'Episode title; NULL for the show row.';
COMMENT ON COLUMN creator_dashboard.published_at IS 'Day the episode was published; NULL for the show row.';
COMMENT ON COLUMN creator_dashboard.downloads_7d IS 'Downloads over the 7 days ending at as_of.';
COMMENT ON COLUMN creator_dashboard.downloads_prev_7d IS 'Downloads over the 7 days before those.';
COMMENT ON COLUMN creator_dashboard.trend_7d_pct IS '7-day trend, percent: (7d - previous 7d) / previous 7d × 100; NULL when the previous 7 days had none.';
COMMENT ON COLUMN creator_dashboard.downloads_30d IS 'Downloads over the 30 days ending at as_of.';
COMMENT ON COLUMN creator_dashboard.downloads_prev_30d IS 'Downloads over the 30 days before those.';
COMMENT ON COLUMN creator_dashboard.trend_30d_pct IS '30-day trend, percent: (30d - previous 30d) / previous 30d × 100; NULL when the previous 30 days had none.';
COMMENT ON COLUMN creator_dashboard.downloads_90d IS 'Downloads over the 90 days ending at as_of.';
COMMENT ON COLUMN creator_dashboard.episode_rank IS 'Rank of the episode in its show by 30-day downloads (1 = top episode); NULL for the show row.';
COMMENT ON COLUMN creator_dashboard.booked_impressions IS 'Impressions booked on the show''s (or episode''s) IOs.';
COMMENT ON COLUMN creator_dashboard.delivered_impressions IS 'Impressions delivered on those IOs so far.';
COMMENT ON COLUMN creator_dashboard.booked_revenue IS 'Sponsorship revenue booked, USD: booked impressions × CPM / 1000.';
COMMENT ON COLUMN creator_dashboard.delivered_revenue IS 'Sponsorship revenue delivered, USD: billable impressions (delivered, capped at booked) × CPM / 1000.';
COMMENT ON COLUMN creator_dashboard.active_sponsors IS 'Advertisers with a live IO on the show (or episode).';
COMMENT ON COLUMN creator_dashboard.computed_at IS 'When the creator_dashboard asset wrote the row.';

-- creator_source_split
COMMENT ON COLUMN creator_source_split.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN creator_source_split.show_id IS 'Show of the row.';
COMMENT ON COLUMN creator_source_split.source IS 'Reporting source (hosting platform, Spotify, Apple, Anchor, sheet).';
COMMENT ON COLUMN creator_source_split.as_of IS 'Last day of the 30-day window (inclusive).';
COMMENT ON COLUMN creator_source_split.downloads_30d IS 'Downloads the source reported for the show over the 30 days ending at as_of.';
COMMENT ON COLUMN creator_source_split.share_pct IS 'Share of the show''s 30-day downloads from this source, percent (0 to 100).';
COMMENT ON COLUMN creator_source_split.computed_at IS 'When the creator_dashboard asset wrote the row.';

-- advertiser_dashboard
COMMENT ON COLUMN advertiser_dashboard.tenant_id IS 'Tenant (podcast network) of the campaign.';
COMMENT ON COLUMN advertiser_dashboard.campaign_id IS 'Campaign of the row.';
COMMENT ON COLUMN advertiser_dashboard.io_id IS 'IO of the row; NULL for the campaign roll-up over its IOs.';
COMMENT ON COLUMN advertiser_dashboard.as_of IS 'Last day of metrics counted.';
COMMENT ON COLUMN advertiser_dashboard.advertiser_id IS 'Advertiser buying the campaign.';
COMMENT ON COLUMN advertiser_dashboard.advertiser_name IS 'Advertiser (brand) name.';
COMMENT ON COLUMN advertiser_dashboard.campaign_name IS 'Campaign name.';
COMMENT ON COLUMN advertiser_dashboard.show_id IS 'Show the IO runs on; NULL for the campaign row.';
COMMENT ON COLUMN advertiser_dashboard.status IS 'IO status (draft, scheduled, live, paused, completed, cancelled); NULL for the campaign row.';
COMMENT ON COLUMN advertiser_dashboard.flight_start IS 'First day of the flight (the earliest IO''s for the campaign row).';
COMMENT ON COLUMN advertiser_dashboard.flight_end IS 'Last day of the flight (the latest IO''s for the campaign row).';
COMMENT ON COLUMN advertiser_dashboard.booked_impressions IS 'Impressions booked.';
COMMENT ON COLUMN advertiser_dashboard.delivered_impressions IS 'Impressions delivered so far (downloads carrying the ad, IAB v2.2).';
COMMENT ON COLUMN advertiser_dashboard.percent_delivered IS 'delivered / booked × 100.';
COMMENT ON COLUMN advertiser_dashboard.pacing_ratio IS 'delivered / expected to date under even pacing (1.0 = on pace); NULL before the flight.';
COMMENT ON COLUMN advertiser_dashboard.booked_cost IS 'Cost booked, USD: booked impressions × CPM / 1000.';
COMMENT ON COLUMN advertiser_dashboard.spend_to_date IS 'Spend to date, USD: billable impressions (delivered, capped at booked) × CPM / 1000.';
COMMENT ON COLUMN advertiser_dashboard.effective_cpm IS 'Effective CPM, USD: spend to date / delivered × 1000 (below the booked CPM once an IO over-delivers); NULL until delivery.';
COMMENT ON COLUMN advertiser_dashboard.computed_at IS 'When the advertiser_dashboard asset wrote the row.';

-- advertiser_recommendations
COMMENT ON COLUMN advertiser_recommendations.tenant_id IS 'Tenant (podcast network) of the campaign.';
COMMENT ON COLUMN advertiser_recommendations.campaign_id IS 'Campaign the shows are recommended for.';
COMMENT ON COLUMN advertiser_recommendations.rank IS 'Rank of the recommendation (1 = best match score).';
COMMENT ON COLUMN advertiser_recommendations.show_id IS 'Recommended show.';
COMMENT ON COLUMN advertiser_recommendations.show_title IS 'Title of the recommended show.';
COMMENT ON COLUMN advertiser_recommendations.score IS 'Match score of the show for the campaign, 0 to 100 (matches.score).';
COMMENT ON COLUMN advertiser_recommendations.rationale IS 'Readable reasons for the score (matches.rationale).';
COMMENT ON COLUMN advertiser_recommendations.already_booked IS 'The campaign already has an IO on the show.';
COMMENT ON COLUMN advertiser_recommendations.computed_at IS 'When the advertiser_dashboard asset wrote the row.';

-- ops_alerts
COMMENT ON COLUMN ops_alerts.alert_id IS 'Alert id (identity).';
COMMENT ON COLUMN ops_alerts.tenant_id IS 'Tenant (podcast network) concerned; NULL for an import of a file carrying several tenants.';
COMMENT ON COLUMN ops_alerts.alert_type IS 'Kind of alert: io_under_pacing, flight_ending, make_good_owed, missing_promo_code, missing_vanity_url, import_failed, import_quarantined, sensor_lag, stale_source.';
COMMENT ON COLUMN ops_alerts.severity IS 'critical, warning or info.';
COMMENT ON COLUMN ops_alerts.entity_type IS 'What the alert is about (io, import, sensor, source series...).';
COMMENT ON COLUMN ops_alerts.entity_id IS 'Id of the IO, import, sensor or source series concerned.';
COMMENT ON COLUMN ops_alerts.metric IS 'The figure behind the alert: pacing ratio, days, rows or seconds, by alert type.';
COMMENT ON COLUMN ops_alerts.detail IS 'Readable alert text (says when an under-pacing IO is paused).';
COMMENT ON COLUMN ops_alerts.as_of IS 'Reference day of the ops dashboard run.';
COMMENT ON COLUMN ops_alerts.detected_at IS 'When the ops_dashboard asset raised the alert.';

-- events
COMMENT ON COLUMN events.event_id IS 'Event id (identity, increasing).';
COMMENT ON COLUMN events.tenant_id IS 'Tenant concerned; NULL for a file or system event not one tenant''s.';
COMMENT ON COLUMN events.event_type IS 'Event type, dotted (e.g. etl.completed, etl.error, io.status_changed, match.recalculated).';
COMMENT ON COLUMN events.entity_type IS 'Kind of entity the event is about (io_booking, campaign, import...).';
COMMENT ON COLUMN events.entity_id IS 'Id of the entity the event is about.';
COMMENT ON COLUMN events.payload IS 'Event details (JSON).';
COMMENT ON COLUMN events.dedupe_key IS 'Unique key making the event exactly-once (e.g. change_log:<change_id>).';
COMMENT ON COLUMN events.occurred_at IS 'When the change happened.';
COMMENT ON COLUMN events.recorded_at IS 'When the event was written.';

-- etl_imports
COMMENT ON COLUMN etl_imports.import_id IS 'Import id (identity); rows it loaded carry it.';
COMMENT ON COLUMN etl_imports.tenant_id IS 'Tenant of the source; NULL for a file carrying rows of several tenants.';
COMMENT ON COLUMN etl_imports.source_kind IS 'csv (landing or reference file), sheet (Google Sheets worksheet) or export (platform payload).';
COMMENT ON COLUMN etl_imports.source_uri IS 'Path or URL of the source read.';
COMMENT ON COLUMN etl_imports.checksum IS 'sha256 of the bytes read; a completed checksum is never imported twice.';
COMMENT ON COLUMN etl_imports.status IS 'running, completed or failed.';
COMMENT ON COLUMN etl_imports.rows_read IS 'Data rows read from the source (rows_loaded + rows_quarantined + rows_dropped once completed).';
COMMENT ON COLUMN etl_imports.rows_loaded IS 'Rows written to the target table.';
COMMENT ON COLUMN etl_imports.rows_quarantined IS 'Rows rejected into quarantined_rows with their reason.';
COMMENT ON COLUMN etl_imports.error IS 'Why the import failed; NULL unless failed.';
COMMENT ON COLUMN etl_imports.started_at IS 'When the import started.';
COMMENT ON COLUMN etl_imports.finished_at IS 'When the import completed or failed.';
COMMENT ON COLUMN etl_imports.failure_reason IS 'content (the bytes cannot load; not retried), error (retried next run) or interrupted (process died); NULL unless failed.';
COMMENT ON COLUMN etl_imports.retried_at IS 'When a later import of the same content superseded this failed row.';
COMMENT ON COLUMN etl_imports.rows_dropped IS 'Source entries deliberately not loaded (exact duplicates, range totals, out-of-vocabulary buckets).';
COMMENT ON COLUMN etl_imports.dropped_reasons IS 'Dropped rows per reason (JSON {reason: rows}).';
COMMENT ON COLUMN etl_imports.quarantined_reasons IS 'Quarantined rows per reason (JSON {reason: rows}).';

-- quarantined_rows
COMMENT ON COLUMN quarantined_rows.quarantine_id IS 'Quarantined row id (identity).';
COMMENT ON COLUMN quarantined_rows.import_id IS 'etl_imports row that rejected it.';
COMMENT ON COLUMN quarantined_rows.tenant_id IS 'Tenant of the row when it could be read.';
COMMENT ON COLUMN quarantined_rows.source_uri IS 'Path or URL of the source file, sheet or payload.';
COMMENT ON COLUMN quarantined_rows.row_number IS '1-based data row number in the source (the header is not counted).';
COMMENT ON COLUMN quarantined_rows.column_name IS 'Column that failed validation; NULL for a row-level reason.';
COMMENT ON COLUMN quarantined_rows.reason IS 'Why the row was rejected (the schema check that failed).';
COMMENT ON COLUMN quarantined_rows.raw_row IS 'The row as read from the source (JSON), for correction and reload.';
COMMENT ON COLUMN quarantined_rows.quarantined_at IS 'When the row was quarantined.';

-- change_log
COMMENT ON COLUMN change_log.change_id IS 'Change id (identity, increasing); sensor events carry dedupe_key change_log:<change_id>.';
COMMENT ON COLUMN change_log.tenant_id IS 'Tenant of the changed IO or campaign.';
COMMENT ON COLUMN change_log.entity_type IS 'io_booking (IO status) or campaign (deal stage).';
COMMENT ON COLUMN change_log.entity_id IS 'Id of the IO or campaign.';
COMMENT ON COLUMN change_log.from_value IS 'Status or stage before the change; NULL on insert.';
COMMENT ON COLUMN change_log.to_value IS 'Status or stage after the change.';
COMMENT ON COLUMN change_log.changed_at IS 'When the trigger recorded the change (clock time).';
COMMENT ON COLUMN change_log.txid IS 'Transaction id of the change; the sensors'' cursor uses it to see late commits.';

-- tenant_roles
COMMENT ON COLUMN tenant_roles.role_name IS 'Login role of a tenant (sponsor-pipeline tenant grant).';
COMMENT ON COLUMN tenant_roles.tenant_id IS 'The one tenant the login sees.';
COMMENT ON COLUMN tenant_roles.granted_at IS 'When the login was granted.';
