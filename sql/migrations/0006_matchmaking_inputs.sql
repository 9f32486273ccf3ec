-- 0006_matchmaking_inputs: what the match scores read besides metrics and IOs: show topics (IAB
-- Content Taxonomy 3.1 ids), show brand-safety profiles and campaign suitability limits (GARM Brand
-- Safety Floor + Suitability Framework: 12 categories, risk floor > high > medium > low > none),
-- campaign targets (countries, age bands, genders, topics); and per-signal columns on matches.
-- Idempotent.
-- depends: 0003_delivery_and_change_log

-- A show's topics. source 'apple_genre': mapped from shows.apple_genre through IAB's Podcast Genre
-- Mapping; 'editorial': set by the network's sales team.
CREATE TABLE IF NOT EXISTS show_topics (
    tenant_id   text NOT NULL,
    show_id     text NOT NULL,
    topic_id    text NOT NULL CHECK (topic_id ~ '^[A-Za-z0-9]{1,16}$'),  -- IAB Content Taxonomy 3.1 unique id
    source      text NOT NULL DEFAULT 'editorial' CHECK (source IN ('apple_genre', 'editorial')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id, topic_id),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id)
);

-- One row per show: the risk level of its content in each GARM category.
CREATE TABLE IF NOT EXISTS show_brand_safety (
    tenant_id                    text NOT NULL,
    show_id                      text NOT NULL,
    garm_adult_sexual            text NOT NULL DEFAULT 'none',
    garm_arms_ammunition         text NOT NULL DEFAULT 'none',
    garm_crime_harmful_acts      text NOT NULL DEFAULT 'none',
    garm_death_injury_conflict   text NOT NULL DEFAULT 'none',
    garm_online_piracy           text NOT NULL DEFAULT 'none',
    garm_hate_speech             text NOT NULL DEFAULT 'none',
    garm_obscenity_profanity     text NOT NULL DEFAULT 'none',
    garm_drugs_alcohol_tobacco   text NOT NULL DEFAULT 'none',
    garm_spam_harmful            text NOT NULL DEFAULT 'none',
    garm_terrorism               text NOT NULL DEFAULT 'none',
    garm_sensitive_social_issues text NOT NULL DEFAULT 'none',
    garm_misinformation          text NOT NULL DEFAULT 'none',
    assessed_on                  date,
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id),
    CHECK (ARRAY[garm_adult_sexual, garm_arms_ammunition, garm_crime_harmful_acts,
                 garm_death_injury_conflict, garm_online_piracy, garm_hate_speech,
                 garm_obscenity_profanity, garm_drugs_alcohol_tobacco, garm_spam_harmful,
                 garm_terrorism, garm_sensitive_social_issues, garm_misinformation]
           <@ ARRAY['floor', 'high', 'medium', 'low', 'none'])
);

-- One row per campaign: the highest risk level it accepts per GARM category ('floor' content is
-- never monetisable, so 'high' is the most a campaign can accept) and whether it excludes shows
-- flagged explicit.
CREATE TABLE IF NOT EXISTS campaign_brand_safety (
    tenant_id                    text NOT NULL,
    campaign_id                  text NOT NULL,
    garm_adult_sexual            text NOT NULL DEFAULT 'low',
    garm_arms_ammunition         text NOT NULL DEFAULT 'low',
    garm_crime_harmful_acts      text NOT NULL DEFAULT 'low',
    garm_death_injury_conflict   text NOT NULL DEFAULT 'low',
    garm_online_piracy           text NOT NULL DEFAULT 'low',
    garm_hate_speech             text NOT NULL DEFAULT 'low',
    garm_obscenity_profanity     text NOT NULL DEFAULT 'low',
    garm_drugs_alcohol_tobacco   text NOT NULL DEFAULT 'low',
    garm_spam_harmful            text NOT NULL DEFAULT 'low',
    garm_terrorism               text NOT NULL DEFAULT 'low',
    garm_sensitive_social_issues text NOT NULL DEFAULT 'low',
    garm_misinformation          text NOT NULL DEFAULT 'low',
    excludes_explicit            boolean NOT NULL DEFAULT false,
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, campaign_id),
    CHECK (ARRAY[garm_adult_sexual, garm_arms_ammunition, garm_crime_harmful_acts,
                 garm_death_injury_conflict, garm_online_piracy, garm_hate_speech,
                 garm_obscenity_profanity, garm_drugs_alcohol_tobacco, garm_spam_harmful,
                 garm_terrorism, garm_sensitive_social_issues, garm_misinformation]
           <@ ARRAY['high', 'medium', 'low', 'none'])
);

-- Campaign targeting, one row per targeted value. weight (> 0, default 1) shapes the target
-- age × gender histogram (e.g. female 2, male 1 for a female skew); countries and topics ignore it.
CREATE TABLE IF NOT EXISTS campaign_targets (
    tenant_id    text NOT NULL,
    campaign_id  text NOT NULL,
    dimension    text NOT NULL CHECK (dimension IN ('country', 'age_band', 'gender', 'topic')),
    value        text NOT NULL,
    weight       numeric(8, 4) NOT NULL DEFAULT 1 CHECK (weight > 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id, dimension, value),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, campaign_id),
    CHECK (dimension <> 'country' OR value ~ '^[A-Z]{2}$'),
    CHECK (dimension <> 'age_band' OR value IN ('0-17', '18-22', '23-27', '28-34', '35-44', '45-59', '60+')),
    CHECK (dimension <> 'gender' OR value IN ('female', 'male', 'non_binary', 'not_specified')),
    CHECK (dimension <> 'topic' OR value ~ '^[A-Za-z0-9]{1,16}$')
);

-- matches: one column per signal (each in [0, 1]) beside the jsonb details, and the top-N index.
ALTER TABLE matches ADD COLUMN IF NOT EXISTS geo_overlap numeric(6, 5) CHECK (geo_overlap BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS demographic_overlap numeric(6, 5) CHECK (demographic_overlap BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS topic_overlap numeric(6, 5) CHECK (topic_overlap BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS historical_lift numeric(6, 5) CHECK (historical_lift BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS inventory_fit numeric(6, 5) CHECK (inventory_fit BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS brand_safety numeric(6, 5) CHECK (brand_safety BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS brand_safety_conflict boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS ix_matches_campaign_score ON matches (tenant_id, campaign_id, score DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['show_topics', 'show_brand_safety', 'campaign_brand_safety', 'campaign_targets']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I TO sponsor_tenant '
            'USING (tenant_id = current_setting(''app.tenant_id'', true)) '
            'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO sponsor_tenant', t);
    END LOOP;
END
$$;
