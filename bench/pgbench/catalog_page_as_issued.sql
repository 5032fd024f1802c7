-- The catalog page as ai-tracker issues it today (read off the Postgres log with
-- log_statement = all): five statements, every column of every row, the page read from
-- `idx_model_newest` (`announced_on DESC NULLS LAST, id`), organizations read through their
-- links in one join (with the model's id beside each), capability links alone and then the
-- capabilities they name. The service sends `IN ($1, ..., $n)` lists; `= ANY` with one array
-- parameter asks the same. run.sh passes :ids and :cap_ids, as the server holds them after the
-- statements before. Compare with catalog_page.sql.
SELECT * FROM model WHERE published
 ORDER BY announced_on DESC NULLS LAST, id LIMIT 51;
SELECT o.*, mo.model_id AS owner_id
  FROM organization o INNER JOIN model_organization mo ON o.id = mo.organization_id
 WHERE mo.model_id = ANY (:ids::int[]) ORDER BY mo.position;
SELECT * FROM model_capability WHERE model_id = ANY (:ids::int[]) ORDER BY status, id;
SELECT * FROM capability WHERE id = ANY (:cap_ids::int[]);
SELECT * FROM risk_assessment WHERE model_id = ANY (:ids::int[]) ORDER BY horizon, id;
