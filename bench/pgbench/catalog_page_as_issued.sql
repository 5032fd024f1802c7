-- The catalog page as ai-tracker issues it today (read off the Postgres log with
-- log_statement = all): four statements, every column of every row, the page read from
-- `idx_model_newest` (`announced_on DESC NULLS LAST, id`), and each relation read with its
-- target table in one join. The service sends `IN ($1, ..., $n)` lists; `= ANY` with one array
-- parameter asks the same. run.sh passes :ids, as the server holds them after the page
-- statement. Compare with catalog_page.sql.
SELECT * FROM model WHERE published
 ORDER BY announced_on DESC NULLS LAST, id LIMIT 51;
SELECT mo.model_id, mo.organization_id, mo.position, o.*
  FROM model_organization mo LEFT JOIN organization o ON mo.organization_id = o.id
 WHERE mo.model_id = ANY (:ids::int[]) ORDER BY mo.position;
SELECT mc.*, c.*
  FROM model_capability mc LEFT JOIN capability c ON mc.capability_id = c.id
 WHERE mc.model_id = ANY (:ids::int[]) ORDER BY mc.status, mc.id;
SELECT * FROM risk_assessment WHERE model_id = ANY (:ids::int[]) ORDER BY horizon, id;
