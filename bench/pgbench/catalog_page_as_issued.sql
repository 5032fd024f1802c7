-- The catalog page as ai-tracker issues it today (read off the Postgres log with
-- log_statement = all): six statements, every column of every row, the page ordered by
-- `announced_on IS NULL` (which no index serves, so all 5,000 models are read and sorted),
-- and each relation and its target table in two round trips. The service sends `IN ($1, ...,
-- $n)` lists; `= ANY` with one array parameter asks the same. run.sh passes :ids, :org_ids and
-- :cap_ids, as the server holds them after the statement before. Compare with catalog_page.sql.
SELECT * FROM model WHERE published
 ORDER BY announced_on IS NULL, announced_on DESC, id LIMIT 51;
SELECT model_id, organization_id, position FROM model_organization
 WHERE model_id = ANY (:ids::int[]) ORDER BY position;
SELECT * FROM organization WHERE id = ANY (:org_ids::int[]);
SELECT * FROM model_capability WHERE model_id = ANY (:ids::int[]) ORDER BY status, id;
SELECT * FROM capability WHERE id = ANY (:cap_ids::int[]);
SELECT * FROM risk_assessment WHERE model_id = ANY (:ids::int[]) ORDER BY horizon, id;
