-- verify_partitioning.sql: one row per object of sql/partitioning that is missing or wrong; run by
-- `sponsor-pipeline db verify --partitioned` (and migrate) after verify.sql.
WITH required (kind, name, detail) AS (
    VALUES
    -- 0001_partition_listener_metrics
    ('partitioned_table', 'listener_metrics', 'range (day)'),
    ('default_partition', 'listener_metrics_default', 'listener_metrics'),
    ('current_partition', 'listener_metrics', 'a partition holding the current month'),
    ('function', 'ensure_listener_metrics_partitions', 'from_day date, to_day date'),
    ('unique_index', 'ux_listener_metrics_key', 'listener_metrics'),
    ('rls', 'listener_metrics', NULL)
)
SELECT kind, name, detail
FROM required r
WHERE NOT CASE r.kind
    -- relkind 'p', range-partitioned on the single column `day`
    WHEN 'partitioned_table' THEN EXISTS (
        SELECT 1 FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
        WHERE n.nspname = current_schema() AND c.relname = r.name AND c.relkind = 'p'
          AND pt.partstrat = 'r' AND pt.partnatts = 1 AND a.attname = 'day')
    WHEN 'default_partition' THEN EXISTS (
        SELECT 1 FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = current_schema() AND c.relname = r.name AND p.relname = r.detail
          AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT')
    -- today's rows go to a monthly partition, not to the DEFAULT one
    WHEN 'current_partition' THEN EXISTS (
        SELECT 1 FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = current_schema() AND p.relname = r.name
          AND c.relname = format('listener_metrics_y%sm%s', to_char(current_date, 'YYYY'),
                                 to_char(current_date, 'MM')))
    WHEN 'function' THEN EXISTS (
        SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname = r.name
          AND pg_get_function_identity_arguments(p.oid) = r.detail)
    WHEN 'unique_index' THEN EXISTS (
        SELECT 1 FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        WHERE ic.relname = r.name AND tc.relname = r.detail AND i.indisunique AND i.indisvalid
          AND tc.relkind = 'p')
    WHEN 'rls' THEN EXISTS (
        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relname = r.name AND c.relrowsecurity)
        AND EXISTS (
        SELECT 1 FROM pg_policies p
        WHERE p.schemaname = current_schema() AND p.tablename = r.name
          AND p.policyname = 'tenant_isolation' AND 'sponsor_tenant' = ANY (p.roles))
    ELSE false
END
ORDER BY kind, name;
